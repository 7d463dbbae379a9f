#include "mapper/analytical.hpp"

#include <algorithm>
#include <cmath>

#include "mapper/geometry.hpp"

namespace rowsim {
namespace {

// A tiling as at most three classes of equal tiles: (size, how many, contains the first tile).
struct TileClass {
  int size, count;
  bool first;
};
std::vector<TileClass> tile_classes(const Tiling& t) {
  int k = t.count();
  std::vector<TileClass> classes;
  classes.push_back({t.at(0), 1, true});
  if (k > 2) classes.push_back({t.size, k - 2, false});
  if (k > 1) classes.push_back({t.at(k - 1), 1, false});
  return classes;
}

}  // namespace

AnalyticalModel::AnalyticalModel(const ConvShape& shape, const LayerTables* tables)
    : s_(shape), tables_(tables), cols_(real_cols(shape)), padded_cols_(padded_cols(shape)), by_e_(size_t(shape.E) + 1) {}

const AnalyticalModel::StripGeometry& AnalyticalModel::strips(int e, int row_fold) const {
  StripGeometry& g = by_e_[size_t(e)];
  if (g.row_fold == row_fold) return g;
  g = StripGeometry{};
  g.row_fold = row_fold;
  Tiling strips{s_.E, e}, folds{s_.R, row_fold};
  for (int k = 0; k < strips.count(); ++k) {
    StripClass c{strips.at(k), 1, {}};
    for (int f = 0; f < folds.count(); ++f) {
      c.rows_per_fold.push_back(real_rows(s_, strips.start(k), strips.at(k), folds.start(f), folds.at(f)));
      g.rows_per_fold_sum += c.rows_per_fold.back();
    }
    g.rows_per_strip_sum += real_rows(s_, strips.start(k), strips.at(k), 0, s_.R);
    if (!g.classes.empty() && g.classes.back().eb == c.eb && g.classes.back().rows_per_fold == c.rows_per_fold)
      ++g.classes.back().count;
    else
      g.classes.push_back(std::move(c));
  }
  return g;
}

AccessCounts AnalyticalModel::counts(const Mapping& mp, bool estimate) const {
  const ConvShape& s = s_;
  const int64_t N = s.N, M = s.M, C = s.C, R = s.R, S = s.S, E = s.E, F = s.F;
  const int64_t k_n = ceil_div(s.N, mp.n), k_e = ceil_div(s.E, mp.e), k_r = ceil_div(s.R, mp.row_fold),
                k_c = ceil_div(s.C, mp.q * mp.r), k_f = ceil_div(s.M, mp.p * mp.t), k_mt = ceil_div(s.M, mp.m);
  const int64_t channel_sets = ceil_div(s.C, mp.q);  // sum over channel tiles of the sets used
  // Sum over filter passes of the filter sets used: t per full pass, ceil(rest/p) in the last.
  const int64_t last_pass = M - (k_f - 1) * mp.p * mp.t;
  const int64_t filter_sets = (k_f - 1) * mp.t + ceil_div64(last_pass, mp.p);
  const StripGeometry& rows = strips(mp.e, mp.row_fold);
  const int64_t weights = M * C * R * S, outputs = N * M * E * F;

  AccessCounts c;
  c.macs = N * M * C * R * S * E * F;
  // RF: every MAC reads a weight and an ifmap from the spads; a psum accumulated over d MACs in
  // one PE costs d-1 reads and d-1 writes (the first MAC starts from zero, the last result
  // leaves the PE). Spad writes are the words the NoC delivers.
  const int64_t weight_deliveries = k_n * M * C * S * R * E;  // each pass weight to its e PEs
  const int64_t ifmap_deliveries = N * padded_cols_ * R * E * C * filter_sets;
  c.at(Level::RF, Data::Weight) = {c.macs, weight_deliveries};
  c.at(Level::RF, Data::Ifmap) = {c.macs, ifmap_deliveries};
  const int64_t psum_rf = N * F * E * M * R * (C * S - channel_sets);
  c.at(Level::RF, Data::Psum) = {psum_rf, psum_rf};
  // Array: one access per word delivered to one PE or passed between PEs. A psum climbs
  // R*(channel sets) PEs per accumulation round, leaves for the GLB, and comes back for every
  // round after the first.
  c.at(Level::Array, Data::Weight) = {weight_deliveries, 0};
  c.at(Level::Array, Data::Ifmap) = {ifmap_deliveries, 0};
  c.at(Level::Array, Data::Psum) = {outputs * (R * channel_sets + k_r * k_c - 1), 0};
  // GLB: pass weights and ifmaps are read once per pass and multicast; psums are written every
  // round and read back for the next round or, after the last, for DRAM.
  const int64_t glb_weight_reads = k_n * k_e * weights;
  const int64_t dram_weight_reads = mp.weights_resident ? weights : glb_weight_reads;
  const int64_t glb_ifmap_reads = N * C * cols_ * k_f * rows.rows_per_fold_sum;
  const int64_t dram_ifmap_reads =
      mp.ifmap_resident ? N * C * cols_ * rows.rows_per_strip_sum : k_mt * N * C * cols_ * rows.rows_per_fold_sum;
  c.at(Level::GLB, Data::Weight) = {glb_weight_reads, dram_weight_reads};
  c.at(Level::GLB, Data::Ifmap) = {glb_ifmap_reads, dram_ifmap_reads};
  c.at(Level::GLB, Data::Psum) = {outputs * k_r * k_c, outputs * k_r * k_c};
  c.at(Level::DRAM, Data::Weight) = {dram_weight_reads, 0};
  c.at(Level::DRAM, Data::Ifmap) = {dram_ifmap_reads, 0};
  c.at(Level::DRAM, Data::Psum) = {0, outputs};
  c.active_pes = int64_t(mp.row_fold) * mp.e * mp.r * mp.t;

  // Groups run one after another with the same mapping.
  if (s.G > 1) {
    for (auto& level : c.access)
      for (auto& rw : level) {
        rw.reads *= s.G;
        rw.writes *= s.G;
      }
    c.macs *= s.G;
  }
  if (tables_) apply_data(mp, c, estimate);
  return c;
}

void AnalyticalModel::apply_data(const Mapping& mp, AccessCounts& c, bool estimate) const {
  const LayerTables& t = *tables_;
  const int64_t dense_weights = s_.weights(), dense_macs = c.macs;
  if (t.compressed()) {
    // Every weight access of the dense model is a whole number of passes over all weights: the
    // stored values take those accesses, the bitmap takes one bit for every position.
    const int64_t stored = t.nonzero_weights();
    for (Level l : kAllLevels) {
      ReadWrite& w = c.at(l, Data::Weight);
      ReadWrite& index = c.at(l, Data::Index);
      index.reads = w.reads;
      index.writes = w.writes;
      if (l == Level::RF) index.reads = 0;  // the PE expands the bitmap as the row arrives
      w.reads = w.reads / dense_weights * stored;
      w.writes = w.writes / dense_weights * stored;
    }
    // The RF weight reads of the dense model were one per MAC; they are set with the MACs below.
  }
  if (estimate) {
    if (t.compressed()) {
      double density = double(t.nonzero_weights()) / double(dense_weights);
      c.macs = int64_t(double(dense_macs) * density);
      c.at(Level::RF, Data::Weight).reads = c.macs;
      c.at(Level::RF, Data::Ifmap).reads = c.macs;
      c.at(Level::RF, Data::Psum).reads = int64_t(double(c.at(Level::RF, Data::Psum).reads) * density);
      c.at(Level::RF, Data::Psum).writes = c.at(Level::RF, Data::Psum).reads;
      c.macs_skipped = dense_macs - c.macs;
    }
    return;
  }
  const LayerTables::MacCounts& m = t.macs(mp.q);
  c.macs = m.performed;
  c.macs_skipped = dense_macs - m.performed;
  c.at(Level::RF, Data::Weight).reads = m.performed;
  c.at(Level::RF, Data::Ifmap).reads = m.attempted;
  c.at(Level::RF, Data::Psum) = {m.psum_rf, m.psum_rf};
  if (t.rlc_reads()) c.at(Level::DRAM, Data::Ifmap).reads = rlc_ifmap_reads(mp);
  if (t.rlc_writes()) c.at(Level::DRAM, Data::Psum).writes = rlc_ofmap_writes(mp);
}

// DRAM ifmap words with RLC: every fill of the loop nest, coded per image.
int64_t AnalyticalModel::rlc_ifmap_reads(const Mapping& mp) const {
  Tiling batch{s_.N, mp.n}, strips{s_.E, mp.e}, mtiles{s_.M, mp.m}, folds{s_.R, mp.row_fold},
      ctiles{s_.C, mp.q * mp.r};
  int64_t words = 0;
  for (int g = 0; g < s_.G; ++g)
    for (int bi = 0; bi < batch.count(); ++bi)
      for (int ei = 0; ei < strips.count(); ++ei) {
        if (mp.ifmap_resident) {
          auto rows = real_row_list(s_, strips.start(ei), strips.at(ei), 0, s_.R);
          for (int b = batch.start(bi); b < batch.start(bi) + batch.at(bi); ++b)
            words += tables_->rlc_ifmap_fill(b, g, 0, s_.C, rows);
          continue;
        }
        for (int gi = 0; gi < folds.count(); ++gi) {
          auto rows = real_row_list(s_, strips.start(ei), strips.at(ei), folds.start(gi), folds.at(gi));
          for (int ci = 0; ci < ctiles.count(); ++ci)
            for (int b = batch.start(bi); b < batch.start(bi) + batch.at(bi); ++b)
              words += int64_t(mtiles.count()) * tables_->rlc_ifmap_fill(b, g, ctiles.start(ci), ctiles.at(ci), rows);
        }
      }
  return words;
}

// DRAM ofmap words with RLC: every m-tile write-back, coded per image.
int64_t AnalyticalModel::rlc_ofmap_writes(const Mapping& mp) const {
  Tiling batch{s_.N, mp.n}, strips{s_.E, mp.e}, mtiles{s_.M, mp.m};
  int64_t words = 0;
  for (int g = 0; g < s_.G; ++g)
    for (int bi = 0; bi < batch.count(); ++bi)
      for (int ei = 0; ei < strips.count(); ++ei)
        for (int mi = 0; mi < mtiles.count(); ++mi)
          for (int b = batch.start(bi); b < batch.start(bi) + batch.at(bi); ++b)
            words += tables_->rlc_ofmap_writeback(b, g, mtiles.start(mi), mtiles.at(mi), strips.start(ei), strips.at(ei));
  return words;
}

double dram_words(const AccessCounts& counts, int word_bits) {
  double words = 0;
  for (Data d : kAllData) {
    double n = double(counts.at(Level::DRAM, d).total());
    words += d == Data::Index ? n / word_bits : n;
  }
  return words;
}

bool weights_prefetched(const ConvShape& s, const Mapping& mp, const ArchSpec& arch) {
  if (mp.weights_resident) return true;
  // The DMA can fetch the next pass's weights during this pass only if two passes fit.
  int64_t pass_weights = int64_t(std::min(mp.p * mp.t, s.M)) * std::min(mp.q * mp.r, s.C) * mp.row_fold * s.S;
  int64_t room = arch.glb_shared() ? arch.glb_words() : arch.glb_filter_words();
  return 2 * pass_weights <= room;
}

CycleBreakdown AnalyticalModel::cycles(const Mapping& mp, const ArchSpec& arch, const AccessCounts& counts) const {
  const ConvShape& s = s_;
  Tiling batch{s.N, mp.n}, folds{s.R, mp.row_fold}, ctiles{s.C, mp.q * mp.r}, fpasses{s.M, mp.p * mp.t};
  const int64_t ifmap_bus = arch.ifmap_bus_words(), psum_bus = arch.psum_bus_words();
  // Filter spads are single-buffered: a pass's weights are loaded before its MACs start, at the
  // filter bus rate from the GLB, or at the DRAM rate when they could not be prefetched.
  const double fill_rate = weights_prefetched(s, mp, arch)
                               ? double(arch.filter_bus_words())
                               : std::min(double(arch.filter_bus_words()), arch.dram_words_per_cycle);
  const auto batch_classes = tile_classes(batch), filter_classes = tile_classes(fpasses),
             channel_classes = tile_classes(ctiles);
  CycleBreakdown cy;
  for (const auto& strip : strips(mp.e, mp.row_fold).classes) {
    const int64_t eb = strip.eb;
    for (int g = 0; g < folds.count(); ++g) {
      const int64_t rb = folds.at(g), rows = strip.rows_per_fold[size_t(g)];
      for (const auto& bc : batch_classes)
        for (const auto& fc : filter_classes)
          for (const auto& cc : channel_classes) {
            const int64_t passes = int64_t(strip.count) * bc.count * fc.count * cc.count;
            const int64_t nb = bc.size, fb = fc.size, cb = cc.size;
            const int64_t compute = nb * std::min<int64_t>(mp.p, fb) * std::min<int64_t>(mp.q, cb) * s.S * s.F;
            const int64_t ifmap = ceil_div64(nb * cb * rows * cols_, ifmap_bus);
            const int64_t fill = static_cast<int64_t>(std::ceil(double(fb * cb * rb * s.S) / fill_rate));
            // Psums return to the GLB on the GON while the next ones arrive on the GIN: the two
            // directions overlap, each at the psum bus width.
            const int64_t psum = ceil_div64(nb * fb * eb * s.F, psum_bus);
            cy.compute += passes * compute;
            cy.ifmap_bus += passes * ifmap;
            cy.weight_fill += passes * fill;
            cy.psum_bus += passes * psum;
            cy.pass_bound += passes * (fill + std::max({compute, ifmap, psum}));
          }
    }
  }
  for (int64_t* v : {&cy.compute, &cy.ifmap_bus, &cy.weight_fill, &cy.psum_bus, &cy.pass_bound}) *v *= s.G;
  cy.dram = static_cast<int64_t>(std::ceil(dram_words(counts, arch.word_bits) / arch.dram_words_per_cycle));
  return cy;
}

AccessCounts analytical_counts(const ConvShape& shape, const Mapping& mapping, const LayerTables* tables) {
  return AnalyticalModel(shape, tables).counts(mapping);
}

CycleBreakdown analytical_cycles(const ConvShape& shape, const Mapping& mapping, const ArchSpec& arch,
                                 const AccessCounts& counts) {
  return AnalyticalModel(shape).cycles(mapping, arch, counts);
}

LayerCost analyze(const ConvShape& shape, const Mapping& mapping, const ArchSpec& arch, const LayerTables* tables) {
  AnalyticalModel model(shape, tables);
  LayerCost cost;
  cost.counts = model.counts(mapping);
  cost.cycles = model.cycles(mapping, arch, cost.counts);
  cost.counts.cycles = cost.cycles.total();
  cost.counts.stall_cycles = cost.cycles.total() - cost.cycles.compute;
  return cost;
}

}  // namespace rowsim
