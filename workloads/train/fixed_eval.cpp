#include "workloads/train/fixed_eval.hpp"

#include <algorithm>
#include <cmath>

#include <cblas.h>
#include <fmt/format.h>

#include "workloads/reference_ops.hpp"
#include "workloads/train/im2col.hpp"
#include "workloads/util/error.hpp"
#include "workloads/weights_file.hpp"

namespace rowsim::train {

namespace {

// Sums of at most this many products of two 16-bit integers are exact in a double.
constexpr int64_t kMaxExactTerms = int64_t(1) << 22;

int16_t write_out(double sum, int64_t bias, int shift, const QFormat& q) {
  return requantize(int64_t(sum) + bias, shift, q);
}

// Conv of one layer, images split across the pool and taken in blocks; exact integer sums via dgemm.
FixedTensor conv_fast(ThreadPool& pool, const Layer& l, const FixedTensor& in, const FixedLayerParams& p,
                      const QFormat& out_q) {
  const int G = l.groups, C = in.shape.c / G, M = l.out_channels / G, R = l.kernel_h, S = l.kernel_w;
  const int H = in.shape.h, W = in.shape.w;
  const ConvGeometry geometry{l.out_channels, R, S, l.stride, l.pad, G};
  const int E = geometry.out_h(H), F = geometry.out_w(W);
  const int K = C * R * S, P = E * F;
  const int block = images_per_block(K, P, sizeof(double));
  FixedTensor out(in.n, Shape{l.out_channels, E, F}, out_q);
  const int shift = in.q.frac + p.weight_q.frac - out_q.frac;
  std::vector<double> w(p.weights.begin(), p.weights.end());
  pool.run(in.n, [&](int, int64_t b0, int64_t b1) {
    std::vector<double> col, acc;
    for (int64_t n0 = b0; n0 < b1; n0 += block) {
      const int nb = int(std::min<int64_t>(b1, n0 + block) - n0), cols = nb * P;
      col.resize(size_t(K) * cols);
      acc.resize(size_t(M) * cols);
      for (int g = 0; g < G; ++g) {
        im2col([&](int c, int i) { return &in.data[in.index(int(n0) + i, g * C + c, 0, 0)]; }, H, W, geometry, C, nb,
               E, F, col.data());
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, cols, K, 1.0, w.data() + size_t(g) * M * K, K,
                    col.data(), cols, 0.0, acc.data(), cols);
        for (int m = 0; m < M; ++m) {
          const int mo = g * M + m;
          const int64_t bias = p.bias.empty() ? 0 : p.bias[size_t(mo)];
          for (int i = 0; i < nb; ++i) {
            int16_t* dst = &out.data[out.index(int(n0) + i, mo, 0, 0)];
            const double* a = &acc[size_t(m) * cols + size_t(i) * P];
            for (int j = 0; j < P; ++j) dst[j] = write_out(a[j], bias, shift, out_q);
          }
        }
      }
    }
  });
  return out;
}

FixedTensor fc_fast(ThreadPool& pool, const Layer& l, const FixedTensor& in, const FixedLayerParams& p,
                    const QFormat& out_q) {
  const int64_t K = in.image_elements();
  const int M = l.out_channels;
  FixedTensor out(in.n, Shape{M, 1, 1}, out_q);
  const int shift = in.q.frac + p.weight_q.frac - out_q.frac;
  std::vector<double> w(p.weights.begin(), p.weights.end());
  pool.run(in.n, [&](int, int64_t b0, int64_t b1) {
    const int n = int(b1 - b0);
    if (n <= 0) return;
    std::vector<double> x(in.data.begin() + b0 * K, in.data.begin() + b1 * K), acc(size_t(n) * M);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, M, int(K), 1.0, x.data(), int(K), w.data(), int(K), 0.0,
                acc.data(), M);
    for (int i = 0; i < n; ++i)
      for (int m = 0; m < M; ++m)
        out.data[size_t(b0 + i) * M + m] =
            write_out(acc[size_t(i) * M + m], p.bias.empty() ? 0 : p.bias[size_t(m)], shift, out_q);
  });
  return out;
}

}  // namespace

int simulator_weight_bits(int file_bits, int word_bits) {
  int bits = std::min(16, std::max(2, word_bits));
  return std::max(2, std::min(bits, file_bits));
}

FixedModel make_fixed_model(const Network& net, const SafeTensors& weights, const std::string& origin,
                            int weight_bits, int word_bits) {
  if (weight_bits < 2 || weight_bits > 16) fail("weight bits {}: expected 2..16", weight_bits);
  FixedModel m;
  m.net = net;
  m.fmap_q = fmap_format(word_bits);
  m.weight_bits = weight_bits;
  for (const Layer& l : net.layers)
    if (l.has_weights() && l.weights() / l.out_channels >= kMaxExactTerms)
      fail("{}: layer '{}' sums {} products per output, more than the exact double-precision limit {}", origin, l.name,
           l.weights() / l.out_channels, kMaxExactTerms);
  m.params = load_fixed_layer_params(net, weights, origin, weight_bits, m.fmap_q);
  return m;
}

FixedTensor quantize_images(const Dataset& data, size_t begin, size_t end, const QFormat& q) {
  FixedTensor t(int(end - begin), data.image, q);
  const float* px = data.image_data(begin);
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = quantize(px[i], q);
  return t;
}

FixedTensor fixed_forward(ThreadPool& pool, const FixedModel& model, const FixedTensor& input,
                          std::vector<FixedTensor>* outputs) {
  const Network& net = model.net;
  if (input.shape != net.input || input.q != model.fmap_q)
    fail("fixed-point input {} in {} does not match {}'s {} in {}", input.shape.str(), input.q.str(), net.name,
         net.input.str(), model.fmap_q.str());
  // Free each output after its last consumer unless all are asked for.
  std::vector<int> last_use(net.layers.size(), -1);
  for (size_t i = 0; i < net.layers.size(); ++i)
    for (int id : net.layers[i].input_ids)
      if (id >= 0) last_use[size_t(id)] = int(i);
  std::vector<FixedTensor> out(net.layers.size());
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    std::vector<const FixedTensor*> ins;
    for (int id : l.input_ids) ins.push_back(id < 0 ? &input : &out[size_t(id)]);
    if (l.kind == LayerKind::Conv && !l.asymmetric_pad)
      out[i] = conv_fast(pool, l, *ins[0], model.params[i], model.fmap_q);
    else if (l.kind == LayerKind::Conv)  // the im2col lowering takes one padding for every side
      out[i] = reference_layer(l, ins, &model.params[i], model.fmap_q, false);
    else if (l.kind == LayerKind::FullyConnected)
      out[i] = fc_fast(pool, l, *ins[0], model.params[i], model.fmap_q);
    else
      out[i] = reference_layer(l, ins, nullptr, model.fmap_q, false);
    if (!outputs)
      for (int id : l.input_ids)
        if (id >= 0 && last_use[size_t(id)] == int(i) && id != int(net.layers.size()) - 1)
          out[size_t(id)] = FixedTensor();
  }
  FixedTensor logits = out.back();
  if (outputs) *outputs = std::move(out);
  return logits;
}

std::vector<int32_t> fixed_predictions(const FixedTensor& logits) {
  const int64_t k = logits.image_elements();
  std::vector<int32_t> p(size_t(logits.n));
  for (int b = 0; b < logits.n; ++b) {
    const int16_t* row = &logits.data[size_t(b) * size_t(k)];
    p[size_t(b)] = int32_t(std::max_element(row, row + k) - row);  // first maximum: lower class wins ties
  }
  return p;
}

EvalResult evaluate_fixed(ThreadPool& pool, const FixedModel& model, const MixedSet& set, int batch) {
  EvalResult r;
  const size_t n = set.data.size();
  for (size_t b = 0; b < n; b += size_t(batch)) {
    size_t e = std::min(n, b + size_t(batch));
    std::vector<int32_t> pred = fixed_predictions(fixed_forward(pool, model, quantize_images(set.data, b, e, model.fmap_q)));
    for (size_t i = b; i < e; ++i)
      r.add(pred[i - b] == set.data.labels[i], !set.distorted.empty() && set.distorted[i]);
  }
  return r;
}

}  // namespace rowsim::train
