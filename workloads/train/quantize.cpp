#include "workloads/train/quantize.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "workloads/util/error.hpp"
#include "workloads/weights_file.hpp"

namespace rowsim::train {

namespace {

bool half_exact(float v) { return half_to_float(float_to_half(v)) == v; }

int parse_bits(const std::string& text, const std::string& whole) {
  size_t used = 0;
  int v = 0;
  try {
    v = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty())
    fail("bit widths '{}': '{}' is not a whole number (expected FROM:TO:STEP like 16:4:2, or a list like 16,12,8)",
         whole, text);
  if (v < 2 || v > 16) fail("bit widths '{}': {} bits is outside 2..16", whole, v);
  return v;
}

}  // namespace

std::vector<int> parse_bit_list(const std::string& text) {
  std::vector<std::string> parts;
  const char sep = text.find(':') != std::string::npos ? ':' : ',';
  size_t start = 0;
  while (true) {
    size_t p = text.find(sep, start);
    parts.push_back(text.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  std::vector<int> bits;
  if (sep == ':') {
    if (parts.size() != 3) fail("bit widths '{}': expected FROM:TO:STEP, e.g. 16:4:2", text);
    int from = parse_bits(parts[0], text), to = parse_bits(parts[1], text);
    size_t used = 0;
    int step = 0;
    try {
      step = std::stoi(parts[2], &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != parts[2].size() || step < 1)
      fail("bit widths '{}': the step must be a whole number of at least 1", text);
    for (int b = from; from >= to ? b >= to : b <= to; b += from >= to ? -step : step) bits.push_back(b);
  } else {
    for (const auto& p : parts) bits.push_back(parse_bits(p, text));
  }
  return bits;
}

QuantizeResult quantize_weights(const Network& net, const SafeTensors& in, const std::string& origin, int bits,
                                QuantScope scope) {
  if (bits < 2 || bits > 16)
    fail("weight bits {}: expected 2..16 (fixed-point weights of at most one 16-bit word)", bits);
  // Conv/FC weights of the network, in layer order.
  struct Item {
    const Layer* layer;
    std::vector<float> values;
  };
  std::vector<Item> items;
  for (const auto& l : net.layers) {
    if (!l.has_weights()) continue;
    const TensorData* t = in.find(l.name + ".weight");
    if (!t) fail("{}: no tensor '{}.weight' for layer '{}' of {}", origin, l.name, l.name, net.name);
    if (t->elements() != l.weights())
      fail("{}: tensor '{}.weight' holds {} values, layer '{}' of {} has {} weights", origin, l.name, t->elements(),
           l.name, net.name, l.weights());
    items.push_back(Item{&l, finite_floats(*t, origin, l.name + ".weight")});
  }
  for (const auto& l : net.layers)
    if (l.kind == LayerKind::BatchNorm && in.find(l.name + ".weight"))
      fail("{}: batch-norm '{}' is not folded; quantize an inference file (rowsim train -o writes one)", origin,
           l.name);
  int global_frac = 0;
  if (scope == QuantScope::Global) {
    std::vector<float> all;
    for (const auto& it : items) all.insert(all.end(), it.values.begin(), it.values.end());
    global_frac = choose_frac(all.data(), int64_t(all.size()), bits);
  }

  QuantizeResult r;
  bool all_half = true;
  for (auto& it : items) {
    QuantizedLayer ql;
    ql.layer = it.layer->name;
    ql.weights = int64_t(it.values.size());
    ql.format = QFormat{bits, scope == QuantScope::Global ? global_frac
                                                          : choose_frac(it.values.data(), ql.weights, bits)};
    for (float& v : it.values) {
      double scaled = std::round(std::ldexp(double(v), ql.format.frac));
      ql.saturated += scaled > double(ql.format.max_raw()) || scaled < double(ql.format.min_raw());
      int16_t raw = quantize(v, ql.format);
      float q = float(dequantize(raw, ql.format));  // exact: at most 16 significant bits
      ql.new_zeros += v != 0.0f && raw == 0;
      ql.max_abs_error = std::max(ql.max_abs_error, std::fabs(double(q) - double(v)));
      v = q == 0.0f ? 0.0f : q;  // never -0
      all_half = all_half && half_exact(v);
    }
    ql.simulator = QFormat{bits, choose_frac(it.values.data(), ql.weights, bits)};
    r.layers.push_back(ql);
  }
  const DType dtype = all_half ? DType::F16 : DType::F32;
  size_t k = 0;
  for (const auto& [name, t] : in.tensors) {
    if (k < items.size() && name == items[k].layer->name + ".weight") {
      r.weights.put(name, TensorData::from_floats(items[k].values, t.shape, dtype));
      ++k;
    } else {
      r.weights.put(name, t);
    }
  }
  if (k != items.size()) {
    // Tensors in another order than the layers: place the rest by name.
    for (const auto& it : items)
      r.weights.put(it.layer->name + ".weight",
                    TensorData::from_floats(it.values, in.find(it.layer->name + ".weight")->shape, dtype));
  }

  r.weights.metadata = in.metadata;
  auto& m = r.weights.metadata;
  for (const char* stale : {"accuracy", "accuracy_split"}) m.erase(stale);
  m["bits"] = std::to_string(bits);
  m["dtype"] = dtype_name(dtype);
  m["quantization"] = "fixed-point";
  m["sparsity"] = fmt::format("{:.6f}", layer_weight_sparsity(r.weights));
  nlohmann::ordered_json formats = nlohmann::ordered_json::object();
  for (const auto& l : r.layers) formats[l.layer] = {{"bits", l.simulator.bits}, {"frac", l.simulator.frac}};
  m["weight_formats"] = formats.dump();
  nlohmann::ordered_json info;
  info["source"] = origin;
  info["source_bits"] = in.meta("bits");
  info["source_accuracy"] = in.meta("accuracy");
  info["scope"] = scope == QuantScope::Global ? "global" : "per-layer";
  if (scope == QuantScope::Global) info["global_frac"] = global_frac;
  info["rounding"] = "nearest, ties away from zero; saturating";
  m["quantized_from"] = info.dump();
  return r;
}

}  // namespace rowsim::train
