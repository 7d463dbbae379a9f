// The technology energy model: pJ per access at each level for each data type, pJ per MAC,
// leakage and area, derived from an ArchSpec whose energy.model is `technology` and its
// TechTable (configs/tech/*.yaml). Formulas: docs/energy-model.md, "Technology model".
//   RF     per data type: regfile(capacity of that data's spad) x bits / regfile width
//   GLB    sram(bank capacity) x bits / sram width + wire(bits, distance from the GLB port to
//          the bank) with distance = (side of the whole GLB - side of one bank) / 2
//   array  wire(bits, PE pitch x (cols/2 + rows/4)): mean Manhattan distance from the middle of
//          the array's GLB-side edge to a PE
//   DRAM   pJ/bit of the DRAM type x bits
//   MAC    mac(operand bits = max(weight bits, ifmap bits))
//   leakage power = density x total area; leakage energy = power x cycles / clock
// Index data (a compressed layer's presence bitmap) is priced as 1-bit words.
#pragma once
#include <array>
#include <string>

#include "models/arch/access_counts.hpp"
#include "models/arch/arch_spec.hpp"
#include "models/arch/energy.hpp"

namespace rowsim {

// Area in mm^2 per component. The PE array counts every PE's MAC and spads; the NoC counts the
// bus wires (GIN and GON) across the array. Control, clocking, I/O and compression logic are not
// modelled (a chip's measured core area is larger).
struct AreaBreakdown {
  double pe_mac = 0, pe_spad_filter = 0, pe_spad_ifmap = 0, pe_spad_psum = 0;  // one PE
  double pe() const { return pe_mac + pe_spad_filter + pe_spad_ifmap + pe_spad_psum; }
  double pe_array = 0;  // pes x pe()
  double glb = 0;
  double noc = 0;
  double total() const { return pe_array + glb + noc; }
  double pe_pitch_mm = 0;      // sqrt(pe())
  double noc_distance_mm = 0;  // mean distance of one array access
  double glb_distance_mm = 0;  // mean distance from the GLB port to a bank
};

// Per-access energy in pJ at each level for each data type, pJ per MAC, leakage power in mW.
struct TechRates {
  using Table = std::array<std::array<double, kDataTypes>, kLevels>;
  Table access{};  // [level][data] pJ per access
  double mac = 0;                                                // pJ per MAC
  double leakage_mw = 0;
  double clock_mhz = 0;
  AreaBreakdown area;

  // Throws UserError when the spec does not use the technology model.
  TechRates(const ArchSpec& spec, const DataBits& bits);
  double per_access(Level l, Data d) const { return access[int(l)][int(d)]; }
  double leakage_pj(int64_t cycles) const;  // leakage_mw x cycles / clock
};

// Energy in pJ: dynamic (accesses by level and data type, and MACs; the same Energy type the
// normalized model fills, so level()/data()/weights_only() read alike) plus leakage.
struct TechEnergy {
  Energy dynamic;          // pJ
  double leakage = 0;      // pJ
  double leakage_mw = 0;   // the power behind it
  int64_t cycles = 0;
  AreaBreakdown area;
  double total() const { return dynamic.total() + leakage; }
};

// counts x per-access pJ (each level and data type, and MACs), plus leakage over `cycles`.
TechEnergy compute_tech_energy(const AccessCounts& counts, const ArchSpec& spec, const DataBits& bits,
                               int64_t cycles);

// `rowsim arch show` appendix for a technology spec: derived pJ per access per level and the area
// breakdown, as YAML comments-free mapping text. Empty for a normalized spec.
std::string tech_summary_yaml(const ArchSpec& spec, const DataBits& bits);

}  // namespace rowsim
