// Energy = access counts x energy table, each access scaled by the bit width of its data type.
// Conventions (docs/energy-model.md): unit = one 16-bit MAC; per word access DRAM 200, GLB 6,
// array 2, RF 1; access energy scales with word bits (linear relative to 16 unless the arch
// spec gives a table). "weights_only" is the paper's data access energy (weight accesses only).
#pragma once
#include <array>

#include "models/arch/access_counts.hpp"
#include "models/arch/arch_spec.hpp"

namespace rowsim {

// Bit width of each data type as stored and moved (weights may be quantized below word_bits).
// Index accesses are single bits of a compressed layer's presence bitmap.
struct DataBits {
  int weight = 16, ifmap = 16, psum = 16;
  int of(Data d) const {
    switch (d) {
      case Data::Weight: return weight;
      case Data::Ifmap: return ifmap;
      case Data::Psum: return psum;
      case Data::Index: return 1;
    }
    return weight;
  }
  static DataBits uniform(int bits) { return {bits, bits, bits}; }
};

struct Energy {
  std::array<std::array<double, kDataTypes>, kLevels> access{};  // [level][data]
  double mac = 0;

  double level(Level l) const;
  double data(Data d) const;
  // The paper's data access energy: weights and, for compressed weights, their index.
  double weights_only() const { return data(Data::Weight) + data(Data::Index); }
  double total() const;  // all accesses plus MACs
  Energy& operator+=(const Energy& other);
  Energy scaled(double factor) const;
};

double level_cost(const EnergyTable& table, Level level);

// Energy per access at each level for each data type at its bit width, and per MAC.
struct EnergyRates {
  std::array<std::array<double, kDataTypes>, kLevels> access{};
  double mac = 0;
  EnergyRates(const EnergyTable& table, const DataBits& bits);
  Energy of(const AccessCounts& counts) const;
  double total(const AccessCounts& counts) const;  // of(counts).total(), without the breakdown
};

Energy compute_energy(const AccessCounts& counts, const EnergyTable& table, const DataBits& bits);

// Reuse factors of the paper's eq. (3) for one data type: a = DRAM accesses, b = GLB/DRAM,
// c = array/GLB, d = RF/array. a*200 + ab*6 + abc*2 + abcd*1 sums the same accesses.
struct ReuseFactors {
  double a = 0, b = 0, c = 0, d = 0;
};
ReuseFactors reuse_factors(const AccessCounts& counts, Data data);

}  // namespace rowsim
