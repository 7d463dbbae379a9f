#include "models/arch/tech_energy.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "models/arch/tech_table.hpp"
#include "workloads/util/error.hpp"

namespace rowsim {
namespace {

constexpr double kUm2PerMm2 = 1e6;

const TechTable& table_of(const ArchSpec& spec) {
  if (spec.energy_model != EnergyModel::Technology || !spec.tech)
    fail("{}: the technology energy model needs energy.model: technology (this spec uses the normalized model)",
         spec.source);
  return *spec.tech;
}

double spad_bytes(const ArchSpec& spec, int words) { return double(words) * double(spec.word_bytes()); }

AreaBreakdown area_of(const ArchSpec& spec, const TechTable& t) {
  AreaBreakdown a;
  a.pe_mac = t.mac.area_at(spec.word_bits) / kUm2PerMm2;
  a.pe_spad_filter = t.regfile.area_at(spad_bytes(spec, spec.spad_filter)) / kUm2PerMm2;
  a.pe_spad_ifmap = t.regfile.area_at(spad_bytes(spec, spec.spad_ifmap)) / kUm2PerMm2;
  a.pe_spad_psum = t.regfile.area_at(spad_bytes(spec, spec.spad_psum)) / kUm2PerMm2;
  a.pe_array = a.pe() * spec.pes();
  double bank_bytes = double(spec.glb_kb) * 1024.0 / spec.glb_banks;
  double bank_mm2 = t.sram.area_at(bank_bytes) / kUm2PerMm2;
  a.glb = bank_mm2 * spec.glb_banks;
  a.glb_distance_mm = (std::sqrt(a.glb) - std::sqrt(bank_mm2)) / 2;
  a.pe_pitch_mm = std::sqrt(a.pe());
  a.noc_distance_mm = a.pe_pitch_mm * (spec.pe_cols / 2.0 + spec.pe_rows / 4.0);
  // Each bus: one vertical run along the array plus one horizontal run per row (Eyeriss GIN/GON).
  double width_mm = a.pe_pitch_mm * spec.pe_cols, height_mm = a.pe_pitch_mm * spec.pe_rows;
  double run_mm = height_mm + spec.pe_rows * width_mm;
  double bus_bits = double(spec.filter_bus_bits) + spec.ifmap_bus_bits + spec.psum_bus_bits;
  a.noc = bus_bits * (t.wire_pitch_um / 1000.0) * run_mm;
  return a;
}

}  // namespace

TechRates::TechRates(const ArchSpec& spec, const DataBits& bits) : clock_mhz(spec.clock_mhz) {
  const TechTable& t = table_of(spec);
  area = area_of(spec, t);
  double dram_pj_bit = t.dram.at(spec.dram_type).pj_per_bit;
  double bank_bytes = double(spec.glb_kb) * 1024.0 / spec.glb_banks;
  double glb_pj_bit = t.sram.energy_at(bank_bytes) / t.sram_width_bits + t.wire_pj_per_bit_mm * area.glb_distance_mm;
  double array_pj_bit = t.wire_pj_per_bit_mm * area.noc_distance_mm;
  auto rf_pj_bit = [&](Data d) {
    int words = d == Data::Ifmap ? spec.spad_ifmap : d == Data::Psum ? spec.spad_psum : spec.spad_filter;
    return t.regfile.energy_at(spad_bytes(spec, words)) / t.regfile_width_bits;
  };
  for (Data d : kAllData) {
    double b = bits.of(d);  // Index: 1 bit
    access[int(Level::DRAM)][int(d)] = dram_pj_bit * b;
    access[int(Level::GLB)][int(d)] = glb_pj_bit * b;
    access[int(Level::Array)][int(d)] = array_pj_bit * b;
    access[int(Level::RF)][int(d)] = rf_pj_bit(d) * b;
  }
  mac = t.mac.energy_at(std::max(bits.weight, bits.ifmap));
  leakage_mw = t.leakage_mw_per_mm2 * area.total();
}

double TechRates::leakage_pj(int64_t cycles) const {
  // mW x s = mJ = 1e9 pJ; s = cycles / (MHz x 1e6).
  return leakage_mw * double(cycles) / clock_mhz * 1e3;
}

TechEnergy compute_tech_energy(const AccessCounts& counts, const ArchSpec& spec, const DataBits& bits,
                               int64_t cycles) {
  TechRates rates(spec, bits);
  TechEnergy e;
  for (Level l : kAllLevels)
    for (Data d : kAllData)
      e.dynamic.access[int(l)][int(d)] = double(counts.at(l, d).total()) * rates.per_access(l, d);
  e.dynamic.mac = double(counts.macs) * rates.mac;
  e.cycles = cycles;
  e.leakage_mw = rates.leakage_mw;
  e.leakage = rates.leakage_pj(cycles);
  e.area = rates.area;
  return e;
}

std::string tech_summary_yaml(const ArchSpec& spec, const DataBits& bits) {
  if (spec.energy_model != EnergyModel::Technology) return "";
  TechRates r(spec, bits);
  const AreaBreakdown& a = r.area;
  std::string out = fmt::format(
      "# technology model: {} ({}), DRAM {}; bits weight/ifmap/psum = {}/{}/{}\n"
      "technology_rates_pj:          # pJ per access of one word of each data type\n",
      spec.technology, spec.tech->node, spec.dram_type, bits.weight, bits.ifmap, bits.psum);
  for (Level l : kAllLevels)
    out += fmt::format("  {}: {{weight: {:.4g}, ifmap: {:.4g}, psum: {:.4g}, index_bit: {:.4g}}}\n", to_string(l),
                       r.per_access(l, Data::Weight), r.per_access(l, Data::Ifmap), r.per_access(l, Data::Psum),
                       r.per_access(l, Data::Index));
  out += fmt::format("  mac: {:.4g}\n", r.mac);
  out += fmt::format(
      "technology_area_mm2:\n"
      "  pe: {:.5g}                 # one PE: mac {:.4g}, spads filter {:.4g} / ifmap {:.4g} / psum {:.4g}\n"
      "  pe_array: {:.4g}           # {} PEs, pitch {:.4g} mm\n"
      "  glb: {:.4g}                # {} banks of {} KiB\n"
      "  noc: {:.4g}                # {} bus bits over the array\n"
      "  total: {:.4g}              # PE array + GLB + NoC (control, clock and I/O not modelled)\n"
      "technology_leakage_mw: {:.4g}  # {} mW/mm2 x total area\n"
      "technology_distances_mm: {{array_access: {:.4g}, glb_port_to_bank: {:.4g}}}\n",
      a.pe(), a.pe_mac, a.pe_spad_filter, a.pe_spad_ifmap, a.pe_spad_psum, a.pe_array, spec.pes(), a.pe_pitch_mm,
      a.glb, spec.glb_banks, spec.glb_kb / spec.glb_banks, a.noc,
      spec.filter_bus_bits + spec.ifmap_bus_bits + spec.psum_bus_bits, a.total(), r.leakage_mw,
      spec.tech->leakage_mw_per_mm2, a.noc_distance_mm, a.glb_distance_mm);
  return out;
}

}  // namespace rowsim
