#include "workloads/safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "workloads/safetensors_sparse.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/limits.hpp"

namespace rowsim {

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s;
  for (int64_t d : shape) s += (s.empty() ? "" : ", ") + std::to_string(d);
  return "[" + s + "]";
}

namespace {

const std::pair<const char*, DType> kDTypes[] = {{"F32", DType::F32}, {"F16", DType::F16}, {"BF16", DType::BF16},
                                                 {"F64", DType::F64}, {"I8", DType::I8},   {"U8", DType::U8},
                                                 {"I16", DType::I16}, {"I32", DType::I32}, {"I64", DType::I64}};

template <typename T>
T load_le(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));  // rowsim targets little-endian hosts only
  return value;
}

}  // namespace

const char* dtype_name(DType dtype) {
  for (const auto& [name, d] : kDTypes)
    if (d == dtype) return name;
  return "?";
}

int dtype_bytes(DType dtype) {
  switch (dtype) {
    case DType::F64:
    case DType::I64: return 8;
    case DType::F32:
    case DType::I32: return 4;
    case DType::F16:
    case DType::BF16:
    case DType::I16: return 2;
    case DType::I8:
    case DType::U8: return 1;
  }
  return 0;
}

uint16_t float_to_half(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t exp = (x >> 23) & 0xFFu;
  uint32_t mant = x & 0x7FFFFFu;
  if (exp == 0xFF) return static_cast<uint16_t>(sign | 0x7C00u | (mant ? 0x200u : 0u));  // inf / NaN
  int e = static_cast<int>(exp) - 127 + 15;
  if (e >= 31) return static_cast<uint16_t>(sign | 0x7C00u);  // overflow to infinity
  if (e <= 0) {
    if (e < -10) return static_cast<uint16_t>(sign);  // underflows to zero
    mant |= 0x800000u;
    int shift = 14 - e;
    uint32_t half = mant >> shift;
    uint32_t rest = mant & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (half & 1u))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = sign | (static_cast<uint32_t>(e) << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1FFFu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;  // may carry into the exponent: correct
  return static_cast<uint16_t>(half);
}

float half_to_float(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  uint32_t x;
  if (exp == 0) {
    if (mant == 0) {
      x = sign;
    } else {  // subnormal: normalize
      int e = -1;
      do {
        mant <<= 1;
        ++e;
      } while (!(mant & 0x400u));
      x = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | ((mant & 0x3FFu) << 13);
    }
  } else if (exp == 31) {
    x = sign | 0x7F800000u | (mant << 13);
  } else {
    x = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

int64_t TensorData::elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::vector<float> TensorData::to_floats() const {
  size_t n = static_cast<size_t>(elements());
  std::vector<float> out(n);
  const char* p = bytes.data();
  for (size_t i = 0; i < n; ++i) {
    switch (dtype) {
      case DType::F32: out[i] = load_le<float>(p + 4 * i); break;
      case DType::F16: out[i] = half_to_float(load_le<uint16_t>(p + 2 * i)); break;
      case DType::BF16: {
        uint32_t x = static_cast<uint32_t>(load_le<uint16_t>(p + 2 * i)) << 16;
        std::memcpy(&out[i], &x, 4);
        break;
      }
      case DType::F64: out[i] = static_cast<float>(load_le<double>(p + 8 * i)); break;
      case DType::I8: out[i] = load_le<int8_t>(p + i); break;
      case DType::U8: out[i] = load_le<uint8_t>(p + i); break;
      case DType::I16: out[i] = load_le<int16_t>(p + 2 * i); break;
      case DType::I32: out[i] = static_cast<float>(load_le<int32_t>(p + 4 * i)); break;
      case DType::I64: out[i] = static_cast<float>(load_le<int64_t>(p + 8 * i)); break;
    }
  }
  return out;
}

TensorData TensorData::from_floats(const std::vector<float>& values, std::vector<int64_t> shape, DType dtype) {
  TensorData t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  if (t.elements() != static_cast<int64_t>(values.size()))
    fail("internal: tensor shape holds {} values but {} were given", t.elements(), values.size());
  if (dtype == DType::F32) {
    t.bytes.assign(reinterpret_cast<const char*>(values.data()), values.size() * 4);
  } else if (dtype == DType::F16) {
    t.bytes.resize(values.size() * 2);
    for (size_t i = 0; i < values.size(); ++i) {
      uint16_t h = float_to_half(values[i]);
      std::memcpy(&t.bytes[2 * i], &h, 2);
    }
  } else {
    fail("internal: from_floats supports F32 and F16, not {}", dtype_name(dtype));
  }
  return t;
}

const TensorData* SafeTensors::find(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return &t;
  return nullptr;
}

const TensorData& SafeTensors::get(const std::string& name, const std::string& origin) const {
  const TensorData* t = find(name);
  if (!t) fail("{}: has no tensor named '{}'", origin, name);
  return *t;
}

void SafeTensors::put(const std::string& name, TensorData tensor) {
  for (auto& [n, t] : tensors)
    if (n == name) {
      t = std::move(tensor);
      return;
    }
  tensors.emplace_back(name, std::move(tensor));
}

std::string SafeTensors::meta(const std::string& key, const std::string& fallback) const {
  auto it = metadata.find(key);
  return it == metadata.end() ? fallback : it->second;
}

std::string serialize_safetensors(const SafeTensors& file) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!file.metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [k, v] : file.metadata) meta[k] = v;
    header["__metadata__"] = meta;
  }
  uint64_t offset = 0;
  for (const auto& [name, t] : file.tensors) {
    if (static_cast<int64_t>(t.bytes.size()) != t.elements() * dtype_bytes(t.dtype))
      fail("internal: tensor '{}' has {} bytes for {} {} values", name, t.bytes.size(), t.elements(),
           dtype_name(t.dtype));
    header[name] = {{"dtype", dtype_name(t.dtype)},
                    {"shape", t.shape},
                    {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned, as the reference writer does
  std::string out(8, '\0');
  uint64_t n = text.size();
  std::memcpy(&out[0], &n, 8);
  out += text;
  out.reserve(out.size() + offset);
  for (const auto& [name, t] : file.tensors) out += t.bytes;
  return out;
}

SafeTensors parse_safetensors(const std::string& bytes, const std::string& origin) {
  if (bytes.size() < 8)
    fail("{}: not a safetensors file: {} bytes, expected at least the 8-byte header length", origin, bytes.size());
  uint64_t n = load_le<uint64_t>(bytes.data());
  if (n > uint64_t(limit(Limit::SafetensorsHeaderBytes)))
    fail("{}: header length {} is larger than the limit of {} bytes (not a safetensors file?) {}", origin, n,
         limit(Limit::SafetensorsHeaderBytes), limit_hint(Limit::SafetensorsHeaderBytes));
  if (n > bytes.size() - 8)
    fail("{}: truncated: the header claims {} bytes but only {} follow the length field", origin, n,
         bytes.size() - 8);
  std::string text = bytes.substr(8, n);
  if (text.empty() || text[0] != '{') fail("{}: header does not start with '{{' (not a safetensors file?)", origin);
  nlohmann::json header;
  // A JSON parser keeps the last of two equal keys; two tensors (or entries) of one name would
  // silently lose the first. Track the keys of every open object and refuse a repeat.
  std::vector<std::set<std::string>> keys;
  nlohmann::json::parser_callback_t unique_keys = [&](int, nlohmann::json::parse_event_t event,
                                                      nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::object_start) keys.emplace_back();
    if (event == nlohmann::json::parse_event_t::object_end) keys.pop_back();
    if (event == nlohmann::json::parse_event_t::key) {
      const std::string key = parsed.get<std::string>();
      if (!keys.back().insert(key).second) {
        if (keys.size() > 1) fail("{}: header: key '{}' appears twice in one entry", origin, key);
        if (key == "__metadata__") fail("{}: header: '__metadata__' appears twice", origin);
        fail("{}: header: tensor '{}' appears twice (names must be unique)", origin, key);
      }
    }
    return true;
  };
  try {
    header = nlohmann::json::parse(text, unique_keys);
  } catch (const nlohmann::json::exception& e) {
    fail("{}: header is not valid JSON: {}", origin, e.what());
  }
  if (!header.is_object()) fail("{}: header must be a JSON object", origin);
  const uint64_t buffer = bytes.size() - 8 - n;
  SafeTensors file;
  struct Range {
    uint64_t begin, end;
    std::string name;
  };
  std::vector<Range> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const auto& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) fail("{}: __metadata__ must be an object of strings", origin);
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) fail("{}: __metadata__ key '{}' must be a string", origin, m.key());
        file.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    if (!v.is_object()) fail("{}: tensor '{}': entry must be an object", origin, name);
    for (const char* key : {"dtype", "shape", "data_offsets"})
      if (!v.contains(key)) fail("{}: tensor '{}': missing '{}'", origin, name, key);
    for (auto k = v.begin(); k != v.end(); ++k)
      if (k.key() != "dtype" && k.key() != "shape" && k.key() != "data_offsets")
        fail("{}: tensor '{}': unknown key '{}' (expected dtype, shape, data_offsets)", origin, name, k.key());
    TensorData t;
    if (!v["dtype"].is_string()) fail("{}: tensor '{}': dtype must be a string", origin, name);
    std::string dt = v["dtype"].get<std::string>();
    bool known = false;
    for (const auto& [dname, d] : kDTypes)
      if (dt == dname) {
        t.dtype = d;
        known = true;
      }
    if (!known) fail("{}: tensor '{}': unsupported dtype '{}' (expected F32, F16, BF16, F64, I8, U8, I16, I32 or I64)",
                     origin, name, dt);
    if (!v["shape"].is_array()) fail("{}: tensor '{}': shape must be an array", origin, name);
    uint64_t elements = 1;
    for (const auto& d : v["shape"]) {
      if (!d.is_number_unsigned()) fail("{}: tensor '{}': shape {} must hold non-negative integers", origin, name,
                                        v["shape"].dump());
      uint64_t dim = d.get<uint64_t>();
      if (dim != 0 && elements > std::numeric_limits<uint64_t>::max() / 8 / dim)
        fail("{}: tensor '{}': shape {} is too large", origin, name, v["shape"].dump());
      elements *= dim;
      t.shape.push_back(static_cast<int64_t>(dim));
    }
    const auto& off = v["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      fail("{}: tensor '{}': data_offsets must be [begin, end] with non-negative integers, got {}", origin, name,
           off.dump());
    uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    if (end < begin) fail("{}: tensor '{}': data_offsets [{}, {}] end before they begin", origin, name, begin, end);
    uint64_t expected = elements * static_cast<uint64_t>(dtype_bytes(t.dtype));
    if (end - begin != expected)
      fail("{}: tensor '{}': data_offsets [{}, {}] span {} bytes but {} {} of shape {} need {}", origin, name, begin,
           end, end - begin, elements, dt, v["shape"].dump(), expected);
    if (end > buffer)
      fail("{}: truncated or out of range: tensor '{}' ends at byte {} of the data but the file holds only {}",
           origin, name, end, buffer);
    t.bytes = bytes.substr(8 + n + begin, end - begin);
    ranges.push_back({begin, end, name});
    file.tensors.emplace_back(name, std::move(t));
  }
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
  uint64_t covered = 0;
  for (const auto& r : ranges) {
    if (r.begin < covered)
      fail("{}: tensor '{}' at bytes [{}, {}) overlaps the tensor before it", origin, r.name, r.begin, r.end);
    if (r.begin > covered)
      fail("{}: the data has a gap at bytes [{}, {}) before tensor '{}'", origin, covered, r.begin, r.name);
    covered = r.end;
  }
  if (covered != buffer)
    fail("{}: {} bytes of data follow the last tensor (the header describes {} of {})", origin, buffer - covered,
         covered, buffer);
  // File order = data order, so a rewrite reproduces the same bytes.
  std::vector<std::pair<std::string, TensorData>> ordered;
  for (const auto& r : ranges)
    for (auto& entry : file.tensors)
      if (entry.first == r.name) ordered.push_back(std::move(entry));
  file.tensors = std::move(ordered);
  // Sparse-encoded tensors (workloads/safetensors_sparse.hpp) come back dense.
  return decode_sparse(std::move(file), origin);
}

SafeTensors read_safetensors(const std::string& path) { return parse_safetensors(read_file(path), path); }

void write_safetensors(const std::string& path, const SafeTensors& file) {
  write_file_atomic(path, serialize_safetensors(file));
}

}  // namespace rowsim
