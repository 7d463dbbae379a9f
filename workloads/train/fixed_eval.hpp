// Classification in the accelerator's fixed-point arithmetic (docs/fixed-point.md): what
// `rowsim eval --fixed-point` and the bit sweep of `rowsim quantize` measure.
//
// The weights are quantized exactly as the simulator quantizes them (sim/driver/network_data.cpp):
// per conv/FC layer `weight_bits` bits with the finest format that holds the layer's largest
// weight (choose_frac), rounding half away from zero, biases at the accumulator scale; feature
// maps are Q7.8 (16-bit words). Conv and FC layers compute the exact integer sums with im2col +
// double-precision GEMM: every product of two 16-bit integers is below 2^30 and a sum of fewer
// than 2^22 of them stays below 2^53, so the doubles hold the exact integers whatever order the
// GEMM adds in; the sum is then rounded and saturated once, as reference_ops does. Pooling, adds
// and ReLUs are the reference ops themselves. The outputs are bit-identical to the reference
// forward the simulator is checked against (test: "fixed-point eval equals the reference").
#pragma once
#include <string>
#include <vector>

#include "workloads/fixed_point.hpp"
#include "workloads/network.hpp"
#include "workloads/safetensors.hpp"
#include "workloads/train/parallel.hpp"
#include "workloads/train/trainer.hpp"

namespace rowsim::train {

struct FixedModel {
  Network net;
  QFormat fmap_q;
  int weight_bits = 16;
  std::vector<FixedLayerParams> params;  // per layer; empty for layers without weights
};

// The weight width the simulator uses for a file on a `word_bits` machine: the word (at most 16),
// or the file's own `bits` when smaller.
int simulator_weight_bits(int file_bits, int word_bits = 16);

// Quantizes the conv/FC tensors of `weights` (read from `origin`); errors name the tensor.
FixedModel make_fixed_model(const Network& net, const SafeTensors& weights, const std::string& origin,
                            int weight_bits, int word_bits = 16);

// Images (pixels in [0, 1], CHW) quantized to the feature-map format, NCHW.
FixedTensor quantize_images(const Dataset& data, size_t begin, size_t end, const QFormat& q);

// The network's last output (raw logits) for a batch; `outputs`, when given, receives every
// layer's output (as NetworkData::outputs: ReLUs as separate layers).
FixedTensor fixed_forward(ThreadPool& pool, const FixedModel& model, const FixedTensor& input,
                          std::vector<FixedTensor>* outputs = nullptr);

// Arg-max per image of raw logits (ties go to the lower class, as the float path).
std::vector<int32_t> fixed_predictions(const FixedTensor& logits);

EvalResult evaluate_fixed(ThreadPool& pool, const FixedModel& model, const MixedSet& set, int batch = 64);

}  // namespace rowsim::train
