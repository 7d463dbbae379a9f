#include "workloads/onnx_import.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/limits.hpp"
#include "workloads/weights_file.hpp"

namespace rowsim {
namespace {

namespace fs = std::filesystem;
using Dims = std::vector<int64_t>;

// Each dimension and each tensor is bounded (ROWSIM_LIMITS onnx-dim, onnx-elements) so that a
// hostile file cannot make rowsim allocate without limit; element counts saturate instead of
// overflowing.
int64_t max_dim() { return limit(Limit::OnnxDim); }
int64_t max_elements() { return limit(Limit::OnnxElements); }

// The operators rowsim prices, and those it follows only to fold shapes or as layout.
const std::set<std::string>& supported_ops() {
  static const std::set<std::string> ops = {
      "Conv", "Gemm", "MatMul", "BatchNormalization", "Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh",
      "HardSigmoid", "HardSwish", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Add", "Sub",
      "Mul", "Div", "Concat", "Flatten", "Reshape", "Transpose", "Identity", "Dropout", "Squeeze", "Unsqueeze",
      // shape arithmetic, folded at import
      "Constant", "Shape", "Gather", "Cast", "Slice", "ConstantOfShape"};
  return ops;
}

bool is_standard_domain(const onnx::NodeProto& node) { return node.domain().empty() || node.domain() == "ai.onnx"; }

bool is_supported(const onnx::NodeProto& node) {
  return is_standard_domain(node) && supported_ops().count(node.op_type()) > 0;
}

// "a, b, c" for messages, the first 8 names and how many more.
std::string name_list(const std::vector<std::string>& names) {
  std::string shown;
  for (size_t k = 0; k < names.size() && k < 8; ++k) shown += (k ? ", " : "") + names[k];
  if (names.size() > 8) shown += fmt::format(", ... ({} more)", names.size() - 8);
  return shown;
}

// The layer name a weight tensor implies ("features.0.weight" -> "features.0"); empty for names
// the exporter made up ("onnx::Conv_123", after folding batch-norm).
std::string layer_name_of_weight(const std::string& weight) {
  const std::string suffix = ".weight";
  if (weight.size() <= suffix.size() || weight.rfind("onnx::", 0) == 0 ||
      weight.compare(weight.size() - suffix.size(), suffix.size(), suffix) != 0)
    return "";
  return weight.substr(0, weight.size() - suffix.size());
}

// A tensor of the graph as the import sees it: a feature map produced by a layer, or a constant
// (an initializer, a Constant node or a folded shape computation).
struct Value {
  bool fmap = false;
  Dims dims;           // with the batch dimension for feature maps
  std::string layer;   // feature map: the IR layer holding it ("input" for the network input)
  // Constant: decoded values (folded shapes) or the initializer they come from (decoded on use).
  bool has_values = false;
  std::vector<double> values;
  const onnx::TensorProto* proto = nullptr;
  std::string name;
};

// The product of the dimensions, or INT64_MAX when it overflows (refused then by the bounds).
int64_t element_count(const Dims& dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    if (__builtin_mul_overflow(n, d, &n)) return std::numeric_limits<int64_t>::max();
  return n;
}

std::string dims_str(const Dims& d) { return shape_string(d); }

class Importer {
public:
  Importer(const onnx::ModelProto& model, std::string path, OnnxImportOptions options)
      : graph_(model.graph()), path_(std::move(path)), options_(options) {}

  OnnxModel run();

private:
  const onnx::GraphProto& graph_;
  std::string path_;
  OnnxImportOptions options_;
  Network net_;
  SafeTensors weights_;
  bool weight_values_ = true;  // every array layer has values
  std::map<std::string, Value> values_;
  std::map<std::string, int> consumers_;  // tensor name -> number of node inputs that read it
  std::set<std::string> layer_names_;
  std::map<std::string, std::vector<std::string>> not_costed_;  // op type -> node names
  // External data files, read once each (a cache: reading them changes no state of the import).
  mutable std::map<std::string, std::string> external_files_;

  [[noreturn]] void node_fail(const onnx::NodeProto& node, const std::string& why) const {
    fail("{}: node '{}' ({}): {}", path_, node_label(node), node.op_type(), why);
  }
  static std::string node_label(const onnx::NodeProto& node) {
    if (!node.name().empty()) return node.name();
    return node.output_size() > 0 ? "-> " + node.output(0) : "(unnamed)";
  }

  // --- graph structure -------------------------------------------------------------------------
  std::vector<int> topological_order();
  void check_supported(const std::vector<int>& order);
  void add_graph_inputs();

  // --- values ----------------------------------------------------------------------------------
  const Value& input(const onnx::NodeProto& node, int k) const;
  bool has_input(const onnx::NodeProto& node, int k) const { return k < node.input_size() && !node.input(k).empty(); }
  const Value& fmap_input(const onnx::NodeProto& node, int k) const;
  const Value& const_input(const onnx::NodeProto& node, int k) const;
  std::vector<double> values_of(const Value& v, const onnx::NodeProto* node) const;
  std::vector<int64_t> ints_of(const Value& v, const onnx::NodeProto& node) const;
  std::vector<float> floats_of(const Value& v, const onnx::NodeProto& node) const;
  bool values_known(const Value& v) const;
  std::string tensor_bytes(const onnx::TensorProto& t) const;
  void set_output(const onnx::NodeProto& node, Value v, int k = 0);
  void set_const(const onnx::NodeProto& node, Dims dims, std::vector<double> data, int k = 0);

  // --- attributes ------------------------------------------------------------------------------
  const onnx::AttributeProto* attr(const onnx::NodeProto& node, const std::string& name) const;
  int64_t attr_int(const onnx::NodeProto& node, const std::string& name, int64_t fallback) const;
  double attr_float(const onnx::NodeProto& node, const std::string& name, double fallback) const;
  std::vector<int64_t> attr_ints(const onnx::NodeProto& node, const std::string& name) const;
  std::string attr_string(const onnx::NodeProto& node, const std::string& name, const std::string& fallback) const;

  // --- layers ----------------------------------------------------------------------------------
  Layer& add_layer(const onnx::NodeProto& node, LayerKind kind, const std::vector<std::string>& inputs,
                   const std::string& preferred_name = "");
  void finalize_at(const onnx::NodeProto& node);
  void output_like(const onnx::NodeProto& node, const Value& like);
  Value fmap_value(const Layer& layer, int64_t batch) const;
  void put_weights(const Layer& layer, const std::vector<float>& w, const std::vector<float>& b);

  void import_node(const onnx::NodeProto& node);
  void conv(const onnx::NodeProto& node);
  void gemm(const onnx::NodeProto& node, bool matmul);
  void batchnorm(const onnx::NodeProto& node);
  void pool(const onnx::NodeProto& node, bool global);
  void activation(const onnx::NodeProto& node);
  void binary(const onnx::NodeProto& node);
  void concat(const onnx::NodeProto& node);
  void reshape_like(const onnx::NodeProto& node);
  Dims squeeze_or_unsqueeze(const onnx::NodeProto& node, const Dims& dims) const;
  Dims reshape_target(const onnx::NodeProto& node, const Dims& dims) const;
  void fold_constant(const onnx::NodeProto& node);
  void not_costed(const onnx::NodeProto& node);
  void per_channel_affine(const onnx::NodeProto& node, const Value& x, std::vector<float> scale,
                          std::vector<float> shift, bool values);
  Layer* sole_producer_layer(const Value& x, const std::string& tensor);
};

// ------------------------------------------------------------------------------------------------

std::vector<int> Importer::topological_order() {
  // Producer of every tensor; each node is visited depth-first from the graph outputs, so nodes
  // that no output needs are left out and a cycle is found as a node met while on the stack.
  std::map<std::string, int> producer;
  for (int i = 0; i < graph_.node_size(); ++i)
    for (const auto& out : graph_.node(i).output())
      if (!out.empty()) {
        if (producer.count(out))
          fail("{}: tensor '{}' is produced by two nodes, '{}' and '{}'", path_, out,
               node_label(graph_.node(producer[out])), node_label(graph_.node(i)));
        producer[out] = i;
      }
  std::vector<int> state(size_t(graph_.node_size()), 0), order;  // 0 new, 1 on stack, 2 done
  // Iterative DFS (a deep graph must not overflow the stack).
  for (const auto& out : graph_.output()) {
    auto it = producer.find(out.name());
    if (it == producer.end()) continue;
    std::vector<std::pair<int, int>> stack = {{it->second, 0}};
    while (!stack.empty()) {
      auto& [n, next_input] = stack.back();
      if (next_input == 0) {
        if (state[size_t(n)] == 2) {
          stack.pop_back();
          continue;
        }
        state[size_t(n)] = 1;
      }
      const onnx::NodeProto& node = graph_.node(n);
      if (next_input < node.input_size()) {
        const std::string& in = node.input(next_input++);
        auto p = producer.find(in);
        if (p == producer.end()) continue;
        if (state[size_t(p->second)] == 1)
          fail("{}: the graph has a cycle: node '{}' ({}) needs '{}', which depends on the node itself", path_,
               node_label(node), node.op_type(), in);
        if (state[size_t(p->second)] == 0) stack.push_back({p->second, 0});
        continue;
      }
      state[size_t(n)] = 2;
      order.push_back(n);
      stack.pop_back();
    }
  }
  return order;
}

void Importer::check_supported(const std::vector<int>& order) {
  std::map<std::string, std::vector<std::string>> unsupported;
  for (int i : order) {
    const onnx::NodeProto& node = graph_.node(i);
    if (!is_supported(node))
      unsupported[is_standard_domain(node) ? node.op_type() : node.domain() + "." + node.op_type()].push_back(
          node_label(node));
  }
  if (unsupported.empty()) return;
  std::string list;
  for (const auto& [op, names] : unsupported) list += fmt::format("\n  - {} x {}: {}", op, names.size(), name_list(names));
  if (!options_.not_costed_ok)
    fail("{}: rowsim cannot price these operators, so nothing was computed:{}", path_, list);
}

const onnx::AttributeProto* Importer::attr(const onnx::NodeProto& node, const std::string& name) const {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t Importer::attr_int(const onnx::NodeProto& node, const std::string& name, int64_t fallback) const {
  const auto* a = attr(node, name);
  if (!a) return fallback;
  if (a->type() != onnx::AttributeProto::INT) node_fail(node, fmt::format("attribute '{}' is not an integer", name));
  return a->i();
}

double Importer::attr_float(const onnx::NodeProto& node, const std::string& name, double fallback) const {
  const auto* a = attr(node, name);
  if (!a) return fallback;
  if (a->type() != onnx::AttributeProto::FLOAT) node_fail(node, fmt::format("attribute '{}' is not a float", name));
  if (!std::isfinite(a->f())) node_fail(node, fmt::format("attribute '{}' is {}, expected a finite value", name, a->f()));
  return a->f();
}

std::vector<int64_t> Importer::attr_ints(const onnx::NodeProto& node, const std::string& name) const {
  const auto* a = attr(node, name);
  if (!a) return {};
  if (a->type() != onnx::AttributeProto::INTS) node_fail(node, fmt::format("attribute '{}' is not a list of integers", name));
  return {a->ints().begin(), a->ints().end()};
}

std::string Importer::attr_string(const onnx::NodeProto& node, const std::string& name,
                                  const std::string& fallback) const {
  const auto* a = attr(node, name);
  if (!a) return fallback;
  if (a->type() != onnx::AttributeProto::STRING) node_fail(node, fmt::format("attribute '{}' is not a string", name));
  return a->s();
}

// ------------------------------------------------------------------------------------------------
// Tensor data

Dims tensor_dims(const onnx::TensorProto& t, const std::string& path) {
  Dims d(t.dims().begin(), t.dims().end());
  for (int64_t x : d)
    if (x < 0 || x > max_dim()) fail("{}: tensor '{}' has dimension {} (expected 0..{})", path, t.name(), x, max_dim());
  if (element_count(d) > max_elements())
    fail("{}: tensor '{}' of shape {} has more than {} elements", path, t.name(), dims_str(d), max_elements());
  return d;
}

int dtype_size(int type) {
  switch (type) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::UINT32: return 4;
    case onnx::TensorProto::DOUBLE:
    case onnx::TensorProto::INT64:
    case onnx::TensorProto::UINT64: return 8;
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16: return 2;
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::BOOL: return 1;
    default: return 0;
  }
}

std::string Importer::tensor_bytes(const onnx::TensorProto& t) const {
  if (t.data_location() != onnx::TensorProto::EXTERNAL) return t.raw_data();
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : t.external_data()) {
    if (kv.key() == "location") location = kv.value();
    else if (kv.key() == "offset") offset = std::atoll(kv.value().c_str());
    else if (kv.key() == "length") length = std::atoll(kv.value().c_str());
  }
  if (location.empty()) fail("{}: initializer '{}' is stored externally but names no location", path_, t.name());
  fs::path rel(location);
  if (rel.is_absolute() || std::any_of(rel.begin(), rel.end(), [](const fs::path& p) { return p == ".."; }))
    fail("{}: initializer '{}' names external data '{}'; expected a path inside the model's directory", path_,
         t.name(), location);
  fs::path file = fs::path(path_).parent_path() / rel;
  auto it = external_files_.find(file.string());
  if (it == external_files_.end()) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
      fail("{}: initializer '{}' keeps its data in '{}' (resolved beside the model: {}), which does not exist", path_,
           t.name(), location, file.string());
    it = external_files_.emplace(file.string(), read_file(file.string())).first;
  }
  const std::string& data = it->second;
  const int64_t need = element_count(tensor_dims(t, path_)) * dtype_size(t.data_type());
  if (length < 0) length = need;
  if (offset < 0 || length != need || offset + length > int64_t(data.size()))
    fail("{}: initializer '{}' wants bytes {}..{} of '{}' ({} bytes for its shape), the file has {}", path_, t.name(),
         offset, offset + length, location, need, data.size());
  return data.substr(size_t(offset), size_t(length));
}

template <class T>
T read_le(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

std::vector<double> Importer::values_of(const Value& v, const onnx::NodeProto* node) const {
  if (v.has_values) return v.values;
  if (!v.proto) {
    std::string why = fmt::format("needs the values of '{}', which the model gives only as a shape (a graph input "
                                  "without data)",
                                  v.name);
    if (node) node_fail(*node, why);
    fail("{}: {}", path_, why);
  }
  const onnx::TensorProto& t = *v.proto;
  const int64_t n = element_count(v.dims);
  std::vector<double> out;
  out.reserve(size_t(n));
  const int type = t.data_type();
  const bool raw = t.has_raw_data() || t.data_location() == onnx::TensorProto::EXTERNAL;
  if (raw) {
    std::string bytes = tensor_bytes(t);
    const int size = dtype_size(type);
    if (size == 0) fail("{}: initializer '{}' has data type {}, which rowsim does not read", path_, t.name(), type);
    if (int64_t(bytes.size()) != n * size)
      fail("{}: initializer '{}' holds {} bytes, its shape {} needs {}", path_, t.name(), bytes.size(),
           dims_str(v.dims), n * size);
    const char* p = bytes.data();
    for (int64_t i = 0; i < n; ++i, p += size) {
      switch (type) {
        case onnx::TensorProto::FLOAT: out.push_back(read_le<float>(p)); break;
        case onnx::TensorProto::DOUBLE: out.push_back(read_le<double>(p)); break;
        case onnx::TensorProto::FLOAT16: out.push_back(half_to_float(read_le<uint16_t>(p))); break;
        case onnx::TensorProto::BFLOAT16: {
          uint32_t bits = uint32_t(read_le<uint16_t>(p)) << 16;
          float f;
          std::memcpy(&f, &bits, 4);
          out.push_back(f);
          break;
        }
        case onnx::TensorProto::INT64: out.push_back(double(read_le<int64_t>(p))); break;
        case onnx::TensorProto::UINT64: out.push_back(double(read_le<uint64_t>(p))); break;
        case onnx::TensorProto::INT32: out.push_back(read_le<int32_t>(p)); break;
        case onnx::TensorProto::UINT32: out.push_back(read_le<uint32_t>(p)); break;
        case onnx::TensorProto::INT16: out.push_back(read_le<int16_t>(p)); break;
        case onnx::TensorProto::UINT16: out.push_back(read_le<uint16_t>(p)); break;
        case onnx::TensorProto::INT8: out.push_back(read_le<int8_t>(p)); break;
        default: out.push_back(read_le<uint8_t>(p)); break;  // UINT8, BOOL
      }
    }
    return out;
  }
  switch (type) {
    case onnx::TensorProto::FLOAT: out.assign(t.float_data().begin(), t.float_data().end()); break;
    case onnx::TensorProto::DOUBLE: out.assign(t.double_data().begin(), t.double_data().end()); break;
    case onnx::TensorProto::INT64: out.assign(t.int64_data().begin(), t.int64_data().end()); break;
    case onnx::TensorProto::UINT64:
    case onnx::TensorProto::UINT32: out.assign(t.uint64_data().begin(), t.uint64_data().end()); break;
    case onnx::TensorProto::FLOAT16:
      for (int32_t x : t.int32_data()) out.push_back(half_to_float(uint16_t(x)));
      break;
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16:
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::BOOL: out.assign(t.int32_data().begin(), t.int32_data().end()); break;
    default: fail("{}: initializer '{}' has data type {}, which rowsim does not read", path_, t.name(), type);
  }
  if (int64_t(out.size()) != n)
    fail("{}: initializer '{}' holds {} values, its shape {} needs {}", path_, t.name(), out.size(), dims_str(v.dims),
         n);
  return out;
}

bool Importer::values_known(const Value& v) const { return v.has_values || v.proto != nullptr; }

std::vector<int64_t> Importer::ints_of(const Value& v, const onnx::NodeProto& node) const {
  std::vector<int64_t> out;
  for (double x : values_of(v, &node)) {
    if (x != std::floor(x) || std::fabs(x) > 9.0e18)
      node_fail(node, fmt::format("'{}' holds {}, expected whole numbers", v.name, x));
    out.push_back(int64_t(x));
  }
  return out;
}

std::vector<float> Importer::floats_of(const Value& v, const onnx::NodeProto& node) const {
  std::vector<double> d = values_of(v, &node);
  std::vector<float> out(d.size());
  for (size_t i = 0; i < d.size(); ++i) {
    if (!std::isfinite(d[i]))
      node_fail(node, fmt::format("'{}' holds a non-finite value ({}) at index {}", v.name, d[i], i));
    out[i] = float(d[i]);
  }
  return out;
}

const Value& Importer::input(const onnx::NodeProto& node, int k) const {
  if (!has_input(node, k)) node_fail(node, fmt::format("input {} is missing", k + 1));
  auto it = values_.find(node.input(k));
  if (it == values_.end())
    node_fail(node, fmt::format("input '{}' is neither an initializer, a graph input nor a node's output",
                                node.input(k)));
  return it->second;
}

const Value& Importer::fmap_input(const onnx::NodeProto& node, int k) const {
  const Value& v = input(node, k);
  if (!v.fmap)
    node_fail(node, fmt::format("input '{}' is a constant {}, expected a feature map computed from the image", v.name,
                                dims_str(v.dims)));
  return v;
}

const Value& Importer::const_input(const onnx::NodeProto& node, int k) const {
  const Value& v = input(node, k);
  if (v.fmap)
    node_fail(node, fmt::format("input '{}' is a feature map computed from the image, expected a constant (weights "
                                "or a shape known at import)",
                                v.name));
  return v;
}

void Importer::set_output(const onnx::NodeProto& node, Value v, int k) {
  if (k >= node.output_size() || node.output(k).empty()) return;
  v.name = node.output(k);
  values_[node.output(k)] = std::move(v);
}

void Importer::set_const(const onnx::NodeProto& node, Dims dims, std::vector<double> data, int k) {
  if (element_count(dims) != int64_t(data.size()))
    node_fail(node, fmt::format("folded a constant of shape {} with {} values", dims_str(dims), data.size()));
  Value v;
  v.dims = std::move(dims);
  v.values = std::move(data);
  v.has_values = true;
  set_output(node, std::move(v), k);
}

// ------------------------------------------------------------------------------------------------
// Layers

// ONNX pads are [top, left, bottom, right].
void set_padding(Layer& l, const Dims& pads) {
  Padding p{int(pads[0]), int(pads[1]), int(pads[2]), int(pads[3])};
  l.pad = p.top;
  l.asymmetric_pad = !p.symmetric();
  if (l.asymmetric_pad) l.pad_sides = p;
}

std::string clean_name(std::string s) {
  while (!s.empty() && s[0] == '/') s.erase(0, 1);
  for (char& c : s)
    if (c == ' ' || c == ',' || c < 32) c = '_';
  return s;
}

Layer& Importer::add_layer(const onnx::NodeProto& node, LayerKind kind, const std::vector<std::string>& inputs,
                           const std::string& preferred_name) {
  std::string base = clean_name(!preferred_name.empty() ? preferred_name
                                : !node.name().empty()  ? node.name()
                                                        : fmt::format("{}_{}", node.op_type(), net_.layers.size()));
  if (base.empty() || base == "input") base = fmt::format("{}_{}", node.op_type(), net_.layers.size());
  std::string name = base;
  for (int k = 2; layer_names_.count(name); ++k) name = fmt::format("{}#{}", base, k);
  layer_names_.insert(name);
  Layer l;
  l.name = name;
  l.kind = kind;
  l.inputs = inputs;
  net_.layers.push_back(std::move(l));
  return net_.layers.back();
}

// A feature map as `layer` outputs it, for a batch of `batch`.
Value Importer::fmap_value(const Layer& layer, int64_t batch) const {
  Value v;
  v.fmap = true;
  v.layer = layer.name;
  if (layer.kind == LayerKind::FullyConnected) v.dims = {batch, layer.out.c};
  else v.dims = {batch, layer.out.c, layer.out.h, layer.out.w};
  return v;
}

void Importer::put_weights(const Layer& layer, const std::vector<float>& w, const std::vector<float>& b) {
  weights_.put(layer.name + ".weight", TensorData::from_floats(w, layer.weight_shape()));
  if (!b.empty()) weights_.put(layer.name + ".bias", TensorData::from_floats(b, {int64_t(layer.out_channels)}));
}

Layer* Importer::sole_producer_layer(const Value& x, const std::string& tensor) {
  if (!x.fmap || x.layer == "input") return nullptr;
  auto it = consumers_.find(tensor);
  if (it == consumers_.end() || it->second != 1) return nullptr;
  for (const auto& out : graph_.output())
    if (out.name() == tensor) return nullptr;
  Layer& last = net_.layers.back();
  return last.name == x.layer ? &last : nullptr;
}

// Runs `finalize` on the layers so far, so the newest layer's output shape is known; a UserError
// is re-raised naming the node.
void Importer::finalize_at(const onnx::NodeProto& node) {
  try {
    net_.finalize();
  } catch (const UserError& e) {
    node_fail(node, e.what());
  }
}

// The node's output is the newest layer's, shaped like `like` (element-wise layers).
void Importer::output_like(const onnx::NodeProto& node, const Value& like) {
  finalize_at(node);
  Value out = like;
  out.layer = net_.layers.back().name;
  set_output(node, out);
}

void Importer::conv(const onnx::NodeProto& node) {
  const Value& x = fmap_input(node, 0);
  const Value& w = const_input(node, 1);
  if (x.dims.size() != 4) node_fail(node, fmt::format("input is {}, expected a 2-D feature map N x C x H x W", dims_str(x.dims)));
  if (w.dims.size() != 4) node_fail(node, fmt::format("weight '{}' is {}, expected [M, C/group, kH, kW]", w.name, dims_str(w.dims)));
  const int64_t group = attr_int(node, "group", 1);
  const int64_t C = x.dims[1], H = x.dims[2], W = x.dims[3], M = w.dims[0], kh = w.dims[2], kw = w.dims[3];
  if (group < 1 || C % group != 0 || M % group != 0 || w.dims[1] != C / group)
    node_fail(node, fmt::format("group {} with input channels {} and weight {}: expected group to divide both and the "
                                "weight's second dimension to be C/group",
                                group, C, dims_str(w.dims)));
  auto kernel = attr_ints(node, "kernel_shape");
  if (!kernel.empty() && kernel != Dims{kh, kw})
    node_fail(node, fmt::format("kernel_shape {} differs from the weight's {}x{}", dims_str(kernel), kh, kw));
  auto strides = attr_ints(node, "strides");
  if (strides.empty()) strides = {1, 1};
  auto dil = attr_ints(node, "dilations");
  if (!dil.empty() && dil != Dims{1, 1})
    node_fail(node, fmt::format("dilations {}: the row-stationary model maps dense filters only (dilation 1)",
                                dims_str(dil)));
  if (strides.size() != 2 || strides[0] != strides[1] || strides[0] < 1)
    node_fail(node, fmt::format("strides {}: rowsim models one stride for both axes", dims_str(strides)));
  const int64_t s = strides[0];
  Dims pads = attr_ints(node, "pads");
  std::string auto_pad = attr_string(node, "auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    // Output = ceil(in / stride); the total padding is split, the extra one at the end (UPPER).
    auto total = [&](int64_t in, int64_t k) { return std::max<int64_t>(0, ((in + s - 1) / s - 1) * s + k - in); };
    int64_t th = total(H, kh), tw = total(W, kw);
    int64_t h0 = auto_pad == "SAME_UPPER" ? th / 2 : th - th / 2, w0 = auto_pad == "SAME_UPPER" ? tw / 2 : tw - tw / 2;
    pads = {h0, w0, th - h0, tw - w0};
  } else if (auto_pad == "VALID") {
    pads = {0, 0, 0, 0};
  } else if (auto_pad != "NOTSET") {
    node_fail(node, fmt::format("auto_pad '{}': expected NOTSET, SAME_UPPER, SAME_LOWER or VALID", auto_pad));
  }
  if (pads.empty()) pads = {0, 0, 0, 0};
  if (pads.size() != 4 || std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0 || p > max_dim(); }))
    node_fail(node, fmt::format("pads {}: expected four sizes (top, left, bottom, right) of 0 or more", dims_str(pads)));
  bool bias = has_input(node, 2);
  Layer& l = add_layer(node, LayerKind::Conv, {x.layer}, layer_name_of_weight(node.input(1)));
  l.out_channels = int(M);
  l.kernel_h = int(kh);
  l.kernel_w = int(kw);
  l.stride = int(s);
  set_padding(l, pads);
  l.groups = int(group);
  l.bias = bias;
  finalize_at(node);
  const Layer& done = net_.layers.back();
  if (values_known(w) && (!bias || values_known(input(node, 2)))) {
    std::vector<float> b = bias ? floats_of(input(node, 2), node) : std::vector<float>{};
    if (bias && int64_t(b.size()) != M) node_fail(node, fmt::format("bias has {} values, expected {}", b.size(), M));
    put_weights(done, floats_of(w, node), b);
  } else {
    weight_values_ = false;
  }
  set_output(node, fmap_value(done, x.dims[0]));
}

void Importer::gemm(const onnx::NodeProto& node, bool matmul) {
  const Value& a = fmap_input(node, 0);
  const Value& b = const_input(node, 1);
  Dims in = a.dims;
  if (in.size() != 2 && !(in.size() == 4 && in[2] == 1 && in[3] == 1))
    node_fail(node, fmt::format("input is {}, expected N x K (flatten the feature map first)", dims_str(in)));
  const int64_t K = in[1];
  bool trans_b = !matmul && attr_int(node, "transB", 0) != 0;
  if (!matmul && attr_int(node, "transA", 0) != 0) node_fail(node, "transA=1: the feature map must be the left operand, untransposed");
  double alpha = matmul ? 1.0 : attr_float(node, "alpha", 1.0), beta = matmul ? 1.0 : attr_float(node, "beta", 1.0);
  if (b.dims.size() != 2 || (trans_b ? b.dims[1] : b.dims[0]) != K)
    node_fail(node, fmt::format("weight '{}' is {}{}, the input has {} features", b.name, dims_str(b.dims),
                                trans_b ? " (transposed)" : "", K));
  const int64_t M = trans_b ? b.dims[0] : b.dims[1];
  bool bias = !matmul && has_input(node, 2);
  Layer& l = add_layer(node, LayerKind::FullyConnected, {a.layer}, layer_name_of_weight(node.input(1)));
  l.out_channels = int(M);
  l.bias = bias;
  finalize_at(node);
  const Layer& done = net_.layers.back();
  if (values_known(b) && (!bias || values_known(input(node, 2)))) {
    std::vector<float> src = floats_of(b, node), w(size_t(M * K));
    for (int64_t m = 0; m < M; ++m)
      for (int64_t k = 0; k < K; ++k)
        w[size_t(m * K + k)] = float(alpha * (trans_b ? src[size_t(m * K + k)] : src[size_t(k * M + m)]));
    std::vector<float> bv;
    if (bias) {
      const Value& c = input(node, 2);
      std::vector<float> raw = floats_of(c, node);
      if (raw.size() == 1) raw.assign(size_t(M), raw[0]);
      if (int64_t(raw.size()) != M) node_fail(node, fmt::format("bias '{}' is {}, expected {} values", c.name, dims_str(c.dims), M));
      for (float& v : raw) v = float(beta * v);
      bv = raw;
    }
    put_weights(done, w, bv);
  } else {
    weight_values_ = false;
  }
  set_output(node, fmap_value(done, in[0]));
}

void Importer::per_channel_affine(const onnx::NodeProto& node, const Value& x, std::vector<float> scale,
                                  std::vector<float> shift, bool values) {
  // A per-channel scale and shift runs on the array as a 1x1 depthwise conv with a bias.
  if (x.dims.size() != 4) node_fail(node, fmt::format("per-channel scale of a {} tensor, expected N x C x H x W", dims_str(x.dims)));
  const int64_t C = x.dims[1];
  Layer& l = add_layer(node, LayerKind::Conv, {x.layer});
  l.out_channels = int(C);
  l.groups = int(C);
  l.bias = true;
  finalize_at(node);
  const Layer& done = net_.layers.back();
  if (values) put_weights(done, scale, shift);
  else weight_values_ = false;
  set_output(node, fmap_value(done, x.dims[0]));
}

void Importer::batchnorm(const onnx::NodeProto& node) {
  const Value& x = fmap_input(node, 0);
  if (x.dims.size() < 2) node_fail(node, fmt::format("input is {}, expected N x C ...", dims_str(x.dims)));
  const int64_t C = x.dims[1];
  for (int k = 1; k <= 4; ++k)
    if (const_input(node, k).dims != Dims{C})
      node_fail(node, fmt::format("'{}' is {}, expected [{}]", input(node, k).name, dims_str(input(node, k).dims), C));
  const double eps = attr_float(node, "epsilon", 1e-5);
  bool values = true;
  for (int k = 1; k <= 4; ++k) values = values && values_known(input(node, k));
  std::vector<float> scale(size_t(C), 1.0f), shift(size_t(C), 0.0f);
  if (values) {
    auto gamma = floats_of(input(node, 1), node), beta = floats_of(input(node, 2), node);
    auto mean = floats_of(input(node, 3), node), var = floats_of(input(node, 4), node);
    for (int64_t c = 0; c < C; ++c) {
      if (var[size_t(c)] + eps <= 0) node_fail(node, fmt::format("variance of channel {} is {}", c, var[size_t(c)]));
      double s = gamma[size_t(c)] / std::sqrt(double(var[size_t(c)]) + eps);
      scale[size_t(c)] = float(s);
      shift[size_t(c)] = float(beta[size_t(c)] - mean[size_t(c)] * s);
    }
  }
  // Folded into the conv or fully connected layer before it when this node is its only reader.
  Layer* prev = sole_producer_layer(x, node.input(0));
  if (prev && prev->has_weights()) {
    const int64_t per_out = prev->weights() / prev->out_channels;
    if (values && weight_values_) {
      if (const TensorData* w = weights_.find(prev->name + ".weight")) {
        std::vector<float> wv = w->to_floats();
        std::vector<float> bv(size_t(C), 0.0f);
        if (const TensorData* b = weights_.find(prev->name + ".bias")) bv = b->to_floats();
        for (int64_t m = 0; m < C; ++m) {
          for (int64_t k = 0; k < per_out; ++k) wv[size_t(m * per_out + k)] *= scale[size_t(m)];
          bv[size_t(m)] = bv[size_t(m)] * scale[size_t(m)] + shift[size_t(m)];
        }
        prev->bias = true;
        put_weights(*prev, wv, bv);
      }
    } else {
      prev->bias = true;
      weight_values_ = weight_values_ && values;
    }
    set_output(node, x);
    return;
  }
  per_channel_affine(node, x, scale, shift, values);
}

void Importer::pool(const onnx::NodeProto& node, bool global) {
  const Value& x = fmap_input(node, 0);
  if (x.dims.size() != 4) node_fail(node, fmt::format("input is {}, expected N x C x H x W", dims_str(x.dims)));
  const std::string& op = node.op_type();
  Layer& l = add_layer(node, LayerKind::Pool, {x.layer});
  l.pool = (op == "MaxPool" || op == "GlobalMaxPool") ? PoolKind::Max : PoolKind::Avg;
  if (global) {
    l.kernel_h = int(x.dims[2]);
    l.kernel_w = int(x.dims[3]);
    l.stride = std::max(l.kernel_h, l.kernel_w);
  } else {
    auto kernel = attr_ints(node, "kernel_shape");
    if (kernel.size() != 2 || kernel[0] < 1 || kernel[1] < 1 || kernel[0] > max_dim() || kernel[1] > max_dim())
      node_fail(node, fmt::format("kernel_shape {}: expected two positive sizes", dims_str(kernel)));
    auto strides = attr_ints(node, "strides");
    if (strides.empty()) strides = {1, 1};
    if (strides.size() != 2 || strides[0] != strides[1] || strides[0] < 1 || strides[0] > max_dim())
      node_fail(node, fmt::format("strides {}: rowsim models one stride for both axes", dims_str(strides)));
    auto dil = attr_ints(node, "dilations");
    if (!dil.empty() && dil != Dims{1, 1}) node_fail(node, fmt::format("dilations {}: expected 1", dims_str(dil)));
    Dims pads = attr_ints(node, "pads");
    std::string auto_pad = attr_string(node, "auto_pad", "NOTSET");
    if (auto_pad != "NOTSET" && auto_pad != "VALID")
      node_fail(node, fmt::format("auto_pad '{}' on a pool: expected NOTSET or VALID (pads written out)", auto_pad));
    if (pads.empty() || auto_pad == "VALID") pads = {0, 0, 0, 0};
    if (pads.size() != 4 || std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0 || p > max_dim(); }))
      node_fail(node, fmt::format("pads {}: expected four sizes (top, left, bottom, right) of 0 or more",
                                  dims_str(pads)));
    l.kernel_h = int(kernel[0]);
    l.kernel_w = int(kernel[1]);
    l.stride = int(strides[0]);
    set_padding(l, pads);
    l.ceil_mode = attr_int(node, "ceil_mode", 0) != 0;
    // ONNX's default is 0; it matters only where an average window overlaps padding.
    if (l.pool == PoolKind::Avg && std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p > 0; }))
      l.count_include_pad = attr_int(node, "count_include_pad", 0) != 0;
    if (node.output_size() > 1 && !node.output(1).empty()) node_fail(node, "the Indices output is not supported");
  }
  finalize_at(node);
  set_output(node, fmap_value(net_.layers.back(), x.dims[0]));
}

void Importer::activation(const onnx::NodeProto& node) {
  const Value& x = fmap_input(node, 0);
  const std::string& op = node.op_type();
  if (op == "Relu") {
    add_layer(node, LayerKind::ReLU, {x.layer});
  } else {
    Layer& l = add_layer(node, LayerKind::Activation, {x.layer});
    if (op == "Clip") {
      double lo = -INFINITY, hi = INFINITY;
      if (attr(node, "min")) lo = attr_float(node, "min", lo);
      if (attr(node, "max")) hi = attr_float(node, "max", hi);
      if (has_input(node, 1)) lo = values_of(const_input(node, 1), &node).at(0);
      if (has_input(node, 2)) hi = values_of(const_input(node, 2), &node).at(0);
      if (!(lo <= hi)) node_fail(node, fmt::format("min {} is above max {}", lo, hi));
      l.activation = ActivationKind::Clip;
      l.act_a = lo;
      l.act_b = hi;
      if (lo == 0 && std::isinf(hi)) l.kind = LayerKind::ReLU;
    } else if (op == "LeakyRelu") {
      l.activation = ActivationKind::LeakyRelu;
      l.act_a = attr_float(node, "alpha", 0.01);
    } else if (op == "Sigmoid") {
      l.activation = ActivationKind::Sigmoid;
    } else if (op == "Tanh") {
      l.activation = ActivationKind::Tanh;
    } else if (op == "HardSigmoid") {
      l.activation = ActivationKind::HardSigmoid;
      l.act_a = attr_float(node, "alpha", 0.2);
      l.act_b = attr_float(node, "beta", 0.5);
    } else {  // HardSwish
      l.activation = ActivationKind::HardSwish;
      l.act_a = 1.0 / 6.0;
      l.act_b = 0.5;
    }
  }
  output_like(node, x);
}

// Element-wise Add, Sub, Mul, Div: of two feature maps (a layer), of a feature map and a constant
// (an affine activation, a per-channel scale, or a bias folded into the layer before), or of two
// constants (folded).
void Importer::binary(const onnx::NodeProto& node) {
  const std::string& op = node.op_type();
  const Value& a = input(node, 0);
  const Value& b = input(node, 1);
  if (!a.fmap && !b.fmap) return fold_constant(node);
  if (a.fmap && b.fmap) {
    if (op == "Sub" || op == "Div")
      node_fail(node, "an element-wise difference or quotient of two feature maps is not a layer rowsim prices");
    // The full-size operand first; the other may broadcast.
    const Value& big = element_count(a.dims) >= element_count(b.dims) ? a : b;
    const Value& small = &big == &a ? b : a;
    add_layer(node, op == "Add" ? LayerKind::Add : LayerKind::Mul, {big.layer, small.layer});
    output_like(node, big);
    return;
  }
  const Value& x = a.fmap ? a : b;
  const Value& c = a.fmap ? b : a;
  if ((op == "Sub" || op == "Div") && !a.fmap)
    node_fail(node, "a constant minus or divided by a feature map is not a layer rowsim prices");
  const int64_t n = element_count(c.dims);
  const int64_t C = x.dims.size() >= 2 ? x.dims[1] : 0;
  // Where the constant lies: one value, or one per channel (shape [C], [C,1,1], [1,C,1,1], [1,C]).
  // Right-aligned against the feature map (NumPy broadcasting), a per-channel constant has C at
  // the channel axis and 1 elsewhere: [C] or [1, C] against N x C, [C, 1, 1] or [1, C, 1, 1]
  // against N x C x H x W.
  bool scalar = n == 1, per_channel = false;
  if (!scalar && c.dims.size() <= x.dims.size() && x.dims.size() >= 2) {
    const size_t offset = x.dims.size() - c.dims.size();
    per_channel = true;
    for (size_t i = 0; i < c.dims.size(); ++i)
      per_channel = per_channel && c.dims[i] == (offset + i == 1 ? C : 1);
  }
  if (!scalar && !per_channel)
    node_fail(node, fmt::format("{} of a feature map {} and a constant {}: rowsim prices a constant of one value or "
                                "one per channel",
                                op, dims_str(x.dims), dims_str(c.dims)));
  // A bias after a MatMul (or a conv without one) joins that layer.
  if (op == "Add" && per_channel) {
    Layer* prev = sole_producer_layer(x, a.fmap ? node.input(0) : node.input(1));
    if (prev && prev->has_weights() && !prev->bias) {
      prev->bias = true;
      if (values_known(c) && weight_values_) {
        std::vector<float> bv = floats_of(c, node);
        if (const TensorData* w = weights_.find(prev->name + ".weight")) put_weights(*prev, w->to_floats(), bv);
      } else {
        weight_values_ = false;
      }
      set_output(node, x);
      return;
    }
  }
  if (scalar) {
    double v = values_of(c, &node).at(0);
    Layer& l = add_layer(node, LayerKind::Activation, {x.layer});
    l.activation = ActivationKind::Affine;
    if (op == "Add") l.act_a = 1, l.act_b = v;
    else if (op == "Sub") l.act_a = 1, l.act_b = -v;
    else if (op == "Mul") l.act_a = v, l.act_b = 0;
    else {
      if (v == 0) node_fail(node, "division by a constant zero");
      l.act_a = 1 / v, l.act_b = 0;
    }
    output_like(node, x);
    return;
  }
  bool known = values_known(c);
  std::vector<float> scale(size_t(C), 1.0f), shift(size_t(C), 0.0f);
  if (known) {
    std::vector<float> v = floats_of(c, node);
    for (int64_t k = 0; k < C; ++k) {
      float e = v[size_t(k)];
      if (op == "Add") shift[size_t(k)] = e;
      else if (op == "Sub") shift[size_t(k)] = -e;
      else if (op == "Mul") scale[size_t(k)] = e;
      else {
        if (e == 0) node_fail(node, fmt::format("division by a constant zero in channel {}", k));
        scale[size_t(k)] = 1 / e;
      }
    }
  }
  per_channel_affine(node, x, scale, shift, known);
}

void Importer::concat(const onnx::NodeProto& node) {
  bool any_fmap = false;
  for (int k = 0; k < node.input_size(); ++k) any_fmap = any_fmap || input(node, k).fmap;
  if (!any_fmap) return fold_constant(node);
  const Value& first = fmap_input(node, 0);
  int64_t axis = attr_int(node, "axis", 1);
  if (axis < 0) axis += int64_t(first.dims.size());
  if (axis != 1) node_fail(node, fmt::format("concat on axis {} of {}: rowsim joins feature maps on channels (axis 1)", attr_int(node, "axis", 1), dims_str(first.dims)));
  std::vector<std::string> inputs;
  Dims out = first.dims;
  out[1] = 0;
  for (int k = 0; k < node.input_size(); ++k) {
    const Value& v = fmap_input(node, k);
    if (v.dims.size() != first.dims.size())
      node_fail(node, fmt::format("input {} is {}, input 1 is {}", k + 1, dims_str(v.dims), dims_str(first.dims)));
    for (size_t d = 0; d < v.dims.size(); ++d)
      if (d != 1 && v.dims[d] != first.dims[d])
        node_fail(node, fmt::format("inputs of shapes {} and {} differ outside the channel axis", dims_str(first.dims),
                                    dims_str(v.dims)));
    out[1] += v.dims[1];
    inputs.push_back(v.layer);
  }
  add_layer(node, LayerKind::Concat, inputs);
  finalize_at(node);
  Value v;
  v.fmap = true;
  v.layer = net_.layers.back().name;
  v.dims = out;
  set_output(node, v);
}

// Flatten, Reshape, Squeeze, Unsqueeze, Transpose, Identity and Dropout of a feature map: layout
// only. rowsim follows those that keep the batch first and the data in C, H, W order.
void Importer::reshape_like(const onnx::NodeProto& node) {
  const std::string& op = node.op_type();
  const Value& x = input(node, 0);
  if (!x.fmap) return fold_constant(node);
  Dims out;
  const int64_t N = x.dims[0], per_image = element_count(x.dims) / std::max<int64_t>(1, N);
  if (op == "Identity" || op == "Dropout") {
    out = x.dims;
    if (node.output_size() > 1 && !node.output(1).empty())
      node_fail(node, "Dropout's mask output is used; rowsim runs inference only");
  } else if (op == "Flatten") {
    int64_t axis = attr_int(node, "axis", 1);
    if (axis < 0) axis += int64_t(x.dims.size());
    if (axis != 1) node_fail(node, fmt::format("axis {}: rowsim flattens everything but the batch (axis 1)", axis));
    out = {N, per_image};
  } else if (op == "Reshape") {
    out = reshape_target(node, x.dims);
  } else if (op == "Squeeze" || op == "Unsqueeze") {
    out = squeeze_or_unsqueeze(node, x.dims);
  } else {  // Transpose: only moves of size-1 dimensions, which keep the data in order
    std::vector<int64_t> perm = attr_ints(node, "perm");
    if (perm.empty())
      for (int64_t i = int64_t(x.dims.size()) - 1; i >= 0; --i) perm.push_back(i);
    if (perm.size() != x.dims.size()) node_fail(node, fmt::format("perm {} for a rank-{} tensor", dims_str(perm), x.dims.size()));
    std::vector<int64_t> moved_data;
    for (int64_t p : perm) {
      if (p < 0 || p >= int64_t(x.dims.size())) node_fail(node, fmt::format("perm {} out of range", dims_str(perm)));
      out.push_back(x.dims[size_t(p)]);
      if (x.dims[size_t(p)] != 1) moved_data.push_back(p);
    }
    if (!std::is_sorted(moved_data.begin(), moved_data.end()))
      node_fail(node, fmt::format("transpose {} of {} reorders the data; rowsim follows layout changes that keep "
                                  "C, H, W order",
                                  dims_str(perm), dims_str(x.dims)));
  }
  if (out.empty() || out[0] != N)
    node_fail(node, fmt::format("{} of {} gives {}, which moves the batch dimension", op, dims_str(x.dims),
                                dims_str(out)));
  // The IR holds a feature map as C x H x W, or a vector of K features (K x 1 x 1).
  Value v = x;
  if (out.size() == 4 && x.dims.size() == 4) {
    if (out != x.dims)
      node_fail(node, fmt::format("{} of {} to {} rearranges the feature map; rowsim follows flattening only", op,
                                  dims_str(x.dims), dims_str(out)));
  } else if (out.size() == 4) {
    if (out[2] != 1 || out[3] != 1)
      node_fail(node, fmt::format("{} of a vector {} into a map {}: rowsim follows flattening only", op,
                                  dims_str(x.dims), dims_str(out)));
    out = {N, out[1], 1, 1};
  } else {
    out = {N, per_image};
  }
  v.dims = out;
  set_output(node, v);
}

// The dims a Reshape node asks for: 0 keeps the input's dimension, one -1 takes the rest.
Dims Importer::reshape_target(const onnx::NodeProto& node, const Dims& dims) const {
  std::vector<int64_t> target = ints_of(const_input(node, 1), node);
  int64_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == 0 && i < dims.size()) target[i] = dims[i];
    if (target[i] == -1) {
      if (infer >= 0) node_fail(node, "the target shape has two -1 entries");
      infer = int(i);
    } else if (target[i] < 1 || target[i] > max_elements()) {
      node_fail(node, fmt::format("target shape {} has entry {}", dims_str(target), target[i]));
    } else {
      known *= target[i];
      if (known > max_elements()) node_fail(node, fmt::format("target shape {} is too large", dims_str(target)));
    }
  }
  if (infer >= 0) target[size_t(infer)] = element_count(dims) / known;
  if (element_count(target) != element_count(dims))
    node_fail(node, fmt::format("reshape of {} to {} changes the element count", dims_str(dims), dims_str(target)));
  return target;
}

// The dims after a Squeeze or Unsqueeze node: axes from the attribute (opset < 13) or the second
// input, negative ones counted from the end.
Dims Importer::squeeze_or_unsqueeze(const onnx::NodeProto& node, const Dims& dims) const {
  std::vector<int64_t> axes = attr_ints(node, "axes");
  if (has_input(node, 1)) axes = ints_of(const_input(node, 1), node);
  if (node.op_type() == "Squeeze") {
    Dims kept;
    for (size_t i = 0; i < dims.size(); ++i) {
      bool listed = std::any_of(axes.begin(), axes.end(), [&](int64_t a) {
        return (a < 0 ? a + int64_t(dims.size()) : a) == int64_t(i);
      });
      if (listed && dims[i] != 1)
        node_fail(node, fmt::format("squeezes axis {} of {}, which is not 1", i, dims_str(dims)));
      if (axes.empty() ? dims[i] != 1 : !listed) kept.push_back(dims[i]);
    }
    return kept;
  }
  Dims out = dims;
  const int64_t rank = int64_t(dims.size() + axes.size());
  std::vector<int64_t> norm;
  for (int64_t a : axes) norm.push_back(a < 0 ? a + rank : a);
  std::sort(norm.begin(), norm.end());
  for (int64_t a : norm) {
    if (a < 0 || a > int64_t(out.size())) node_fail(node, fmt::format("axis {} out of range", a));
    out.insert(out.begin() + a, 1);
  }
  return out;
}

// Shape arithmetic on constants, evaluated at import.
void Importer::fold_constant(const onnx::NodeProto& node) {
  const std::string& op = node.op_type();
  if (op == "Constant") {
    const auto* a = node.attribute_size() == 1 ? &node.attribute(0) : nullptr;
    if (!a) node_fail(node, "expected exactly one attribute holding the value");
    if (a->name() == "value") {
      Value v;
      v.dims = tensor_dims(a->t(), path_);
      v.proto = &a->t();
      v.values = values_of(v, &node);
      v.has_values = true;
      v.proto = nullptr;
      set_output(node, v);
    } else if (a->name() == "value_float") set_const(node, {}, {a->f()});
    else if (a->name() == "value_int") set_const(node, {}, {double(a->i())});
    else if (a->name() == "value_floats") set_const(node, {a->floats_size()}, {a->floats().begin(), a->floats().end()});
    else if (a->name() == "value_ints") {
      std::vector<double> d(a->ints().begin(), a->ints().end());
      set_const(node, {int64_t(d.size())}, d);
    } else node_fail(node, fmt::format("attribute '{}' is not a value rowsim reads", a->name()));
    return;
  }
  if (op == "Shape") {
    const Value& x = input(node, 0);
    Dims d = x.dims;
    int64_t r = int64_t(d.size());
    int64_t start = attr_int(node, "start", 0), end = attr_int(node, "end", r);
    if (start < 0) start += r;
    if (end < 0) end += r;
    start = std::clamp<int64_t>(start, 0, r);
    end = std::clamp<int64_t>(end, start, r);
    std::vector<double> v(d.begin() + start, d.begin() + end);
    set_const(node, {int64_t(v.size())}, v);
    return;
  }
  if (op == "ConstantOfShape") {
    std::vector<int64_t> shape = ints_of(const_input(node, 0), node);
    for (int64_t s : shape)
      if (s < 0 || s > max_dim()) node_fail(node, fmt::format("shape entry {}", s));
    if (element_count(shape) > (1 << 20)) node_fail(node, "a constant of more than 2^20 values");
    double fill = 0;
    if (const auto* a = attr(node, "value")) {
      Value t;
      t.dims = tensor_dims(a->t(), path_);
      t.proto = &a->t();
      fill = values_of(t, &node).at(0);
    }
    set_const(node, shape, std::vector<double>(size_t(element_count(shape)), fill));
    return;
  }
  const Value& x = const_input(node, 0);
  if ((op == "Identity" || op == "Dropout") && !x.has_values) {
    // A parameter passed on (torch shares equal parameters this way); keep it undecoded.
    Value v = x;
    set_output(node, v);
    return;
  }
  std::vector<double> xv = values_of(x, &node);
  if (op == "Identity" || op == "Cast" || op == "Dropout") {
    bool to_int = false;
    if (op == "Cast") {
      int64_t to = attr_int(node, "to", onnx::TensorProto::FLOAT);
      to_int = to != onnx::TensorProto::FLOAT && to != onnx::TensorProto::DOUBLE && to != onnx::TensorProto::FLOAT16 &&
               to != onnx::TensorProto::BFLOAT16;
    }
    if (to_int)
      for (double& v : xv) v = std::trunc(v);
    set_const(node, x.dims, xv);
    return;
  }
  if (op == "Gather") {
    std::vector<int64_t> idx = ints_of(const_input(node, 1), node);
    const Dims idims = input(node, 1).dims;
    int64_t axis = attr_int(node, "axis", 0);
    if (x.dims.size() != 1 || (axis != 0 && axis != -1))
      node_fail(node, fmt::format("gather on a constant of shape {} (axis {}); rowsim folds gathers from shape "
                                  "vectors only",
                                  dims_str(x.dims), axis));
    std::vector<double> out;
    for (int64_t i : idx) {
      int64_t j = i < 0 ? i + x.dims[0] : i;
      if (j < 0 || j >= x.dims[0]) node_fail(node, fmt::format("index {} out of range for {}", i, dims_str(x.dims)));
      out.push_back(xv[size_t(j)]);
    }
    set_const(node, idims, out);
    return;
  }
  if (op == "Unsqueeze" || op == "Squeeze" || op == "Reshape" || op == "Flatten") {
    Dims out;
    if (op == "Reshape") {
      out = reshape_target(node, x.dims);
    } else if (op == "Flatten") {
      out = {int64_t(xv.size())};
      if (!x.dims.empty()) out = {x.dims[0], int64_t(xv.size()) / std::max<int64_t>(x.dims[0], 1)};
    } else {
      out = squeeze_or_unsqueeze(node, x.dims);
    }
    if (element_count(out) != int64_t(xv.size()))
      node_fail(node, fmt::format("{} of a constant {} to {} changes the element count", op, dims_str(x.dims),
                                  dims_str(out)));
    set_const(node, out, xv);
    return;
  }
  if (op == "Concat") {
    std::vector<double> out;
    for (int k = 0; k < node.input_size(); ++k) {
      const Value& v = const_input(node, k);
      if (v.dims.size() > 1) node_fail(node, "folds concatenations of 1-D constants only");
      auto d = values_of(v, &node);
      out.insert(out.end(), d.begin(), d.end());
    }
    set_const(node, {int64_t(out.size())}, out);
    return;
  }
  if (op == "Slice") {
    if (x.dims.size() != 1) node_fail(node, "folds slices of 1-D constants only");
    auto starts = ints_of(const_input(node, 1), node), ends = ints_of(const_input(node, 2), node);
    std::vector<int64_t> steps = {1};
    if (has_input(node, 4)) steps = ints_of(const_input(node, 4), node);
    if (starts.size() != 1 || ends.size() != 1 || steps.size() != 1 || steps[0] == 0)
      node_fail(node, "expected one start, end and non-zero step");
    const int64_t n = int64_t(xv.size());
    auto clampi = [&](int64_t v, int64_t lo, int64_t hi) { return std::clamp(v < 0 ? v + n : v, lo, hi); };
    std::vector<double> out;
    if (steps[0] > 0)
      for (int64_t i = clampi(starts[0], 0, n), e = clampi(ends[0], 0, n); i < e; i += steps[0]) out.push_back(xv[size_t(i)]);
    else
      for (int64_t i = clampi(starts[0], -1, n - 1), e = clampi(ends[0], -1, n - 1); i > e; i += steps[0])
        out.push_back(xv[size_t(i)]);
    set_const(node, {int64_t(out.size())}, out);
    return;
  }
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
    const Value& y = const_input(node, 1);
    std::vector<double> yv = values_of(y, &node);
    if (xv.size() != yv.size() && xv.size() != 1 && yv.size() != 1)
      node_fail(node, fmt::format("folds element-wise ops on equal shapes or with one value; got {} and {}",
                                  dims_str(x.dims), dims_str(y.dims)));
    const size_t n = std::max(xv.size(), yv.size());
    std::vector<double> out(n);
    bool integer = true;
    for (double v : xv) integer = integer && v == std::floor(v);
    for (double v : yv) integer = integer && v == std::floor(v);
    for (size_t i = 0; i < n; ++i) {
      double p = xv[xv.size() == 1 ? 0 : i], q = yv[yv.size() == 1 ? 0 : i];
      if (op == "Add") out[i] = p + q;
      else if (op == "Sub") out[i] = p - q;
      else if (op == "Mul") out[i] = p * q;
      else {
        if (q == 0) node_fail(node, "division by zero while folding a constant");
        out[i] = integer ? std::trunc(p / q) : p / q;
      }
    }
    set_const(node, xv.size() >= yv.size() ? x.dims : y.dims, out);
    return;
  }
  node_fail(node, "cannot fold this operator on constants");
}

void Importer::not_costed(const onnx::NodeProto& node) {
  // Priced at zero on request: the operator passes its first feature-map input through, which
  // keeps the layers after it right only where its output has its input's shape; the model's
  // recorded output shape (value_info, written by exporters) must say so.
  not_costed_[node.op_type()].push_back(node_label(node));
  const Value* in = nullptr;
  for (int k = 0; k < node.input_size() && !in; ++k) {
    if (!has_input(node, k)) continue;
    auto it = values_.find(node.input(k));
    if (it != values_.end() && it->second.fmap) in = &it->second;
  }
  if (!in) node_fail(node, "is priced at zero but has no feature-map input to carry its shape");
  for (int o = 0; o < node.output_size(); ++o) {
    if (node.output(o).empty()) continue;
    const onnx::ValueInfoProto* info = nullptr;
    for (const auto& vi : graph_.value_info())
      if (vi.name() == node.output(o)) info = &vi;
    for (const auto& vi : graph_.output())
      if (vi.name() == node.output(o)) info = &vi;
    bool same = info && info->type().has_tensor_type() && info->type().tensor_type().has_shape() &&
                info->type().tensor_type().shape().dim_size() == int(in->dims.size());
    for (int d = 1; same && d < int(in->dims.size()); ++d) {
      const auto& dim = info->type().tensor_type().shape().dim(d);
      same = dim.has_dim_value() && dim.dim_value() == in->dims[size_t(d)];
    }
    if (!same)
      node_fail(node, fmt::format("is priced at zero, but the model does not record that its output '{}' keeps the "
                                  "input's shape {}; rowsim cannot carry the layers after it",
                                  node.output(o), dims_str(in->dims)));
    set_output(node, *in, o);
  }
}

void Importer::import_node(const onnx::NodeProto& node) {
  const std::string& op = node.op_type();
  if (!is_supported(node)) return not_costed(node);
  if (op == "Conv") return conv(node);
  if (op == "Gemm") return gemm(node, false);
  if (op == "MatMul") {
    if (!input(node, 0).fmap && !input(node, 1).fmap) node_fail(node, "MatMul of two constants is not folded");
    return gemm(node, true);
  }
  if (op == "BatchNormalization") return batchnorm(node);
  if (op == "MaxPool" || op == "AveragePool") return pool(node, false);
  if (op == "GlobalAveragePool" || op == "GlobalMaxPool") return pool(node, true);
  if (op == "Relu" || op == "Clip" || op == "LeakyRelu" || op == "Sigmoid" || op == "Tanh" || op == "HardSigmoid" ||
      op == "HardSwish") {
    if (!input(node, 0).fmap) node_fail(node, "an activation of a constant is not folded");
    return activation(node);
  }
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") return binary(node);
  if (op == "Concat") return concat(node);
  if (op == "Flatten" || op == "Reshape" || op == "Transpose" || op == "Identity" || op == "Dropout" ||
      op == "Squeeze" || op == "Unsqueeze")
    return reshape_like(node);
  return fold_constant(node);
}

void Importer::add_graph_inputs() {
  std::set<std::string> initializer_names;
  for (const auto& t : graph_.initializer()) {
    if (initializer_names.count(t.name())) fail("{}: two initializers are named '{}'", path_, t.name());
    initializer_names.insert(t.name());
    Value v;
    v.name = t.name();
    v.dims = tensor_dims(t, path_);
    v.proto = &t;
    values_[t.name()] = v;
  }
  bool image_found = false;
  for (const auto& in : graph_.input()) {
    if (initializer_names.count(in.name())) continue;
    if (!in.type().has_tensor_type() || !in.type().tensor_type().has_shape())
      fail("{}: graph input '{}' has no tensor shape; rowsim needs static shapes", path_, in.name());
    const auto& shape = in.type().tensor_type().shape();
    Dims dims;
    for (int d = 0; d < shape.dim_size(); ++d) {
      const auto& dim = shape.dim(d);
      if (dim.has_dim_value()) {
        if (dim.dim_value() < 1 || dim.dim_value() > max_dim())
          fail("{}: graph input '{}' dimension {} is {} (expected 1..{})", path_, in.name(), d, dim.dim_value(),
               max_dim());
        dims.push_back(dim.dim_value());
      } else if (d == 0 && !image_found) {
        dims.push_back(options_.batch);  // the symbolic batch dimension
      } else {
        fail("{}: graph input '{}' dimension {} is symbolic ('{}'); rowsim needs a static shape: export the model "
             "with a fixed size{}",
             path_, in.name(), d, dim.dim_param(), image_found ? " (or give this weight's data as an initializer)" : "");
      }
    }
    Value v;
    v.name = in.name();
    v.dims = dims;
    if (!image_found) {
      // The first input that is not an initializer is the image; the others are weights given as
      // inputs (export_params=False), known by shape only.
      image_found = true;
      if (dims.size() != 4)
        fail("{}: graph input '{}' is {}; rowsim expects an image batch N x C x H x W", path_, in.name(),
             dims_str(dims));
      v.fmap = true;
      v.layer = "input";
      net_.input = Shape{int(dims[1]), int(dims[2]), int(dims[3])};
    }
    values_[in.name()] = v;
  }
  if (!image_found) fail("{}: the graph has no input besides its initializers (no image input)", path_);
}

OnnxModel Importer::run() {
  if (graph_.node_size() == 0) fail("{}: the ONNX graph has no nodes", path_);
  if (graph_.output_size() == 0) fail("{}: the ONNX graph has no outputs", path_);
  std::string stem = fs::path(path_).stem().string();
  net_.name = stem.empty() ? (graph_.name().empty() ? "onnx" : graph_.name()) : stem;
  add_graph_inputs();
  std::vector<int> order = topological_order();
  check_supported(order);
  for (int i : order)
    for (const auto& in : graph_.node(i).input())
      if (!in.empty()) ++consumers_[in];
  for (int i : order) {
    const onnx::NodeProto& node = graph_.node(i);
    import_node(node);
  }
  const std::string& out_name = graph_.output(0).name();
  auto it = values_.find(out_name);
  if (it == values_.end()) fail("{}: graph output '{}' is produced by no node", path_, out_name);
  if (!it->second.fmap) fail("{}: graph output '{}' is a constant, not computed from the image", path_, out_name);
  if (net_.layers.empty()) fail("{}: the model has no layer rowsim prices", path_);
  if (it->second.layer != net_.layers.back().name)
    fail("{}: graph output '{}' comes from layer '{}', which is not the last layer", path_, out_name,
         it->second.layer);
  net_.num_classes = int(std::min<int64_t>(element_count(it->second.dims) / std::max<int64_t>(1, it->second.dims[0]),
                                           int64_t(1) << 30));
  OnnxModel m;
  m.net = net_;
  bool any_array = false;
  for (const auto& l : net_.layers) any_array = any_array || l.has_weights();
  m.has_weight_values = weight_values_ && any_array;
  if (m.has_weight_values) {
    for (const auto& l : net_.layers) {
      if (!l.has_weights()) continue;
      const TensorData* w = weights_.find(l.name + ".weight");
      if (!w || w->shape != l.weight_shape()) fail("{}: layer '{}' lost its weights on import (a bug in rowsim)", path_, l.name);
    }
    m.weights = weights_;
    m.weights.metadata["format"] = "onnx";
    m.weights.metadata["network"] = net_.name;
    m.weights.metadata["net_file"] = path_;
    m.weights.metadata["classes"] = std::to_string(net_.num_classes);
    m.weights.metadata["bits"] = "32";
    m.weights.metadata["sparsity"] = fmt::format("{:.6f}", layer_weight_sparsity(m.weights));
  }
  for (const auto& [op, names] : not_costed_)
    m.net.not_costed.push_back(fmt::format("{} x {} ({})", op, names.size(), name_list(names)));
  return m;
}

}  // namespace

bool looks_like_onnx(const std::string& bytes) {
  // ModelProto starts with field 1 (ir_version) as a one-byte varint (tag 0x08), followed by a
  // length-delimited field 2..14 (producer, domain, doc, graph, opset_import, ...). A safetensors
  // file (8-byte header length, then '{') never passes.
  if (bytes.size() < 4 || uint8_t(bytes[0]) != 0x08) return false;
  const uint8_t version = uint8_t(bytes[1]), tag = uint8_t(bytes[2]);
  if (version < 1 || version >= 0x40 || (tag & 7) != 2 || (tag >> 3) < 2 || (tag >> 3) > 14) return false;
  return !(bytes.size() > 8 && bytes[8] == '{');
}

bool is_onnx_file(const std::string& path, const std::string& bytes) {
  const std::string suffix = ".onnx";
  return looks_like_onnx(bytes) ||
         (path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0);
}

OnnxModel import_onnx(const std::string& bytes, const std::string& path, const OnnxImportOptions& options) {
  if (options.batch < 1) fail("{}: batch {} must be positive", path, options.batch);
  onnx::ModelProto model;
  if (!looks_like_onnx(bytes) || !model.ParseFromString(bytes))
    fail("{}: not an ONNX model (the protobuf does not parse{})", path,
         bytes.size() < 16 ? "; the file is nearly empty" : "; a truncated or damaged file?");
  if (!model.has_graph()) fail("{}: the ONNX model has no graph", path);
  for (const auto& opset : model.opset_import())
    if ((opset.domain().empty() || opset.domain() == "ai.onnx") && opset.version() < 7)
      fail("{}: opset {} is older than 7, which rowsim reads", path, opset.version());
  Importer importer(model, path, options);
  return importer.run();
}

OnnxModel import_onnx_file(const std::string& path, const OnnxImportOptions& options) {
  return import_onnx(read_file(path), path, options);
}

}  // namespace rowsim
