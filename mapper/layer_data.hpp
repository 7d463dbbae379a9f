// What the cost model may know about a layer's actual data, and the tables it derives from it.
// - compressed: weights are stored and moved as their nonzero values plus a presence bitmap
//   (one bit per weight position); zero weights are neither fetched nor multiplied.
// - zero_gating: a MAC whose ifmap value is zero is skipped after the ifmap spad read (Eyeriss):
//   no weight read, no MAC, no psum update.
// - rlc: feature maps cross the DRAM interface run-length coded (Eyeriss's format: 64-bit words of
//   three (5-bit run, 16-bit level) pairs); DRAM counts are the coded 16-bit words. Each DRAM
//   transfer of feature maps is one coded stream per image: for an ifmap fill, its channels in
//   order, each channel's rows in order, each row's needed columns in order; for an ofmap
//   write-back, the m-tile's filters, each one's strip rows, each row's F columns.
// Without data every weight and ifmap is taken as nonzero and nothing is coded.
#pragma once
#include <cstdint>
#include <map>
#include <vector>

#include "workloads/fixed_point.hpp"
#include "workloads/network.hpp"

namespace rowsim {

struct LayerValues {
  const FixedLayerParams* params = nullptr;  // weights [G*M][C][R][S] (FC: [M][C*H*W])
  const FixedTensor* ifmap = nullptr;        // the layer's input, N x (G*C) x H x W
  const FixedTensor* ofmap = nullptr;        // what it writes out (after a fused ReLU)
  bool compressed = false;
  bool zero_gating = false;
  bool rlc = false;
};

// 16-bit words of Eyeriss's run-length code for a sequence: each nonzero value, with the run of
// up to 31 zeros before it, is one (run, level) pair; a 32nd zero in a run is a pair of its own
// (run 31, level 0), as is a trailing run; three pairs fill a 64-bit word (4 words of 16 bits).
int64_t rlc_words(const int16_t* values, int64_t count, int64_t stride = 1);

// Data-derived tables for one layer shape; every query is exact.
class LayerTables {
public:
  LayerTables(const ConvShape& shape, const LayerValues& data);
  bool has_weights() const { return weights_ != nullptr; }
  bool compressed() const { return data_.compressed && weights_; }
  bool gating() const { return data_.zero_gating && data_.ifmap; }
  bool rlc_reads() const { return data_.rlc && data_.ifmap; }
  bool rlc_writes() const { return data_.rlc && data_.ofmap; }

  int16_t weight(int g, int k, int c, int i, int x) const;
  int16_t ifmap(int b, int g, int c, int row, int col) const;  // 0 outside the map (padding)
  int64_t nonzero_weights() const { return nonzero_; }

  // MACs (over the whole layer) a PE attempts and performs, and its psum spad reads (= writes),
  // for channel sets of q channels (the psum term depends on how channels group into PEs).
  struct MacCounts {
    int64_t attempted = 0;  // ifmap spad reads: taps with a stored weight
    int64_t performed = 0;  // MACs: stored weight and (gating) a nonzero ifmap
    int64_t psum_rf = 0;    // sum over PEs and outputs of max(performed - 1, 0)
  };
  const MacCounts& macs(int q) const;

  // RLC words of one image's ifmap fill: channels [c0, c0+cb) of group g, the given input rows
  // (ascending), the needed columns of each; and of one image's ofmap write-back.
  int64_t rlc_ifmap_fill(int b, int g, int c0, int cb, const std::vector<int>& rows) const;
  int64_t rlc_ofmap_writeback(int b, int g, int k0, int kb, int e0, int eb) const;
  const std::vector<int>& needed_columns() const { return columns_; }

private:
  ConvShape s_;
  LayerValues data_;
  const std::vector<int16_t>* weights_ = nullptr;
  int64_t nonzero_ = 0;
  std::vector<int> columns_;  // real input columns an ofmap row reads, ascending
  mutable std::map<int, MacCounts> macs_by_q_;
};

}  // namespace rowsim
