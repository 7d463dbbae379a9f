// Physical figures of a run, beside the normalized energy (which they never change): latency and
// frames/s at the arch's clock_mhz for every spec; with the technology energy model
// (energy.model: technology) also energy in pJ by level and data type with leakage, average
// power, TOPS/W and area. Units and formulas: docs/energy-model.md, "Reported figures".
//   latency_ms        = cycles / (clock_mhz x 1e3)          (cycles of the whole batch)
//   latency_ms/image  = latency_ms / batch;  frames_per_s = batch / latency_s
//   energy_pj         = sum over levels and data types of accesses x pJ + MACs x pJ + leakage
//   power_mw          = energy_pj / latency_ms x 1e-6       (1 pJ per ms = 1e-6 mW)
//   tops_per_w        = 2 x network MACs / energy_pj        (ops per pJ = TOPS/W)
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "models/arch/access_counts.hpp"
#include "models/arch/arch_spec.hpp"
#include "models/arch/energy.hpp"
#include "models/arch/tech_energy.hpp"

namespace rowsim {

struct Physical {
  int batch = 1;
  double clock_mhz = 0;
  int64_t cycles = 0;
  std::string cycles_source;  // "analytical", "simulated", or "simulated+analytical" (totals)
  int64_t network_macs = 0;   // MACs performed plus MACs skipped (zero gating, pruned weights)
  bool technology = false;    // the rest is filled only with the technology model
  Energy dynamic;             // pJ for the batch, by level and data type, and MACs
  double leakage_pj = 0;
  double leakage_mw = 0;
  AreaBreakdown area;
  TechRates::Table pj_per_access{};  // [level][data] at the bits of the last layer added
  double pj_per_mac = 0;

  double latency_ms() const { return clock_mhz > 0 ? double(cycles) / (clock_mhz * 1e3) : 0.0; }
  double latency_ms_per_image() const { return latency_ms() / batch; }
  double frames_per_s() const { return cycles > 0 ? batch * 1e3 / latency_ms() : 0.0; }
  double energy_pj() const { return dynamic.total() + leakage_pj; }
  double energy_pj_per_image() const { return energy_pj() / batch; }
  double power_mw() const { return cycles > 0 ? energy_pj() / latency_ms() * 1e-6 : 0.0; }
  // Without DRAM: what a chip's own power measurement covers (the DRAM is off chip).
  double chip_power_mw() const {
    return cycles > 0 ? (energy_pj() - dynamic.level(Level::DRAM)) / latency_ms() * 1e-6 : 0.0;
  }
  double tops_per_w() const { return energy_pj() > 0 ? 2.0 * double(network_macs) / energy_pj() : 0.0; }
  // Sums cycles, MACs and energies (layers into a network, parts into a selective pair).
  Physical& operator+=(const Physical& other);
};

// One layer or network from its counts. `cycles` is the run's latency in cycles (counts.cycles
// for the analytical model; the simulated cycles for the SystemC model).
Physical physical_of(const ArchSpec& arch, const AccessCounts& counts, const DataBits& bits, int batch,
                     int64_t cycles, const std::string& cycles_source);

// {"clock_mhz", "cycles", "cycles_source", "latency_ms", "latency_ms_per_image", "frames_per_s"}
// and with the technology model "energy_pj" and "energy_per_image_pj" (total, dynamic, leakage,
// weights_only, by_level incl. mac and leakage, by_data, by_level_and_data), "energy_per_image_uj",
// "power_mw", "chip_power_mw" (without DRAM), "leakage_mw", "tops_per_w", and with `area` true
// "area_mm2" (pe, pe_array, glb, noc, total) and the rates "pj_per_access" (level x data type)
// and "pj_per_mac".
nlohmann::json physical_to_json(const Physical& p, bool area);
// "technology" or "normalized", with the table and DRAM type: for report headings.
std::string energy_model_text(const ArchSpec& arch);

}  // namespace rowsim
