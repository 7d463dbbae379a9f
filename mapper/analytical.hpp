// The analytical access model: for a layer and a mapping, the exact access counts per level and
// data type (closed form over the loop nest of mapper/schedule.hpp) and the cycle bounds.
#pragma once
#include <algorithm>
#include <vector>

#include "mapper/layer_data.hpp"
#include "mapper/mapping.hpp"
#include "models/arch/access_counts.hpp"

namespace rowsim {

// Per pass: weight fill (before any MAC), then max(compute, ifmap bus, psum bus); the layer
// takes the sum over passes or the DRAM transfer time, whichever is longer.
struct CycleBreakdown {
  int64_t compute = 0;      // sum over passes of the busiest PE's MACs
  int64_t weight_fill = 0;  // loading filter spads before each pass
  int64_t ifmap_bus = 0, psum_bus = 0;  // words / bus width, summed over passes
  int64_t pass_bound = 0;   // sum over passes of fill + max(compute, ifmap bus, psum bus)
  int64_t dram = 0;         // all DRAM words / DRAM bandwidth
  int64_t total() const { return std::max(pass_bound, dram); }
};

struct LayerCost {
  AccessCounts counts;  // counts.cycles = cycles.total()
  CycleBreakdown cycles;
};

// The model of one layer. Geometry that depends only on the layer and the strip height e is
// computed once and cached, so that the search can rank millions of mappings quickly.
class AnalyticalModel {
public:
  // `tables` (optional) brings the layer's data: compressed weights, zero gating, RLC.
  explicit AnalyticalModel(const ConvShape& shape, const LayerTables* tables = nullptr);
  const ConvShape& shape() const { return s_; }
  // Exact counts. With data, the MAC and spad terms and RLC need a pass over the data (about one
  // visit per dense MAC, once per channel-set size q); `estimate` skips it for ranking mappings:
  // compressed weight traffic stays exact, MAC and spad terms scale by the weight density, and
  // feature maps count as uncoded.
  AccessCounts counts(const Mapping& mapping, bool estimate = false) const;
  // `counts` are this mapping's counts (for the DRAM-bandwidth bound).
  CycleBreakdown cycles(const Mapping& mapping, const ArchSpec& arch, const AccessCounts& counts) const;

private:
  // Strips of one height that read the same number of real rows in every fold.
  struct StripClass {
    int eb, count;
    std::vector<int64_t> rows_per_fold;
  };
  struct StripGeometry {
    int row_fold = 0;
    int64_t rows_per_fold_sum = 0;  // sum over (strip, fold) of real rows a pass reads
    int64_t rows_per_strip_sum = 0; // sum over strips of real rows for all filter rows
    std::vector<StripClass> classes;
  };
  const StripGeometry& strips(int e, int row_fold) const;

  void apply_data(const Mapping& mapping, AccessCounts& counts, bool estimate) const;
  int64_t rlc_ifmap_reads(const Mapping& mapping) const;
  int64_t rlc_ofmap_writes(const Mapping& mapping) const;

  ConvShape s_;
  const LayerTables* tables_;
  int64_t cols_, padded_cols_;
  mutable std::vector<StripGeometry> by_e_;  // index e; filled on first use (not thread-safe)
};

AccessCounts analytical_counts(const ConvShape& shape, const Mapping& mapping, const LayerTables* tables = nullptr);
CycleBreakdown analytical_cycles(const ConvShape& shape, const Mapping& mapping, const ArchSpec& arch,
                                 const AccessCounts& counts);
LayerCost analyze(const ConvShape& shape, const Mapping& mapping, const ArchSpec& arch,
                  const LayerTables* tables = nullptr);
// DRAM traffic in words, index bits packed into words.
double dram_words(const AccessCounts& counts, int word_bits);

// Whether the DMA can fetch a pass's weights into the GLB during the previous pass.
bool weights_prefetched(const ConvShape& shape, const Mapping& mapping, const ArchSpec& arch);

}  // namespace rowsim
