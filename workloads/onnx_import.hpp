// ONNX models as rowsim networks (`--net-file model.onnx`): parsed with Debian's ONNX library
// (its generated protobuf classes), shape-computing subgraphs folded at import so every layer has
// a static shape, batch-norm folded into the conv before it, and the initializers turned into a
// weights file in rowsim's layout. docs/workloads.md lists the operators and how each is priced.
#pragma once
#include <string>
#include <vector>

#include "workloads/network.hpp"
#include "workloads/safetensors.hpp"

namespace rowsim {

struct OnnxImportOptions {
  int batch = 1;             // the batch size where the model leaves the batch dimension symbolic
  bool not_costed_ok = false;  // price unsupported operators at zero (listed) instead of refusing
};

struct OnnxModel {
  Network net;
  // "<layer>.weight" ([out][in/groups][kh][kw], FC [out][C*H*W]) and "<layer>.bias", F32, with
  // the metadata of a rowsim weights file; empty when the model carries no weight values (exported
  // with export_params=False: its weights are graph inputs with shapes only).
  SafeTensors weights;
  bool has_weight_values = false;
  // Operators priced at zero under not_costed_ok are listed in net.not_costed.
};

// True when `bytes` start like a serialized ONNX ModelProto (a protobuf whose first field is
// ir_version), so a model is recognised by content whatever its file name.
bool looks_like_onnx(const std::string& bytes);
// Whether a file read from `path` is to be imported as ONNX: by content, or by its .onnx name (so
// a damaged model is reported as a damaged model, not as bad YAML or safetensors).
bool is_onnx_file(const std::string& path, const std::string& bytes);

// Imports the model in `bytes`, read from `path` (external data files are found beside it).
// Every problem is a UserError naming the file, the node and the reason.
OnnxModel import_onnx(const std::string& bytes, const std::string& path, const OnnxImportOptions& options = {});
OnnxModel import_onnx_file(const std::string& path, const OnnxImportOptions& options = {});

}  // namespace rowsim
