// rowsim compare on a small experiment: routing, reductions, the pruning figure with a pruned
// weights file, report files, and clear errors for bad experiment files.
#include <cstdio>
#include <fstream>
#include <map>
#include <random>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/run_command.hpp"
#include "workloads/safetensors.hpp"
#include "workloads/zoo.hpp"

namespace {

// 0.25-VGG16 weights with 80% of them zero, marked as such in the metadata.
void write_pruned_vgg16(const std::string& path) {
  rowsim::Network net = rowsim::zoo_network("vgg16", 0.25, 10);
  rowsim::SafeTensors file;
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  std::uniform_real_distribution<float> u(0, 1);
  int64_t zeros = 0, total = 0;
  for (const auto& l : net.layers) {
    if (!l.has_weights()) continue;
    std::vector<float> w(size_t(l.weights()));
    for (auto& x : w) {
      x = u(rng) < 0.8f ? 0.0f : normal(rng);
      zeros += x == 0.0f;
    }
    total += l.weights();
    std::vector<int64_t> shape = l.kind == rowsim::LayerKind::FullyConnected
                                     ? std::vector<int64_t>{l.out_channels, l.in.elements()}
                                     : std::vector<int64_t>{l.out_channels, l.in_channels_per_group(), 3, 3};
    file.put(l.name + ".weight", rowsim::TensorData::from_floats(w, shape));
    file.put(l.name + ".bias", rowsim::TensorData::from_floats(std::vector<float>(size_t(l.out_channels), 0.01f),
                                                               {l.out_channels}));
  }
  file.metadata = {{"format", "rowsim-weights"}, {"network", "vgg16"}, {"width", "0.25"}, {"classes", "10"},
                   {"bits", "32"}, {"sparsity", std::to_string(double(zeros) / double(total))}};
  rowsim::write_safetensors(path, file);
}

}  // namespace

TEST_CASE("compare on a small experiment with a pruned network", "[cli][compare]") {
  std::string dir = "/tmp/rowsim_compare_" + std::to_string(::getpid());
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  write_pruned_vgg16(dir + "/pruned.safetensors");
  std::string gate = std::string(ROWSIM_SOURCE_DIR) + "/workloads/weights/gate-noise.safetensors";
  std::ofstream(dir + "/x.yaml")
      << "name: small\narch: eyeriss\nbatch: 1\nmapping: {objective: energy, energy_slack: 0.1}\n"
         "dataset: {name: fashion-mnist, images: 100, ratio: \"1:1\", seed: 3}\n"
         "families:\n  - {net: vgg16, baseline_width: 0.5, widths: [0.25]}\n"
         "distortions:\n  - {name: noise, degree: 0.25, gate_weights: " << gate
      << ", selective_width: {vgg16: 0.25}}\n"
         "pruning: {net: vgg16, width: 0.25, weights: pruned.safetensors, bits: [16, 8]}\n"
         "paper:\n"
         "  - {figure: F, quantity: reduction, kind: reduction, net: vgg16, width: 0.25, value: 3.0}\n"
         "  - {figure: F, quantity: pruned, kind: pruned_share, net: vgg16, width: 0.25, bits: 8, value: 0.1}\n"
         "  - {figure: F, quantity: far off, kind: pruned_share, net: vgg16, width: 0.25, bits: 8, value: 5.0}\n";
  auto r = run_rowsim("compare --experiment " + dir + "/x.yaml --out " + dir + "/run");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(slurp(dir + "/run/report.json"));
  CHECK(j["distortions"][0]["routing"]["images"] == 100);
  CHECK(j["distortions"][0]["routing"]["distorted"] == 50);
  CHECK(j["distortions"][0]["routing"]["accuracy"].get<double>() >= 0.99);
  // Baseline 0.50 vs gate + 0.25: about the weight ratio.
  double reduction = j["paper_comparison"][0]["rowsim"].get<double>();
  CHECK(reduction > 2.0);
  CHECK(reduction < 4.0);
  // Pruning: a fifth of the weights survive; fewer bits cost less.
  auto bits = j["pruning"]["bits"];
  REQUIRE(bits.size() == 2);
  double nonzero = bits[0]["nonzero_weights"].get<double>();
  CHECK(nonzero / 965296.0 == Approx(0.2).margin(0.01));
  CHECK(bits[1]["share_weights_only"].get<double>() < bits[0]["share_weights_only"].get<double>());
  CHECK(j["paper_comparison"][1]["rowsim"] == bits[1]["share_weights_only"]);
  // A figure more than 10% off is explained from the run's own numbers (here: the bitmap index).
  REQUIRE(j["paper_comparison"].size() == 3);
  CHECK(j["paper_comparison"][2]["rel_error"].get<double>() < -0.1);
  CHECK_THAT(j["paper_comparison"][2]["why"].get<std::string>(), Catch::Contains("bitmap index"));
  CHECK_THAT(slurp(dir + "/run/report.md"), Catch::Contains("Without the index rowsim gives"));
  for (const char* f : {"report.md", "networks.csv", "selective.csv", "paper_comparison.csv"})
    CHECK_FALSE(slurp(dir + "/run/" + f).empty());
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0) {
    CHECK_THAT(slurp(dir + "/run/fig2-vgg16.svg"), Catch::Contains("<svg"));
    CHECK_THAT(slurp(dir + "/run/fig4.svg"), Catch::Contains("<svg"));
  }
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("compare refuses bad experiment files", "[cli][compare][errors]") {
  std::string path = "/tmp/rowsim_bad_experiment_" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << "name: x\narch: eyeriss\nbatch: 1\nmapping: {objective: energy, energy_slack: 0.1}\n"
                         "dataset: {name: fashion-mnist, images: 10, ratio: \"1:1\", seed: 1}\n"
                         "families:\n  - {net: vgg19, baseline_width: 1.0, widths: [0.5]}\ndistortions: []\n";
  auto r = run_rowsim("compare --experiment " + path + " --out /tmp/unused");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(path) && Catch::Contains("families[0].net") && Catch::Contains("vgg19"));
  std::ofstream(path) << "name: x\narch: eyeriss\nbatch: 1\nmapping: {objective: energy, energy_slack: 0.1}\n"
                         "dataset: {name: fashion-mnist, images: 10, ratio: \"1:0:1\", seed: 1}\n";
  r = run_rowsim("compare --experiment " + path + " --out /tmp/unused");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("dataset.ratio"));
  r = run_rowsim("compare --experiment /no/such.yaml");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("/no/such.yaml") && Catch::Contains("paper"));
  std::remove(path.c_str());
}

TEST_CASE("a bad value in an experiment file is named by file, line and key, never by a flag",
          "[cli][compare][errors]") {
  std::string path = "/tmp/rowsim_bad_value_" + std::to_string(::getpid()) + ".yaml";
  const std::string head = "name: x\narch: eyeriss\nbatch: 1\nmapping: {objective: energy, energy_slack: 0.1}\n"
                           "families:\n  - {net: vgg16, baseline_width: 0.5, widths: [0.25]}\n";
  const std::string data = "dataset: {name: fashion-mnist, images: 10, ratio: \"1:1\", seed: 1}\n";
  struct Bad {
    std::string yaml, key, message;
  };
  std::vector<Bad> bad = {
      {head + "dataset: {name: fashion-mnist, images: 10, ratio: \"1-1\", seed: 1}\ndistortions: []\n",
       "dataset.ratio", "ratio '1-1': expected CLEAN:DISTORTED"},
      {head + data + "distortions:\n  - {name: blur, degree: 9, gate_weights: g.safetensors}\n",
       "distortions[0].degree", "blur sigma 9: expected at most 8 pixels"},
      {head + data + "distortions:\n  - {name: occlusion, degree: 2.5, gate_weights: g.safetensors}\n",
       "distortions[0].degree", "occlusion block 2.5: expected a whole number"},
      {head + data + "distortions: []\naccuracy: {images: 10, ratios: [\"3:1\", \"3-1\"], clean: c.safetensors}\n",
       "accuracy.ratios[1]", "ratio '3-1'"},
  };
  for (const auto& b : bad) {
    INFO(b.yaml);
    std::ofstream(path) << b.yaml;
    auto r = run_rowsim("compare --experiment " + path + " --out /tmp/unused");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(path + ":") && Catch::Contains(b.key) && Catch::Contains(b.message));
    CHECK_THAT(r.err, !Catch::Contains("--"));  // the user set no flag: naming one would mislead
  }
  std::remove(path.c_str());
}

TEST_CASE("compare's accuracy figure: baseline, selective and oracle routing per ratio and degree", "[cli][compare]") {
  std::string dir = "/tmp/rowsim_compare_acc_" + std::to_string(::getpid());
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  // A barely trained classifier serves as every network: the figure's plumbing is under test.
  auto t = run_rowsim("train --net vgg16 --width 0.0625 --dataset fashion-mnist --limit 256 --test-limit 50 "
                      "--epochs 1 --batch 64 -o " + dir + "/cls.safetensors");
  REQUIRE(t.exit_code == 0);
  std::string gate = std::string(ROWSIM_SOURCE_DIR) + "/workloads/weights/gate-noise.safetensors";
  std::ofstream(dir + "/x.yaml")
      << "name: acc\narch: eyeriss\nbatch: 1\nmapping: {objective: energy, energy_slack: 0.1}\n"
         "dataset: {name: fashion-mnist, images: 40, ratio: \"1:1\", seed: 3}\n"
         "families:\n  - {net: vgg16, baseline_width: 0.25, widths: [0.125]}\n"
         "distortions:\n  - {name: noise, degree: 0.25, gate_weights: " << gate
      << ", selective_width: {vgg16: 0.125}}\n"
         "accuracy:\n  images: 200\n  ratios: [\"3:1\", \"1:3\"]\n  clean: cls.safetensors\n"
         "  distortions:\n    noise: {degrees: [0.1, 0.4], dedicated: cls.safetensors, baseline: cls.safetensors}\n";
  auto r = run_rowsim("compare --experiment " + dir + "/x.yaml --out " + dir + "/run");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(slurp(dir + "/run/report.json"));
  CHECK(j["accuracy"]["images"] == 200);
  auto noise = j["accuracy"]["distortions"]["noise"];
  REQUIRE(noise["ratio"].size() == 2);
  REQUIRE(noise["degree"].size() == 2);
  CHECK(noise["ratio"][0]["distorted_share"].get<double>() == Approx(0.25));
  for (const auto& p : noise["ratio"]) {
    // One classifier everywhere: routing cannot change a prediction.
    CHECK(p["accuracy"]["selective"] == p["accuracy"]["baseline"]);
    CHECK(p["accuracy"]["oracle"] == p["accuracy"]["baseline"]);
    // The noise gate at its own degree routes nearly every image right.
    CHECK(p["accuracy"]["routing"].get<double>() >= 0.98);
  }
  // A milder distortion is never easier to see: the gate routes sigma 0.1 no better than 0.4.
  CHECK(noise["degree"][0]["accuracy"]["routing"].get<double>() <= noise["degree"][1]["accuracy"]["routing"].get<double>());
  CHECK_THAT(slurp(dir + "/run/report.md"), Catch::Contains("Fig. 3"));
  // --images caps the accuracy points too, for quick runs.
  r = run_rowsim("compare --experiment " + dir + "/x.yaml --images 20 --out " + dir + "/quick");
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(slurp(dir + "/quick/report.json"))["accuracy"]["images"] == 20);
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0)
    CHECK_THAT(slurp(dir + "/run/fig3-noise-degree.svg"), Catch::Contains("<svg"));
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("compare --cycle-level costs every network with the SystemC model", "[cli][compare]") {
  std::string dir = "/tmp/rowsim_compare_cl_" + std::to_string(::getpid());
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  // Without zero gating the simulated counts equal the dense analytical ones exactly.
  std::string arch = slurp(std::string(ROWSIM_SOURCE_DIR) + "/configs/arch/eyeriss.yaml");
  arch.replace(arch.find("zero_gating: true"), 17, "zero_gating: false");
  std::ofstream(dir + "/arch.yaml") << arch;
  std::string gate = std::string(ROWSIM_SOURCE_DIR) + "/workloads/weights/gate-noise.safetensors";
  std::ofstream(dir + "/x.yaml")
      << "name: cl\narch: " << dir << "/arch.yaml\nbatch: 1\nmapping: {objective: energy, energy_slack: 0.1}\n"
      << "dataset: {name: fashion-mnist, images: 40, ratio: \"1:1\", seed: 3}\n"
      << "families:\n  - {net: vgg16, baseline_width: 0.25, widths: [0.125]}\n"
      << "distortions:\n  - {name: noise, degree: 0.25, gate_weights: " << gate << ", selective_width: {vgg16: 0.125}}\n";
  REQUIRE(run_rowsim("compare --experiment " + dir + "/x.yaml --out " + dir + "/an").exit_code == 0);
  auto r = run_rowsim("compare --experiment " + dir + "/x.yaml --cycle-level --out " + dir + "/cl");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto an = nlohmann::json::parse(slurp(dir + "/an/report.json"));
  auto cl = nlohmann::json::parse(slurp(dir + "/cl/report.json"));
  CHECK(cl["cost_source"] == "cycle-level (SystemC)");
  REQUIRE(an["networks"].size() == 3);
  REQUIRE(cl["networks"].size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    INFO(an["networks"][i]["label"]);
    CHECK(cl["networks"][i]["label"] == an["networks"][i]["label"]);
    CHECK(cl["networks"][i]["energy_per_image"]["total"] == an["networks"][i]["energy_per_image"]["total"]);
    CHECK(cl["networks"][i]["cycles"].get<int64_t>() >= an["networks"][i]["cycles"].get<int64_t>());
  }
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("compare on a technology spec adds latency, pJ, power and area beside the normalized figures",
          "[cli][compare][physical]") {
  std::string dir = "/tmp/rowsim_compare_tech_" + std::to_string(::getpid());
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  std::string gate = std::string(ROWSIM_SOURCE_DIR) + "/workloads/weights/gate-noise.safetensors";
  std::string arch = std::string(ROWSIM_SOURCE_DIR) + "/configs/arch/eyeriss-65nm.yaml";
  std::ofstream(dir + "/x.yaml")
      << "name: small\narch: " << arch << "\nbatch: 1\nmapping: {objective: energy, energy_slack: 0.1}\n"
      << "dataset: {name: fashion-mnist, images: 20, ratio: \"1:1\", seed: 3}\n"
         "families:\n  - {net: vgg16, baseline_width: 0.5, widths: [0.25]}\n"
         "distortions:\n  - {name: noise, degree: 0.25, gate_weights: " << gate
      << ", selective_width: {vgg16: 0.25}}\n";
  auto r = run_rowsim("compare --experiment " + dir + "/x.yaml --out " + dir + "/run");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(slurp(dir + "/run/report.json"));
  std::map<std::string, double> pj, ms;
  for (const auto& n : j["networks"]) {
    INFO(n["label"]);
    const auto& p = n["physical"];
    CHECK(p["latency_ms"].get<double>() == Approx(n["cycles"].get<double>() / 200e3));  // batch 1
    CHECK(p["power_mw"].get<double>() * p["latency_ms"].get<double>() * 1e6 == Approx(p["energy_pj"]["total"].get<double>()));
    CHECK(p["area_mm2"]["total"].get<double>() == Approx(5.36).epsilon(0.01));
    pj[n["label"]] = p["energy_per_image_pj"]["total"].get<double>();
    ms[n["label"]] = p["latency_ms_per_image"].get<double>();
  }
  const auto& sel = j["distortions"][0]["selective"][0];
  CHECK(sel["pj_per_image"].get<double>() == Approx(pj["gate"] + pj["0.25-vgg16"]));
  CHECK(sel["baseline_pj_per_image"].get<double>() == Approx(pj["0.50-vgg16"]));
  CHECK(sel["latency_ms_per_image"].get<double>() == Approx(ms["gate"] + ms["0.25-vgg16"]));
  CHECK(sel["reduction_pj"].get<double>() > 1.5);
  std::string csv = slurp(dir + "/run/networks.csv");
  CHECK_THAT(csv, Catch::Contains(",cycles_per_image,latency_ms_per_image,frames_per_s,energy_uj_per_image,power_mw,chip_power_mw,tops_per_w,"));
  std::system(("rm -rf " + dir).c_str());
}
