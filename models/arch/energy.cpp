#include "models/arch/energy.hpp"

namespace rowsim {

double Energy::level(Level l) const {
  double sum = 0;
  for (Data d : kAllData) sum += access[int(l)][int(d)];
  return sum;
}

double Energy::data(Data d) const {
  double sum = 0;
  for (Level l : kAllLevels) sum += access[int(l)][int(d)];
  return sum;
}

double Energy::total() const {
  double sum = mac;
  for (Level l : kAllLevels) sum += level(l);
  return sum;
}

Energy& Energy::operator+=(const Energy& other) {
  for (int l = 0; l < kLevels; ++l)
    for (int d = 0; d < kDataTypes; ++d) access[l][d] += other.access[l][d];
  mac += other.mac;
  return *this;
}

Energy Energy::scaled(double factor) const {
  Energy e = *this;
  for (auto& row : e.access)
    for (auto& v : row) v *= factor;
  e.mac *= factor;
  return e;
}

double level_cost(const EnergyTable& table, Level level) {
  switch (level) {
    case Level::DRAM: return table.dram;
    case Level::GLB: return table.glb;
    case Level::Array: return table.array;
    case Level::RF: return table.rf;
  }
  return 0;
}

EnergyRates::EnergyRates(const EnergyTable& table, const DataBits& bits) : mac(table.mac) {
  for (Level l : kAllLevels)
    for (Data d : kAllData) {
      // Index bits scale linearly whatever table the spec gives for data words.
      double scale = d == Data::Index ? 1.0 / 16.0 : table.scale(bits.of(d));
      access[int(l)][int(d)] = level_cost(table, l) * scale;
    }
}

Energy EnergyRates::of(const AccessCounts& counts) const {
  Energy e;
  for (Level l : kAllLevels)
    for (Data d : kAllData) e.access[int(l)][int(d)] = double(counts.at(l, d).total()) * access[int(l)][int(d)];
  e.mac = double(counts.macs) * mac;
  return e;
}

double EnergyRates::total(const AccessCounts& counts) const {
  double sum = double(counts.macs) * mac;
  for (int l = 0; l < kLevels; ++l)
    for (int d = 0; d < kDataTypes; ++d) sum += double(counts.access[l][d].total()) * access[l][d];
  return sum;
}

Energy compute_energy(const AccessCounts& counts, const EnergyTable& table, const DataBits& bits) {
  return EnergyRates(table, bits).of(counts);
}

ReuseFactors reuse_factors(const AccessCounts& counts, Data data) {
  auto ratio = [](int64_t num, int64_t den) { return den > 0 ? double(num) / double(den) : 0.0; };
  int64_t dram = counts.at(Level::DRAM, data).total();
  int64_t glb = counts.at(Level::GLB, data).total();
  int64_t array = counts.at(Level::Array, data).total();
  int64_t rf = counts.at(Level::RF, data).total();
  return {double(dram), ratio(glb, dram), ratio(array, glb), ratio(rf, array)};
}

}  // namespace rowsim
