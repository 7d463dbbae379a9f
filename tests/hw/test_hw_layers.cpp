// The SystemC model against the analytical access model (counts equal field by field) and the
// reference fixed-point convolution (ofmaps equal bit for bit), on random small layers and
// mappings over several array sizes, and under random DRAM stalls.
#include <random>

#include <systemc>

#include <catch2/catch.hpp>

#include "mapper/analytical.hpp"
#include "mapper/brute_force.hpp"
#include "mapper/search.hpp"
#include "tests/hw/hw_fixtures.hpp"
#include "workloads/util/failure.hpp"
#include "workloads/zoo.hpp"

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
  c.sim = simulator().run(job);
  c.bit_exact = c.sim.ofmap == reference_ofmaps(s, data).data;
  c.diffs = c.sim.counts.count_differences(analytical_counts(s, m));
  return c;
}

}  // namespace

TEST_CASE("A 3x3 conv on the Eyeriss array: counts, bits and cycles", "[hw]") {
  ConvShape s;
  s.N = 2, s.M = 8, s.C = 5, s.H = s.W = 9, s.R = s.S = 3, s.E = s.F = 9, s.pad_h = s.pad_w = 1;
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
    for (int i = 0; i < 75; ++i) {
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
  CHECK(checked == 300);
}

TEST_CASE("Filters taller than the array, channels that do not divide it, strides, 1x1 and FC", "[hw]") {
  std::mt19937 rng(77);
  ArchSpec small = make_arch({3, 6, 96, 12, 16, 32, 4, 8, 64, 16, 64, 1.5, 30});
  struct Case {
    const char* what;
    ConvShape s;
  };
  auto conv = [](int N, int M, int C, int H, int R, int U, int pad) {
    ConvShape s;
    s.N = N, s.M = M, s.C = C, s.H = s.W = H, s.R = s.S = R, s.U = U, s.pad_h = s.pad_w = pad;
    s.E = s.F = (H + 2 * pad - R) / U + 1;
    return s;
  };
  ConvShape fc;
  fc.N = 2, fc.M = 7, fc.C = 37, fc.H = fc.W = fc.R = fc.S = fc.E = fc.F = 1;
  const Case cases[] = {
      {"7x7 filter on a 3-row array (three row folds)", conv(1, 4, 3, 11, 7, 2, 3)},
      {"5 channels over r=2 channel sets of q=2", conv(2, 6, 5, 8, 3, 1, 1)},
      {"stride larger than the filter", conv(1, 5, 3, 13, 2, 3, 0)},
      {"1x1 conv", conv(2, 9, 11, 6, 1, 1, 0)},
      {"fully connected", fc},
  };
  for (const auto& c : cases) {
    INFO(c.what << ": " << c.s.str());
    for (int k = 0; k < 4; ++k) {
      Mapping m = feasible_mapping(rng, c.s, small);
      INFO("mapping " << m.str());
      Checked r = simulate_and_check(c.s, m, small, uint64_t(k), k % 2 == 1);
      INFO(joined(r.diffs));
      CHECK(r.diffs.empty());
      CHECK(r.bit_exact);
      CHECK(r.sim.counts.count_differences(brute_force_counts(c.s, m)).empty());
    }
  }
  // The published mapping shape of a folded filter: row_fold 4 of R = 7 on a 4-row array.
  ConvShape tall = conv(1, 4, 2, 12, 7, 1, 3);
  ArchSpec four = make_arch({4, 4, 64, 12, 8, 16, 4, 4, 32, 16, 32, 2.0, 20});
  Mapping m;
  m.e = 4, m.p = 2, m.q = 1, m.r = 1, m.t = 1, m.m = 2, m.row_fold = 4;
  REQUIRE(feasible(tall, m, four));
  Checked r = simulate_and_check(tall, m, four, 3, false);
  CHECK(r.diffs.empty());
  CHECK(r.bit_exact);
}

TEST_CASE("A slow DRAM with random stalls changes cycles only", "[hw][backpressure]") {
  std::mt19937 rng(4242);
  ArchSpec arch = make_arch({4, 8, 64, 12, 8, 16, 4, 4, 32, 16, 32, 0.5, 40});
  int slower = 0;
  for (int i = 0; i < 12; ++i) {
    ConvShape s = random_layer(rng);
    Mapping m = feasible_mapping(rng, s, arch);
    INFO("layer " << s.str() << " mapping " << m.str());
    Checked calm = simulate_and_check(s, m, arch, uint64_t(i), true);
    Checked stalled = simulate_and_check(s, m, arch, uint64_t(i), true, hw::DramStalls{0.5, uint64_t(100 + i)});
    CHECK(calm.bit_exact);
    CHECK(stalled.bit_exact);
    CHECK(stalled.sim.ofmap == calm.sim.ofmap);
    CHECK(stalled.sim.counts.count_differences(calm.sim.counts).empty());
    CHECK(stalled.diffs.empty());
    CHECK(stalled.sim.counts.cycles >= calm.sim.counts.cycles);
    slower += stalled.sim.counts.cycles > calm.sim.counts.cycles;
    // Same seed, same stalls: a run is reproducible.
    Checked again = simulate_and_check(s, m, arch, uint64_t(i), true, hw::DramStalls{0.5, uint64_t(100 + i)});
    CHECK(again.sim.counts.cycles == stalled.sim.counts.cycles);
    CHECK(again.sim.counts.stalls_by_cause == stalled.sim.counts.stalls_by_cause);
  }
  CHECK(slower == 12);  // every layer moves data over the link, so every one gets slower
}

TEST_CASE("A 0.25-VGG16 layer gives the same cycles at any simulated start time", "[hw]") {
  // `rowsim simulate --check --jobs 1` gave conv4_2 128210 cycles where every other run gave 128209.
  ArchSpec arch = load_arch_spec("eyeriss");
  Network net = zoo_network("vgg16", 0.25, 100);
  ConvShape s = conv_shape(net.layer("conv4_2"), 1);
  SearchResult found = search_mapping(s, arch, SearchOptions{});
  REQUIRE(found.found);
  const sc_core::sc_time period(5, sc_core::SC_NS);
  Checked first = simulate_and_check(s, found.mapping, arch, 1, true);
  CHECK(first.diffs.empty());
  for (double gap : {1.0, 1e6 + 7, 3e7 + 11, 123456789.0, 8589934592.0 + 5, 1099511627776.0}) {
    INFO("idle cycles before the layer: " << gap);
    sc_core::sc_start(period * gap, sc_core::SC_RUN_TO_TIME);
    Checked again = simulate_and_check(s, found.mapping, arch, 1, true);
    CHECK(again.sim.counts.cycles == first.sim.counts.cycles);
    CHECK(again.sim.counts.stall_cycles == first.sim.counts.stall_cycles);
    CHECK(again.sim.counts.stalls_by_cause == first.sim.counts.stalls_by_cause);
    CHECK(again.diffs.empty());
    CHECK(again.bit_exact);
  }
}

TEST_CASE("Cycles are consistent: ledger, bounds and stall causes", "[hw]") {
  ConvShape s;
  s.N = 1, s.M = 16, s.C = 8, s.H = s.W = 14, s.R = s.S = 3, s.E = s.F = 14, s.pad_h = s.pad_w = 1;
  ArchSpec arch = make_arch({});
  SearchResult found = search_mapping(s, arch, SearchOptions{});
  REQUIRE(found.found);
  Checked c = simulate_and_check(s, found.mapping, arch, 9, true);
  const AccessCounts& k = c.sim.counts;
  int64_t by_cause = 0;
  for (const auto& [cause, n] : k.stalls_by_cause) by_cause += n;
  CHECK(by_cause == k.stall_cycles);
  CHECK(c.sim.compute_cycles + k.stall_cycles == k.cycles);
  CycleBreakdown bound = analyze(s, found.mapping, arch).cycles;
  CHECK(c.sim.compute_cycles >= bound.compute);
  // The last ofmaps still have to reach DRAM after the last pass.
  CHECK(k.stalls_by_cause.count("ofmap_writeback") == 1);
  // A DRAM that is 100x slower makes the layer DRAM-bound, and the stalls say so.
  ArchParams slow_params;
  slow_params.dram_bw = 0.012;
  ArchSpec slow = make_arch(slow_params);
  Checked d = simulate_and_check(s, found.mapping, slow, 9, true);
  CHECK(d.bit_exact);
  CHECK(d.diffs.empty());
  CHECK(d.sim.counts.cycles > 50 * k.cycles);
  int64_t dram = 0;
  for (const auto& [cause, n] : d.sim.counts.stalls_by_cause)
    if (cause.rfind("dram", 0) == 0 || cause == "ofmap_writeback" || cause == "glb_space") dram += n;
  CHECK(dram > d.sim.counts.cycles / 2);
}

TEST_CASE("A second Simulator in one process is a bug, not a silent reuse", "[hw]") {
  simulator();  // the binary's one
  CHECK_THROWS_AS(hw::Simulator(), InternalError);
  CHECK_THROWS_WITH(hw::Simulator(), Catch::Contains("SystemC's kernel elaborates once"));
}

// A PE accumulates a window in 32 bits and carries into 64 bits as often as the layer's largest
// product requires (models/hw/pe.hpp): with full-scale 16-bit values that is every word or two, and
// a missed carry would overflow and change the ofmap bits.
TEST_CASE("Full-scale 16-bit weights and ifmaps: the sums stay exact", "[hw]") {
  std::mt19937 rng(3232);
  const ArchSpec archs[] = {make_arch({}), make_arch({4, 4, 64, 12, 8, 16, 4, 4, 32, 16, 32, 2.0, 20})};
  int checked = 0;
  for (const ArchSpec& arch : archs) {
    for (int i = 0; i < 12; ++i) {
      const ConvShape s = random_layer(rng);
      const Mapping m = feasible_mapping(rng, s, arch);
      LayerData data = random_layer_data(s, uint64_t(i), false);
      // Near full scale, mostly with equal signs so that the sums grow, and now and then -32768.
      const int16_t sign = i % 2 ? -1 : 1;
      auto full_scale = [&](int16_t& v) {
        if (v == 0) return;
        v = rng() % 16 == 0 ? int16_t(-32768) : int16_t(sign * int(32000 + rng() % 768));
      };
      for (auto& v : data.ifmap.data) full_scale(v);
      for (auto& w : data.params.weights) full_scale(w);
      hw::LayerJob job = make_job(s, m, arch, data);
      job.compressed = i % 3 == 1;
      job.zero_gating = i % 3 == 2;
      INFO("arch " << arch.name << " layer " << s.str() << " mapping " << m.str() << " compressed "
                   << job.compressed << " gating " << job.zero_gating);
      const hw::LayerSimResult r = simulator().run(job);
      CHECK(r.ofmap == reference_ofmaps(s, data).data);
      ++checked;
    }
  }
  CHECK(checked == 24);
}
