// Access counts from an independent description of the row-stationary dataflow, against the
// analytical model. The closed form, the brute-force counter and the SystemC controller all walk
// mapper/schedule.hpp and share mapper/geometry.hpp, so a mistake there would be made three times
// and agreed on. This counter uses neither: it writes the loop nest out from its definition
// (docs/dataflow.md, "The loop nest" and "What counts as one access"; Eyeriss JSSC 2017), walks
// every MAC of every pass, places it on its PE, and counts each level's accesses as sets of the
// words that move, so that no count is a formula.
#include <algorithm>
#include <array>
#include <map>
#include <random>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "mapper/analytical.hpp"
#include "mapper/search.hpp"
#include "tests/mapper/random_layers.hpp"
#include "workloads/zoo.hpp"

using namespace rowsim;

namespace {

struct Span {
  int start, size;
};
// [0, total) in pieces of `size`, the last one shorter.
std::vector<Span> split(int total, int size) {
  std::vector<Span> out;
  for (int start = 0; start < total; start += size) out.push_back({start, std::min(size, total - start)});
  return out;
}

using Key = std::array<int, 8>;

AccessCounts count_loop_nest(const ConvShape& s, const Mapping& mp) {
  AccessCounts c;
  auto add = [&](Level l, Data d, int64_t reads, int64_t writes) {
    c.at(l, d).reads += reads;
    c.at(l, d).writes += writes;
  };
  for (int g = 0; g < s.G; ++g) {  // groups run one after another with the same mapping
    if (mp.weights_resident) add(Level::DRAM, Data::Weight, int64_t(s.M) * s.C * s.R * s.S, 0);
    // Real ifmap words each GLB fill holds: per (batch tile, strip) when resident, else per
    // (batch tile, strip, m-tile, fold, channel tile): the words the MACs under it touch.
    std::map<std::array<int, 5>, std::set<Key>> fills;
    const auto batch = split(s.N, mp.n), strips = split(s.E, mp.e), mtiles = split(s.M, mp.m),
               folds = split(s.R, mp.row_fold), ctiles = split(s.C, mp.q * mp.r);
    for (size_t bi = 0; bi < batch.size(); ++bi)
      for (size_t si = 0; si < strips.size(); ++si)
        for (size_t mi = 0; mi < mtiles.size(); ++mi)
          for (size_t fi = 0; fi < folds.size(); ++fi)
            for (size_t ci = 0; ci < ctiles.size(); ++ci)
              for (const Span& fp : split(mtiles[mi].size, mp.p * mp.t)) {
                // One pass: images `imgs`, ofmap rows `rows`, filters [k0, k0 + fp.size), filter
                // rows `fold`, channels `chans`.
                const Span imgs = batch[bi], rows = strips[si], fold = folds[fi], chans = ctiles[ci];
                const int k0 = mtiles[mi].start + fp.start;
                const bool first_round = fi == 0 && ci == 0, last_round = fi + 1 == folds.size() && ci + 1 == ctiles.size();
                const std::array<int, 5> fill_key =
                    mp.ifmap_resident ? std::array<int, 5>{int(bi), int(si), 0, 0, 0}
                                      : std::array<int, 5>{int(bi), int(si), int(mi), int(fi), int(ci)};
                std::set<Key> pe_weights, pe_ifmaps, glb_weights, glb_ifmaps, pes;
                std::map<Key, int64_t> macs_of;        // (PE, output) -> MACs it accumulates
                std::map<Key, std::set<Key>> chain_of;  // output -> PEs it visits
                for (int b = imgs.start; b < imgs.start + imgs.size; ++b)
                  for (int k = k0; k < k0 + fp.size; ++k)
                    for (int ch = chans.start; ch < chans.start + chans.size; ++ch)
                      for (int y = rows.start; y < rows.start + rows.size; ++y)
                        for (int i = fold.start; i < fold.start + fold.size; ++i)
                          for (int x = 0; x < s.F; ++x)
                            for (int t = 0; t < s.S; ++t) {
                              // The PE: filter set, channel set, ofmap row of the set, filter row.
                              const Key pe = {(k - k0) / mp.p, (ch - chans.start) / mp.q, y - rows.start,
                                              i - fold.start, 0, 0, 0, 0};
                              const int prow = y * s.U + i, pcol = x * s.U + t;  // padded coordinates
                              const int h = prow - s.pad_h, w = pcol - s.pad_w;
                              const bool real = h >= 0 && h < s.H && w >= 0 && w < s.W;
                              const Key output = {b, k, y, x, 0, 0, 0, 0};
                              ++c.macs;
                              add(Level::RF, Data::Weight, 1, 0);
                              add(Level::RF, Data::Ifmap, 1, 0);
                              pes.insert(pe);
                              pe_weights.insert({pe[0], pe[1], pe[2], pe[3], k, ch, i, t});
                              pe_ifmaps.insert({pe[0], pe[1], pe[2], pe[3], b, ch, prow, pcol});
                              glb_weights.insert({k, ch, i, t, 0, 0, 0, 0});
                              if (real) {
                                glb_ifmaps.insert({b, ch, h, w, 0, 0, 0, 0});
                                fills[fill_key].insert({b, ch, h, w, 0, 0, 0, 0});
                              }
                              ++macs_of[{pe[0], pe[1], pe[2], pe[3], b, k, y, x}];
                              chain_of[output].insert(pe);
                            }
                c.active_pes = std::max<int64_t>(c.active_pes, int64_t(pes.size()));
                // Each weight of the pass is read from the GLB once and delivered to every PE
                // that holds it; each real ifmap word likewise; padding is inserted at the port.
                add(Level::GLB, Data::Weight, int64_t(glb_weights.size()), 0);
                add(Level::Array, Data::Weight, int64_t(pe_weights.size()), 0);
                add(Level::RF, Data::Weight, 0, int64_t(pe_weights.size()));
                add(Level::GLB, Data::Ifmap, int64_t(glb_ifmaps.size()), 0);
                add(Level::Array, Data::Ifmap, int64_t(pe_ifmaps.size()), 0);
                add(Level::RF, Data::Ifmap, 0, int64_t(pe_ifmaps.size()));
                if (!mp.weights_resident) {
                  add(Level::DRAM, Data::Weight, int64_t(glb_weights.size()), 0);
                  add(Level::GLB, Data::Weight, 0, int64_t(glb_weights.size()));
                }
                // A psum accumulated in one PE over d MACs: d-1 spad reads and writes.
                for (const auto& [where, d] : macs_of) add(Level::RF, Data::Psum, d - 1, d - 1);
                // Each output climbs the PEs of its chain (one array access per PE: the hops and
                // the exit to the GLB), is written to the GLB, and after the first round first
                // comes back from the GLB. After its last round it is read once more for DRAM.
                const int64_t outputs = int64_t(chain_of.size());
                for (const auto& [output, chain] : chain_of) add(Level::Array, Data::Psum, int64_t(chain.size()), 0);
                add(Level::GLB, Data::Psum, 0, outputs);
                if (!first_round) {
                  add(Level::GLB, Data::Psum, outputs, 0);
                  add(Level::Array, Data::Psum, outputs, 0);
                }
                if (last_round) {
                  add(Level::GLB, Data::Psum, outputs, 0);
                  add(Level::DRAM, Data::Psum, 0, outputs);
                }
              }
    for (const auto& [key, words] : fills) {
      add(Level::DRAM, Data::Ifmap, int64_t(words.size()), 0);
      add(Level::GLB, Data::Ifmap, 0, int64_t(words.size()));
    }
  }
  if (mp.weights_resident) add(Level::GLB, Data::Weight, 0, c.at(Level::DRAM, Data::Weight).reads);
  return c;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += x + "; ";
  return out;
}

}  // namespace

TEST_CASE("Counts from the loop nest written out: a padded, strided, folded layer", "[mapper][independent]") {
  // 2 images, 6 filters, 5 channels, 9x9 ifmap, 5x5 filters, stride 2, pad 2: a 5x5 ofmap. Every
  // loop has more than one tile, the last ones short: batch tiles of 1, strips of 2 rows (2+2+1),
  // m-tiles of 4 filters (4+2), folds of 3 filter rows (3+2), channel tiles of 2x2 (4+1), filter
  // passes of 2x1 filters; each combination of resident or per-tile ifmaps and weights.
  ConvShape s;
  s.N = 2, s.M = 6, s.C = 5, s.H = s.W = 9, s.R = s.S = 5, s.U = 2, s.pad_h = s.pad_w = 2, s.E = s.F = 5;
  Mapping m;
  m.n = 1, m.e = 2, m.p = 2, m.q = 2, m.r = 2, m.t = 1, m.m = 4, m.row_fold = 3;
  for (bool ifmap_resident : {false, true})
    for (bool weights_resident : {false, true}) {
      m.ifmap_resident = ifmap_resident, m.weights_resident = weights_resident;
      INFO(m.str());
      AccessCounts independent = count_loop_nest(s, m);
      AccessCounts model = analytical_counts(s, m);
      INFO("differences (loop nest vs analytical): " << joined(independent.count_differences(model)));
      CHECK(independent.count_differences(model).empty());
      CHECK(independent.macs == s.macs());
    }
}

TEST_CASE("Counts from the loop nest written out equal the analytical model on 150 random layers",
          "[mapper][independent][property]") {
  std::mt19937 rng(20261130);
  int agreed = 0;
  for (int n = 0; n < 150; ++n) {
    ConvShape s = testing::random_layer(rng);
    Mapping m = testing::random_mapping(rng, s);
    INFO("layer " << s.str() << "  mapping " << m.str());
    auto diffs = count_loop_nest(s, m).count_differences(analytical_counts(s, m));
    INFO("differences (loop nest vs analytical): " << joined(diffs));
    CHECK(diffs.empty());
    agreed += diffs.empty();
  }
  CHECK(agreed == 150);
}

TEST_CASE("Counts from the loop nest written out: the gate's layers with the chip's searched mappings",
          "[mapper][independent]") {
  // The mappings `rowsim map --net gate` runs on Eyeriss (the ones simulate-gate.yaml pins).
  const ArchSpec arch = load_arch_spec("eyeriss");
  const Network net = zoo_network("gate");
  for (int index : net.compute_layers()) {
    const Layer& layer = net.layers[size_t(index)];
    const ConvShape s = conv_shape(layer, 1);
    SearchResult found = search_mapping(s, arch, SearchOptions{});
    REQUIRE(found.found);
    INFO(layer.name << ": " << s.str() << "  mapping " << found.mapping.str());
    auto diffs = count_loop_nest(s, found.mapping).count_differences(analytical_counts(s, found.mapping));
    INFO("differences (loop nest vs analytical): " << joined(diffs));
    CHECK(diffs.empty());
  }
}
