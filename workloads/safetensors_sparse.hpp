// A compact encoding of mostly-zero tensors inside an ordinary safetensors file (pruned weights;
// docs/weights-format.md, "Sparse tensors"). A tensor T is stored as two tensors:
//   T.nz_values  the stored elements of T in row-major order, in T's dtype, shape [count]
//   T.nz_mask    U8, shape [ceil(elements / 8)]: bit i (least significant bit first within byte
//                i / 8) is 1 when element i is stored; padding bits of the last byte are 0
// and the metadata key `sparse_tensors` maps T to its dense shape (JSON: {"T": [dims...]}).
// An element is left out exactly when all its bytes are zero (+0.0 for floats; -0.0 is stored),
// so decoding gives back the dense tensor bit for bit.
//
// parse_safetensors decodes such files, so every reader (eval, map, simulate, compare) sees the
// dense tensors and no `sparse_tensors` key; a file read and written again comes out dense.
#pragma once
#include <functional>
#include <string>

#include "workloads/safetensors.hpp"

namespace rowsim {

inline constexpr const char* kSparseTensorsKey = "sparse_tensors";
inline constexpr const char* kSparseValuesSuffix = ".nz_values";
inline constexpr const char* kSparseMaskSuffix = ".nz_mask";

// Encodes every tensor `select` accepts whose encoding is smaller than its dense bytes; the
// others stay dense. Tensor order is kept (T.nz_values and T.nz_mask take T's place).
SafeTensors encode_sparse(const SafeTensors& dense, const std::function<bool(const std::string&, const TensorData&)>& select);

// Conv and fully connected weights: tensors named "*.weight" of rank 2 or more.
bool is_layer_weight(const std::string& name, const TensorData& tensor);

// The dense file; a file without `sparse_tensors` is returned unchanged. Damaged encodings are
// UserErrors naming `origin`, the tensor and the problem.
SafeTensors decode_sparse(SafeTensors file, const std::string& origin);

}  // namespace rowsim
