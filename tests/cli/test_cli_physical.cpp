// Physical figures in the map and simulate reports (issue 15): latency at clock_mhz for every
// spec; with the technology model, pJ by level summing to the total, power x latency = energy,
// TOPS/W; a normalized spec keeps every field it had, with the same values.
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/run_command.hpp"

namespace {

const std::string kTechArch = std::string(ROWSIM_SOURCE_DIR) + "/configs/arch/eyeriss-65nm.yaml";
const std::string kNormArch = std::string(ROWSIM_SOURCE_DIR) + "/configs/arch/eyeriss.yaml";

nlohmann::json run_json(const std::string& args) {
  auto r = run_rowsim(args + " --format json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

// The invariants of one "physical" object with the technology model.
void check_technology(const nlohmann::json& p, int64_t cycles, double clock_mhz, int batch) {
  CHECK(p["cycles"] == cycles);
  CHECK(p["latency_ms"].get<double>() == Approx(double(cycles) / (clock_mhz * 1e3)));
  CHECK(p["latency_ms_per_image"].get<double>() == Approx(p["latency_ms"].get<double>() / batch));
  CHECK(p["frames_per_s"].get<double>() == Approx(batch * 1e3 / p["latency_ms"].get<double>()));
  for (const char* view : {"energy_pj", "energy_per_image_pj"}) {
    const auto& e = p[view];
    double by_level = 0, by_data = 0, by_cell = 0;
    for (const auto& [level, pj] : e["by_level"].items()) by_level += pj.get<double>();
    for (const auto& [data, pj] : e["by_data"].items()) by_data += pj.get<double>();
    for (const auto& [level, row] : e["by_level_and_data"].items())
      for (const auto& [data, pj] : row.items()) by_cell += pj.get<double>();
    CHECK(by_level == Approx(e["total"].get<double>()).epsilon(1e-12));
    // by_data and the level x data cells cover the accesses: the total less MACs and leakage.
    double accesses = e["total"].get<double>() - e["by_level"]["mac"].get<double>() - e["by_level"]["leakage"].get<double>();
    CHECK(by_data == Approx(accesses).epsilon(1e-12));
    CHECK(by_cell == Approx(accesses).epsilon(1e-12));
    CHECK(e["total"].get<double>() == Approx(e["dynamic"].get<double>() + e["leakage"].get<double>()));
  }
  CHECK(p["energy_per_image_pj"]["total"].get<double>() == Approx(p["energy_pj"]["total"].get<double>() / batch));
  CHECK(p["energy_per_image_uj"].get<double>() == Approx(p["energy_per_image_pj"]["total"].get<double>() * 1e-6));
  // power x time = energy: mW x ms = 1e-6 J... = 1e6 pJ.
  CHECK(p["power_mw"].get<double>() * p["latency_ms"].get<double>() * 1e6 ==
        Approx(p["energy_pj"]["total"].get<double>()));
  CHECK(p["chip_power_mw"].get<double>() * p["latency_ms"].get<double>() * 1e6 ==
        Approx(p["energy_pj"]["total"].get<double>() - p["energy_pj"]["by_level"]["dram"].get<double>()));
  // Leakage energy = leakage power x time.
  CHECK(p["leakage_mw"].get<double>() * p["latency_ms"].get<double>() * 1e6 ==
        Approx(p["energy_pj"]["leakage"].get<double>()));
  CHECK(p["tops_per_w"].get<double>() ==
        Approx(2.0 * p["network_macs"].get<double>() / p["energy_pj"]["total"].get<double>()));
}

// A document with the physical additions taken out.
nlohmann::json without_physical(nlohmann::json j) {
  for (const char* key : {"clock_mhz", "energy_model", "arch", "arch_source"}) j.erase(key);
  for (auto& l : j["layers"]) l.erase("physical");
  j["totals"].erase("physical");
  return j;
}

}  // namespace

TEST_CASE("map on eyeriss-65nm: pJ by level sum to the total, power x latency = energy", "[cli][map][physical]") {
  const int batch = 2;
  auto j = run_json("map --net gate --batch 2 --jobs 2 --arch " + kTechArch);
  CHECK(j["clock_mhz"] == 200);
  CHECK_THAT(j["energy_model"].get<std::string>(), Catch::Contains("technology 65nm"));
  double layer_pj = 0;
  int64_t layer_macs = 0;
  for (const auto& l : j["layers"]) {
    INFO("layer " << l["name"]);
    REQUIRE(l.contains("physical"));
    CHECK(l["physical"]["cycles_source"] == "analytical");
    check_technology(l["physical"], l["cycles"].get<int64_t>(), 200, batch);
    // pJ = accesses x pJ per access, at every level for every data type, and MACs x pJ per MAC.
    const auto& rates = j["totals"]["physical"]["pj_per_access"];
    for (const auto& [level, row] : l["physical"]["energy_pj"]["by_level_and_data"].items())
      for (const auto& [data, pj] : row.items()) {
        const auto& c = l["counts"][level][data];
        double accesses = c["reads"].get<double>() + c["writes"].get<double>();
        CHECK(pj.get<double>() == Approx(accesses * rates[level][data].get<double>()));
      }
    CHECK(l["physical"]["energy_pj"]["by_level"]["mac"].get<double>() ==
          Approx(l["counts"]["macs"].get<double>() * j["totals"]["physical"]["pj_per_mac"].get<double>()));
    layer_pj += l["physical"]["energy_pj"]["total"].get<double>();
    layer_macs += l["physical"]["network_macs"].get<int64_t>();
  }
  const auto& t = j["totals"]["physical"];
  check_technology(t, j["totals"]["cycles"].get<int64_t>(), 200, batch);
  CHECK(t["energy_pj"]["total"].get<double>() == Approx(layer_pj));
  CHECK(layer_macs == 2 * 1294848);
  CHECK(t["area_mm2"]["total"].get<double>() ==
        Approx(t["area_mm2"]["pe_array"].get<double>() + t["area_mm2"]["glb"].get<double>() +
               t["area_mm2"]["noc"].get<double>()));
  CHECK(t["area_mm2"]["total"].get<double>() == Approx(5.36).epsilon(0.01));  // docs/energy-model.md
  // The normalized figures of a technology spec are those of the same chip priced 200/6/2/1.
  auto norm = run_json("map --net gate --batch 2 --jobs 2 --arch " + kNormArch);
  CHECK(without_physical(j) == without_physical(norm));
}

TEST_CASE("map on a normalized spec: latency only, every earlier field unchanged", "[cli][map][physical]") {
  auto j = run_json("map --net gate --jobs 2");
  CHECK(j["energy_model"] == "normalized");
  const auto& t = j["totals"]["physical"];
  CHECK(t["cycles_source"] == "analytical");
  CHECK(t["latency_ms"].get<double>() == Approx(j["totals"]["cycles"].get<double>() / 200e3));
  CHECK_FALSE(t.contains("energy_pj"));
  CHECK_FALSE(t.contains("power_mw"));
  // The fields a map document had before the physical figures, per layer and in total.
  for (const auto& l : j["layers"]) {
    std::set<std::string> keys;
    for (const auto& [k, v] : l.items()) keys.insert(k);
    CHECK(keys == std::set<std::string>{"name", "kind", "mapping", "active_pes", "utilization", "cycles",
                                        "cycle_bounds", "counts", "reuse", "energy", "physical"});
  }
  std::set<std::string> totals;
  for (const auto& [k, v] : j["totals"].items()) totals.insert(k);
  CHECK(totals == std::set<std::string>{"cycles", "active_pes", "utilization", "counts", "reuse", "energy",
                                        "energy_per_image", "physical"});
}

TEST_CASE("map CSV and table carry the physical columns as plain numbers", "[cli][map][physical]") {
  auto r = run_rowsim("map --net gate --jobs 2 --format csv --arch " + kTechArch);
  REQUIRE(r.exit_code == 0);
  std::string header = r.out.substr(0, r.out.find('\n'));
  CHECK_THAT(header, Catch::EndsWith("latency_ms_per_image,frames_per_s,energy_uj_per_image,power_mw,chip_power_mw,"
                                     "tops_per_w,dram_uj_per_image,glb_uj_per_image,array_uj_per_image,"
                                     "rf_uj_per_image,mac_uj_per_image,leakage_uj_per_image,area_mm2"));
  // The last 13 cells of every row parse as numbers.
  size_t pos = header.size() + 1;
  int rows = 0;
  while (pos < r.out.size()) {
    size_t end = r.out.find('\n', pos);
    std::string line = r.out.substr(pos, end - pos);
    pos = end + 1;
    std::vector<std::string> cells;
    size_t a = 0;
    for (size_t b; (b = line.find(',', a)) != std::string::npos; a = b + 1) cells.push_back(line.substr(a, b - a));
    cells.push_back(line.substr(a));
    REQUIRE(cells.size() >= 13);
    for (size_t k = cells.size() - 13; k < cells.size(); ++k) {
      INFO(line << " cell " << k);
      size_t used = 0;
      CHECK_NOTHROW(std::stod(cells[k], &used));
      CHECK(used == cells[k].size());
    }
    ++rows;
  }
  CHECK(rows >= 6);
  auto table = run_rowsim("map --net gate --jobs 2 --arch " + kTechArch);
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::Contains("frames/s at 200 MHz (analytical cycles)") && Catch::Contains("TOPS/W") &&
                            Catch::Contains("area ") && Catch::Contains("uJ per image"));
}

TEST_CASE("simulate on eyeriss-65nm: simulated cycles, the same invariants", "[cli][simulate][physical]") {
  auto j = run_json("simulate --net gate --arch " + kTechArch);
  int simulated = 0;
  for (const auto& l : j["layers"]) {
    INFO("layer " << l["name"]);
    CHECK(l["physical"]["cycles_source"] == (l["simulated"].get<bool>() ? "simulated" : "analytical"));
    simulated += l["simulated"].get<bool>();
    check_technology(l["physical"], l["cycles"].get<int64_t>(), 200, 1);
  }
  CHECK(simulated == 5);
  const auto& t = j["totals"]["physical"];
  CHECK(t["cycles_source"] == "simulated+analytical");
  check_technology(t, j["totals"]["cycles"].get<int64_t>(), 200, 1);
  CHECK(t["analytical_latency_ms"].get<double>() == Approx(j["totals"]["analytical_cycles"].get<double>() / 200e3));
}
