// Experiment families of network files (issue 14): a researcher's own baseline and dedicated
// networks, ONNX or YAML, priced by compare exactly as `map --net-file` prices them.
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/run_command.hpp"

namespace {

namespace fs = std::filesystem;


// A family "mine": the committed tiny_allops ONNX export as the baseline, tiny_view (ONNX) and a
// YAML network as dedicated networks; noise routes to the YAML one.
std::string write_file_experiment(const std::string& dir, const std::string& baseline = "nets/base.onnx",
                                  const std::string& selective = "small") {
  fs::create_directories(dir + "/nets");
  fs::copy_file(std::string(ROWSIM_ONNX_FIXTURES) + "/tiny_allops.onnx", dir + "/nets/base.onnx",
                fs::copy_options::overwrite_existing);
  fs::copy_file(std::string(ROWSIM_ONNX_FIXTURES) + "/tiny_view.onnx", dir + "/nets/view.onnx",
                fs::copy_options::overwrite_existing);
  std::ofstream(dir + "/nets/small.yaml")
      << "name: small\ninput: {channels: 3, height: 32, width: 32}\nclasses: 10\nlayers:\n"
         "  - {name: c1, type: conv, out_channels: 8, kernel: 3, pad: 1}\n  - {name: r1, type: relu}\n"
         "  - {name: p1, type: maxpool, kernel: 2, stride: 2}\n  - {name: fc, type: fc, out_features: 10}\n";
  fs::copy_file(std::string(ROWSIM_SOURCE_DIR) + "/workloads/weights/gate-noise.safetensors", dir + "/gate.safetensors",
                fs::copy_options::overwrite_existing);
  std::string path = dir + "/x.yaml";
  std::ofstream(path) << "name: own\narch: eyeriss\nbatch: 1\nmapping: {objective: energy, energy_slack: 0.1}\n"
                         "dataset: {name: fashion-mnist, images: 20, ratio: \"1:1\", seed: 3}\n"
                         "families:\n"
                         "  - name: mine\n    baseline_file: " << baseline << "\n"
                         "    dedicated_files: {view: nets/view.onnx, small: nets/small.yaml}\n"
                         "distortions:\n  - {name: noise, degree: 0.25, gate_weights: gate.safetensors, "
                         "selective_file: {mine: " << selective << "}}\n";
  return path;
}

double map_weights_only(const std::string& net_file) {
  auto r = run_rowsim("map --net-file " + net_file + " --format json");
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out)["totals"]["energy_per_image"]["weights_only"].get<double>();
}

}  // namespace

TEST_CASE("compare prices a family of network files (ONNX and YAML) as map does", "[cli][compare]") {
  ScratchDir s("compare_files");
  std::string x = write_file_experiment(s.dir);
  auto r = run_rowsim("compare --experiment " + x + " --out " + s.dir + "/run");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(slurp(s.dir + "/run/report.json"));
  std::map<std::string, nlohmann::json> nets;
  for (const auto& n : j["networks"]) nets[n["label"].get<std::string>()] = n;
  REQUIRE(nets.count("mine:baseline"));
  REQUIRE(nets.count("mine:view"));
  REQUIRE(nets.count("mine:small"));
  CHECK(nets["mine:baseline"]["file"] == "nets/base.onnx");  // as the experiment names it
  CHECK(nets["mine:small"]["file"] == "nets/small.yaml");
  // The counts PyTorch's hooks recorded for the ONNX exports (tests/workloads/onnx/counts.yaml),
  // plus the batch-norm layers priced as per-channel scales.
  CHECK(nets["mine:view"]["weights"] == 5336);
  CHECK(nets["mine:view"]["macs"] == 18944);
  CHECK(nets["mine:baseline"]["macs"] == 959392 + 5120);
  // The YAML net by hand: conv 8x3x3x3 over 32x32, fc 8*16*16 -> 10.
  CHECK(nets["mine:small"]["weights"] == 8 * 27 + 2048 * 10);
  CHECK(nets["mine:small"]["macs"] == 8 * 27 * 32 * 32 + 2048 * 10);
  // Priced as map prices the same files.
  for (const auto& [label, file] : {std::pair<std::string, std::string>{"mine:baseline", "base.onnx"},
                                    {"mine:view", "view.onnx"},
                                    {"mine:small", "small.yaml"}}) {
    INFO(label);
    CHECK(nets[label]["energy_per_image"]["weights_only"].get<double>() ==
          Approx(map_weights_only(s.dir + "/nets/" + file)).epsilon(1e-12));
  }
  // The gate routes noise to the YAML network: the reduction is the baseline over gate + small.
  const auto& sel = j["distortions"][0]["selective"][0];
  CHECK(sel["family"] == "mine");
  CHECK(sel["dedicated"] == "mine:small");
  CHECK(sel["width"].is_null());
  double expected = nets["mine:baseline"]["energy_per_image"]["weights_only"].get<double>() /
                    (nets["gate"]["energy_per_image"]["weights_only"].get<double>() +
                     nets["mine:small"]["energy_per_image"]["weights_only"].get<double>());
  CHECK(sel["reduction_weights_only"].get<double>() == Approx(expected));
  CHECK_THAT(slurp(s.dir + "/run/report.md"), Catch::Contains("mine:baseline (`nets/base.onnx`)"));
}

TEST_CASE("compare names the experiment file and key of a missing or bad network file", "[cli][compare][errors]") {
  ScratchDir s("compare_files_bad");
  std::string x = write_file_experiment(s.dir, "nets/missing.onnx");
  auto r = run_rowsim("compare --experiment " + x + " --out " + s.dir + "/run");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(x) && Catch::Contains("families[0].baseline_file") &&
                        Catch::Contains(s.dir + "/nets/missing.onnx") && Catch::Contains("no such file"));
  CHECK_FALSE(fs::exists(s.dir + "/run"));

  fs::copy_file(std::string(ROWSIM_ONNX_FIXTURES) + "/bad/cycle.onnx", s.dir + "/nets/cycle.onnx");
  write_file_experiment(s.dir, "nets/cycle.onnx");
  r = run_rowsim("compare --experiment " + x + " --out " + s.dir + "/run");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(x) && Catch::Contains("families[0].baseline_file") && Catch::Contains("cycle"));
  CHECK_FALSE(fs::exists(s.dir + "/run"));

  write_file_experiment(s.dir, "nets/base.onnx", "tiny");
  r = run_rowsim("compare --experiment " + x + " --out " + s.dir + "/run");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("selective_file.mine") && Catch::Contains("'tiny' is not one of family mine's"));

  // A file family named like a zoo network, and a zoo family given a file name, are refused.
  std::string text = slurp(x);
  std::ofstream(x) << std::string(text).replace(text.find("name: mine"), 10, "name: vgg16");
  r = run_rowsim("compare --experiment " + x + " --out " + s.dir + "/run");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("families[0].name") && Catch::Contains("zoo network"));
}
