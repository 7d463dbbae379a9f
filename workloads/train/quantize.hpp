// Fixed-point weights behind `rowsim quantize` (docs/compression.md, docs/fixed-point.md).
//
// Every conv/FC weight becomes a `bits`-bit two's-complement value in a Q-format chosen from the
// value range: per layer (the default, and what the simulator does) the finest format that holds
// the layer's largest |w| after rounding (choose_frac); with the global scope one format for the
// whole network, from its largest |w|. Rounding is to nearest with ties away from zero, then
// saturation to [-2^(bits-1), 2^(bits-1) - 1] (only the global scope can saturate, and only the
// most negative step). The file stores the dequantized values raw * 2^-frac, which any reader
// takes as plain floats and which the simulator's own per-layer quantization
// (sim/driver/network_data.cpp) maps back to exactly the same integers: F16 when every value is exactly
// representable in half precision (always for bits <= 12), F32 otherwise. Biases are kept as they
// are: the simulator quantizes them at the accumulator scale, far finer than the weights.
#pragma once
#include <string>
#include <vector>

#include "workloads/fixed_point.hpp"
#include "workloads/network.hpp"
#include "workloads/safetensors.hpp"

namespace rowsim::train {

enum class QuantScope { PerLayer, Global };

struct QuantizedLayer {
  std::string layer;
  QFormat format;          // the format the weights were rounded to
  QFormat simulator;       // the format the simulator picks for the stored values (= format per layer)
  int64_t weights = 0;
  int64_t saturated = 0;   // weights clamped to the format's range
  int64_t new_zeros = 0;   // nonzero weights that rounded to zero
  double max_abs_error = 0;
};

struct QuantizeResult {
  SafeTensors weights;  // dense, metadata updated (bits, dtype, quantization, weight_formats, sparsity)
  std::vector<QuantizedLayer> layers;
};

// `in` is an inference file (batch-norm folded) of `net`, read from `origin`. The metadata keeps
// everything of `in` except the accuracy, which no longer describes these weights (the caller
// measures and sets it).
QuantizeResult quantize_weights(const Network& net, const SafeTensors& in, const std::string& origin, int bits,
                                QuantScope scope);

// "16:4:2" (from:to:step, either direction) or "16,12,8"; every width in 2..16. Errors name "bit
// widths" and the text.
std::vector<int> parse_bit_list(const std::string& text);

}  // namespace rowsim::train
