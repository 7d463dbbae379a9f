// rowsim map as a user runs it: the documented JSON, fixed mappings, plots and clear errors.
#include <cstdio>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/csv_checks.hpp"
#include "tests/cli/run_command.hpp"

TEST_CASE("map JSON has the documented fields and consistent totals", "[cli][map]") {
  auto r = run_rowsim("map --net gate --format json --jobs 2");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["arch"] == "eyeriss-jssc2017");
  CHECK(j["network"] == "gate");
  CHECK(j["batch"] == 1);
  double energy_sum = 0, weights_sum = 0;
  int64_t macs = 0;
  int array_layers = 0;
  for (const auto& l : j["layers"]) {
    for (const char* key : {"name", "mapping", "active_pes", "utilization", "cycles", "counts", "energy"})
      CHECK(l.contains(key));
    for (const char* level : {"dram", "glb", "array", "rf", "mac"}) CHECK(l["energy"]["by_level"].contains(level));
    if (!l["mapping"].is_null()) {
      ++array_layers;
      for (const char* field : {"m", "n", "e", "p", "q", "r", "t"}) CHECK(l["mapping"][field].get<int>() >= 1);
    }
    energy_sum += l["energy"]["total"].get<double>();
    weights_sum += l["energy"]["weights_only"].get<double>();
    macs += l["counts"]["macs"].get<int64_t>();
  }
  CHECK(array_layers == 5);  // 3 convs and 2 FC layers
  CHECK(j["totals"]["energy"]["total"].get<double>() == Approx(energy_sum));
  CHECK(j["totals"]["energy"]["weights_only"].get<double>() == Approx(weights_sum));
  CHECK(macs == 1294848);  // the gate's MACs, written out in test_zoo
}

TEST_CASE("map with the published AlexNet mappings", "[cli][map][validation]") {
  std::string file = std::string(ROWSIM_SOURCE_DIR) + "/configs/mappings/alexnet-eyeriss-jssc2017.yaml";
  auto r = run_rowsim("map --net alexnet --batch 4 --format json --mapping-file " + file);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  const int chip[] = {154, 135, 156, 156, 156};
  int k = 0;
  for (const auto& l : j["layers"]) {
    if (l["kind"] != "conv") continue;
    CHECK(l["active_pes"] == chip[k]);
    CHECK(l["mapping"]["e"] == std::vector<int>{7, 27, 13, 13, 13}[size_t(k)]);
    ++k;
  }
  CHECK(k == 5);
}

TEST_CASE("map writes its report and plot to files", "[cli][map]") {
  std::string dir = "/tmp/rowsim_map_test_" + std::to_string(::getpid());
  auto r = run_rowsim("map --net gate --format csv -o " + dir + "/gate.csv --plot " + dir + "/gate.svg");
  REQUIRE(r.exit_code == 0);
  std::string csv = slurp(dir + "/gate.csv");
  // Numbers only, the unit in the column name, one column per mapping field (issue 16).
  CHECK_THAT(csv, Catch::StartsWith("layer,kind,m,n,e,p,q,r,t,active_pes,utilization,cycles,energy_mac_units,"));
  check_csv_numbers_only(csv, {"layer", "kind"}, "map --format csv");
  auto rows = parse_csv(csv);
  CHECK(rows[1][0] == "conv1");
  CHECK(rows[1][2] != "");             // conv1 has a mapping: m is a number
  CHECK(rows.back()[0] == "total");
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0) CHECK_THAT(slurp(dir + "/gate.svg"), Catch::Contains("<svg"));
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("map rejects bad input with clear errors", "[cli][map][errors]") {
  auto r = run_rowsim("map --net gate --objective speed");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--objective: objective 'speed'") && Catch::Contains("energy, cycles or edp"));
  r = run_rowsim("map --net gate --energy-slack -1");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--energy-slack -1"));
  r = run_rowsim("map --net gate --batch 0");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--batch 0"));
  std::string bad = "/tmp/rowsim_bad_mapping_" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(bad) << "conv9: {m: 1, n: 1, e: 1, p: 1, q: 1, r: 1, t: 1}\n";
  r = run_rowsim("map --net alexnet --mapping-file " + bad);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(bad) && Catch::Contains("'conv9' is not a conv or fully connected layer"));
  std::ofstream(bad) << "conv1: {m: 96, n: 1, e: 55, p: 16, q: 1, r: 1, t: 2}\n";
  r = run_rowsim("map --net alexnet --batch 4 --mapping-file " + bad);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("conv1") && Catch::Contains("e*r*t"));
  std::remove(bad.c_str());
}

TEST_CASE("map with real data: zero gating credited, dense 16-bit energy beside it", "[cli][map]") {
  auto r = run_rowsim("map --net gate --weights random --format json");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK_THAT(j["data"].get<std::string>(), Catch::Contains("seeded random weights"));
  int64_t skipped = 0;
  for (const auto& l : j["layers"]) {
    if (l["mapping"].is_null()) continue;
    REQUIRE(l.contains("dense_16bit"));
    // Eyeriss gates MACs on zero ifmaps; the seeded input and ReLU outputs have zeros.
    skipped += l["counts"]["macs_skipped"].get<int64_t>();
    CHECK(l["counts"]["macs"].get<int64_t>() + l["counts"]["macs_skipped"].get<int64_t>() ==
          l["dense_16bit"]["counts"]["macs"].get<int64_t>());
  }
  CHECK(skipped > 0);
  CHECK(j["totals"]["energy"]["total"].get<double>() < j["totals"]["dense_16bit_energy"]["total"].get<double>());
  // A trained gate file names its own network.
  std::string gate = std::string(ROWSIM_SOURCE_DIR) + "/workloads/weights/gate-noise.safetensors";
  r = run_rowsim("map --weights " + gate + " --format json");
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out)["network"] == "gate");
  r = run_rowsim("map --net gate --input x.raw");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--input needs --weights"));
}

TEST_CASE("a pruned weights file is counted compressed by map and by simulate", "[cli][map][sparse]") {
  std::string dir = "/tmp/rowsim_pruned_" + std::to_string(::getpid());
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  REQUIRE(run_rowsim("train --net vgg16 --width 0.0625 --dataset fashion-mnist --limit 256 --test-limit 50 --epochs 1 "
                     "--batch 64 -o " + dir + "/dense.safetensors")
              .exit_code == 0);
  REQUIRE(run_rowsim("prune --weights " + dir + "/dense.safetensors --sparsity 0.8 --schedule oneshot "
                     "--retrain-epochs 0 --dataset fashion-mnist --limit 100 -o " + dir + "/pruned.safetensors")
              .exit_code == 0);
  auto m = run_rowsim("map --weights " + dir + "/pruned.safetensors --format json");
  REQUIRE(m.exit_code == 0);
  auto mj = nlohmann::json::parse(m.out);
  CHECK(mj["totals"]["counts"]["dram"]["index"]["reads"].get<int64_t>() > 0);
  CHECK(mj["totals"]["energy"]["weights_only"].get<double>() <
        0.5 * mj["totals"]["dense_16bit_energy"]["weights_only"].get<double>());
  auto s = run_rowsim("simulate --weights " + dir + "/pruned.safetensors --format json");
  REQUIRE(s.exit_code == 0);
  auto sj = nlohmann::json::parse(s.out);
  CHECK(sj["totals"]["bit_exact"] == true);
  CHECK(sj["totals"]["counts_match_analytical"] == true);
  CHECK(sj["totals"]["counts"]["dram"]["index"]["reads"].get<int64_t>() > 0);
  CHECK(sj["totals"]["counts"]["macs_skipped"].get<int64_t>() > sj["totals"]["counts"]["macs"].get<int64_t>());
  std::system(("rm -rf " + dir).c_str());
}
