// rowsim simulate as a user runs it: whole networks pass both checks on every layer, parallel
// runs equal serial ones, traces are well-formed VCD, and bad input fails with a clear message.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/csv_checks.hpp"
#include "tests/cli/run_command.hpp"

namespace {

std::string temp_path(const std::string& name) {
  return "/tmp/rowsim_sim_test_" + std::to_string(::getpid()) + "_" + name;
}

// Every simulated layer is bit-exact and counts like the analytical model; returns how many.
int check_all_layers(const nlohmann::json& j) {
  int simulated = 0;
  for (const auto& l : j["layers"]) {
    INFO("layer " << l["name"]);
    if (!l["simulated"].get<bool>()) {
      CHECK(l["bit_exact"].is_null());
      continue;
    }
    ++simulated;
    CHECK(l["bit_exact"] == true);
    CHECK(l["counts_match_analytical"] == true);
    CHECK(l["mismatched_outputs"] == 0);
    CHECK(l["cycles"].get<int64_t>() > 0);
    CHECK(l["cycles"].get<int64_t>() ==
          l["compute_cycles"].get<int64_t>() + l["stall_cycles"]["total"].get<int64_t>());
  }
  CHECK(j["totals"]["bit_exact"] == true);
  CHECK(j["totals"]["counts_match_analytical"] == true);
  return simulated;
}

}  // namespace

TEST_CASE("simulate --net gate: every layer bit-exact with the analytical counts", "[cli][simulate]") {
  auto r = run_rowsim("simulate --net gate --format json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["network"] == "gate");
  CHECK(j["fmap_format"] == "Q7.8");
  CHECK(check_all_layers(j) == 5);  // conv1-3, fc1, fc2
  // The map document's fields are all there, with the simulation's cycles beside the bound.
  const auto& conv1 = j["layers"][0];
  for (const char* key : {"name", "mapping", "active_pes", "utilization", "cycles", "counts", "energy",
                          "analytical_cycles", "stall_cycles", "fixed_point", "passes"})
    CHECK(conv1.contains(key));
  CHECK(conv1["fixed_point"]["relu_fused"] == true);
  int64_t cycles = 0, macs = 0;
  for (const auto& l : j["layers"]) {
    cycles += l["cycles"].get<int64_t>();
    macs += l["counts"]["macs"].get<int64_t>();
  }
  CHECK(j["totals"]["cycles"] == cycles);
  CHECK(j["totals"]["counts"]["macs"] == macs);
  // eyeriss.yaml gates MACs on zero ifmaps: performed + skipped are the gate's MACs
  // (docs/workloads.md), and after the first layer's ReLU there are zeros to skip.
  CHECK(j["features"]["zero_gating"] == true);
  CHECK(j["features"]["rlc_dram"] == false);
  CHECK(j["features"]["compressed_weights"] == false);
  const int64_t skipped = j["totals"]["counts"]["macs_skipped"].get<int64_t>();
  CHECK(macs + skipped == 1294848);
  // The seeded random image has no zeros: conv1 skips only taps on padding.
  CHECK(j["layers"][0]["counts"]["macs_skipped"].get<int64_t>() < j["layers"][0]["counts"]["macs"].get<int64_t>() / 10);
  CHECK(skipped > 1294848 / 10);
}

TEST_CASE("simulate with run-length coded DRAM fmaps and with gating off", "[cli][simulate]") {
  // eyeriss.yaml with rlc_dram switched on.
  std::ifstream in(std::string(ROWSIM_SOURCE_DIR) + "/configs/arch/eyeriss.yaml");
  std::string yaml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string off = "rlc_dram: false";
  REQUIRE(yaml.find(off) != std::string::npos);
  std::string rlc_yaml = yaml, plain_yaml = yaml;
  rlc_yaml.replace(rlc_yaml.find(off), off.size(), "rlc_dram: true");
  const std::string gating = "zero_gating: true";
  REQUIRE(plain_yaml.find(gating) != std::string::npos);
  plain_yaml.replace(plain_yaml.find(gating), gating.size(), "zero_gating: false");
  std::string rlc_arch = temp_path("rlc.yaml"), plain_arch = temp_path("plain.yaml");
  std::ofstream(rlc_arch) << rlc_yaml;
  std::ofstream(plain_arch) << plain_yaml;

  auto coded = run_rowsim("simulate --net gate --arch " + rlc_arch + " --format json");
  auto gated = run_rowsim("simulate --net gate --format json");
  auto plain = run_rowsim("simulate --net gate --arch " + plain_arch + " --format json");
  INFO(coded.err << plain.err);
  REQUIRE(coded.exit_code == 0);
  REQUIRE(gated.exit_code == 0);
  REQUIRE(plain.exit_code == 0);
  auto c = nlohmann::json::parse(coded.out), g = nlohmann::json::parse(gated.out), p = nlohmann::json::parse(plain.out);
  CHECK(check_all_layers(c) == 5);
  CHECK(check_all_layers(p) == 5);
  CHECK(c["features"]["rlc_dram"] == true);
  CHECK(p["features"]["zero_gating"] == false);
  CHECK(p["totals"]["counts"]["macs_skipped"] == 0);
  // fc2 reads fc1's ReLU output and conv1 writes one: coded, their DRAM words shrink, while the GLB
  // still holds real words. conv1 reads the dense random image, which coding expands (three values
  // per four words).
  auto layer = [](const nlohmann::json& j, const std::string& name) {
    for (const auto& l : j["layers"])
      if (l["name"] == name) return l["counts"];
    FAIL("no layer " << name);
    return nlohmann::json();
  };
  auto dram_ifmap = [&](const nlohmann::json& j, const std::string& name) {
    return layer(j, name)["dram"]["ifmap"]["reads"].get<int64_t>();
  };
  CHECK(dram_ifmap(c, "fc2") < dram_ifmap(g, "fc2"));
  CHECK(layer(c, "fc2")["glb"]["ifmap"] == layer(g, "fc2")["glb"]["ifmap"]);
  CHECK(dram_ifmap(c, "conv1") > dram_ifmap(g, "conv1"));
  CHECK(layer(c, "conv1")["dram"]["psum"]["writes"].get<int64_t>() <
        layer(g, "conv1")["dram"]["psum"]["writes"].get<int64_t>());
  // Gating changes energy, not time.
  CHECK(g["totals"]["energy"]["total"].get<double>() < p["totals"]["energy"]["total"].get<double>());
  CHECK(g["totals"]["cycles"] == p["totals"]["cycles"]);
  // The table says what the counts include.
  auto table = run_rowsim("simulate --net gate --layers conv2 --arch " + rlc_arch);
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::Contains("zero ifmaps gate MACs") && Catch::Contains("run-length coded") &&
                            Catch::Contains("MACs skipped"));
  std::remove(rlc_arch.c_str());
  std::remove(plain_arch.c_str());
}

TEST_CASE("simulate --net vgg16 --width 0.25 and --net resnet50 --width 0.25 pass on every layer",
          "[cli][simulate]") {
  auto r = run_rowsim("simulate --net vgg16 --width 0.25 --format json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(check_all_layers(nlohmann::json::parse(r.out)) == 16);
  r = run_rowsim("simulate --net resnet50 --width 0.25 --format json --jobs 2");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(check_all_layers(nlohmann::json::parse(r.out)) == 54);
}

TEST_CASE("simulate --jobs 2 reports exactly what a serial run reports", "[cli][simulate]") {
  auto serial = run_rowsim("simulate --net vgg16 --width 0.25 --layers conv2_1:conv4_1 --seed 7 --format json");
  auto parallel =
      run_rowsim("simulate --net vgg16 --width 0.25 --layers conv2_1:conv4_1 --seed 7 --format json --jobs 2");
  REQUIRE(serial.exit_code == 0);
  REQUIRE(parallel.exit_code == 0);
  CHECK(serial.out == parallel.out);
  auto j = nlohmann::json::parse(serial.out);
  CHECK(j["layers"].front()["name"] == "conv2_1");
  CHECK(j["layers"].back()["name"] == "conv4_1");
  // Another seed moves other data through the same mapping: the same traffic above the spads; only
  // which MACs zero gating skips depends on the data (eyeriss.yaml gates).
  auto other = run_rowsim("simulate --net vgg16 --width 0.25 --layers conv2_1 --seed 8 --format json");
  REQUIRE(other.exit_code == 0);
  const nlohmann::json a = nlohmann::json::parse(other.out)["layers"][0]["counts"];
  const nlohmann::json b = j["layers"][0]["counts"];
  for (const char* level : {"dram", "glb", "array"}) CHECK(a[level] == b[level]);
  CHECK(a["rf"]["ifmap"] == b["rf"]["ifmap"]);
  CHECK(a["macs"].get<int64_t>() + a["macs_skipped"].get<int64_t>() ==
        b["macs"].get<int64_t>() + b["macs_skipped"].get<int64_t>());
  CHECK(a["macs"] != b["macs"]);
}

TEST_CASE("simulate with the shipped gate weights and an input file", "[cli][simulate]") {
  std::string weights = std::string(ROWSIM_SOURCE_DIR) + "/workloads/weights/gate-noise.safetensors";
  std::string input = temp_path("input.bin");
  {
    // A raw int16 input: 3x32x32 little-endian values.
    std::ofstream out(input, std::ios::binary);
    for (int i = 0; i < 3 * 32 * 32; ++i) {
      int16_t v = int16_t((i * 37) % 256 - 64);
      out.put(char(v & 0xff)).put(char((v >> 8) & 0xff));
    }
  }
  auto r = run_rowsim("simulate --weights " + weights + " --input " + input + " --format json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["weights"] == weights);
  CHECK(check_all_layers(j) == 5);
  // A file of the wrong size names itself and the size it needs.
  std::ofstream(input, std::ios::binary) << "xyz";
  r = run_rowsim("simulate --net gate --input " + input);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(input) && Catch::Contains("6144 bytes"));
  std::remove(input.c_str());
  // Weights of another network: the first tensor that does not fit is named.
  r = run_rowsim("simulate --net vgg16 --width 0.25 --weights " + weights);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("conv1_1.weight"));
}

TEST_CASE("simulate --check adds brute-force counts, random DRAM stalls and a double-precision reference",
          "[cli][simulate]") {
  auto r = run_rowsim("simulate --net gate --layers conv2:fc2 --check --format json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  int checked = 0;
  for (const auto& l : j["layers"]) {
    if (!l["simulated"].get<bool>()) continue;
    INFO("layer " << l["name"]);
    CHECK(l["checks"]["brute_force_counts"] == "match");
    CHECK(l["checks"]["random_dram_stalls"]["unchanged"] == true);
    CHECK(l["checks"]["random_dram_stalls"]["cycles"].get<int64_t>() > l["cycles"].get<int64_t>());
    CHECK(l["checks"]["float_reference"] == true);
    ++checked;
  }
  CHECK(checked == 4);
}

TEST_CASE("simulate --trace writes a well-formed VCD of one layer", "[cli][simulate]") {
  std::string vcd = temp_path("trace.vcd");
  auto r = run_rowsim("simulate --net gate --layers conv2:conv3 --trace " + vcd + " --trace-layer conv3");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::ifstream in(vcd);
  REQUIRE(in.good());
  std::string line;
  std::set<std::string> ids, names;
  bool definitions_done = false, in_comment = false;
  int64_t last_time = -1, changes = 0;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string first;
    words >> first;
    if (in_comment) {
      in_comment = line.find("$end") == std::string::npos;
      continue;
    }
    if (first == "$comment") {
      in_comment = line.find("$end") == std::string::npos;
    } else if (first == "$var") {
      std::string type, width, id, name;
      words >> type >> width >> id >> name;
      ids.insert(id);
      names.insert(name);
    } else if (first == "$enddefinitions") {
      definitions_done = true;
    } else if (!first.empty() && first[0] == '#') {
      int64_t t = std::stoll(first.substr(1));
      CHECK(t > last_time);  // time only moves forward
      last_time = t;
    } else if (definitions_done && !first.empty() && first[0] != '$') {
      // A value change: "b101 id" or "1id".
      std::string id;
      if (first[0] == 'b') words >> id;
      else id = first.substr(1);
      CHECK(ids.count(id) == 1);
      ++changes;
    }
  }
  CHECK(definitions_done);
  for (const char* signal : {"macs", "busy_pes", "stall_cause", "words_used", "reading", "pass"})
    CHECK(names.count(signal) == 1);
  CHECK(changes > 100);
  CHECK(last_time > 1000);
  std::remove(vcd.c_str());
}

TEST_CASE("simulate refuses bad input with a clear message", "[cli][simulate][errors]") {
  auto r = run_rowsim("simulate --net gate --layers conv9");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--layers: layers 'conv9'") && Catch::Contains("conv1"));
  r = run_rowsim("simulate --net gate --layers conv3:conv1");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("comes after"));
  r = run_rowsim("simulate --net gate --layers 99");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("out of range"));
  r = run_rowsim("simulate --net gate --trace out.txt");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(".vcd"));
  r = run_rowsim("simulate --net gate --trace-layer conv1");
  CHECK(r.exit_code == 2);
  // The layer choice fails before any mapping or simulation, naming the flag the user gave.
  r = run_rowsim("simulate --net gate --layers conv1:conv2 --trace /tmp/unused.vcd --trace-layer pool1");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--trace-layer: traced layer 'pool1'") && Catch::Contains("not a conv"));
  r = run_rowsim("simulate --net gate --layers pool1 --trace /tmp/unused.vcd");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--trace: ") && Catch::Contains("no conv or fully connected layer"));
  r = run_rowsim("simulate --net gate --weights /no/such.safetensors");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("/no/such.safetensors"));
  r = run_rowsim("simulate --net gate --jobs 0");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--jobs"));
  r = run_rowsim("simulate --net gate --format xml");
  CHECK(r.exit_code == 2);
  r = run_rowsim("simulate");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--net"));
}

TEST_CASE("simulate table and CSV output", "[cli][simulate]") {
  auto r = run_rowsim("simulate --net gate --format csv");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("layer,kind,m,n,e,p,q,r,t,active_pes,utilization,cycles,analytical_cycles,"
                                      "stall_cycles,energy_mac_units,"));
  CHECK_THAT(r.out, Catch::Contains("conv1,conv,"));
  check_csv_numbers_only(r.out, {"layer", "kind"}, "simulate --format csv");
  std::string out = temp_path("report.txt");
  r = run_rowsim("simulate --net gate -o " + out);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK_THAT(slurp(out), Catch::Contains("bit-exact") && Catch::Contains("stall cycles by cause"));
  std::remove(out.c_str());
}
