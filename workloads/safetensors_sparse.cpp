#include "workloads/safetensors_sparse.hpp"

#include <limits>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "workloads/util/error.hpp"

namespace rowsim {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool element_is_zero(const char* p, int bytes) {
  for (int i = 0; i < bytes; ++i)
    if (p[i] != 0) return false;
  return true;
}

}  // namespace

bool is_layer_weight(const std::string& name, const TensorData& tensor) {
  return ends_with(name, ".weight") && tensor.shape.size() >= 2;
}

SafeTensors encode_sparse(const SafeTensors& dense,
                          const std::function<bool(const std::string&, const TensorData&)>& select) {
  if (dense.metadata.count(kSparseTensorsKey))
    fail("internal: encode_sparse on a file that already has '{}' metadata", kSparseTensorsKey);
  std::set<std::string> names;
  for (const auto& [name, t] : dense.tensors) names.insert(name);
  SafeTensors out;
  out.metadata = dense.metadata;
  nlohmann::ordered_json shapes = nlohmann::ordered_json::object();
  for (const auto& [name, t] : dense.tensors) {
    const int64_t n = t.elements();
    const int b = dtype_bytes(t.dtype);
    if (!select(name, t) || n == 0) {
      out.put(name, t);
      continue;
    }
    for (const char* suffix : {kSparseValuesSuffix, kSparseMaskSuffix})
      if (names.count(name + suffix))
        fail("cannot encode tensor '{}' sparsely: the file already has a tensor named '{}{}'", name, name, suffix);
    int64_t stored = 0;
    for (int64_t i = 0; i < n; ++i) stored += !element_is_zero(t.bytes.data() + i * b, b);
    const int64_t mask_bytes = (n + 7) / 8;
    if (stored * b + mask_bytes >= int64_t(t.bytes.size())) {
      out.put(name, t);  // not worth it
      continue;
    }
    TensorData values, mask;
    values.dtype = t.dtype;
    values.shape = {stored};
    values.bytes.reserve(size_t(stored * b));
    mask.dtype = DType::U8;
    mask.shape = {mask_bytes};
    mask.bytes.assign(size_t(mask_bytes), '\0');
    for (int64_t i = 0; i < n; ++i) {
      const char* p = t.bytes.data() + i * b;
      if (element_is_zero(p, b)) continue;
      values.bytes.append(p, size_t(b));
      mask.bytes[size_t(i / 8)] = char(uint8_t(mask.bytes[size_t(i / 8)]) | uint8_t(1u << (i % 8)));
    }
    out.put(name + kSparseValuesSuffix, std::move(values));
    out.put(name + kSparseMaskSuffix, std::move(mask));
    shapes[name] = t.shape;
  }
  if (!shapes.empty()) out.metadata[kSparseTensorsKey] = shapes.dump();
  return out;
}

SafeTensors decode_sparse(SafeTensors file, const std::string& origin) {
  auto key = file.metadata.find(kSparseTensorsKey);
  if (key == file.metadata.end()) return file;
  nlohmann::ordered_json shapes;
  try {
    shapes = nlohmann::ordered_json::parse(key->second);
  } catch (const nlohmann::json::exception& e) {
    fail("{}: metadata '{}' is not valid JSON: {}", origin, kSparseTensorsKey, e.what());
  }
  if (!shapes.is_object())
    fail("{}: metadata '{}' must be a JSON object of tensor name -> dense shape, got {}", origin, kSparseTensorsKey,
         key->second.substr(0, 80));
  std::map<std::string, TensorData> dense;  // by tensor name
  std::map<std::string, std::string> replaced_by;  // ".nz_values" tensor name -> dense name
  for (auto it = shapes.begin(); it != shapes.end(); ++it) {
    const std::string& name = it.key();
    const auto& dims = it.value();
    if (file.find(name)) fail("{}: tensor '{}' is stored both dense and sparse", origin, name);
    if (!dims.is_array())
      fail("{}: metadata '{}': the shape of '{}' must be an array, got {}", origin, kSparseTensorsKey, name, dims.dump());
    TensorData t;
    int64_t n = 1;
    for (const auto& d : dims) {
      if (!d.is_number_unsigned())
        fail("{}: metadata '{}': the shape of '{}' must hold non-negative integers, got {}", origin, kSparseTensorsKey,
             name, dims.dump());
      uint64_t dim = d.get<uint64_t>();
      if (dim != 0 && uint64_t(n) > uint64_t(std::numeric_limits<int64_t>::max() / 8) / dim)
        fail("{}: metadata '{}': the shape {} of '{}' is too large", origin, kSparseTensorsKey, dims.dump(), name);
      n *= int64_t(dim);
      t.shape.push_back(int64_t(dim));
    }
    const std::string vname = name + kSparseValuesSuffix, mname = name + kSparseMaskSuffix;
    const TensorData* values = file.find(vname);
    const TensorData* mask = file.find(mname);
    if (!values) fail("{}: sparse tensor '{}' has no '{}' tensor", origin, name, vname);
    if (!mask) fail("{}: sparse tensor '{}' has no '{}' tensor", origin, name, mname);
    const int64_t mask_bytes = (n + 7) / 8;
    if (mask->dtype != DType::U8 || mask->shape != std::vector<int64_t>{mask_bytes})
      fail("{}: tensor '{}' is {} {}, expected U8 [{}] (one bit per element of the dense shape {})", origin, mname,
           dtype_name(mask->dtype), shape_string(mask->shape), mask_bytes, shape_string(t.shape));
    if (values->shape.size() != 1)
      fail("{}: tensor '{}' has shape {}, expected one dimension (the stored elements)", origin, vname,
           shape_string(values->shape));
    int64_t set = 0;
    for (int64_t i = 0; i < n; ++i) set += (uint8_t(mask->bytes[size_t(i / 8)]) >> (i % 8)) & 1u;
    if (n % 8 && (uint8_t(mask->bytes[size_t(n / 8)]) >> (n % 8)) != 0)
      fail("{}: tensor '{}' sets padding bits past element {} of '{}'", origin, mname, n, name);
    if (set != values->shape[0])
      fail("{}: tensor '{}' marks {} stored elements but '{}' holds {}", origin, mname, set, vname, values->shape[0]);
    t.dtype = values->dtype;
    const int b = dtype_bytes(t.dtype);
    t.bytes.assign(size_t(n * b), '\0');
    int64_t k = 0;
    for (int64_t i = 0; i < n; ++i)
      if ((uint8_t(mask->bytes[size_t(i / 8)]) >> (i % 8)) & 1u) {
        t.bytes.replace(size_t(i * b), size_t(b), values->bytes, size_t(k * b), size_t(b));
        ++k;
      }
    dense[name] = std::move(t);
    replaced_by[vname] = name;
  }
  std::vector<std::pair<std::string, TensorData>> tensors;
  for (auto& [name, t] : file.tensors) {
    auto r = replaced_by.find(name);
    if (r != replaced_by.end()) {
      tensors.emplace_back(r->second, std::move(dense[r->second]));
      continue;
    }
    if (ends_with(name, kSparseMaskSuffix) &&
        dense.count(name.substr(0, name.size() - std::string(kSparseMaskSuffix).size())))
      continue;
    tensors.emplace_back(name, std::move(t));
  }
  file.tensors = std::move(tensors);
  file.metadata.erase(kSparseTensorsKey);
  return file;
}

}  // namespace rowsim
