// User-described networks in YAML (`--net-file my.yaml`); the format is in docs/workloads.md.
#pragma once
#include <string>

#include "workloads/network.hpp"

namespace rowsim {

Network load_network_file(const std::string& path);
Network parse_network_yaml(const std::string& text, const std::string& origin);

}  // namespace rowsim
