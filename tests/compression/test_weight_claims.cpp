// A weights file whose metadata claims a sparsity or bit width its tensors do not have is refused
// wherever files are read for simulation, mapping and evaluation (weights_info), with the file,
// the key, the claim and the actual value in the message.
#include <cmath>

#include <catch2/catch.hpp>

#include "tests/cli/run_command.hpp"
#include "tests/compression/compression_fixtures.hpp"
#include "workloads/safetensors_sparse.hpp"
#include "workloads/train/quantize.hpp"
#include "workloads/util/error.hpp"

using namespace rowsim;

TEST_CASE("metadata that lies about sparsity or bits is rejected", "[compression][claims]") {
  SafeTensors f = fixtures::random_vgg(4);
  CHECK_NOTHROW(weights_info(f, "honest.safetensors"));

  SECTION("sparsity claimed but not there") {
    // 10% of the weights zero, 80% claimed.
    for (auto& [name, t] : f.tensors) {
      if (!is_layer_weight(name, t)) continue;
      std::vector<float> v = t.to_floats();
      for (size_t i = 0; i < v.size(); i += 10) v[i] = 0.0f;
      t = TensorData::from_floats(v, t.shape);
    }
    double actual = layer_weight_sparsity(f);
    CHECK(actual == Approx(0.1).margin(0.01));
    f.metadata["sparsity"] = "0.800000";
    CHECK_THROWS_WITH(weights_info(f, "lie.safetensors"), Catch::Contains("lie.safetensors") &&
                                                              Catch::Contains("'sparsity' is 0.800000") &&
                                                              Catch::Contains(fmt::format("{:.6f}", actual)));
    f.metadata["sparsity"] = fmt::format("{:.6f}", actual);
    CHECK_NOTHROW(weights_info(f, "honest.safetensors"));
    f.metadata["sparsity"] = "0.000000";  // zeros it does not admit to
    CHECK_THROWS_WITH(weights_info(f, "lie.safetensors"), Catch::Contains("'sparsity' is 0.000000"));
  }
  SECTION("bits claimed but the values need more") {
    f.metadata["bits"] = "8";
    CHECK_THROWS_WITH(weights_info(f, "lie.safetensors"),
                      Catch::Contains("lie.safetensors") && Catch::Contains("'bits' is 8") &&
                          Catch::Contains("conv1_1.weight") && Catch::Contains("not a 8-bit fixed-point value"));
    // The same weights quantized to 8 bits are what they claim.
    train::QuantizeResult q = train::quantize_weights(fixtures::small_vgg(), f, "mem", 8, train::QuantScope::PerLayer);
    WeightsInfo info = weights_info(q.weights, "q8.safetensors");
    CHECK(info.bits == 8);
    CHECK(info.fixed_point);
    // ... but not 6.
    q.weights.metadata["bits"] = "6";
    CHECK_THROWS_WITH(weights_info(q.weights, "q6.safetensors"), Catch::Contains("'bits' is 6"));
  }
  SECTION("16 bits claimed for float32 values that are not half precision") {
    f.metadata["bits"] = "16";
    CHECK_THROWS_WITH(weights_info(f, "lie.safetensors"),
                      Catch::Contains("'bits' is 16") && Catch::Contains("needs more than 16 bits"));
    SafeTensors h = fixtures::random_vgg(4, DType::F16);
    CHECK_NOTHROW(weights_info(h, "f16.safetensors"));
  }
  SECTION("a fixed-point claim must be 16 bits or fewer") {
    f.metadata["quantization"] = "fixed-point";
    f.metadata["bits"] = "32";
    CHECK_THROWS_WITH(weights_info(f, "lie.safetensors"), Catch::Contains("'bits' is 32"));
    f.metadata["quantization"] = "log";
    CHECK_THROWS_WITH(weights_info(f, "lie.safetensors"), Catch::Contains("'quantization' is 'log'"));
  }
}

TEST_CASE("the shipped weight files are what their metadata says", "[compression][claims]") {
  for (const auto& entry : std::filesystem::directory_iterator(std::string(ROWSIM_SOURCE_DIR) + "/workloads/weights")) {
    if (entry.path().extension() != ".safetensors") continue;
    INFO(entry.path());
    SafeTensors f = read_safetensors(entry.path().string());
    CHECK_NOTHROW(weights_info(f, entry.path().string()));
  }
}

TEST_CASE("map and eval refuse a file that lies about its sparsity", "[compression][claims][cli]") {
  std::string dir = fixtures::temp_dir("claims_cli");
  SafeTensors f = fixtures::random_vgg(5);
  f.metadata["sparsity"] = "0.800000";
  write_safetensors(dir + "/lie.safetensors", f);
  for (const char* cmd : {"map --weights ", "eval --dataset synthetic --limit 10 --weights "}) {
    auto r = run_rowsim(std::string(cmd) + dir + "/lie.safetensors");
    INFO(cmd << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("lie.safetensors") && Catch::Contains("'sparsity' is 0.800000"));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("the simulator and fixed-point eval refuse non-finite and misshapen weights", "[compression][claims][cli]") {
  std::string dir = fixtures::temp_dir("bad_values");
  const std::vector<std::string> commands = {"map --weights ",
                                             "eval --dataset synthetic --limit 10 --fixed-point --weights "};
  SafeTensors nan = fixtures::random_vgg(6);
  const TensorData* w = nan.find("conv2_1.weight");
  REQUIRE(w != nullptr);
  std::vector<float> values = w->to_floats();
  values[7] = std::nanf("");
  nan.put("conv2_1.weight", TensorData::from_floats(values, w->shape));
  write_safetensors(dir + "/nan.safetensors", nan);
  for (const auto& cmd : commands) {
    auto r = run_rowsim(cmd + dir + "/nan.safetensors");
    INFO(cmd << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("nan.safetensors") && Catch::Contains("'conv2_1.weight'") &&
                          Catch::Contains("non-finite"));
  }
  SafeTensors bias = fixtures::random_vgg(6);
  bias.put("fc1.bias", TensorData::from_floats({0.5f, 0.5f}, {2}));
  write_safetensors(dir + "/bias.safetensors", bias);
  for (const auto& cmd : commands) {
    auto r = run_rowsim(cmd + dir + "/bias.safetensors");
    INFO(cmd << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("bias.safetensors") && Catch::Contains("'fc1.bias' has shape [2]"));
  }
  std::filesystem::remove_all(dir);
}
