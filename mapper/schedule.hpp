// The row-stationary loop nest, pass by pass. Loop order, outermost first:
//   batch tiles (n) > strips (e rows) > m-tiles (m filters) > row folds > channel tiles (q*r)
//   > filter passes (p*t)
// A pass runs n images x p*t filters x q*r channels x e ofmap rows x one row fold on the array.
// The brute-force counter and the SystemC controller walk this; the analytical model sums it in
// closed form.
#pragma once
#include "mapper/geometry.hpp"
#include "mapper/mapping.hpp"

namespace rowsim {

struct Pass {
  int b0 = 0, nb = 0;  // images
  int e0 = 0, eb = 0;  // ofmap rows
  int f0 = 0, fb = 0;  // filters
  int r0 = 0, rb = 0;  // filter rows (fold)
  int c0 = 0, cb = 0;  // channels
  int mtile = 0, m0 = 0, mb = 0;  // the m-tile: filters [m0, m0 + mb) whose psums the GLB holds
  bool first_accumulation = false;  // first fold and channel tile: psums start from zero
  bool last_accumulation = false;   // last fold and channel tile: psums become ofmaps
  bool first_of_strip = false;      // first pass of (batch tile, strip)
  bool first_of_channel_tile = false;  // first pass of (batch tile, strip, m-tile, fold, channel tile)
  bool first_of_layer = false;
  bool last_of_mtile = false;  // last pass of (batch tile, strip, m-tile): ofmaps leave for DRAM
  int filter_sets(int p) const { return ceil_div(fb, p); }
  int channel_sets(int q) const { return ceil_div(cb, q); }
};

template <typename Visit>
void for_each_pass(const ConvShape& s, const Mapping& mp, Visit&& visit) {
  Tiling batch{s.N, mp.n}, strips{s.E, mp.e}, mtiles{s.M, mp.m}, folds{s.R, mp.row_fold}, ctiles{s.C, mp.q * mp.r};
  bool first_layer = true;
  for (int bi = 0; bi < batch.count(); ++bi)
    for (int ei = 0; ei < strips.count(); ++ei) {
      bool first_strip = true;
      for (int mi = 0; mi < mtiles.count(); ++mi) {
        Tiling passes{mtiles.at(mi), mp.p * mp.t};
        for (int gi = 0; gi < folds.count(); ++gi)
          for (int ci = 0; ci < ctiles.count(); ++ci)
            for (int fi = 0; fi < passes.count(); ++fi) {
              Pass ps;
              ps.b0 = batch.start(bi), ps.nb = batch.at(bi);
              ps.e0 = strips.start(ei), ps.eb = strips.at(ei);
              ps.f0 = mtiles.start(mi) + passes.start(fi), ps.fb = passes.at(fi);
              ps.r0 = folds.start(gi), ps.rb = folds.at(gi);
              ps.c0 = ctiles.start(ci), ps.cb = ctiles.at(ci);
              ps.mtile = mi, ps.m0 = mtiles.start(mi), ps.mb = mtiles.at(mi);
              ps.first_accumulation = gi == 0 && ci == 0;
              ps.last_accumulation = gi + 1 == folds.count() && ci + 1 == ctiles.count();
              ps.first_of_strip = first_strip;
              ps.first_of_channel_tile = fi == 0;
              ps.first_of_layer = first_layer;
              ps.last_of_mtile = ps.last_accumulation && fi + 1 == passes.count();
              first_strip = first_layer = false;
              visit(ps);
            }
      }
    }
}

}  // namespace rowsim
