#include "workloads/weights_file.hpp"

#include <algorithm>
#include <cmath>

#include "workloads/fixed_point.hpp"
#include "workloads/net_file.hpp"
#include "workloads/onnx_import.hpp"
#include "workloads/safetensors_sparse.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/parse.hpp"
#include "workloads/zoo.hpp"

namespace rowsim {

namespace {

double number(const SafeTensors& f, const std::string& origin, const std::string& key, double fallback) {
  auto it = f.metadata.find(key);
  if (it == f.metadata.end()) return fallback;
  double v = 0;
  if (!parse_number(it->second, v)) fail("{}: metadata '{}' is '{}', expected a number", origin, key, it->second);
  return v;
}

}  // namespace

SafeTensors read_weights_file(const std::string& path) { return read_weights_source(path).file; }

WeightsSource read_weights_source(const std::string& path) {
  std::string bytes = read_file(path);
  if (!is_onnx_file(path, bytes)) return {parse_safetensors(bytes, path), std::nullopt};
  OnnxModel model = import_onnx(bytes, path);
  if (!model.has_weight_values)
    fail("{}: the model carries no weight values (exported with export_params=False?); give a model with its "
         "initializers, or run without weights (seeded random ones)",
         path);
  return {std::move(model.weights), std::move(model.net)};
}

WeightsInfo weights_info(const SafeTensors& f, const std::string& origin) {
  WeightsInfo w;
  std::string format = f.meta("format");
  if (format == "rowsim-checkpoint")
    fail("{}: this is a training checkpoint; use the exported weights file (the one rowsim train writes)", origin);
  w.network = f.meta("network");
  if (w.network.empty()) fail("{}: metadata has no 'network' key (not a rowsim weights file?)", origin);
  w.width = number(f, origin, "width", 1.0);
  w.net_file = f.meta("net_file");
  w.classes = int(number(f, origin, "classes", 0));
  w.dataset = f.meta("dataset");
  w.distortion = f.meta("distortion", "none");
  w.distortion_params = f.meta("distortion_params");
  w.task = f.meta("task", "classes");
  w.ratio = f.meta("ratio");
  w.accuracy = number(f, origin, "accuracy", -1);
  w.bits = int(number(f, origin, "bits", 32));
  w.sparsity = number(f, origin, "sparsity", 0);
  if (w.bits < 1 || w.bits > 32) fail("{}: metadata 'bits' is {}, expected 1..32", origin, w.bits);
  if (w.sparsity < 0 || w.sparsity > 1) fail("{}: metadata 'sparsity' is {}, expected 0..1", origin, w.sparsity);
  if (w.classes < 0) fail("{}: metadata 'classes' is {}, expected a positive count", origin, w.classes);
  std::string quantization = f.meta("quantization");
  if (!quantization.empty() && quantization != "fixed-point")
    fail("{}: metadata 'quantization' is '{}', expected fixed-point", origin, quantization);
  w.fixed_point = quantization == "fixed-point";
  if (w.fixed_point && w.bits > 16)
    fail("{}: metadata 'bits' is {} with quantization fixed-point, expected 2..16", origin, w.bits);
  check_weight_claims(f, origin, w);
  return w;
}

double layer_weight_sparsity(const SafeTensors& f) {
  int64_t zeros = 0, total = 0;
  for (const auto& [name, t] : f.tensors) {
    if (!is_layer_weight(name, t)) continue;
    for (float v : t.to_floats()) zeros += v == 0.0f;
    total += t.elements();
  }
  return total ? double(zeros) / double(total) : 0.0;
}

void check_weight_claims(const SafeTensors& f, const std::string& origin, const WeightsInfo& w) {
  if (f.metadata.count("sparsity")) {
    double actual = layer_weight_sparsity(f);
    if (std::fabs(actual - w.sparsity) > kSparsityTolerance)
      fail("{}: metadata 'sparsity' is {} but {:.6f} of the conv/FC weights are exactly zero; the file claims a "
           "sparsity it does not have",
           origin, f.meta("sparsity"), actual);
  }
  if (!f.metadata.count("bits")) return;
  const bool fixed = w.fixed_point || w.bits < 16;
  if (!fixed && w.bits != 16) return;  // 32 (or more) bits: any float
  for (const auto& [name, t] : f.tensors) {
    if (!is_layer_weight(name, t)) continue;
    std::vector<float> v = t.to_floats();
    if (fixed) {
      QFormat q{std::max(2, w.bits), choose_frac(v.data(), int64_t(v.size()), std::max(2, w.bits))};
      for (float x : v)
        if (!std::isfinite(x) || dequantize(quantize(x, q), q) != double(x))
          fail("{}: metadata 'bits' is {} but tensor '{}' holds {}, which is not a {}-bit fixed-point value in the "
               "layer's format {} (nearest: {}); rowsim quantize writes such files at {} bits",
               origin, w.bits, name, x, w.bits, q.str(), std::isfinite(x) ? dequantize(quantize(x, q), q) : 0.0,
               w.bits);
    } else if (t.dtype != DType::F16) {
      for (float x : v)
        if (std::isfinite(x) && half_to_float(float_to_half(x)) != x)
          fail("{}: metadata 'bits' is 16 but tensor '{}' ({}) holds {}, which needs more than 16 bits (nearest "
               "half-precision value: {})",
               origin, name, dtype_name(t.dtype), x, half_to_float(float_to_half(x)));
    }
  }
}

Network network_for_weights(const WeightsInfo& info, const std::string& origin, const std::string& net_file_override,
                            const WeightsSource* source) {
  if (net_file_override.empty() && source && source->network) return *source->network;
  std::string file = net_file_override.empty() ? info.net_file : net_file_override;
  if (!file.empty()) return load_network_file(file);
  if (!is_zoo_network(info.network))
    fail("{}: network '{}' is not in the zoo and the file names no net_file; give the network's YAML file", origin,
         info.network);
  return zoo_network(info.network, info.width, info.classes);
}

std::vector<float> finite_floats(const TensorData& t, const std::string& origin, const std::string& name) {
  std::vector<float> v = t.to_floats();
  for (float x : v)
    if (!std::isfinite(x)) fail("{}: tensor '{}' holds a non-finite value", origin, name);
  return v;
}

std::vector<FixedLayerParams> load_fixed_layer_params(const Network& net, const SafeTensors& file,
                                                      const std::string& origin, int weight_bits,
                                                      const QFormat& fmap_q) {
  std::vector<FixedLayerParams> params(net.layers.size());
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    if (l.kind == LayerKind::BatchNorm && file.find(l.name + ".weight"))
      fail("{}: batch-norm '{}' is not folded; fixed-point inference (the simulator, fixed-point evaluation) "
           "needs batch-norm folded into the conv before it (rowsim train writes such an inference file)",
           origin, l.name);
    if (!l.has_weights()) continue;
    const std::string wname = l.name + ".weight", bname = l.name + ".bias";
    const TensorData* w = file.find(wname);
    if (!w) fail("{}: no tensor '{}' for layer '{}' of {}", origin, wname, l.name, net.name);
    if (w->shape != l.weight_shape())
      fail("{}: tensor '{}' has shape {}, layer '{}' of {} needs {}", origin, wname, shape_string(w->shape), l.name,
           net.name, shape_string(l.weight_shape()));
    std::vector<float> bias(size_t(l.out_channels), 0.0f);
    if (const TensorData* b = file.find(bname)) {
      if (b->shape != std::vector<int64_t>{l.out_channels})
        fail("{}: tensor '{}' has shape {}, expected [{}]", origin, bname, shape_string(b->shape), l.out_channels);
      bias = finite_floats(*b, origin, bname);
    }
    params[i] = quantize_layer_params(finite_floats(*w, origin, wname), bias, weight_bits, fmap_q);
  }
  return params;
}

}  // namespace rowsim
