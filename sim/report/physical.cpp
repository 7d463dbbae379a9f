#include "sim/report/physical.hpp"

#include <fmt/format.h>

#include "models/arch/tech_table.hpp"

namespace rowsim {

Physical& Physical::operator+=(const Physical& o) {
  cycles += o.cycles;
  network_macs += o.network_macs;
  dynamic += o.dynamic;
  leakage_pj += o.leakage_pj;
  if (o.technology) {
    technology = true;
    leakage_mw = o.leakage_mw;
    area = o.area;
    pj_per_access = o.pj_per_access;
    pj_per_mac = o.pj_per_mac;
  }
  if (clock_mhz == 0) clock_mhz = o.clock_mhz;
  if (cycles_source.empty()) {
    cycles_source = o.cycles_source;
  } else if (!o.cycles_source.empty() && o.cycles_source != cycles_source) {
    cycles_source = "simulated+analytical";
  }
  return *this;
}

Physical physical_of(const ArchSpec& arch, const AccessCounts& counts, const DataBits& bits, int batch,
                     int64_t cycles, const std::string& cycles_source) {
  Physical p;
  p.batch = batch;
  p.clock_mhz = arch.clock_mhz;
  p.cycles = cycles;
  p.cycles_source = cycles_source;
  p.network_macs = counts.macs + counts.macs_skipped;
  if (arch.energy_model == EnergyModel::Technology) {
    TechEnergy e = compute_tech_energy(counts, arch, bits, cycles);
    p.technology = true;
    p.dynamic = e.dynamic;
    p.leakage_pj = e.leakage;
    p.leakage_mw = e.leakage_mw;
    p.area = e.area;
    TechRates rates(arch, bits);
    p.pj_per_access = rates.access;
    p.pj_per_mac = rates.mac;
  }
  return p;
}

namespace {

nlohmann::json pj_json(const Energy& e, double leakage, double scale) {
  nlohmann::json by_level = {{"dram", e.level(Level::DRAM) * scale}, {"glb", e.level(Level::GLB) * scale},
                             {"array", e.level(Level::Array) * scale}, {"rf", e.level(Level::RF) * scale},
                             {"mac", e.mac * scale},                    {"leakage", leakage * scale}};
  nlohmann::json by_data, by_level_and_data;
  for (Data d : kAllData) by_data[to_string(d)] = e.data(d) * scale;
  for (Level l : kAllLevels)
    for (Data d : kAllData) by_level_and_data[to_string(l)][to_string(d)] = e.access[int(l)][int(d)] * scale;
  return {{"total", (e.total() + leakage) * scale},
          {"dynamic", e.total() * scale},
          {"leakage", leakage * scale},
          {"weights_only", e.weights_only() * scale},
          {"by_level", by_level},
          {"by_data", by_data},
          {"by_level_and_data", by_level_and_data}};
}

}  // namespace

nlohmann::json physical_to_json(const Physical& p, bool area) {
  nlohmann::json j = {{"clock_mhz", p.clock_mhz},
                      {"cycles", p.cycles},
                      {"cycles_source", p.cycles_source},
                      {"latency_ms", p.latency_ms()},
                      {"latency_ms_per_image", p.latency_ms_per_image()},
                      {"frames_per_s", p.frames_per_s()}};
  if (!p.technology) return j;
  j["energy_pj"] = pj_json(p.dynamic, p.leakage_pj, 1.0);
  j["energy_per_image_pj"] = pj_json(p.dynamic, p.leakage_pj, 1.0 / p.batch);
  j["energy_per_image_uj"] = p.energy_pj_per_image() * 1e-6;
  j["power_mw"] = p.power_mw();
  j["chip_power_mw"] = p.chip_power_mw();
  j["leakage_mw"] = p.leakage_mw;
  j["network_macs"] = p.network_macs;
  j["tops_per_w"] = p.tops_per_w();
  if (area)
    j["area_mm2"] = {{"pe", p.area.pe()},
                     {"pe_array", p.area.pe_array},
                     {"glb", p.area.glb},
                     {"noc", p.area.noc},
                     {"total", p.area.total()}};
  if (area) {
    for (Level l : kAllLevels)
      for (Data d : kAllData) j["pj_per_access"][to_string(l)][to_string(d)] = p.pj_per_access[int(l)][int(d)];
    j["pj_per_mac"] = p.pj_per_mac;
  }
  return j;
}

std::string energy_model_text(const ArchSpec& arch) {
  if (arch.energy_model != EnergyModel::Technology) return "normalized";
  std::string node = arch.tech ? arch.tech->node : "";
  return fmt::format("technology {}{}, DRAM {}", arch.technology,
                     node.empty() || node == arch.technology ? "" : " (" + node + ")", arch.dram_type);
}

}  // namespace rowsim
