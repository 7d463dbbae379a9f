// Magnitude pruning with retraining (Han et al., "Learning both weights and connections", 2015),
// behind `rowsim prune` (docs/compression.md).
//
// The model starts from an inference file (batch-norm folded) and is pruned and fine-tuned in
// that form, so the zeros found are the zeros the simulator sees. Each step sets the smallest
// conv/FC weights to exactly zero until the step's sparsity is reached, then retrains with those
// weights masked: their gradients, momentum and values are held at zero after every update, so
// they stay exactly zero. Weights pruned in one step are never revived.
//
// Threshold: `global` (the default) ranks |w| across all conv/FC layers together, so layers with
// many small weights (the deep convs and the FC layers, whose weights are small because their
// fan-in is large) lose the most and the early convs, which hold few weights but most of the
// MACs, keep most of theirs: 80% of the weights pruned removes far fewer than 80% of the MACs,
// as in the paper's Table 5. `layer` prunes the same fraction in every layer. No layer is pruned
// beyond `max_layer_sparsity` (a layer with no weights left would disconnect the network).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "workloads/network.hpp"
#include "workloads/safetensors.hpp"
#include "workloads/train/model.hpp"
#include "workloads/train/optimizer.hpp"
#include "workloads/train/task_data.hpp"

namespace rowsim::train {

enum class PruneSchedule { Iterative, OneShot };
PruneSchedule parse_prune_schedule(const std::string& text);  // UserError names the schedule and the text
const char* to_string(PruneSchedule s);

enum class PruneThreshold { Global, Layer };
PruneThreshold parse_prune_threshold(const std::string& text);  // UserError names the threshold and the text
const char* to_string(PruneThreshold t);

// The sparsity reached after each step. Iterative: s_k = s (1 - (1 - k/K)^3) for k = 1..K (the
// gradual schedule of Zhu and Gupta, "To prune, or not to prune", 2017: big steps while there is
// much redundancy, small ones near the target); one-shot: the target at once.
std::vector<double> sparsity_schedule(double target, PruneSchedule schedule, int steps);

// Keep-masks for the conv/FC weights of a model (Param::decay marks them), 1 = kept.
struct PruneMasks {
  std::vector<int> params;                 // indices into Model::params()
  std::vector<std::vector<uint8_t>> keep;  // per entry of `params`
};
// Prunes round(sparsity x all conv/FC weights) of the smallest magnitudes (ties broken by layer
// and position, so the result is deterministic); weights that are already zero go first, so the
// masks only ever shrink. Updates `masks` (empty masks mean nothing pruned yet).
void magnitude_prune(const std::vector<Param>& params, double sparsity, PruneThreshold threshold,
                     double max_layer_sparsity, PruneMasks& masks);
// Zeroes the masked values, momentum and gradients.
void apply_masks(std::vector<Param>& params, const PruneMasks& masks);

struct PruneConfig {
  TaskSpec data;  // retraining (train split) and evaluation (test split) images
  double sparsity = 0.8;
  PruneSchedule schedule = PruneSchedule::Iterative;
  PruneThreshold threshold = PruneThreshold::Global;
  double max_layer_sparsity = 0.99;
  int steps = 4;           // iterative steps (one-shot: 1)
  int retrain_epochs = 1;  // per step; 0 = prune without retraining
  int batch = 128;
  double lr = 0.001, momentum = 0.9, weight_decay = 5e-4;  // lr decays by cosine within each step
  bool augment = true;
  int threads = 2;
  size_t test_limit = 0;  // evaluate on the first N test images (0 = all)
  DType export_dtype = DType::F16;
};

struct LayerPruning {
  std::string layer;
  int64_t weights = 0, nonzero = 0;
  int64_t macs = 0, macs_nonzero = 0;  // per image: all, and those with a nonzero weight
  double sparsity() const { return weights ? 1.0 - double(nonzero) / double(weights) : 0.0; }
};

struct PruneStep {
  int step = 0;  // 1-based
  double target = 0, sparsity = 0;
  double top1_pruned = 0;     // right after pruning, before retraining
  double top1_retrained = 0;  // after the step's retraining
  std::vector<double> epoch_loss;
  double seconds = 0;
};

struct PruneResult {
  double dense_top1 = 0;  // the input weights, same test images
  double top1 = 0;        // the exported pruned weights
  size_t test_images = 0, test_distorted = 0, train_images = 0;
  double sparsity = 0;    // exact zeros among conv/FC weights of the exported file
  std::vector<LayerPruning> layers;
  std::vector<PruneStep> steps;
  SafeTensors weights;  // dense tensors with metadata (write with write_pruned_weights)
};

// Per conv/FC layer: weights, nonzero weights, MACs and MACs with a nonzero weight.
std::vector<LayerPruning> layer_pruning(const Network& net, const SafeTensors& weights);

// Prunes the inference weights `in` (read from `origin`) of `net`. `log` receives progress lines.
PruneResult prune(const Network& net, const SafeTensors& in, const std::string& origin, const PruneConfig& config,
                  const std::function<void(const std::string&)>& log);

// Writes weights with every sparse conv/FC weight tensor in the compact encoding
// (workloads/safetensors_sparse.hpp) when that is smaller; atomic.
void write_compact_weights(const std::string& path, const SafeTensors& weights);

}  // namespace rowsim::train
