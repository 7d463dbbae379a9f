// User-described networks (`--net-file`): YAML (the format is in docs/workloads.md) or an ONNX
// model (workloads/onnx_import.hpp), told apart by content.
#pragma once
#include <string>

#include "workloads/network.hpp"

namespace rowsim {

struct NetFileOptions {
  int batch = 1;             // fills an ONNX model's symbolic batch dimension
  bool not_costed_ok = false;  // ONNX: price unknown operators at zero (Network::not_costed)
};
Network load_network_file(const std::string& path, const NetFileOptions& options = {});
Network parse_network_yaml(const std::string& text, const std::string& origin);

}  // namespace rowsim
