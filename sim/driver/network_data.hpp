// The data a simulated network run moves: every conv/FC layer's weights and bias in fixed point
// (from a weights file or seeded random), the input images (from a file or seeded random), and
// every layer's reference output (workloads/reference_ops.hpp), computed once up front.
//
// Every layer the array runs reads its producer's reference output; since each simulated layer
// is checked bit for bit against its own reference output, this is the same as chaining the
// simulated outputs, and it makes layers independent so they can run in parallel.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "workloads/fixed_point.hpp"
#include "workloads/network.hpp"
#include "workloads/safetensors.hpp"

namespace rowsim {

struct DataOptions {
  int batch = 1;
  int word_bits = 16;        // the arch's word: feature maps and weights use at most 16 bits of it
  int weight_bits = 0;       // weights quantized to this many bits; 0: the word (or a file's own bits)
  std::string weights_path;  // safetensors (docs/weights-format.md); empty: seeded random weights
  const SafeTensors* weights_file = nullptr;  // weights_path already read (so it is not read again)
  std::string input_path;    // safetensors or raw int16 (docs/fixed-point.md); empty: seeded random
  const FixedTensor* input_tensor = nullptr;  // an input already in memory (overrides input_path)
  uint64_t seed = 1;
};

struct NetworkData {
  QFormat fmap_q;                          // every feature map's format
  FixedTensor input;                       // the network input, N images
  std::vector<FixedLayerParams> params;    // per layer; empty for layers without weights
  std::vector<FixedTensor> outputs;        // per layer: its reference output
  std::vector<int> fused_relu;             // per layer: the ReLU fused into its write-out, or -1

  const FixedTensor& input_of(const Network& net, int layer, size_t which = 0) const;
  // The reference tensor a layer writes out (after a fused ReLU).
  const FixedTensor& written(int layer) const;
};

NetworkData prepare_network_data(const Network& net, const DataOptions& options);

// The ReLU a layer's write-out can apply: its only consumer, possibly through batch-norms (folded,
// so identities) that have no other consumer. -1 when there is none.
int fusable_relu(const Network& net, int layer);

}  // namespace rowsim
