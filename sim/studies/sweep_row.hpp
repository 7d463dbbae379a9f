// One evaluated sweep point as a typed row: what the results, the Pareto front and the plots read,
// and what the journal stores (one JSON object per line, the same document results.json lists).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace rowsim {

struct SweepRow {
  int64_t point = 0;
  std::string network;
  std::vector<std::pair<std::string, std::string>> arch;  // swept field, its value as written
  int64_t pes = 0, storage_bytes = 0;
  struct Area {
    double pe_array = 0, glb = 0, noc = 0, total = 0;  // mm2
  };
  std::optional<Area> area_mm2;  // technology model only
  bool ok = false;
  std::string reason;  // why the point is infeasible

  // Feasible points: energy per image in units of one 16-bit MAC, by view and level.
  struct Energy {
    double total = 0, weights_only = 0, dram = 0, glb = 0, array = 0, rf = 0, mac = 0;
  } energy_per_image;
  int64_t cycles = 0;
  double utilization = 0;
  std::string cycles_source;  // "analytical" or "simulated"
  double latency_ms = 0, latency_ms_per_image = 0, frames_per_s = 0;
  // Technology model: pJ per image by level, with leakage; power and efficiency.
  struct Picojoules {
    double total = 0, dram = 0, glb = 0, array = 0, rf = 0, mac = 0, leakage = 0;
  };
  std::optional<Picojoules> pj_per_image;
  double power_mw = 0, chip_power_mw = 0, tops_per_w = 0;

  std::string arch_value(const std::string& key) const;  // "" when the row has no such field
  nlohmann::json to_json() const;
  // The row a journal line holds; std::nullopt with `why` set when it is not a sweep row.
  static std::optional<SweepRow> from_json(const nlohmann::json& j, std::string& why);
  // The objectives a point is judged on, all minimised: energy per image (pJ with the technology
  // model, else units of one 16-bit MAC), latency per image (ms), and area (mm2 with the
  // technology model; else two proxies, PEs and storage bytes).
  double energy_objective() const { return pj_per_image ? pj_per_image->total : energy_per_image.total; }
  std::vector<double> area_objective() const {
    return area_mm2 ? std::vector<double>{area_mm2->total} : std::vector<double>{double(pes), double(storage_bytes)};
  }
};

}  // namespace rowsim
