// The SystemC model against the analytical access model (counts equal field by field) and the
// reference fixed-point convolution (ofmaps equal bit for bit), on random small layers and
// mappings over several array sizes, and under random DRAM stalls.
#include <random>

#include <catch2/catch.hpp>

#include "mapper/analytical.hpp"
#include "mapper/brute_force.hpp"
#include "tests/hw/hw_fixtures.hpp"

using namespace rowsim;
using namespace rowsim::testing;

namespace {

struct Checked {
  hw::LayerSimResult sim;
  bool bit_exact = false;
  std::vector<std::string> diffs;
};

Checked simulate_and_check(const ConvShape& s, const Mapping& m, const ArchSpec& arch, uint64_t seed, bool relu,
                           hw::DramStalls stalls = {}) {
  LayerData data = random_layer_data(s, seed, relu);
  hw::LayerJob job = make_job(s, m, arch, data);
  job.dram_stalls = stalls;
  Checked c;
  c.sim = hw::simulate_layer(job);
  c.bit_exact = c.sim.ofmap == reference_ofmaps(s, data).data;
  c.diffs = c.sim.counts.count_differences(analytical_counts(s, m));
  return c;
}

}  // namespace

TEST_CASE("A 3x3 conv on the Eyeriss array: counts, bits and cycles", "[hw]") {
  ConvShape s;
  s.N = 2, s.M = 8, s.C = 5, s.H = s.W = 9, s.R = s.S = 3, s.E = s.F = 9, s.pad = 1;
  ArchSpec arch = make_arch({});
  Mapping m;
  m.n = 1, m.e = 9, m.p = 4, m.q = 2, m.r = 2, m.t = 2, m.m = 8, m.row_fold = 3;
  REQUIRE(feasible(s, m, arch));
  Checked c = simulate_and_check(s, m, arch, 1, true);
  INFO(joined(c.diffs));
  CHECK(c.diffs.empty());
  CHECK(c.bit_exact);
  CHECK(c.sim.counts.macs == s.macs());
  CHECK(c.sim.counts.cycles > 0);
  CHECK(c.sim.compute_cycles + c.sim.counts.stall_cycles == c.sim.counts.cycles);
  // Never faster than the busiest PE's MACs.
  CHECK(c.sim.compute_cycles >= analyze(s, m, arch).cycles.compute);
}

TEST_CASE("Random small layers on several array sizes match the analytical counts and the reference bits",
          "[hw][property]") {
  std::mt19937 rng(5150);
  const ArchParams archs[] = {
      {},                                                                                   // Eyeriss
      {4, 4, 64, 12, 8, 16, 4, 4, 32, 16, 32, 2.0, 20},                                    // tiny array
      {3, 8, 48, 6, 4, 8, 2, 0, 16, 16, 16, 0.5, 50},                                       // shared GLB, narrow
      {16, 16, 512, 24, 32, 256, 16, 32, 128, 64, 128, 8.0, 10},                            // large
  };
  int checked = 0;
  for (const auto& a : archs) {
    ArchSpec arch = make_arch(a);
    for (int i = 0; i < 25; ++i) {
      ConvShape s = random_layer(rng);
      Mapping m = feasible_mapping(rng, s, arch);
      INFO("arch " << arch.name << " layer " << s.str() << " mapping " << m.str());
      Checked c = simulate_and_check(s, m, arch, uint64_t(i), i % 2 == 0);
      INFO("differences (sim vs analytical): " << joined(c.diffs));
      CHECK(c.diffs.empty());
      CHECK(c.bit_exact);
      ++checked;
    }
  }
  CHECK(checked == 100);
}
