#include "models/hw/layer_plan.hpp"

#include <algorithm>

namespace rowsim::hw {

std::vector<int> rows_needed(const ConvShape& s, int e0, int eb, int r0, int rb) {
  std::vector<char> used(size_t(s.H), 0);
  for (int j = 0; j < eb; ++j)
    for (int i = 0; i < rb; ++i) {
      int row = (e0 + j) * s.U + r0 + i - s.pad_h;
      if (row >= 0 && row < s.H) used[size_t(row)] = 1;
    }
  std::vector<int> rows;
  for (int h = 0; h < s.H; ++h)
    if (used[size_t(h)]) rows.push_back(h);
  return rows;
}

std::vector<int> padded_positions(const ConvShape& s) {
  std::vector<int> pos;
  for (int f = 0; f < s.F; ++f)
    for (int x = 0; x < s.S; ++x) pos.push_back(f * s.U + x);
  std::sort(pos.begin(), pos.end());
  pos.erase(std::unique(pos.begin(), pos.end()), pos.end());
  return pos;
}

LayerPlan plan_layer(const ConvShape& s, const Mapping& mp) {
  LayerPlan plan;
  for (int p : padded_positions(s)) {
    int col = p - s.pad_w;
    if (col >= 0 && col < s.W) plan.cols.push_back(col);
  }
  for (int g = 0; g < s.G; ++g) {
    int resident_weights = -1;
    const size_t group_start = plan.passes.size();
    for_each_pass(s, mp, [&](const Pass& ps) {
      PassPlan pp;
      pp.ps = ps;
      pp.group = g;
      // DRAM -> GLB, in the order brute_force.cpp loads: ifmaps, then weights.
      bool new_ifmaps = mp.ifmap_resident ? ps.first_of_strip : ps.first_of_channel_tile;
      if (new_ifmaps) {
        IfmapBlock blk;
        blk.group = g, blk.b0 = ps.b0, blk.nb = ps.nb;
        if (mp.ifmap_resident) {
          blk.c0 = 0, blk.cb = s.C, blk.rows = rows_needed(s, ps.e0, ps.eb, 0, s.R);
        } else {
          blk.c0 = ps.c0, blk.cb = ps.cb, blk.rows = rows_needed(s, ps.e0, ps.eb, ps.r0, ps.rb);
        }
        plan.ifmaps.push_back(std::move(blk));
        plan.dma.push_back({DmaKind::LoadIfmap, int(plan.ifmaps.size()) - 1});
      }
      pp.ifmap_block = int(plan.ifmaps.size()) - 1;
      if (mp.weights_resident) {
        if (resident_weights < 0) {
          plan.weights.push_back({g, 0, s.M, 0, s.C, 0, s.R});
          resident_weights = int(plan.weights.size()) - 1;
          plan.dma.push_back({DmaKind::LoadWeights, resident_weights});
        }
        pp.weight_block = resident_weights;
      } else {
        plan.weights.push_back({g, ps.f0, ps.fb, ps.c0, ps.cb, ps.r0, ps.rb});
        pp.weight_block = int(plan.weights.size()) - 1;
        plan.dma.push_back({DmaKind::LoadWeights, pp.weight_block});
        pp.release_weights = true;
      }
      // The m-tile's psums take GLB space from its first pass until they are stored.
      if (ps.first_accumulation && ps.first_of_channel_tile) {
        plan.tiles.push_back({g, ps.b0, ps.nb, ps.e0, ps.eb, ps.m0, ps.mb});
        plan.dma.push_back({DmaKind::AllocPsum, int(plan.tiles.size()) - 1});
      }
      pp.psum_tile = int(plan.tiles.size()) - 1;
      pp.store_tile = ps.last_of_mtile;
      plan.passes.push_back(pp);
    });
    // An ifmap block is released after the last pass that reads it; resident weights at the end
    // of the group.
    for (size_t k = group_start; k < plan.passes.size(); ++k) {
      bool last = k + 1 == plan.passes.size() || plan.passes[k + 1].ifmap_block != plan.passes[k].ifmap_block;
      plan.passes[k].release_ifmap = last;
    }
    if (resident_weights >= 0 && plan.passes.size() > group_start) plan.passes.back().release_weights = true;
  }
  return plan;
}

}  // namespace rowsim::hw
