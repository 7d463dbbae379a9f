#include "mapper/brute_force.hpp"

#include <set>
#include <tuple>

#include "mapper/schedule.hpp"

namespace rowsim {
namespace {

using Word = std::tuple<int, int, int, int>;  // (image or filter, channel, row, column)

struct Counter {
  const ConvShape& s;
  const Mapping& mp;
  const LayerTables* data;  // may be null: dense, nothing coded
  int g;                    // the group being run
  AccessCounts c;
  std::set<Word> glb_ifmaps;   // (image, channel, row, col) in the GLB now
  std::set<Word> glb_weights;  // (filter, channel, row, col) in the GLB now

  void read(Level l, Data d, int64_t n = 1) { c.at(l, d).reads += n; }
  void write(Level l, Data d, int64_t n = 1) { c.at(l, d).writes += n; }

  // Real input rows for ofmap rows [e0, e0+eb) and filter rows [r0, r0+rb).
  std::set<int> rows_needed(int e0, int eb, int r0, int rb) const {
    std::set<int> rows;
    for (int j = 0; j < eb; ++j)
      for (int i = 0; i < rb; ++i) {
        int row = (e0 + j) * s.U + r0 + i - s.pad_h;
        if (row >= 0 && row < s.H) rows.insert(row);
      }
    return rows;
  }
  // Padded column positions one ofmap row reads (real column = position - pad).
  std::set<int> padded_positions() const {
    std::set<int> cols;
    for (int f = 0; f < s.F; ++f)
      for (int x = 0; x < s.S; ++x) cols.insert(f * s.U + x);
    return cols;
  }

  bool compressed() const { return data && data->compressed(); }
  bool stored(int k, int ch, int i, int x) const { return !compressed() || data->weight(g, k, ch, i, x) != 0; }

  void load_ifmaps(int b0, int nb, int c0, int cb, const std::set<int>& rows) {
    glb_ifmaps.clear();
    for (int b = b0; b < b0 + nb; ++b) {
      int64_t words = 0;
      for (int ch = c0; ch < c0 + cb; ++ch)
        for (int row : rows)
          for (int pos : padded_positions()) {
            int col = pos - s.pad_w;
            if (col < 0 || col >= s.W) continue;
            if (glb_ifmaps.insert({b, ch, row, col}).second) {
              ++words;
              write(Level::GLB, Data::Ifmap);
            }
          }
      // The DRAM moves the fill as one coded stream per image when RLC is on.
      if (data && data->rlc_reads())
        words = data->rlc_ifmap_fill(b, g, c0, cb, std::vector<int>(rows.begin(), rows.end()));
      read(Level::DRAM, Data::Ifmap, words);
    }
  }

  // Each weight position costs one bitmap bit when compressed; its value moves only if stored.
  void load_weights(int f0, int fb, int c0, int cb, int r0, int rb) {
    for (int k = f0; k < f0 + fb; ++k)
      for (int ch = c0; ch < c0 + cb; ++ch)
        for (int i = r0; i < r0 + rb; ++i)
          for (int x = 0; x < s.S; ++x) {
            glb_weights.insert({k, ch, i, x});
            if (compressed()) {
              read(Level::DRAM, Data::Index);
              write(Level::GLB, Data::Index);
            }
            if (!stored(k, ch, i, x)) continue;
            read(Level::DRAM, Data::Weight);
            write(Level::GLB, Data::Weight);
          }
  }

  void run_pass(const Pass& ps) {
    // DRAM -> GLB.
    if (mp.ifmap_resident && ps.first_of_strip)
      load_ifmaps(ps.b0, ps.nb, 0, s.C, rows_needed(ps.e0, ps.eb, 0, s.R));
    if (!mp.ifmap_resident && ps.first_of_channel_tile)
      load_ifmaps(ps.b0, ps.nb, ps.c0, ps.cb, rows_needed(ps.e0, ps.eb, ps.r0, ps.rb));
    if (mp.weights_resident) {
      if (ps.first_of_layer) load_weights(0, s.M, 0, s.C, 0, s.R);
    } else {
      glb_weights.clear();
      load_weights(ps.f0, ps.fb, ps.c0, ps.cb, ps.r0, ps.rb);
    }

    // GLB -> PEs. Each PE (filter set ft, channel set ct, filter row i, ofmap row j) receives its
    // filters' row i for its channels, and its ifmap row for its channels and images.
    std::set<Word> weights_read, positions_read, ifmaps_read;
    const auto positions = padded_positions();
    for (int ft = 0; ft < ps.filter_sets(mp.p); ++ft)
      for (int ct = 0; ct < ps.channel_sets(mp.q); ++ct)
        for (int i = 0; i < ps.rb; ++i)
          for (int j = 0; j < ps.eb; ++j) {
            int k_lo = ps.f0 + ft * mp.p, k_hi = std::min(k_lo + mp.p, ps.f0 + ps.fb);
            int c_lo = ps.c0 + ct * mp.q, c_hi = std::min(c_lo + mp.q, ps.c0 + ps.cb);
            int filter_row = ps.r0 + i;
            int row = (ps.e0 + j) * s.U + filter_row - s.pad_h;
            for (int k = k_lo; k < k_hi; ++k)
              for (int ch = c_lo; ch < c_hi; ++ch)
                for (int x = 0; x < s.S; ++x) {
                  Word w{k, ch, filter_row, x};
                  if (!glb_weights.count(w)) throw std::logic_error("brute force: weight not in GLB");
                  if (compressed()) {
                    positions_read.insert(w);
                    read(Level::Array, Data::Index);
                    write(Level::RF, Data::Index);
                  }
                  if (!stored(k, ch, filter_row, x)) continue;
                  weights_read.insert(w);
                  read(Level::Array, Data::Weight);
                  write(Level::RF, Data::Weight);
                }
            for (int b = ps.b0; b < ps.b0 + ps.nb; ++b)
              for (int ch = c_lo; ch < c_hi; ++ch)
                for (int pos : positions) {
                  read(Level::Array, Data::Ifmap);
                  write(Level::RF, Data::Ifmap);
                  int col = pos - s.pad_w;
                  if (row < 0 || row >= s.H || col < 0 || col >= s.W) continue;  // padding zero
                  Word x{b, ch, row, col};
                  if (!glb_ifmaps.count(x)) throw std::logic_error("brute force: ifmap not in GLB");
                  ifmaps_read.insert(x);
                }
            // The MACs: per image, filter and output column, this PE accumulates its channels x S
            // taps in the psum spad. A tap without a stored weight is not visited; a visited tap
            // reads its ifmap, and with zero gating a zero ifmap skips the weight read and MAC.
            const bool gate = data && data->gating();
            for (int b = ps.b0; b < ps.b0 + ps.nb; ++b)
              for (int k = k_lo; k < k_hi; ++k)
                for (int f = 0; f < s.F; ++f) {
                  int64_t performed = 0;
                  for (int ch = c_lo; ch < c_hi; ++ch)
                    for (int x = 0; x < s.S; ++x) {
                      if (!stored(k, ch, filter_row, x)) {
                        ++c.macs_skipped;
                        continue;
                      }
                      read(Level::RF, Data::Ifmap);
                      if (gate && data->ifmap(b, g, ch, row, f * s.U + x - s.pad_w) == 0) {
                        ++c.macs_skipped;
                        continue;
                      }
                      read(Level::RF, Data::Weight);
                      ++c.macs;
                      ++performed;
                    }
                  for (int64_t u = 0; u < performed; ++u) {
                    if (u > 0) read(Level::RF, Data::Psum);
                    if (u < performed - 1) write(Level::RF, Data::Psum);
                  }
                }
          }
    read(Level::GLB, Data::Weight, int64_t(weights_read.size()));
    read(Level::GLB, Data::Index, int64_t(positions_read.size()));
    read(Level::GLB, Data::Ifmap, int64_t(ifmaps_read.size()));

    // Psums: each output climbs through every PE of its column in every channel set, then returns
    // to the GLB; after the first round it first comes in from the GLB.
    int chain = ps.channel_sets(mp.q) * ps.rb;
    for (int b = 0; b < ps.nb; ++b)
      for (int k = 0; k < ps.fb; ++k)
        for (int j = 0; j < ps.eb; ++j)
          for (int f = 0; f < s.F; ++f) {
            if (!ps.first_accumulation) {
              read(Level::GLB, Data::Psum);
              read(Level::Array, Data::Psum);
            }
            for (int hop = 1; hop < chain; ++hop) read(Level::Array, Data::Psum);
            read(Level::Array, Data::Psum);  // out to the GLB
            write(Level::GLB, Data::Psum);
          }
    // Finished ofmaps of the m-tile leave for DRAM, one stream per image (coded with RLC).
    if (ps.last_of_mtile) {
      for (int b = ps.b0; b < ps.b0 + ps.nb; ++b) {
        int64_t outputs = int64_t(ps.mb) * ps.eb * s.F;
        read(Level::GLB, Data::Psum, outputs);
        if (data && data->rlc_writes()) outputs = data->rlc_ofmap_writeback(b, g, ps.m0, ps.mb, ps.e0, ps.eb);
        write(Level::DRAM, Data::Psum, outputs);
      }
    }
    c.active_pes = std::max<int64_t>(c.active_pes, int64_t(ps.filter_sets(mp.p)) * ps.channel_sets(mp.q) * ps.rb * ps.eb);
  }
};

}  // namespace

AccessCounts brute_force_counts(const ConvShape& shape, const Mapping& mapping, const LayerTables* tables) {
  AccessCounts total;
  for (int g = 0; g < shape.G; ++g) {
    Counter counter{shape, mapping, tables, g, {}, {}, {}};
    for_each_pass(shape, mapping, [&](const Pass& ps) { counter.run_pass(ps); });
    total += counter.c;
  }
  return total;
}

}  // namespace rowsim
