// Safetensors files (the format of the Hugging Face `safetensors` library): an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte range, then the raw
// little-endian data. rowsim's trainer writes them and the simulator reads the same files; the
// layout and rowsim's metadata keys are in docs/weights-format.md. Every header field is validated
// on read, so a damaged file is a UserError naming the file, the tensor and what is wrong.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace rowsim {

enum class DType { F32, F16, BF16, F64, I8, U8, I16, I32, I64 };

const char* dtype_name(DType dtype);  // "F32", as in the file
int dtype_bytes(DType dtype);

// "[a, b, c]", for messages.
std::string shape_string(const std::vector<int64_t>& shape);

struct TensorData {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::string bytes;  // raw little-endian data
  int64_t elements() const;
  // Converts F32, F16, BF16, F64 and the integer types to float (integers are not rescaled).
  std::vector<float> to_floats() const;
  static TensorData from_floats(const std::vector<float>& values, std::vector<int64_t> shape,
                                DType dtype = DType::F32);
};

struct SafeTensors {
  std::map<std::string, std::string> metadata;  // the "__metadata__" object (strings only)
  std::vector<std::pair<std::string, TensorData>> tensors;  // in file order

  const TensorData* find(const std::string& name) const;
  // Throws UserError naming `origin` when the tensor is missing.
  const TensorData& get(const std::string& name, const std::string& origin) const;
  void put(const std::string& name, TensorData tensor);  // replaces a tensor of the same name
  std::string meta(const std::string& key, const std::string& fallback = "") const;
};

std::string serialize_safetensors(const SafeTensors& file);
// `origin` names the source in error messages (usually the path). Tensors stored in the sparse
// encoding (workloads/safetensors_sparse.hpp) are decoded: readers always see dense tensors.
SafeTensors parse_safetensors(const std::string& bytes, const std::string& origin);
SafeTensors read_safetensors(const std::string& path);
void write_safetensors(const std::string& path, const SafeTensors& file);  // atomic

// IEEE half precision, round to nearest even; used for 16-bit weight exports.
uint16_t float_to_half(float value);
float half_to_float(uint16_t bits);

}  // namespace rowsim
