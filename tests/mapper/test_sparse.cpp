// Compressed weights, zero gating and run-length coding: the closed-form model with the layer's
// data equals the element-by-element brute force on random sparse layers, and small cases
// counted by hand.
#include <random>

#include <catch2/catch.hpp>

#include "mapper/analytical.hpp"
#include "mapper/brute_force.hpp"
#include "mapper/layer_data.hpp"
#include "tests/mapper/random_layers.hpp"

using namespace rowsim;

namespace {

struct SparseData {
  FixedLayerParams params;
  FixedTensor ifmap, ofmap;
};

// Values in [-2, 2]: about 40% zeros at density 0.6.
int16_t sparse_value(std::mt19937& rng, double density) {
  if (std::uniform_real_distribution<double>(0, 1)(rng) >= density) return 0;
  int16_t v = int16_t(testing::uniform(rng, 1, 2));
  return testing::uniform(rng, 0, 1) ? v : int16_t(-v);
}

SparseData random_sparse_data(std::mt19937& rng, const ConvShape& s) {
  SparseData d;
  double wd = std::uniform_real_distribution<double>(0.1, 1.0)(rng);
  double id = std::uniform_real_distribution<double>(0.1, 1.0)(rng);
  d.params.weights.resize(size_t(s.weights()));
  for (auto& w : d.params.weights) w = sparse_value(rng, wd);
  d.ifmap = FixedTensor(s.N, Shape{s.G * s.C, s.H, s.W}, QFormat{});
  for (auto& v : d.ifmap.data) v = sparse_value(rng, id);
  d.ofmap = FixedTensor(s.N, Shape{s.G * s.M, s.E, s.F}, QFormat{});
  for (auto& v : d.ofmap.data) v = sparse_value(rng, id);
  return d;
}

std::string differences(const AccessCounts& a, const AccessCounts& b) {
  std::string all;
  for (const auto& d : a.count_differences(b)) all += d + "; ";
  return all;
}

}  // namespace

TEST_CASE("With data, closed form equals brute force on 250 random sparse layers", "[mapper][sparse][property]") {
  std::mt19937 rng(424242);
  for (int i = 0; i < 250; ++i) {
    ConvShape s = testing::random_layer(rng);
    Mapping m = testing::random_mapping(rng, s);
    SparseData d = random_sparse_data(rng, s);
    LayerValues values;
    values.params = &d.params;
    values.ifmap = &d.ifmap;
    values.ofmap = &d.ofmap;
    values.compressed = testing::uniform(rng, 0, 1);
    values.zero_gating = testing::uniform(rng, 0, 1);
    values.rlc = testing::uniform(rng, 0, 1);
    LayerTables tables(s, values);
    AccessCounts model = analytical_counts(s, m, &tables);
    AccessCounts brute = brute_force_counts(s, m, &tables);
    INFO("layer " << s.str() << " mapping " << m.str() << " compressed " << values.compressed << " gating "
                  << values.zero_gating << " rlc " << values.rlc);
    INFO("differences (model vs brute force): " << differences(model, brute));
    CHECK(model.count_differences(brute).empty());
    CHECK(model.macs + model.macs_skipped == s.macs());
  }
}

TEST_CASE("Run-length coding counts pairs of (zero run, level), three to a 64-bit word", "[mapper][sparse]") {
  // 1 0 0 2 -> pairs (0,1), (2,2): one 64-bit word = 4 words of 16 bits.
  std::vector<int16_t> a = {1, 0, 0, 2};
  CHECK(rlc_words(a.data(), 4) == 4);
  // Four nonzeros need two 64-bit words.
  std::vector<int16_t> b = {1, 2, 3, 4};
  CHECK(rlc_words(b.data(), 4) == 8);
  // 40 zeros then 5: a full run of 31 spills into a zero level (31,0), then (8,5).
  std::vector<int16_t> c(41, 0);
  c[40] = 5;
  CHECK(rlc_words(c.data(), 41) == 4);
  // All zeros: 31 + 1 in the first pair, the trailing 8 in a second.
  std::vector<int16_t> z(40, 0);
  CHECK(rlc_words(z.data(), 40) == 4);
  // Seven nonzeros: three words of pairs, rounded up to three 64-bit words.
  std::vector<int16_t> seven(7, 9);
  CHECK(rlc_words(seven.data(), 7) == 12);
}

TEST_CASE("Compressed weights move their values and one bitmap bit per position", "[mapper][sparse]") {
  // A 1x1 conv, 1 image, 2 filters x 2 channels on a 1x2 map; weights {1, 0; 0, 3}.
  ConvShape s;
  s.M = 2, s.C = 2, s.H = 1, s.W = 2, s.R = s.S = 1, s.E = 1, s.F = 2;
  FixedLayerParams params;
  params.weights = {1, 0, 0, 3};
  LayerValues values;
  values.params = &params;
  values.compressed = true;
  LayerTables tables(s, values);
  Mapping m;
  m.e = 1, m.p = 2, m.q = 2, m.r = 1, m.t = 1, m.m = 2, m.row_fold = 1;
  AccessCounts c = analytical_counts(s, m, &tables);
  // Two stored weights fetched once; four bitmap bits fetched once.
  CHECK(c.at(Level::DRAM, Data::Weight).reads == 2);
  CHECK(c.at(Level::DRAM, Data::Index).reads == 4);
  // Two stored weights x 2 output columns = 4 MACs of the dense 8.
  CHECK(c.macs == 4);
  CHECK(c.macs_skipped == 4);
  // One PE holds both filters; each output's psum gets one MAC: no spad psum traffic.
  CHECK(c.at(Level::RF, Data::Psum).reads == 0);
}
