#include "models/arch/access_counts.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace rowsim {

const char* to_string(Level level) {
  switch (level) {
    case Level::DRAM: return "dram";
    case Level::GLB: return "glb";
    case Level::Array: return "array";
    case Level::RF: return "rf";
  }
  return "?";
}

const char* to_string(Data data) {
  switch (data) {
    case Data::Weight: return "weight";
    case Data::Ifmap: return "ifmap";
    case Data::Psum: return "psum";
    case Data::Index: return "index";
  }
  return "?";
}

int64_t AccessCounts::level_total(Level level) const {
  int64_t sum = 0;
  for (Data d : kAllData) sum += at(level, d).total();
  return sum;
}

int64_t AccessCounts::data_total(Data data) const {
  int64_t sum = 0;
  for (Level l : kAllLevels) sum += at(l, data).total();
  return sum;
}

AccessCounts& AccessCounts::operator+=(const AccessCounts& other) {
  for (int l = 0; l < kLevels; ++l)
    for (int d = 0; d < kDataTypes; ++d) {
      access[l][d].reads += other.access[l][d].reads;
      access[l][d].writes += other.access[l][d].writes;
    }
  macs += other.macs;
  macs_skipped += other.macs_skipped;
  active_pes = std::max(active_pes, other.active_pes);
  cycles += other.cycles;
  stall_cycles += other.stall_cycles;
  for (const auto& [cause, n] : other.stalls_by_cause) stalls_by_cause[cause] += n;
  return *this;
}

std::vector<std::string> AccessCounts::count_differences(const AccessCounts& other) const {
  std::vector<std::string> diffs;
  auto check = [&](const std::string& field, int64_t a, int64_t b) {
    if (a != b) diffs.push_back(fmt::format("{}: {} vs {}", field, a, b));
  };
  for (Level l : kAllLevels)
    for (Data d : kAllData) {
      check(fmt::format("{}.{}.reads", to_string(l), to_string(d)), at(l, d).reads, other.at(l, d).reads);
      check(fmt::format("{}.{}.writes", to_string(l), to_string(d)), at(l, d).writes, other.at(l, d).writes);
    }
  check("macs", macs, other.macs);
  check("macs_skipped", macs_skipped, other.macs_skipped);
  check("active_pes", active_pes, other.active_pes);
  return diffs;
}

}  // namespace rowsim
