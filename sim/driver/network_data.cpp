#include "sim/driver/network_data.hpp"

#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "workloads/reference_ops.hpp"
#include "workloads/safetensors.hpp"
#include "workloads/weights_file.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/progress.hpp"
#include "workloads/util/rng.hpp"

namespace rowsim {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Seeded random weights with He-uniform scale (activations keep their size through ReLU layers)
// and small biases; one counter-based stream per layer.
void random_weights(const Network& net, uint64_t seed, int weight_bits, NetworkData& d) {
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    if (!l.has_weights()) continue;
    Rng rng(seed, RngPurpose::Synthetic, 1, i);
    const int64_t fan_in = l.weights() / l.out_channels;
    const float bound = float(std::sqrt(6.0 / double(fan_in)));
    std::vector<float> w(size_t(l.weights())), b(size_t(l.out_channels));
    for (auto& x : w) x = (2 * rng.uniform() - 1) * bound;
    for (auto& x : b) x = (2 * rng.uniform() - 1) * 0.1f;
    d.params[i] = quantize_layer_params(w, b, weight_bits, d.fmap_q);
  }
}

FixedTensor load_input(const Network& net, const std::string& path, int batch, const QFormat& q) {
  FixedTensor t(batch, net.input, q);
  const int64_t n = int64_t(t.data.size());
  if (ends_with(path, ".safetensors")) {
    SafeTensors file = read_safetensors(path);
    const TensorData* in = file.find("input");
    if (!in && file.tensors.size() == 1) in = &file.tensors[0].second;
    if (!in) fail("{}: expected a tensor named 'input' (or a file with a single tensor)", path);
    std::vector<int64_t> nchw = {batch, net.input.c, net.input.h, net.input.w};
    std::vector<int64_t> chw = {net.input.c, net.input.h, net.input.w};
    if (in->shape != nchw && !(batch == 1 && in->shape == chw))
      fail("{}: the input tensor has shape {}, expected {} (batch {} of {} {})", path, shape_string(in->shape),
           shape_string(nchw), batch, net.name, net.input.str());
    if (in->dtype == DType::I16) {
      // Raw fixed point already in the feature-map format.
      std::memcpy(t.data.data(), in->bytes.data(), size_t(n) * 2);
    } else {
      std::vector<float> v = finite_floats(*in, path, "input");
      for (int64_t i = 0; i < n; ++i) t.data[size_t(i)] = quantize(v[size_t(i)], q);
    }
    return t;
  }
  std::string bytes = read_file(path);
  if (int64_t(bytes.size()) != 2 * n)
    fail("{}: a raw input must hold {} x {} int16 values = {} bytes (batch {}), the file has {}", path, batch,
         net.input.str(), 2 * n, batch, bytes.size());
  for (int64_t i = 0; i < n; ++i) {
    auto lo = uint8_t(bytes[size_t(2 * i)]), hi = uint8_t(bytes[size_t(2 * i + 1)]);
    t.data[size_t(i)] = int16_t(uint16_t(lo | (hi << 8)));
  }
  return t;
}

std::vector<std::vector<int>> consumers(const Network& net) {
  std::vector<std::vector<int>> c(net.layers.size());
  for (size_t i = 0; i < net.layers.size(); ++i)
    for (int id : net.layers[i].input_ids)
      if (id >= 0) c[size_t(id)].push_back(int(i));
  return c;
}

}  // namespace

int fusable_relu(const Network& net, int layer) {
  auto users = consumers(net);
  int cur = layer;
  while (users[size_t(cur)].size() == 1) {
    int next = users[size_t(cur)][0];
    const Layer& l = net.layers[size_t(next)];
    if (l.kind == LayerKind::ReLU) return next;
    if (l.kind != LayerKind::BatchNorm) return -1;
    cur = next;
  }
  return -1;
}

const FixedTensor& NetworkData::input_of(const Network& net, int layer, size_t which) const {
  int id = net.layers[size_t(layer)].input_ids[which];
  return id < 0 ? input : outputs[size_t(id)];
}

const FixedTensor& NetworkData::written(int layer) const {
  int relu = fused_relu[size_t(layer)];
  return outputs[size_t(relu >= 0 ? relu : layer)];
}

NetworkData prepare_network_data(const Network& net, const DataOptions& o) {
  NetworkData d;
  d.fmap_q = fmap_format(o.word_bits);
  int weight_bits = std::min(16, std::max(2, o.word_bits));
  // Read once: an ONNX model is imported on every read.
  SafeTensors read;
  const SafeTensors* weights = o.weights_file;
  if (!weights && !o.weights_path.empty()) weights = &(read = read_weights_file(o.weights_path));
  // A quantized weights file (rowsim quantize) keeps its own width unless a width is asked for.
  if (!o.weights_path.empty() && o.weight_bits == 0)
    weight_bits = std::min(weight_bits, weights_info(*weights, o.weights_path).bits);
  if (o.weight_bits > 0) weight_bits = std::min(o.weight_bits, 16);
  d.params.resize(net.layers.size());
  if (o.weights_path.empty()) random_weights(net, o.seed, weight_bits, d);
  else d.params = load_fixed_layer_params(net, *weights, o.weights_path, weight_bits, d.fmap_q);

  if (o.input_tensor) {
    if (o.input_tensor->shape != net.input || o.input_tensor->n != o.batch || o.input_tensor->q != d.fmap_q)
      fail("input tensor of {} x {} in {} does not match {}'s input {} x {} in {}", o.input_tensor->n,
           o.input_tensor->shape.str(), o.input_tensor->q.str(), net.name, o.batch, net.input.str(), d.fmap_q.str());
    d.input = *o.input_tensor;
  } else if (o.input_path.empty()) {
    d.input = FixedTensor(o.batch, net.input, d.fmap_q);
    Rng rng(o.seed, RngPurpose::Synthetic, 2, 0);
    for (auto& v : d.input.data) v = quantize(2 * rng.uniform() - 1, d.fmap_q);
  } else {
    d.input = load_input(net, o.input_path, o.batch, d.fmap_q);
  }

  d.outputs.resize(net.layers.size());
  d.fused_relu.assign(net.layers.size(), -1);
  Progress progress("reference " + net.name, int64_t(net.layers.size()), "layers");
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    std::vector<const FixedTensor*> ins;
    for (size_t k = 0; k < l.input_ids.size(); ++k) ins.push_back(&d.input_of(net, int(i), k));
    d.outputs[i] = reference_layer(l, ins, l.has_weights() ? &d.params[i] : nullptr, d.fmap_q, false);
    if (l.has_weights() || l.kind == LayerKind::Pool || l.kind == LayerKind::Add)
      d.fused_relu[i] = fusable_relu(net, int(i));
    progress.update(int64_t(i + 1), l.name);
  }
  return d;
}

}  // namespace rowsim
