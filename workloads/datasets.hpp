// Image classification datasets for the trainer and the selective pipeline. Every image comes out
// as 3x32x32 floats in [0, 1] (CHW order), so the zoo networks take any dataset unchanged:
// - fashion-mnist: Debian's dataset-fashion-mnist IDX files (gzipped or not); 28x28 grey images
//   are zero-padded to 32x32 and replicated to 3 channels; 10 classes.
// - cifar100: the CIFAR-100 binary version (train.bin, test.bin) in --data-dir; fine labels.
// - synthetic: a generated 10-class set of noisy block patterns, for tests and quick runs.
// Missing or malformed files are UserErrors naming the file and what is wrong with it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "workloads/network.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/limits.hpp"

namespace rowsim {

enum class Split { Train, Test };
const char* to_string(Split split);

struct Dataset {
  std::string name;
  Shape image{3, 32, 32};
  int classes = 0;
  std::vector<float> pixels;  // size() * image.elements(), image after image, CHW
  std::vector<int32_t> labels;
  size_t size() const { return labels.size(); }
  const float* image_data(size_t i) const { return pixels.data() + i * static_cast<size_t>(image.elements()); }
  float* image_data(size_t i) { return pixels.data() + i * static_cast<size_t>(image.elements()); }
};

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

std::vector<std::string> dataset_names();  // fashion-mnist, cifar100, synthetic
int dataset_classes(const std::string& name);  // UserError for an unknown name

// `data_dir` empty means the default (Debian's package for fashion-mnist; required for cifar100).
// `limit` > 0 keeps the first `limit` images of the split.
Dataset load_dataset(const std::string& name, Split split, const std::string& data_dir = "", size_t limit = 0);

Dataset load_fashion_mnist(const std::string& dir, Split split, size_t limit = 0);
Dataset load_cifar100(const std::string& dir, Split split, size_t limit = 0);
// Deterministic for a seed: class templates come from the seed, images from (seed, split, index).
Dataset make_synthetic(Split split, size_t count, uint64_t seed = 7);

// Gunzips `bytes` (read from `origin`); a UserError names the file on a corrupt stream or when the
// output would exceed `max_bytes` (by default the limit on any file rowsim reads).
std::string gunzip(const std::string& bytes, const std::string& origin, uint64_t max_bytes = uint64_t(limit(Limit::FileBytes)));

}  // namespace rowsim
