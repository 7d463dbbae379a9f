#include "workloads/reference_ops.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

namespace rowsim {
namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("reference op: " + what);
}

// The output of a window sliding over `in` with padding `p` (channels kept).
Shape window_shape(const Shape& in, int kh, int kw, int stride, const Padding& p, bool ceil_mode) {
  Shape out{in.c, window_output_size(in.h, kh, stride, p.top, p.bottom, ceil_mode),
            window_output_size(in.w, kw, stride, p.left, p.right, ceil_mode)};
  require(out.h >= 1 && out.w >= 1, "window larger than its padded input");
  return out;
}

int16_t write_out(int64_t acc, int shift, const QFormat& q, bool relu) {
  int16_t v = requantize(acc, shift, q);
  return relu && v < 0 ? int16_t(0) : v;
}

}  // namespace

int64_t divide_round(int64_t n, int64_t d) {
  int64_t mag = n < 0 ? -n : n;
  int64_t r = (2 * mag + d) / (2 * d);
  return n < 0 ? -r : r;
}

ConvGeometry conv_geometry(const Layer& layer) {
  return {layer.out_channels, layer.kernel_h, layer.kernel_w, layer.stride, layer.pad, layer.groups};
}

FixedTensor conv2d(const FixedTensor& in, const FixedLayerParams& params, const ConvGeometry& g, const QFormat& out_q,
                   bool relu) {
  return conv2d(in, params, g, Padding{g.pad, g.pad, g.pad, g.pad}, out_q, relu);
}

FixedTensor conv2d(const FixedTensor& in, const FixedLayerParams& params, const ConvGeometry& g, const Padding& p,
                   const QFormat& out_q, bool relu) {
  require(g.groups >= 1 && in.shape.c % g.groups == 0 && g.out_channels % g.groups == 0, "groups must divide channels");
  const int C = in.shape.c / g.groups, M = g.out_channels / g.groups, R = g.kernel_h, S = g.kernel_w;
  const int H = in.shape.h, W = in.shape.w, U = g.stride;
  const int pad_h = p.top, pad_w = p.left;
  Shape out_shape = window_shape(in.shape, R, S, U, p, false);
  out_shape.c = g.out_channels;
  const int E = out_shape.h, F = out_shape.w;
  require(params.weights.size() == size_t(g.out_channels) * C * R * S, "weight count does not match the layer");
  require(params.bias.empty() || params.bias.size() == size_t(g.out_channels), "bias count does not match");
  const int shift = in.q.frac + params.weight_q.frac - out_q.frac;

  FixedTensor out(in.n, out_shape, out_q);
  std::vector<int64_t> acc(size_t(E) * F);
  for (int b = 0; b < in.n; ++b)
    for (int grp = 0; grp < g.groups; ++grp)
      for (int mm = 0; mm < M; ++mm) {
        const int m = grp * M + mm;
        std::fill(acc.begin(), acc.end(), params.bias.empty() ? 0 : params.bias[size_t(m)]);
        for (int c = 0; c < C; ++c) {
          const int16_t* plane = &in.data[in.index(b, grp * C + c, 0, 0)];
          if (R == 1 && S == 1 && U == 1 && pad_h == 0 && pad_w == 0 && E == H && F == W) {
            // 1x1, stride 1, no padding: the output plane is the input plane scaled, in one loop
            // (bottleneck layers on small maps would otherwise run rows of a few columns).
            const int32_t w = params.weights[size_t(m) * C + c];
            if (w == 0) continue;
            int64_t* a = acc.data();
            for (size_t i = 0; i < acc.size(); ++i) a[i] += w * int32_t(plane[i]);
            continue;
          }
          for (int r = 0; r < R; ++r)
            for (int s = 0; s < S; ++s) {
              const int32_t w = params.weights[((size_t(m) * C + c) * R + r) * S + s];
              if (w == 0) continue;
              // Output columns whose input column x*U + s - pad_w lies inside the map.
              const int last = W - 1 + pad_w - s;  // x*U <= last
              if (last < 0) continue;
              int x_lo = std::max(0, (pad_w - s + U - 1) / U), x_hi = std::min(F, last / U + 1);
              for (int y = 0; y < E; ++y) {
                const int iy = y * U + r - pad_h;
                if (iy < 0 || iy >= H) continue;
                const int16_t* row = plane + size_t(iy) * W + (s - pad_w);
                int64_t* a = &acc[size_t(y) * F];
                for (int x = x_lo; x < x_hi; ++x) a[x] += w * int32_t(row[x * U]);
              }
            }
        }
        int16_t* dst = &out.data[out.index(b, m, 0, 0)];
        for (size_t i = 0; i < acc.size(); ++i) dst[i] = write_out(acc[i], shift, out_q, relu);
      }
  return out;
}

FixedTensor fully_connected(const FixedTensor& in, const FixedLayerParams& params, int out_features,
                            const QFormat& out_q, bool relu) {
  const int64_t K = in.image_elements();
  require(params.weights.size() == size_t(out_features) * size_t(K), "weight count does not match the layer");
  require(params.bias.empty() || params.bias.size() == size_t(out_features), "bias count does not match");
  const int shift = in.q.frac + params.weight_q.frac - out_q.frac;
  FixedTensor out(in.n, Shape{out_features, 1, 1}, out_q);
  for (int b = 0; b < in.n; ++b) {
    const int16_t* x = &in.data[size_t(b) * size_t(K)];
    for (int m = 0; m < out_features; ++m) {
      const int16_t* w = &params.weights[size_t(m) * size_t(K)];
      int64_t acc = params.bias.empty() ? 0 : params.bias[size_t(m)];
      for (int64_t i = 0; i < K; ++i) acc += int32_t(w[i]) * int32_t(x[i]);
      out.data[size_t(b) * out_features + m] = write_out(acc, shift, out_q, relu);
    }
  }
  return out;
}

FixedTensor max_pool(const FixedTensor& in, int kh, int kw, int stride, int pad, bool ceil_mode) {
  return max_pool(in, kh, kw, stride, Padding{pad, pad, pad, pad}, ceil_mode);
}

FixedTensor max_pool(const FixedTensor& in, int kh, int kw, int stride, const Padding& p, bool ceil_mode) {
  FixedTensor out(in.n, window_shape(in.shape, kh, kw, stride, p, ceil_mode), in.q);
  for (int b = 0; b < in.n; ++b)
    for (int c = 0; c < in.shape.c; ++c)
      for (int y = 0; y < out.shape.h; ++y)
        for (int x = 0; x < out.shape.w; ++x) {
          int best = std::numeric_limits<int>::min();
          for (int r = 0; r < kh; ++r)
            for (int s = 0; s < kw; ++s) {
              int iy = y * stride + r - p.top, ix = x * stride + s - p.left;
              if (iy < 0 || iy >= in.shape.h || ix < 0 || ix >= in.shape.w) continue;
              best = std::max(best, int(in.at(b, c, iy, ix)));
            }
          require(best != std::numeric_limits<int>::min(), "a pooling window holds only padding");
          out.data[out.index(b, c, y, x)] = int16_t(best);
        }
  return out;
}

FixedTensor avg_pool(const FixedTensor& in, int kh, int kw, int stride, int pad, bool ceil_mode,
                     bool count_include_pad) {
  return avg_pool(in, kh, kw, stride, Padding{pad, pad, pad, pad}, ceil_mode, count_include_pad);
}

FixedTensor avg_pool(const FixedTensor& in, int kh, int kw, int stride, const Padding& p, bool ceil_mode,
                     bool count_include_pad) {
  FixedTensor out(in.n, window_shape(in.shape, kh, kw, stride, p, ceil_mode), in.q);
  const int H = in.shape.h, W = in.shape.w;
  for (int b = 0; b < in.n; ++b)
    for (int c = 0; c < in.shape.c; ++c)
      for (int y = 0; y < out.shape.h; ++y)
        for (int x = 0; x < out.shape.w; ++x) {
          // PyTorch's divisor: the window clipped to the padded map, or to the map itself.
          const int y0 = y * stride - p.top, x0 = x * stride - p.left;
          const int y1 = std::min(y0 + kh, H + p.bottom), x1 = std::min(x0 + kw, W + p.right);
          int64_t divisor = int64_t(y1 - y0) * (x1 - x0);
          const int iy0 = std::max(y0, 0), ix0 = std::max(x0, 0), iy1 = std::min(y1, H), ix1 = std::min(x1, W);
          if (!count_include_pad) divisor = int64_t(iy1 - iy0) * (ix1 - ix0);
          require(divisor > 0, "a pooling window holds only padding");
          int64_t sum = 0;
          for (int iy = iy0; iy < iy1; ++iy)
            for (int ix = ix0; ix < ix1; ++ix) sum += in.at(b, c, iy, ix);
          out.data[out.index(b, c, y, x)] = saturate(divide_round(sum, divisor), in.q);
        }
  return out;
}

namespace {

// `b` is the same shape as `a`, one value per channel, or one value (per image).
template <class Op>
FixedTensor elementwise(const FixedTensor& a, const FixedTensor& b, Op op) {
  require(a.n == b.n, "element-wise op on different batch sizes");
  require(a.q == b.q, "element-wise op on different formats");
  const bool same = b.shape == a.shape, per_channel = b.shape == Shape{a.shape.c, 1, 1},
             scalar = b.shape == Shape{1, 1, 1};
  require(same || per_channel || scalar, "element-wise op on shapes that do not broadcast");
  FixedTensor out(a.n, a.shape, a.q);
  const int64_t plane = int64_t(a.shape.h) * a.shape.w;
  size_t i = 0;
  for (int n = 0; n < a.n; ++n)
    for (int c = 0; c < a.shape.c; ++c)
      for (int64_t k = 0; k < plane; ++k, ++i) {
        const size_t j = same ? i : per_channel ? size_t(n) * size_t(a.shape.c) + size_t(c) : size_t(n);
        out.data[i] = op(a.data[i], b.data[j]);
      }
  return out;
}

}  // namespace

FixedTensor add(const FixedTensor& a, const FixedTensor& b, bool relu) {
  const QFormat q = a.q;
  return elementwise(a, b, [&](int16_t x, int16_t y) {
    int16_t v = saturate(int64_t(x) + y, q);
    return relu && v < 0 ? int16_t(0) : v;
  });
}

FixedTensor multiply(const FixedTensor& a, const FixedTensor& b, bool relu) {
  const QFormat q = a.q;
  return elementwise(a, b, [&](int16_t x, int16_t y) {
    int16_t v = saturate(round_shift(int64_t(x) * y, q.frac), q);
    return relu && v < 0 ? int16_t(0) : v;
  });
}

FixedTensor concat_channels(const std::vector<const FixedTensor*>& inputs) {
  require(!inputs.empty(), "concat without inputs");
  const FixedTensor& first = *inputs[0];
  Shape s = first.shape;
  s.c = 0;
  for (const FixedTensor* t : inputs) {
    require(t->n == first.n && t->q == first.q && t->shape.h == first.shape.h && t->shape.w == first.shape.w,
            "concat of inputs that differ in batch, format or map size");
    s.c += t->shape.c;
  }
  FixedTensor out(first.n, s, first.q);
  auto dst = out.data.begin();
  for (int b = 0; b < first.n; ++b)
    for (const FixedTensor* t : inputs) {
      auto src = t->data.begin() + std::ptrdiff_t(b) * std::ptrdiff_t(t->image_elements());
      dst = std::copy(src, src + std::ptrdiff_t(t->image_elements()), dst);
    }
  return out;
}

double activation_value(ActivationKind kind, double a, double b, double x) {
  switch (kind) {
    case ActivationKind::Clip: return std::min(std::max(x, a), b);
    case ActivationKind::LeakyRelu: return x < 0 ? a * x : x;
    case ActivationKind::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case ActivationKind::Tanh: return std::tanh(x);
    case ActivationKind::HardSigmoid: return std::min(std::max(a * x + b, 0.0), 1.0);
    case ActivationKind::HardSwish: return x * std::min(std::max(a * x + b, 0.0), 1.0);
    case ActivationKind::Affine: return a * x + b;
  }
  throw std::invalid_argument("unknown activation");
}

FixedTensor activation(FixedTensor in, ActivationKind kind, double a, double b, bool relu) {
  for (auto& v : in.data) {
    int16_t y = quantize(activation_value(kind, a, b, dequantize(v, in.q)), in.q);
    v = relu && y < 0 ? int16_t(0) : y;
  }
  return in;
}

FixedTensor relu(FixedTensor in) {
  for (auto& v : in.data) v = v < 0 ? int16_t(0) : v;
  return in;
}

FixedTensor reference_layer(const Layer& layer, const std::vector<const FixedTensor*>& inputs,
                            const FixedLayerParams* params, const QFormat& out_q, bool fuse_relu) {
  require(!inputs.empty() && inputs[0], "layer without input");
  const FixedTensor& x = *inputs[0];
  switch (layer.kind) {
    case LayerKind::Conv:
      require(params != nullptr, "conv without parameters");
      return conv2d(x, *params, conv_geometry(layer), layer.padding(), out_q, fuse_relu);
    case LayerKind::FullyConnected:
      require(params != nullptr, "fully connected layer without parameters");
      return fully_connected(x, *params, layer.out_channels, out_q, fuse_relu);
    case LayerKind::Pool: {
      FixedTensor y = layer.pool == PoolKind::Max
                          ? max_pool(x, layer.kernel_h, layer.kernel_w, layer.stride, layer.padding(), layer.ceil_mode)
                          : avg_pool(x, layer.kernel_h, layer.kernel_w, layer.stride, layer.padding(), layer.ceil_mode,
                                     layer.count_include_pad);
      return fuse_relu ? relu(std::move(y)) : y;
    }
    case LayerKind::Add:
      require(inputs.size() == 2 && inputs[1], "add needs two inputs");
      return add(x, *inputs[1], fuse_relu);
    case LayerKind::Mul:
      require(inputs.size() == 2 && inputs[1], "mul needs two inputs");
      return multiply(x, *inputs[1], fuse_relu);
    case LayerKind::Concat: {
      FixedTensor y = concat_channels(inputs);
      return fuse_relu ? relu(std::move(y)) : y;
    }
    case LayerKind::Activation: return activation(x, layer.activation, layer.act_a, layer.act_b, fuse_relu);
    case LayerKind::ReLU: return relu(x);
    case LayerKind::BatchNorm: return fuse_relu ? relu(x) : x;
  }
  throw std::invalid_argument("reference op: unknown layer kind");
}

}  // namespace rowsim
