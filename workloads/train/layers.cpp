#include "workloads/train/layers.hpp"
#include "workloads/train/im2col.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <cblas.h>

namespace rowsim::train {

void set_blas_threads(int threads) { openblas_set_num_threads(threads); }

namespace {

void gemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
          float beta, float* c, int ldc) {
  if (m == 0 || n == 0) return;
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b,
              ldb, beta, c, ldc);
}

void grow(FloatBuffer& buf, size_t n) {
  if (buf.size() < n) buf.resize(n);
}

bool is_pointwise(const ConvGeometry& g) {
  return g.kernel_h == 1 && g.kernel_w == 1 && g.stride == 1 && g.pad == 0;
}

// Stride-1 convolutions whose output is the input's size (the 3x3 pad-1 ones of VGG and
// ResNet): in C x N x H x W, the column row (c, r, s) over images [n0, n1) is channel c's run of
// planes shifted by (r - pad) * w + (s - pad), except where the window leaves its image (those
// entries are zero). One copy per row instead of one per output line, which for the small late
// maps (4x4, 2x2) was mostly call overhead.
bool is_same_stride1(const ConvGeometry& g, const Tensor& in, int oh, int ow) {
  return g.stride == 1 && oh == in.h && ow == in.w;
}

// Entries of a column row whose window position, offset (dy, dx) from the output, lies outside
// its image: the rows at the top or bottom and the columns at the left or right of each image.
template <class Fn>
void for_each_outside(int images, int h, int w, int dy, int dx, Fn fn) {
  const int y_lo = std::min(h, std::max(0, -dy)), y_hi = std::max(y_lo, std::min(h, h - dy));
  const int x_lo = std::min(w, std::max(0, -dx)), x_hi = std::max(x_lo, std::min(w, w - dx));
  for (int i = 0; i < images; ++i) {
    const size_t base = size_t(i) * h * w;
    fn(base, base + size_t(y_lo) * w);
    fn(base + size_t(y_hi) * w, base + size_t(h) * w);
    if (x_lo == 0 && x_hi == w) continue;
    for (int y = y_lo; y < y_hi; ++y) {
      fn(base + size_t(y) * w, base + size_t(y) * w + x_lo);
      fn(base + size_t(y) * w + x_hi, base + size_t(y + 1) * w);
    }
  }
}

// Positions j of a run of `len` whose shifted partner j + shift is inside the run too. Every
// entry inside its image has its partner in the same image, so the others are all outside.
void shifted_range(size_t len, long shift, size_t& lo, size_t& hi) {
  lo = shift < 0 ? std::min(len, size_t(-shift)) : 0;
  hi = shift > 0 ? (size_t(shift) >= len ? 0 : len - size_t(shift)) : len;
  if (hi < lo) hi = lo;
}

// Rows (c, r, s) of channels [c0, c0 + cg), columns (image, oy, ox) of images [n0, n1).
void im2col_tensor(const Tensor& in, const ConvGeometry& g, int c0, int cg, int n0, int n1, int oh, int ow,
                   float* col) {
  if (is_same_stride1(g, in, oh, ow)) {
    const size_t cols = size_t(n1 - n0) * in.plane();
    for (int c = 0; c < cg; ++c) {
      const float* src = in.channel(c0 + c) + size_t(n0) * in.plane();
      for (int r = 0; r < g.kernel_h; ++r)
        for (int s = 0; s < g.kernel_w; ++s) {
          float* row = col + (size_t(c * g.kernel_h + r) * g.kernel_w + s) * cols;
          const int dy = r - g.pad, dx = s - g.pad;
          size_t lo, hi;
          shifted_range(cols, long(dy) * in.w + dx, lo, hi);
          const long shift = long(dy) * in.w + dx;
          if (hi > lo) std::memcpy(row + lo, src + (long(lo) + shift), (hi - lo) * sizeof(float));
          for_each_outside(n1 - n0, in.h, in.w, dy, dx,
                           [row](size_t b, size_t e) { std::fill(row + b, row + e, 0.0f); });
        }
    }
    return;
  }
  im2col([&](int c, int i) { return in.v.data() + (size_t(c0 + c) * in.n + n0 + i) * in.plane(); }, in.h, in.w, g,
         cg, n1 - n0, oh, ow, col);
}

// The adjoint of im2col: adds column gradients back into the input gradient. Scratch: the stride-1
// path zeroes the entries of `col` that fall outside their image, then adds each row in one pass.
void col2im(float* col, const ConvGeometry& g, int c0, int cg, int n0, int n1, int oh, int ow, Tensor& d_in) {
  const size_t cols = size_t(n1 - n0) * oh * ow;
  if (is_same_stride1(g, d_in, oh, ow)) {
    for (int c = 0; c < cg; ++c) {
      float* dst = d_in.channel(c0 + c) + size_t(n0) * d_in.plane();
      for (int r = 0; r < g.kernel_h; ++r)
        for (int s = 0; s < g.kernel_w; ++s) {
          float* row = col + (size_t(c * g.kernel_h + r) * g.kernel_w + s) * cols;
          const int dy = r - g.pad, dx = s - g.pad;
          for_each_outside(n1 - n0, d_in.h, d_in.w, dy, dx,
                           [row](size_t b, size_t e) { std::fill(row + b, row + e, 0.0f); });
          size_t lo, hi;
          const long shift = long(dy) * d_in.w + dx;
          shifted_range(cols, shift, lo, hi);
          for (size_t j = lo; j < hi; ++j) dst[long(j) + shift] += row[j];
        }
    }
    return;
  }
  for (int c = 0; c < cg; ++c)
    for (int r = 0; r < g.kernel_h; ++r)
      for (int s = 0; s < g.kernel_w; ++s) {
        const float* row = col + (size_t(c * g.kernel_h + r) * g.kernel_w + s) * cols;
        const int offset = s - g.pad;
        int lo, hi;
        valid_range(ow, d_in.w, g.stride, offset, lo, hi);
        for (int n = n0; n < n1; ++n) {
          float* plane = d_in.v.data() + (size_t(c0 + c) * d_in.n + n) * d_in.plane();
          for (int oy = 0; oy < oh; ++oy) {
            int iy = oy * g.stride - g.pad + r;
            if (iy < 0 || iy >= d_in.h) continue;
            const float* src = row + (size_t(n - n0) * oh + oy) * ow;
            float* dst = plane + size_t(iy) * d_in.w + offset;
            if (g.stride == 1)
              for (int ox = lo; ox < hi; ++ox) dst[ox] += src[ox];
            else
              for (int ox = lo; ox < hi; ++ox) dst[ox * g.stride] += src[ox];
          }
        }
      }
}

}  // namespace

// g where a ReLU passed its input (output y > 0), else 0, computed with a bit mask: a branch on
// the sign of activations mispredicts about half the time and costs more than the whole pass,
// and the compiler vectorizes the mask where it does not vectorize a select.
static inline float pass_if_positive(float g, float y) {
  uint32_t bits;
  std::memcpy(&bits, &g, 4);
  bits &= 0u - uint32_t(y > 0.0f);
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

namespace {

// Sums the per-thread partial gradients in thread order into `out`.
void reduce_partials(const Workspace& ws, int threads, size_t n, float* out) {
  std::memcpy(out, ws.partial[0].data(), n * sizeof(float));
  for (int t = 1; t < threads; ++t) {
    const float* p = ws.partial[size_t(t)].data();
    for (size_t i = 0; i < n; ++i) out[i] += p[i];
  }
}

// Sums in blocks of 256 floats (vectorized, in an order fixed by the code) added up in double,
// so the result is accurate for the 100k+ elements of one channel over a batch.
template <typename Term>
double blocked_sum(size_t n, Term term) {
  double total = 0;
  for (size_t b = 0; b < n; b += 256) {
    size_t e = std::min(n, b + 256);
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = b;
    for (; i + 8 <= e; i += 8)
      for (int k = 0; k < 8; ++k) acc[k] += term(i + size_t(k));
    float part = 0;
    for (; i < e; ++i) part += term(i);
    total += double(((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))) + part;
  }
  return total;
}

double sum(const float* x, size_t n) {
  return blocked_sum(n, [x](size_t i) { return x[i]; });
}
double sum_squared_deviation(const float* x, size_t n, float mean) {
  return blocked_sum(n, [x, mean](size_t i) { return (x[i] - mean) * (x[i] - mean); });
}
double sum_product_deviation(const float* y, const float* x, size_t n, float mean) {
  return blocked_sum(n, [x, y, mean](size_t i) { return y[i] * (x[i] - mean); });
}

}  // namespace

int images_per_block(int k, int pixels, size_t value_bytes) {
  const int target_cols = std::max(256, int((size_t(1) << 20) / value_bytes) / std::max(k, 1));
  return std::max(1, target_cols / std::max(pixels, 1));
}

void conv_forward(ThreadPool& pool, Workspace& ws, const ConvGeometry& g, const Tensor& in, const float* weight,
                  const float* bias, Tensor& out) {
  const int oh = g.out_h(in.h), ow = g.out_w(in.w);
  out.resize(g.out_channels, in.n, oh, ow);
  const int cg = in.c / g.groups, mg = g.out_channels / g.groups;
  const int k = cg * g.kernel_h * g.kernel_w;
  const int ld_out = in.n * oh * ow;
  const int block = images_per_block(k, oh * ow, sizeof(float));
  pool.run(in.n, [&](int t, int64_t b, int64_t e) {
    for (int n0 = int(b); n0 < int(e); n0 += block) {
      const int n1 = std::min(int(e), n0 + block);
      const int cols = (n1 - n0) * oh * ow;
      for (int grp = 0; grp < g.groups; ++grp) {
        const float* wg = weight + size_t(grp) * mg * k;
        float* dst = out.v.data() + size_t(grp) * mg * ld_out + size_t(n0) * oh * ow;
        if (is_pointwise(g)) {
          const float* src = in.channel(grp * cg) + size_t(n0) * in.plane();
          gemm(false, false, mg, cols, k, 1.0f, wg, k, src, in.n * int(in.plane()), 0.0f, dst, ld_out);
        } else {
          auto& col = ws.col[size_t(t)];
          grow(col, size_t(k) * cols);
          im2col_tensor(in, g, grp * cg, cg, n0, n1, oh, ow, col.data());
          gemm(false, false, mg, cols, k, 1.0f, wg, k, col.data(), cols, 0.0f, dst, ld_out);
        }
        if (bias)
          for (int m = 0; m < mg; ++m) {
            float bv = bias[grp * mg + m];
            float* row = dst + size_t(m) * ld_out;
            for (int i = 0; i < cols; ++i) row[i] += bv;
          }
      }
    }
  });
}

void conv_backward(ThreadPool& pool, Workspace& ws, const ConvGeometry& g, const Tensor& in, const float* weight,
                   const Tensor& d_out, Tensor* d_in, float* d_weight, float* d_bias) {
  const int oh = d_out.h, ow = d_out.w;
  const int cg = in.c / g.groups, mg = g.out_channels / g.groups;
  const int k = cg * g.kernel_h * g.kernel_w;
  const int ld_out = in.n * oh * ow;
  const size_t wsize = size_t(g.out_channels) * k;
  const int threads = pool.size();
  const int block = images_per_block(k, oh * ow, sizeof(float));
  pool.run(in.n, [&](int t, int64_t b, int64_t e) {
    auto& part = ws.partial[size_t(t)];
    grow(part, wsize);
    std::fill(part.begin(), part.begin() + long(wsize), 0.0f);
    for (int n0 = int(b); n0 < int(e); n0 += block) {
      const int n1 = std::min(int(e), n0 + block);
      const int cols = (n1 - n0) * oh * ow;
      for (int grp = 0; grp < g.groups; ++grp) {
        const float* wg = weight + size_t(grp) * mg * k;
        const float* dy = d_out.v.data() + size_t(grp) * mg * ld_out + size_t(n0) * oh * ow;
        float* dw = part.data() + size_t(grp) * mg * k;
        if (is_pointwise(g)) {
          const float* src = in.channel(grp * cg) + size_t(n0) * in.plane();
          const int ld_in = in.n * int(in.plane());
          gemm(false, true, mg, k, cols, 1.0f, dy, ld_out, src, ld_in, 1.0f, dw, k);
          if (d_in) {
            float* dx = d_in->channel(grp * cg) + size_t(n0) * in.plane();
            gemm(true, false, k, cols, mg, 1.0f, wg, k, dy, ld_out, 1.0f, dx, ld_in);
          }
          continue;
        }
        auto& col = ws.col[size_t(t)];
        grow(col, size_t(k) * cols);
        im2col_tensor(in, g, grp * cg, cg, n0, n1, oh, ow, col.data());
        gemm(false, true, mg, k, cols, 1.0f, dy, ld_out, col.data(), cols, 1.0f, dw, k);
        if (d_in) {
          auto& dcol = ws.col_grad[size_t(t)];
          grow(dcol, size_t(k) * cols);
          gemm(true, false, k, cols, mg, 1.0f, wg, k, dy, ld_out, 0.0f, dcol.data(), cols);
          col2im(dcol.data(), g, grp * cg, cg, n0, n1, oh, ow, *d_in);
        }
      }
    }
  });
  reduce_partials(ws, threads, wsize, d_weight);
  if (d_bias) {
    // Per channel over the whole batch: one thread per channel range, fixed order.
    pool.run(g.out_channels, [&](int, int64_t b, int64_t e) {
      for (int64_t m = b; m < e; ++m) d_bias[m] = float(sum(d_out.channel(int(m)), size_t(ld_out)));
    });
  }
}

namespace {

// Columns [n0, n1) of the flattened input: X[(c, y, x)][image].
const float* flatten_slice(const Tensor& in, int n0, int n1, FloatBuffer& buf, int& ld) {
  if (in.h == 1 && in.w == 1) {
    ld = in.n;
    return in.v.data() + n0;
  }
  const int cols = n1 - n0;
  const size_t plane = in.plane();
  grow(buf, size_t(in.c) * plane * cols);
  for (int c = 0; c < in.c; ++c)
    for (int n = n0; n < n1; ++n) {
      const float* src = in.v.data() + (size_t(c) * in.n + n) * plane;
      for (size_t p = 0; p < plane; ++p) buf[(size_t(c) * plane + p) * cols + size_t(n - n0)] = src[p];
    }
  ld = cols;
  return buf.data();
}

}  // namespace

void fc_forward(ThreadPool& pool, Workspace& ws, int out_features, const Tensor& in, const float* weight,
                const float* bias, Tensor& out) {
  const int k = in.c * in.h * in.w;
  out.resize(out_features, in.n, 1, 1);
  pool.run(in.n, [&](int t, int64_t b, int64_t e) {
    int n0 = int(b), n1 = int(e);
    if (n0 == n1) return;
    int ld;
    const float* x = flatten_slice(in, n0, n1, ws.col[size_t(t)], ld);
    gemm(false, false, out_features, n1 - n0, k, 1.0f, weight, k, x, ld, 0.0f, out.v.data() + n0, in.n);
    if (bias)
      for (int m = 0; m < out_features; ++m)
        for (int n = n0; n < n1; ++n) out.v[size_t(m) * in.n + n] += bias[m];
  });
}

void fc_backward(ThreadPool& pool, Workspace& ws, int out_features, const Tensor& in, const float* weight,
                 const Tensor& d_out, Tensor* d_in, float* d_weight, float* d_bias) {
  const int k = in.c * in.h * in.w;
  const size_t wsize = size_t(out_features) * k;
  const int threads = pool.size();
  pool.run(in.n, [&](int t, int64_t b, int64_t e) {
    auto& part = ws.partial[size_t(t)];
    grow(part, wsize);
    std::fill(part.begin(), part.begin() + long(wsize), 0.0f);
    int n0 = int(b), n1 = int(e);
    if (n0 == n1) return;
    const int cols = n1 - n0;
    int ld;
    const float* x = flatten_slice(in, n0, n1, ws.col[size_t(t)], ld);
    const float* dy = d_out.v.data() + n0;
    gemm(false, true, out_features, k, cols, 1.0f, dy, in.n, x, ld, 0.0f, part.data(), k);
    if (!d_in) return;
    if (in.h == 1 && in.w == 1) {
      gemm(true, false, k, cols, out_features, 1.0f, weight, k, dy, in.n, 1.0f, d_in->v.data() + n0, in.n);
      return;
    }
    auto& dx = ws.col_grad[size_t(t)];
    grow(dx, size_t(k) * cols);
    gemm(true, false, k, cols, out_features, 1.0f, weight, k, dy, in.n, 0.0f, dx.data(), cols);
    const size_t plane = in.plane();
    for (int c = 0; c < in.c; ++c)
      for (int n = n0; n < n1; ++n) {
        float* dst = d_in->v.data() + (size_t(c) * in.n + n) * plane;
        for (size_t p = 0; p < plane; ++p) dst[p] += dx[(size_t(c) * plane + p) * cols + size_t(n - n0)];
      }
  });
  reduce_partials(ws, threads, wsize, d_weight);
  if (d_bias)
    for (int m = 0; m < out_features; ++m) {
      double s = 0;
      for (int n = 0; n < in.n; ++n) s += d_out.v[size_t(m) * in.n + n];
      d_bias[m] = float(s);
    }
}

void pool_forward(ThreadPool& pool, const PoolGeometry& g, const Tensor& in, Tensor& out, std::vector<int32_t>& argmax) {
  const int oh = (in.h + 2 * g.pad - g.kernel_h) / g.stride + 1;
  const int ow = (in.w + 2 * g.pad - g.kernel_w) / g.stride + 1;
  out.resize(in.c, in.n, oh, ow);
  if (g.max) argmax.resize(out.size());
  const float inv_area = 1.0f / float(g.kernel_h * g.kernel_w);
  pool.run(int64_t(in.c) * in.n, [&](int, int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      const float* src = in.v.data() + size_t(p) * in.plane();
      float* dst = out.v.data() + size_t(p) * out.plane();
      int32_t* arg = g.max ? argmax.data() + size_t(p) * out.plane() : nullptr;
      if (g.max && g.kernel_h == 2 && g.kernel_w == 2 && g.stride == 2 && g.pad == 0) {
        // The common VGG/gate case, without bounds checks.
        for (int oy = 0; oy < oh; ++oy)
          for (int ox = 0; ox < ow; ++ox) {
            // Selects instead of branches: which input wins is random, so branches mispredict.
            const int i0 = 2 * oy * in.w + 2 * ox;
            int best = i0;
            float v = src[i0];
            for (int j : {i0 + 1, i0 + in.w, i0 + in.w + 1}) {
              const bool more = src[j] > v;  // strict: the first maximum wins ties
              best = more ? j : best;
              v = more ? src[j] : v;
            }
            dst[oy * ow + ox] = v;
            arg[oy * ow + ox] = best;
          }
        continue;
      }
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          float best = -std::numeric_limits<float>::infinity(), sum = 0;
          int32_t where = -1;
          for (int r = 0; r < g.kernel_h; ++r) {
            int iy = oy * g.stride - g.pad + r;
            if (iy < 0 || iy >= in.h) continue;
            for (int s = 0; s < g.kernel_w; ++s) {
              int ix = ox * g.stride - g.pad + s;
              if (ix < 0 || ix >= in.w) continue;
              float v = src[iy * in.w + ix];
              sum += v;
              if (v > best) {
                best = v;
                where = iy * in.w + ix;
              }
            }
          }
          if (g.max) {
            dst[oy * ow + ox] = best;
            arg[oy * ow + ox] = where;
          } else {
            dst[oy * ow + ox] = sum * inv_area;
          }
        }
    }
  });
}

void pool_backward(ThreadPool& pool, const PoolGeometry& g, const Tensor& d_out, const std::vector<int32_t>& argmax,
                   Tensor& d_in) {
  const float inv_area = 1.0f / float(g.kernel_h * g.kernel_w);
  pool.run(int64_t(d_in.c) * d_in.n, [&](int, int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      const float* dy = d_out.v.data() + size_t(p) * d_out.plane();
      float* dx = d_in.v.data() + size_t(p) * d_in.plane();
      if (g.max) {
        const int32_t* arg = argmax.data() + size_t(p) * d_out.plane();
        for (size_t i = 0; i < d_out.plane(); ++i) dx[arg[i]] += dy[i];
        continue;
      }
      for (int oy = 0; oy < d_out.h; ++oy)
        for (int ox = 0; ox < d_out.w; ++ox) {
          float v = dy[oy * d_out.w + ox] * inv_area;
          for (int r = 0; r < g.kernel_h; ++r) {
            int iy = oy * g.stride - g.pad + r;
            if (iy < 0 || iy >= d_in.h) continue;
            for (int s = 0; s < g.kernel_w; ++s) {
              int ix = ox * g.stride - g.pad + s;
              if (ix >= 0 && ix < d_in.w) dx[iy * d_in.w + ix] += v;
            }
          }
        }
    }
  });
}

void relu_forward(ThreadPool& pool, const Tensor& in, Tensor& out) {
  out.resize(in.c, in.n, in.h, in.w);
  pool.run(int64_t(in.size()), [&](int, int64_t b, int64_t e) {
    const float* x = in.v.data();
    float* y = out.v.data();
    for (int64_t i = b; i < e; ++i) y[i] = std::max(x[i], 0.0f);
  });
}

void relu_backward(ThreadPool& pool, const Tensor& out, const Tensor& d_out, Tensor& d_in) {
  pool.run(int64_t(out.size()), [&](int, int64_t b, int64_t e) {
    const float* o = out.v.data();
    const float* dy = d_out.v.data();
    float* dx = d_in.v.data();
    for (int64_t i = b; i < e; ++i) dx[i] += pass_if_positive(dy[i], o[i]);
  });
}

void batchnorm_forward(ThreadPool& pool, const Tensor& in, const float* gamma, const float* beta, bool training,
                       BatchNormState& st, Tensor& out, bool relu) {
  out.resize(in.c, in.n, in.h, in.w);
  const size_t count = size_t(in.n) * in.plane();
  if (training) {
    st.saved_mean.resize(size_t(in.c));
    st.saved_invstd.resize(size_t(in.c));
  }
  pool.run(in.c, [&](int, int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      const float* x = in.channel(int(c));
      float* y = out.channel(int(c));
      float mean, invstd;
      if (training) {
        double m = sum(x, count) / double(count);
        double ss = sum_squared_deviation(x, count, float(m));
        double var = ss / double(count);
        mean = float(m);
        invstd = float(1.0 / std::sqrt(var + kBatchNormEps));
        st.saved_mean[size_t(c)] = mean;
        st.saved_invstd[size_t(c)] = invstd;
        double unbiased = count > 1 ? ss / double(count - 1) : var;
        st.running_mean[size_t(c)] = (1 - kBatchNormMomentum) * st.running_mean[size_t(c)] + kBatchNormMomentum * mean;
        st.running_var[size_t(c)] =
            (1 - kBatchNormMomentum) * st.running_var[size_t(c)] + kBatchNormMomentum * float(unbiased);
      } else {
        mean = st.running_mean[size_t(c)];
        invstd = 1.0f / std::sqrt(st.running_var[size_t(c)] + kBatchNormEps);
      }
      float scale = gamma[c] * invstd, shift = beta[c] - mean * scale;
      if (relu) {
        for (size_t i = 0; i < count; ++i) y[i] = std::max(x[i] * scale + shift, 0.0f);
      } else {
        for (size_t i = 0; i < count; ++i) y[i] = x[i] * scale + shift;
      }
    }
  });
}

void batchnorm_backward(ThreadPool& pool, Workspace& ws, const Tensor& in, const float* gamma, const BatchNormState& st,
                        const Tensor& d_out, Tensor& d_in, float* d_gamma, float* d_beta, const Tensor* relu_out) {
  const size_t count = size_t(in.n) * in.plane();
  pool.run(in.c, [&](int t, int64_t b, int64_t e) {
    auto& masked = ws.masked[size_t(t)];  // the fused ReLU's gradient, one channel at a time
    for (int64_t c = b; c < e; ++c) {
      const float* x = in.channel(int(c));
      const float* dy = d_out.channel(int(c));
      float* dx = d_in.channel(int(c));
      if (relu_out) {
        // Masking into a buffer first keeps the loops below simple enough to vectorize; folding
        // the mask into them made this pass ten times slower.
        const float* y = relu_out->channel(int(c));
        grow(masked, count);
        for (size_t i = 0; i < count; ++i) masked[i] = pass_if_positive(dy[i], y[i]);
        dy = masked.data();
      }
      const float mean = st.saved_mean[size_t(c)], invstd = st.saved_invstd[size_t(c)];
      double sdy = sum(dy, count), sdyx = sum_product_deviation(dy, x, count, mean);
      const float dbeta = float(sdy), dgamma = float(sdyx * invstd);
      d_gamma[c] = dgamma;
      d_beta[c] = dbeta;
      // dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat))
      const float k = gamma[c] * invstd;
      const float mdy = float(sdy / double(count)), mdyx = float(double(dgamma) / double(count));
      for (size_t i = 0; i < count; ++i) {
        float xhat = (x[i] - mean) * invstd;
        dx[i] += k * (dy[i] - mdy - xhat * mdyx);
      }
    }
  });
}

void affine_forward(ThreadPool& pool, const Tensor& in, const float* scale, const float* shift, Tensor& out) {
  out.resize(in.c, in.n, in.h, in.w);
  const size_t count = size_t(in.n) * in.plane();
  pool.run(in.c, [&](int, int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      const float* x = in.channel(int(c));
      float* y = out.channel(int(c));
      for (size_t i = 0; i < count; ++i) y[i] = x[i] * scale[c] + shift[c];
    }
  });
}

void add_forward(ThreadPool& pool, const Tensor& a, const Tensor& b, Tensor& out, bool relu) {
  out.resize(a.c, a.n, a.h, a.w);
  pool.run(int64_t(a.size()), [&](int, int64_t lo, int64_t hi) {
    const float* x = a.v.data();
    const float* y = b.v.data();
    float* z = out.v.data();
    if (relu)
      for (int64_t i = lo; i < hi; ++i) z[i] = std::max(x[i] + y[i], 0.0f);
    else
      for (int64_t i = lo; i < hi; ++i) z[i] = x[i] + y[i];
  });
}

void accumulate_masked(ThreadPool& pool, const Tensor& d_out, const Tensor& relu_out, Tensor& d_in) {
  pool.run(int64_t(d_out.size()), [&](int, int64_t lo, int64_t hi) {
    const float* dy = d_out.v.data();
    const float* y = relu_out.v.data();
    float* dx = d_in.v.data();
    for (int64_t i = lo; i < hi; ++i) dx[i] += pass_if_positive(dy[i], y[i]);
  });
}

void accumulate(ThreadPool& pool, const Tensor& d_out, Tensor& d_in) {
  pool.run(int64_t(d_out.size()), [&](int, int64_t lo, int64_t hi) {
    const float* dy = d_out.v.data();
    float* dx = d_in.v.data();
    for (int64_t i = lo; i < hi; ++i) dx[i] += dy[i];
  });
}

double softmax_cross_entropy(const Tensor& logits, const int32_t* labels, Tensor& d_logits, int* correct) {
  const int classes = logits.c, n = logits.n;
  d_logits.resize(classes, n, 1, 1);
  double loss = 0;
  int right = 0;
  std::vector<double> p(static_cast<size_t>(classes));
  for (int i = 0; i < n; ++i) {
    double mx = -std::numeric_limits<double>::infinity();
    int best = 0;
    for (int k = 0; k < classes; ++k) {
      double v = logits.v[size_t(k) * n + i];
      if (v > mx) {
        mx = v;
        best = k;
      }
    }
    if (best == labels[i]) ++right;
    double sum = 0;
    for (int k = 0; k < classes; ++k) sum += (p[size_t(k)] = std::exp(double(logits.v[size_t(k) * n + i]) - mx));
    loss += std::log(sum) - (double(logits.v[size_t(labels[i]) * n + i]) - mx);
    for (int k = 0; k < classes; ++k)
      d_logits.v[size_t(k) * n + i] = float((p[size_t(k)] / sum - (k == labels[i] ? 1.0 : 0.0)) / n);
  }
  if (correct) *correct = right;
  return loss / n;
}

std::vector<int32_t> predictions(const Tensor& logits) {
  std::vector<int32_t> out(size_t(logits.n));
  for (int i = 0; i < logits.n; ++i) {
    int best = 0;
    for (int k = 1; k < logits.c; ++k)
      if (logits.v[size_t(k) * logits.n + i] > logits.v[size_t(best) * logits.n + i]) best = k;
    out[size_t(i)] = best;
  }
  return out;
}

}  // namespace rowsim::train
