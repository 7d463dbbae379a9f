// The closed-form model against the element-by-element brute-force counter, and against counts
// worked out by hand for small cases.
#include <random>

#include <catch2/catch.hpp>

#include "mapper/analytical.hpp"
#include "mapper/brute_force.hpp"
#include "mapper/geometry.hpp"
#include "tests/mapper/random_layers.hpp"

using namespace rowsim;

TEST_CASE("Closed form equals brute force on 300 random small layers and mappings", "[mapper][property]") {
  std::mt19937 rng(20261126);
  int checked = 0;
  for (int i = 0; i < 300; ++i) {
    ConvShape s = testing::random_layer(rng);
    Mapping m = testing::random_mapping(rng, s);
    INFO("layer " << s.str() << "  mapping " << m.str());
    AccessCounts model = analytical_counts(s, m);
    AccessCounts brute = brute_force_counts(s, m);
    auto diffs = model.count_differences(brute);
    std::string all;
    for (const auto& d : diffs) all += d + "; ";
    INFO("differences (model vs brute force): " << all);
    CHECK(diffs.empty());
    CHECK(model.macs == s.macs());
    ++checked;
  }
  CHECK(checked == 300);
}

TEST_CASE("Hand-counted accesses of a 3x3 conv on a 4x4 map", "[mapper]") {
  // One image, 2 filters, 1 channel, 4x4 ifmap, 3x3 filter, pad 1, stride 1: E = F = 4.
  ConvShape s;
  s.M = 2, s.C = 1, s.H = s.W = 4, s.R = s.S = 3, s.E = s.F = 4, s.pad_h = s.pad_w = 1;
  Mapping m;
  m.e = 4, m.p = 2, m.q = 1, m.r = 1, m.t = 1, m.m = 2, m.row_fold = 3;
  AccessCounts c = analytical_counts(s, m);
  // MACs: 2 filters * 9 taps * 16 outputs.
  CHECK(c.macs == 288);
  // One pass; 12 PEs (3 filter rows x 4 ofmap rows); each holds 2 filters x 3 taps.
  CHECK(c.active_pes == 12);
  CHECK(c.at(Level::RF, Data::Weight).writes == 12 * 6);
  // Each PE receives its padded ifmap row: positions 0..5 = 6 words.
  CHECK(c.at(Level::Array, Data::Ifmap).reads == 12 * 6);
  // Psums: each PE accumulates 3 taps per output (2 reads, 2 writes) for 2 filters x 4 columns.
  CHECK(c.at(Level::RF, Data::Psum).reads == 12 * 2 * 4 * 2);
  // Each of the 32 outputs climbs 3 PEs (2 hops) and leaves once: 3 array accesses.
  CHECK(c.at(Level::Array, Data::Psum).reads == 32 * 3);
  // The GLB reads the 16 real ifmap words once, the 18 weights once; DRAM the same.
  CHECK(c.at(Level::GLB, Data::Ifmap).reads == 16);
  CHECK(c.at(Level::DRAM, Data::Ifmap).reads == 16);
  CHECK(c.at(Level::GLB, Data::Weight).reads == 18);
  // Outputs written to the GLB once, read once for DRAM, written to DRAM once.
  CHECK(c.at(Level::GLB, Data::Psum).writes == 32);
  CHECK(c.at(Level::GLB, Data::Psum).reads == 32);
  CHECK(c.at(Level::DRAM, Data::Psum).writes == 32);
}

TEST_CASE("Channel tiles accumulate through the GLB; strips re-read halo rows", "[mapper]") {
  ConvShape s;
  s.M = 1, s.C = 4, s.H = s.W = 6, s.R = s.S = 3, s.E = s.F = 4, s.pad_h = s.pad_w = 0;
  Mapping m;
  m.e = 2, m.p = 1, m.q = 1, m.r = 2, m.t = 1, m.m = 1, m.row_fold = 3;
  AccessCounts c = analytical_counts(s, m);
  // Two channel tiles of 2 channels: 16 outputs written twice, read back once plus once for DRAM.
  CHECK(c.at(Level::GLB, Data::Psum).writes == 32);
  CHECK(c.at(Level::GLB, Data::Psum).reads == 32);
  // Array psum per output: two rounds climbing 2 sets x 3 rows = 6 PEs (5 hops + out), plus one
  // return from the GLB: 6 + 6 + 1 = 13.
  CHECK(c.at(Level::Array, Data::Psum).reads == 16 * 13);
  // Strips of 2 ofmap rows read input rows 0-3 and 2-5: 8 rows of 6 columns for 4 channels.
  CHECK(c.at(Level::DRAM, Data::Ifmap).reads == 8 * 6 * 4);
}

TEST_CASE("Row and column geometry", "[mapper][geometry]") {
  ConvShape s;
  s.H = s.W = 7, s.R = s.S = 1, s.U = 2, s.pad_h = s.pad_w = 0, s.E = s.F = 4;
  // A 1x1 stride-2 conv reads columns 0, 2, 4, 6.
  CHECK(real_cols(s) == 4);
  CHECK(padded_cols(s) == 4);
  ConvShape t;
  t.H = t.W = 5, t.R = t.S = 3, t.U = 1, t.pad_h = t.pad_w = 1, t.E = t.F = 5;
  // Padded positions 0..6, real columns 0..4.
  CHECK(padded_cols(t) == 7);
  CHECK(real_cols(t) == 5);
  // Ofmap rows 0-1 with all 3 filter rows read input rows -1..2 -> real rows 0..2.
  CHECK(real_rows(t, 0, 2, 0, 3) == 3);
}
