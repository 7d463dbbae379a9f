// rowsim weight files: safetensors with rowsim's metadata (docs/weights-format.md). This is the
// reading side the simulator shares with `rowsim eval`: which network a file is for, and its
// recorded facts (dataset, distortion, task, accuracy, bits, sparsity).
#pragma once
#include <optional>
#include <string>

#include "workloads/fixed_point.hpp"
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
  bool fixed_point = false;  // metadata 'quantization' = fixed-point (rowsim quantize)
};

// A weights file: safetensors, or an ONNX model whose initializers become rowsim's layout
// (told apart by content). UserError when an ONNX model carries no weight values.
SafeTensors read_weights_file(const std::string& path);

// A weights file read once: its tensors and, for an ONNX model, the network the model describes,
// so a command that needs both imports the model once.
struct WeightsSource {
  SafeTensors file;
  std::optional<Network> network;  // set for an ONNX model
};
WeightsSource read_weights_source(const std::string& path);

// Validates the metadata of `file` (read from `origin`) and checks it against the tensors
// (check_weight_claims); UserError names the key and value.
WeightsInfo weights_info(const SafeTensors& file, const std::string& origin);

// The fraction of conv and fully connected weights (tensors "*.weight" of rank >= 2) that are
// exactly zero.
double layer_weight_sparsity(const SafeTensors& file);

// Rejects a file whose metadata claims what its tensors do not have (docs/weights-format.md):
// - `sparsity` must equal the actual fraction of exact zeros among conv/FC weights (within
//   kSparsityTolerance, the metadata's 6-decimal rounding with room to spare);
// - `bits` below 16, or any `bits` with 'quantization' = fixed-point: every conv/FC weight must be
//   exactly a `bits`-bit fixed-point value in its layer's format (the format the simulator picks,
//   choose_frac), so quantizing it again changes nothing;
// - `bits` 16 on a float file: every weight must be exactly representable in IEEE half precision.
// The error names the file, the key, the claimed and the actual value.
void check_weight_claims(const SafeTensors& file, const std::string& origin, const WeightsInfo& info);
inline constexpr double kSparsityTolerance = 1e-5;

// The tensor's values as floats; UserError naming `origin` and `name` on a NaN or infinity.
std::vector<float> finite_floats(const TensorData& t, const std::string& origin, const std::string& name);

// Every conv/FC layer's weights and bias from `file` (read from `origin`), checked (present, the
// layer's shape, finite, batch-norm folded) and quantized as the simulator computes with them
// (quantize_layer_params). Indexed like net.layers; layers without weights get empty params.
std::vector<FixedLayerParams> load_fixed_layer_params(const Network& net, const SafeTensors& file,
                                                      const std::string& origin, int weight_bits,
                                                      const QFormat& fmap_q);

// The network the weights belong to: the zoo network at the recorded width and class count, or
// the network file (`net_file_override` when given, else the recorded path; an ONNX model's own
// network when `source` carries it and no override is given).
Network network_for_weights(const WeightsInfo& info, const std::string& origin,
                            const std::string& net_file_override = "", const WeightsSource* source = nullptr);

}  // namespace rowsim
