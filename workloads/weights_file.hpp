// rowsim weight files: safetensors with rowsim's metadata (docs/weights-format.md). This is the
// reading side the simulator shares with `rowsim eval`: which network a file is for, and its
// recorded facts (dataset, distortion, task, accuracy, bits, sparsity).
#pragma once
#include <string>

#include "workloads/network.hpp"
#include "workloads/safetensors.hpp"

namespace rowsim {

struct WeightsInfo {
  std::string network;   // zoo name or the net file's network name
  double width = 1.0;
  std::string net_file;  // set for --net-file networks
  int classes = 0;
  std::string dataset, distortion, distortion_params, task, ratio;
  double accuracy = -1;  // test top-1 recorded at export; -1 when absent
  int bits = 32;
  double sparsity = 0;
};

// Validates the metadata of `file` (read from `origin`); UserError names the key and value.
WeightsInfo weights_info(const SafeTensors& file, const std::string& origin);

// The network the weights belong to: the zoo network at the recorded width and class count, or
// the YAML network file (`net_file_override` when given, else the recorded path).
Network network_for_weights(const WeightsInfo& info, const std::string& origin,
                            const std::string& net_file_override = "");

}  // namespace rowsim
