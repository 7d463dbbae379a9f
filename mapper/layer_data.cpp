#include "mapper/layer_data.hpp"

#include <algorithm>
#include <set>

#include "workloads/util/error.hpp"

namespace rowsim {

int64_t rlc_words(const int16_t* values, int64_t count, int64_t stride) {
  int64_t pairs = 0, run = 0;
  for (int64_t i = 0; i < count; ++i) {
    int16_t v = values[i * stride];
    if (v == 0 && run < 31) {
      ++run;
      continue;
    }
    ++pairs;  // (run, v): v is nonzero, or the zero that a full run of 31 spills into
    run = 0;
  }
  if (run > 0) ++pairs;  // a trailing run of zeros
  return 4 * ((pairs + 2) / 3);
}

LayerTables::LayerTables(const ConvShape& shape, const LayerValues& data) : s_(shape), data_(data) {
  if (data.params) {
    weights_ = &data.params->weights;
    if (int64_t(weights_->size()) != shape.weights())
      fail("layer data: {} weights given, the layer {} has {}", weights_->size(), shape.str(), shape.weights());
    for (int16_t w : *weights_) nonzero_ += w != 0;
  }
  std::set<int> cols;
  for (int f = 0; f < s_.F; ++f)
    for (int x = 0; x < s_.S; ++x) {
      int col = f * s_.U + x - s_.pad_w;
      if (col >= 0 && col < s_.W) cols.insert(col);
    }
  columns_.assign(cols.begin(), cols.end());
}

int16_t LayerTables::weight(int g, int k, int c, int i, int x) const {
  if (!weights_) return 1;  // no data: every weight counts as nonzero
  size_t index = ((size_t(g * s_.M + k) * s_.C + c) * s_.R + i) * s_.S + x;
  return (*weights_)[index];
}

int16_t LayerTables::ifmap(int b, int g, int c, int row, int col) const {
  if (row < 0 || row >= s_.H || col < 0 || col >= s_.W) return 0;
  if (!data_.ifmap) return 1;
  const FixedTensor& t = *data_.ifmap;
  // A fully connected layer's channels are the flattened C x H x W input.
  size_t index = size_t(b) * size_t(t.image_elements()) +
                 ((size_t(g) * s_.C + c) * size_t(s_.H) + size_t(row)) * size_t(s_.W) + size_t(col);
  return t.data[index];
}

const LayerTables::MacCounts& LayerTables::macs(int q) const {
  auto it = macs_by_q_.find(q);
  if (it != macs_by_q_.end()) return it->second;
  // One PE holds filter k's row i for a set of q channels and produces, per image, ofmap row and
  // column, one psum from its taps; channel sets start at multiples of q. A PE's taps for one
  // output are q x S bits: which have a stored weight (per filter) and which read a nonzero ifmap
  // (per output position, shared by every filter). A psum's performed MACs are the popcount of
  // their AND, so the layer costs one pass over the ifmap taps plus one AND per filter and output
  // rather than a visit per MAC.
  const bool skip_zero_weights = compressed(), gate = gating();
  const int S = s_.S, sets = (s_.C + q - 1) / q, words = (q * S + 63) / 64;
  using Mask = std::vector<uint64_t>;
  auto set_bit = [](uint64_t* mask, int bit) { mask[bit >> 6] |= uint64_t(1) << (bit & 63); };
  auto popcount = [words](const uint64_t* a, const uint64_t* b) {
    int64_t n = 0;
    for (int w = 0; w < words; ++w) n += __builtin_popcountll(b ? a[w] & b[w] : a[w]);
    return n;
  };
  const int64_t outputs = int64_t(s_.N) * s_.E * s_.F;  // psums per PE (filter, row, channel set)
  MacCounts m;
  Mask taps(static_cast<size_t>(words)), weight_masks;
  for (int g = 0; g < s_.G; ++g)
    for (int i = 0; i < s_.R; ++i)
      for (int set = 0; set < sets; ++set) {
        const int c0 = set * q, c1 = std::min(s_.C, c0 + q);
        // Per filter: the taps with a stored weight (all of them without compression).
        weight_masks.assign(size_t(s_.M) * size_t(words), 0);
        for (int k = 0; k < s_.M; ++k) {
          uint64_t* mask = weight_masks.data() + size_t(k) * size_t(words);
          for (int c = c0; c < c1; ++c)
            for (int x = 0; x < S; ++x)
              if (!skip_zero_weights || weight(g, k, c, i, x) != 0) set_bit(mask, (c - c0) * S + x);
          m.attempted += popcount(mask, nullptr) * outputs;
        }
        for (int b = 0; b < s_.N; ++b)
          for (int e = 0; e < s_.E; ++e) {
            const int row = e * s_.U + i - s_.pad_h;
            for (int f = 0; f < s_.F; ++f) {
              // The taps whose ifmap is nonzero (all of them without gating).
              std::fill(taps.begin(), taps.end(), 0);
              for (int c = c0; c < c1; ++c)
                for (int x = 0; x < S; ++x)
                  if (!gate || ifmap(b, g, c, row, f * s_.U + x - s_.pad_w) != 0) set_bit(taps.data(), (c - c0) * S + x);
              if (!skip_zero_weights) {  // every filter stores every tap: one count serves all M
                const int64_t performed = popcount(taps.data(), nullptr);
                m.performed += performed * s_.M;
                m.psum_rf += (performed > 0 ? performed - 1 : 0) * s_.M;
                continue;
              }
              for (int k = 0; k < s_.M; ++k) {
                const int64_t performed = popcount(weight_masks.data() + size_t(k) * size_t(words), taps.data());
                m.performed += performed;
                m.psum_rf += performed > 0 ? performed - 1 : 0;
              }
            }
          }
      }
  return macs_by_q_.emplace(q, m).first->second;
}

int64_t LayerTables::rlc_ifmap_fill(int b, int g, int c0, int cb, const std::vector<int>& rows) const {
  std::vector<int16_t> stream;
  stream.reserve(size_t(cb) * rows.size() * columns_.size());
  for (int c = c0; c < c0 + cb; ++c)
    for (int row : rows)
      for (int col : columns_) stream.push_back(ifmap(b, g, c, row, col));
  return rlc_words(stream.data(), int64_t(stream.size()));
}

int64_t LayerTables::rlc_ofmap_writeback(int b, int g, int k0, int kb, int e0, int eb) const {
  const FixedTensor& t = *data_.ofmap;
  std::vector<int16_t> stream;
  stream.reserve(size_t(kb) * size_t(eb) * size_t(s_.F));
  for (int k = k0; k < k0 + kb; ++k)
    for (int e = e0; e < e0 + eb; ++e)
      for (int f = 0; f < s_.F; ++f)
        stream.push_back(t.data[size_t(b) * size_t(t.image_elements()) +
                                ((size_t(g) * s_.M + k) * size_t(s_.E) + size_t(e)) * size_t(s_.F) + size_t(f)]);
  return rlc_words(stream.data(), int64_t(stream.size()));
}

}  // namespace rowsim
