// ONNX models through the CLI as a user brings them: torch.onnx exports (tests/workloads/onnx)
// run through stats, map, simulate (with their real weights) and sweep; bad files exit 2 and
// write nothing.
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "run_command.hpp"

namespace {
const std::string kDir = ROWSIM_ONNX_FIXTURES;

// Every layer the SystemC model ran is bit-exact with counts equal to the analytical model's;
// returns how many ran (the others are post-processing, priced by the model).
int check_simulated_layers(const nlohmann::json& report) {
  int simulated = 0;
  for (const auto& l : report["layers"]) {
    if (!l["simulated"].get<bool>()) continue;
    INFO("layer " << l["name"]);
    ++simulated;
    CHECK(l["bit_exact"] == true);
    CHECK(l["counts_match_analytical"] == true);
  }
  return simulated;
}

std::string temp_dir(const std::string& tag) {
  std::string d = "/tmp/rowsim_cli_onnx_" + tag + "_" + std::to_string(::getpid());
  std::system(("rm -rf " + d + " && mkdir -p " + d).c_str());
  return d;
}
}  // namespace

TEST_CASE("workload stats and map on an imported ResNet50-224", "[cli][onnx]") {
  auto r = run_rowsim("workload stats --net-file " + kDir + "/resnet50.onnx --format json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["totals"]["macs"] == 4089184256LL);  // torchvision's ResNet50, by PyTorch hooks
  CHECK(j["totals"]["weights"] == 25502912LL);
  r = run_rowsim("map --net-file " + kDir + "/resnet50.onnx --format json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  j = nlohmann::json::parse(r.out);
  int64_t macs = 0;
  for (const auto& l : j["layers"]) macs += l["counts"]["macs"].get<int64_t>();
  CHECK(macs == 4089184256LL);
}

TEST_CASE("simulate an ONNX model on its own weights: depthwise, SE, concat, every layer bit-exact", "[cli][onnx]") {
  const std::string model = kDir + "/tiny_allops.onnx";
  auto r = run_rowsim("simulate --net-file " + model + " --weights " + model + " --format json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(check_simulated_layers(j) == 12);  // 8 convs, 2 batch-norms as per-channel scales, Gemm, MatMul
  CHECK(j["layers"].size() == 23);          // and 11 pools, adds, multiplies, sigmoid-like activations
}

TEST_CASE("a sweep over an ONNX model", "[cli][onnx]") {
  std::string dir = temp_dir("sweep");
  auto r = run_rowsim("sweep --arch eyeriss --net-file " + kDir + "/resnet_tiny.onnx --set pe_array.rows=8,12 --out " +
                      dir + "/s");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(count_lines(dir + "/s/results.csv") == 3);  // header and two points
}

TEST_CASE("bad ONNX files exit 2 naming file and node, and write nothing", "[cli][onnx][errors]") {
  std::string dir = temp_dir("bad");
  for (const char* f : {"cycle", "missing_initializer", "unsupported_op", "concat_mismatch", "symbolic_shape",
                        "missing_external"}) {
    const std::string out = dir + "/" + f + ".json";
    auto r = run_rowsim(std::string("map --net-file ") + kDir + "/bad/" + f + ".onnx --format json -o " + out);
    INFO(f << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(std::string(f) + ".onnx") != std::string::npos);
    CHECK(slurp(out).empty());
  }
  // A model without weight values is no weights file.
  auto r = run_rowsim("map --net-file " + kDir + "/vgg16.onnx --weights " + kDir + "/vgg16.onnx");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("carries no weight values") != std::string::npos);
}

TEST_CASE("an unknown operator priced at zero on request (--not-costed), listed in every report", "[cli][onnx]") {
  const std::string model = kDir + "/not_costed.onnx";
  auto r = run_rowsim("map --net-file " + model);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("Einsum x 1: einsum_mix") != std::string::npos);
  r = run_rowsim("map --net-file " + model + " --not-costed");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("not costed (priced at zero): Einsum x 1 (einsum_mix)") != std::string::npos);
  for (const char* cmd : {"map", "simulate", "workload stats"}) {
    r = run_rowsim(std::string(cmd) + " --net-file " + model + " --not-costed --format json");
    INFO(cmd << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["not_costed"] == nlohmann::json::array({"Einsum x 1 (einsum_mix)"}));
  }
}

TEST_CASE("padding that differs between sides: simulated bit-exact, counts equal to the analytical model",
          "[cli][onnx]") {
  const std::string model = kDir + "/asymmetric_pads.onnx";  // conv pads [0, 0, 1, 1], pool [1, 1, 0, 0]
  auto r = run_rowsim("simulate --net-file " + model + " --weights " + model + " --batch 2 --format json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(check_simulated_layers(nlohmann::json::parse(r.out)) == 2);
}

TEST_CASE("a sweep spec file names an ONNX model as its network", "[cli][onnx]") {
  std::string dir = temp_dir("spec");
  {
    std::ofstream spec(dir + "/spec.yaml");
    spec << "arch: eyeriss\nnetworks:\n  - {net_file: " << kDir << "/resnet_tiny.onnx}\nset:\n"
         << "  pe_array.rows: [8, 12]\n";
  }
  auto r = run_rowsim("sweep --spec " + dir + "/spec.yaml --out " + dir + "/s");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(count_lines(dir + "/s/results.csv") == 3);
}

TEST_CASE("simulate an imported MobileNetV2 on its weights and a given image", "[cli][onnx]") {
  std::string dir = temp_dir("input");
  const std::string input = dir + "/image.bin";
  {
    // A raw int16 image in the feature-map format: 3x64x64 little-endian values.
    std::ofstream out(input, std::ios::binary);
    for (int i = 0; i < 3 * 64 * 64; ++i) {
      int16_t v = int16_t((i * 37) % 512 - 256);
      out.put(char(v & 0xff)).put(char((v >> 8) & 0xff));
    }
  }
  const std::string model = kDir + "/mobilenet_v2_w025_64.onnx";
  auto r = run_rowsim("simulate --net-file " + model + " --weights " + model + " --input " + input + " --format json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(check_simulated_layers(nlohmann::json::parse(r.out)) == 53);  // 52 convs (17 of them depthwise) and the classifier
}
