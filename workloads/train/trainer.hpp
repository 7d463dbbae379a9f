// The training loop behind `rowsim train`: epochs of shuffled, augmented mini-batches, SGD, an
// evaluation on the test split after every epoch, an atomic checkpoint after every epoch, and the
// final export of inference weights with their metadata (docs/weights-format.md).
//
// Determinism: all randomness is keyed by (seed, purpose, epoch, index) (workloads/util/rng.hpp)
// and the threads split work statically, so a run resumed from the checkpoint of epoch k produces
// the same bytes as a run that was never interrupted, given the same thread count.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "workloads/network.hpp"
#include "workloads/safetensors.hpp"
#include "workloads/train/model.hpp"
#include "workloads/train/optimizer.hpp"
#include "workloads/train/task_data.hpp"

namespace rowsim::train {

// The network to train and how to name it in metadata.
struct NetworkSource {
  Network net;
  std::string name;      // zoo name, or the network name of a --net-file
  double width = 1.0;
  std::string net_file;  // empty for zoo networks
};

struct TrainConfig {
  TaskSpec data;
  int epochs = 10;
  int batch = 128;
  double lr = 0.05, momentum = 0.9, weight_decay = 5e-4;
  Schedule schedule = Schedule::Cosine;
  bool augment = true;
  int threads = 2;       // trainer threads, each running its own single-threaded GEMMs
  int blas_threads = 1;  // OpenBLAS threads per GEMM (see docs/training.md for the measurement)
  size_t test_limit = 0;
  std::string output;      // inference weights (safetensors)
  std::string checkpoint;  // default: output with ".ckpt.safetensors"
  DType export_dtype = DType::F32;
  bool resume = false;
  int stop_after_epoch = 0;  // return after this epoch, as if killed (tests of --resume)
};

struct EvalResult {
  size_t images = 0, correct = 0;
  size_t clean = 0, clean_correct = 0, distorted = 0, distorted_correct = 0;
  double top1() const { return images ? double(correct) / double(images) : 0.0; }
  void add(bool ok, bool is_distorted) {
    ++images;
    correct += ok;
    (is_distorted ? distorted : clean)++;
    (is_distorted ? distorted_correct : clean_correct) += ok;
  }
};
EvalResult evaluate(ThreadPool& pool, Model& model, const MixedSet& set, int batch = 256);

struct EpochLog {
  int epoch = 0;  // 1-based
  double loss = 0, train_top1 = 0, test_top1 = 0, seconds = 0, images_per_second = 0;
};

struct TrainResult {
  std::vector<EpochLog> epochs;  // including those restored from the checkpoint
  bool finished = false;         // false when stopped by stop_after_epoch
  double test_top1 = 0;          // of the exported weights
  size_t test_images = 0;
};

std::string default_checkpoint_path(const std::string& output);
// `log` receives one line per epoch and status messages (the CLI prints them on stderr).
TrainResult train(const NetworkSource& source, const TrainConfig& config,
                  const std::function<void(const std::string&)>& log);

}  // namespace rowsim::train
