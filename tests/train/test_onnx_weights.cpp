// Weights imported from an ONNX model are the model's: the trainer's float forward of the imported
// network gives PyTorch's logits (recorded by scripts/export-onnx-models in counts.yaml).
#include <catch2/catch.hpp>

#include <cmath>

#include <yaml-cpp/yaml.h>

#include "workloads/onnx_import.hpp"
#include "workloads/train/model.hpp"
#include "workloads/train/parallel.hpp"

using namespace rowsim;
using namespace rowsim::train;

TEST_CASE("An imported torchvision ResNet gives PyTorch's logits", "[onnx][train]") {
  const std::string dir = ROWSIM_ONNX_FIXTURES;
  YAML::Node counts = YAML::LoadFile(dir + "/counts.yaml");
  std::vector<double> expected;
  for (const auto& m : counts["models"])
    if (m["file"].as<std::string>() == "resnet_tiny.onnx") expected = m["logits_first10"].as<std::vector<double>>();
  REQUIRE(expected.size() == 10);

  OnnxModel onnx = import_onnx_file(dir + "/resnet_tiny.onnx");
  REQUIRE(onnx.has_weight_values);
  Model model(onnx.net, onnx.weights, "resnet_tiny.onnx");
  const Shape in = onnx.net.input;
  Tensor x;
  x.resize(in.c, 1, in.h, in.w);
  // The script's input: x[0, c, h, w] = sin(0.01 * i) over the row-major index, rounded to float.
  size_t i = 0;
  for (int c = 0; c < in.c; ++c)
    for (int y = 0; y < in.h; ++y)
      for (int xx = 0; xx < in.w; ++xx, ++i) x.at(c, 0, y, xx) = float(std::sin(0.01 * double(i)));
  ThreadPool pool(1);
  const Tensor& logits = model.forward(pool, x, false);
  REQUIRE(logits.c == 10);
  // float32 sums in another order: the script measured 2.3e-6 between two float32 runs.
  for (int k = 0; k < 10; ++k) CHECK(logits.v[size_t(k)] == Approx(expected[size_t(k)]).margin(1e-4));
}
