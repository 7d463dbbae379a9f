// AccessCounts: the one record of what a layer costs, filled alike by the analytical model, the
// brute-force counter and the SystemC model, so that they can be compared field by field.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace rowsim {

enum class Level { DRAM = 0, GLB = 1, Array = 2, RF = 3 };
// Psum covers ofmaps too. Index is the metadata of compressed weights (their presence bitmap),
// counted in bits: one access = one bit moved or stored (docs/energy-model.md).
enum class Data { Weight = 0, Ifmap = 1, Psum = 2, Index = 3 };
constexpr int kLevels = 4;
constexpr int kDataTypes = 4;
constexpr std::array<Level, kLevels> kAllLevels = {Level::DRAM, Level::GLB, Level::Array, Level::RF};
constexpr std::array<Data, kDataTypes> kAllData = {Data::Weight, Data::Ifmap, Data::Psum, Data::Index};

const char* to_string(Level level);  // "dram", "glb", "array", "rf"
const char* to_string(Data data);    // "weight", "ifmap", "psum", "index"

struct ReadWrite {
  int64_t reads = 0;
  int64_t writes = 0;
  int64_t total() const { return reads + writes; }
  bool operator==(const ReadWrite& o) const { return reads == o.reads && writes == o.writes; }
};

struct AccessCounts {
  std::array<std::array<ReadWrite, kDataTypes>, kLevels> access{};
  int64_t macs = 0;          // multiply-accumulates performed
  int64_t macs_skipped = 0;  // skipped: zero weights not stored, or zero ifmaps gated
  int64_t active_pes = 0;    // PEs holding work in the busiest pass
  int64_t cycles = 0;        // total cycles (compute, transfers and stalls)
  int64_t stall_cycles = 0;  // cycles the array waited on data
  std::map<std::string, int64_t> stalls_by_cause;

  ReadWrite& at(Level level, Data data) { return access[int(level)][int(data)]; }
  const ReadWrite& at(Level level, Data data) const { return access[int(level)][int(data)]; }
  int64_t level_total(Level level) const;
  int64_t data_total(Data data) const;

  // Sums counts and cycles (layers run one after another); active PEs takes the maximum.
  AccessCounts& operator+=(const AccessCounts& other);
  // Fields that differ in access counts, MACs and active PEs (not cycles), as
  // "glb.ifmap.reads: 100 vs 96"; empty when they agree.
  std::vector<std::string> count_differences(const AccessCounts& other) const;
};

}  // namespace rowsim
