// The work list the SystemC model executes for one layer, derived from the mapping by walking
// mapper/schedule.hpp's loop nest once per group: the passes in order, the GLB blocks they use
// (ifmap blocks, weight blocks, psum tiles), and the DMA jobs that fill those blocks in program
// order. Plain C++; the DRAM->GLB policy is the one mapper/brute_force.cpp counts.
#pragma once
#include <vector>

#include "mapper/schedule.hpp"

namespace rowsim::hw {

// Ifmap words of images [b0, b0+nb), channels [c0, c0+cb) (within the group), the listed real
// rows, and the layer's needed real columns.
struct IfmapBlock {
  int group = 0, b0 = 0, nb = 0, c0 = 0, cb = 0;
  std::vector<int> rows;  // ascending
  int64_t words(int64_t cols) const { return int64_t(nb) * cb * int64_t(rows.size()) * cols; }
};

// Weights of filters [f0, f0+fb), channels [c0, c0+cb), filter rows [r0, r0+rb), all S columns,
// stored and fetched in (filter, channel, row, column) order.
struct WeightBlock {
  int group = 0, f0 = 0, fb = 0, c0 = 0, cb = 0, r0 = 0, rb = 0;
  int64_t words(int S) const { return int64_t(fb) * cb * rb * S; }
};

// Psums of an m-tile for one batch tile and strip: filters [m0, m0+mb), images, ofmap rows.
struct PsumTile {
  int group = 0, b0 = 0, nb = 0, e0 = 0, eb = 0, m0 = 0, mb = 0;
  int64_t words(int F) const { return int64_t(nb) * mb * eb * F; }
};

struct PassPlan {
  Pass ps;
  int group = 0;
  int ifmap_block = -1, weight_block = -1, psum_tile = -1;
  bool release_ifmap = false;    // the last pass reading its ifmap block
  bool release_weights = false;  // the weight block is not used again (freed once loaded)
  bool store_tile = false;       // last pass of the m-tile: its psums are final ofmaps
};

enum class DmaKind { LoadIfmap, LoadWeights, AllocPsum };
struct DmaJob {
  DmaKind kind;
  int index;  // into ifmaps, weights or tiles
};

struct LayerPlan {
  std::vector<PassPlan> passes;
  std::vector<IfmapBlock> ifmaps;
  std::vector<WeightBlock> weights;
  std::vector<PsumTile> tiles;
  std::vector<DmaJob> dma;  // in program order
  std::vector<int> cols;    // the real input columns a row of ofmaps reads, ascending
};

LayerPlan plan_layer(const ConvShape& shape, const Mapping& mapping);

// Real input rows for ofmap rows [e0, e0+eb) and filter rows [r0, r0+rb), ascending.
std::vector<int> rows_needed(const ConvShape& s, int e0, int eb, int r0, int rb);
// Padded column positions one ofmap row reads, ascending (real column = position - pad).
std::vector<int> padded_positions(const ConvShape& s);

}  // namespace rowsim::hw
