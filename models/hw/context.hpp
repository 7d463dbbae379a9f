// What the SystemC modules agree on for the layer being simulated: the job and its plan and the
// geometry every module derives the same way (LayerSetup, read-only once the layer starts), the
// stall causes, the words on the NoC and the geometry of a pass. Nothing here is written by one
// module and read by another: counts, the cycle ledger and the ofmaps belong to their modules.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "models/hw/layer_plan.hpp"
#include "models/hw/simulate.hpp"

namespace rowsim::hw {

enum class Stall {
  WeightFill,      // filter spads loading before a pass (single-buffered: no MACs meanwhile)
  DramWeights,     // the pass's weights have not arrived from DRAM yet
  DramIfmap,       // ifmap rows the array needs have not arrived from DRAM yet
  IfmapBus,        // PEs wait for ifmap words the GLB holds: the ifmap bus is the bottleneck
  Psum,            // psum spads full: chain, GON or psum-in bus cannot keep up
  GlbSpace,        // a pass waits for GLB space (its psum tile) held by earlier data
  Pipeline,        // pass start-up and drain (last psums travelling to the GLB)
  OfmapWriteback,  // after the last pass: final ofmaps still being written to DRAM
  Count
};
constexpr int kStallCauses = int(Stall::Count);
const char* to_string(Stall cause);

// Words on the NoC. `tag` selects the multicast group (the row and column IDs the PEs match).
struct FilterWord {
  int16_t value;
  int32_t tag;    // filter set, channel set, filter row; kBitmapTag: a word of the pass's bitmap
  int32_t index;  // filter spad address (bitmap words: their number in the pass)
};
constexpr int32_t kBitmapTag = -1;
struct IfmapWord {
  int16_t value;
  int16_t c_local;  // channel within the PE's channel set
  int32_t tag;      // channel set, ifmap row
  int32_t b_local;  // image within the batch tile
  int32_t col;      // index into the layer's real columns
};
struct PsumWord {
  int64_t value;  // psums are kept at full precision until ofmap write-out
  int32_t where;  // GIN: the chain it enters; GON: its index in the psum tile
};

// The per-pass geometry PEs, NoC and GLB agree on. A PE set column (filter set ft, channel set
// ct, ofmap row j) is a chain of rb PEs per channel set; chain (ft, j) climbs ct = 0.. then
// filter rows i = 0.. so its length is channel_sets * rb.
struct PassGeometry {
  int pass = 0;
  const PassPlan* plan = nullptr;
  int filter_sets = 0, channel_sets = 0, rb = 0, eb = 0, nb = 0;
  int chain_length = 0, chains = 0;
  int64_t positions = 0;       // weight positions of the pass (fb x cb x rb x S)
  int64_t weight_words = 0;    // weight values on the filter bus: all positions, or the stored ones
  int64_t bitmap_words = 0;    // compressed: the pass's bitmap, ceil(positions / word bits) bus words
  std::vector<int> rows;  // real ifmap rows of this pass, ascending
  std::vector<int> row_of_h;  // ifmap row -> index in rows (-1: not read by this pass)
  int pes() const { return chains * chain_length; }
  int ifmap_tag(int ct, int row_index) const { return ct * int(rows.size()) + row_index; }
  int weight_tag(int ft, int ct, int i) const { return (ft * channel_sets + ct) * rb + i; }
  int filters_of_set(int ft, int p, int fb) const { return std::min(p, fb - ft * p); }
  int channels_of_set(int ct, int q, int cb) const { return std::min(q, cb - ct * q); }
};

// The layer as every module sees it; built by Top before the layer starts and never changed.
struct LayerSetup {
  const LayerJob* job = nullptr;
  LayerPlan plan;
  ConvShape s;
  Mapping mp;
  std::vector<int> positions;     // padded column positions of an ofmap row
  std::vector<int> pos_col;       // per position: index into plan.cols, or -1 for padding
  int win_stride = 1;             // position index of window f, tap x: f * win_stride + x
  int filter_bus = 1, ifmap_bus = 1, psum_bus = 1;
  int word_bits = 16;
  // Compressed weights: per weight block of the plan, its stored (nonzero) values.
  std::vector<int64_t> block_stored;
  int64_t start_cycle = 0;

  bool compressed() const { return job->compressed; }
  int64_t bitmap_words(int64_t bits) const { return (bits + word_bits - 1) / word_bits; }
  // Nonzero weights of group g's filters [f0, f0+fb), channels [c0, c0+cb), rows [r0, r0+rb).
  int64_t nonzero_weights(int g, int f0, int fb, int c0, int cb, int r0, int rb) const {
    int64_t n = 0;
    for (int k = 0; k < fb; ++k)
      for (int c = 0; c < cb; ++c) {
        const int64_t filter = int64_t(g) * s.M + f0 + k;
        const int16_t* row = job->weights + ((filter * s.C + c0 + c) * s.R + r0) * s.S;
        for (int64_t x = 0; x < int64_t(rb) * s.S; ++x) n += row[x] != 0;
      }
    return n;
  }
};

// Access counts a module adds to; Top sums every module's after the layer.
struct Counter {
  AccessCounts counts;
  void reset() { counts = AccessCounts{}; }
  void operator()(Level l, Data d, int64_t reads, int64_t writes) {
    auto& rw = counts.at(l, d);
    rw.reads += reads;
    rw.writes += writes;
  }
};

}  // namespace rowsim::hw
