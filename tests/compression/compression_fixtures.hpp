// Small weights files for the compression tests: a 0.125-VGG16 (10 classes) with seeded random
// weights in inference form, or briefly trained on the synthetic dataset.
#pragma once
#include <filesystem>
#include <string>

#include <unistd.h>

#include <fmt/format.h>

#include "workloads/safetensors.hpp"
#include "workloads/train/model.hpp"
#include "workloads/train/trainer.hpp"
#include "workloads/weights_file.hpp"
#include "workloads/zoo.hpp"

namespace fixtures {

inline std::string temp_dir(const std::string& name) {
  std::string dir = "/tmp/rowsim_compression_" + name + "_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline rowsim::Network small_vgg() { return rowsim::zoo_network("vgg16", 0.125, 10); }

inline void set_metadata(rowsim::SafeTensors& f, const std::string& bits) {
  f.metadata = {{"format", "rowsim-weights"}, {"network", "vgg16"},   {"width", "0.125"},
                {"classes", "10"},            {"dataset", "synthetic"}, {"distortion", "none"},
                {"task", "classes"},          {"ratio", "1:0"},        {"bits", bits},
                {"batchnorm", "folded"}};
  f.metadata["sparsity"] = fmt::format("{:.6f}", rowsim::layer_weight_sparsity(f));
}

// Seeded He-normal weights, batch-norm folded (running statistics 0 and 1).
inline rowsim::SafeTensors random_vgg(uint64_t seed, rowsim::DType dtype = rowsim::DType::F32) {
  rowsim::train::Model model(small_vgg(), seed);
  rowsim::SafeTensors f = model.export_inference(dtype);
  set_metadata(f, dtype == rowsim::DType::F16 ? "16" : "32");
  return f;
}

// A 0.125-VGG16 trained for `epochs` on `images` synthetic images (written to `path`).
inline void trained_vgg(const std::string& path, int epochs = 2, size_t images = 600) {
  rowsim::train::NetworkSource s;
  s.name = "vgg16";
  s.width = 0.125;
  s.net = small_vgg();
  rowsim::train::TrainConfig c;
  c.data.dataset = "synthetic";
  c.data.limit = images;
  c.data.seed = 3;
  c.data.ratio = rowsim::train::default_ratio(c.data.task, c.data.distortion);
  c.test_limit = 300;
  c.epochs = epochs;
  c.batch = 32;
  c.lr = 0.05;
  c.augment = false;
  c.threads = 2;
  c.output = path;
  c.export_dtype = rowsim::DType::F16;
  rowsim::train::train(s, c, [](const std::string&) {});
}

}  // namespace fixtures
