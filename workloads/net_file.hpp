// User-described networks (`--net-file`): YAML (the format is in docs/workloads.md) or an ONNX
// model (workloads/onnx_import.hpp), told apart by content.
#pragma once
#include <string>

#include "workloads/network.hpp"

namespace rowsim {

// `batch` fills an ONNX model's symbolic batch dimension (shapes per image do not depend on it).
Network load_network_file(const std::string& path, int batch = 1);
Network parse_network_yaml(const std::string& text, const std::string& origin);

}  // namespace rowsim
