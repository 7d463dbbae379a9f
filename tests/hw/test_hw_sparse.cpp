// The SystemC model with compressed weights, zero-ifmap gating and run-length coded DRAM feature
// maps: its counts equal the analytical model's with the same data (mapper/layer_data.hpp), field
// by field, index bits and skipped MACs included; its ofmaps stay bit-exact; and the timing rules
// hold (unstored weights cost no cycles, gated MACs keep theirs, RLC shortens DRAM transfers).
#include <random>

#include <catch2/catch.hpp>

#include "mapper/analytical.hpp"
#include "mapper/brute_force.hpp"
#include "mapper/layer_data.hpp"
#include "tests/hw/hw_fixtures.hpp"

using namespace rowsim;
using namespace rowsim::testing;

namespace {

constexpr int kPerCombo = 10;  // random layers per array size and flag combination

struct Flags {
  bool compressed = false, gating = false, rlc = false;
};

struct SparseRun {
  hw::LayerSimResult sim;
  AccessCounts analytical;  // with the layer's data
  bool bit_exact = false;
  std::vector<std::string> diffs;  // simulated vs analytical
};

SparseRun run_sparse(const ConvShape& s, const Mapping& m, const ArchSpec& arch, const LayerData& data, Flags f,
                     hw::DramStalls stalls = {}) {
  const FixedTensor ref = reference_ofmaps(s, data);
  hw::LayerJob job = make_job(s, m, arch, data);
  job.compressed = f.compressed;
  job.zero_gating = f.gating;
  job.rlc = f.rlc;
  job.dram_stalls = stalls;
  SparseRun r;
  r.sim = simulator().run(job);
  LayerValues values;
  values.params = &data.params;
  values.ifmap = &data.ifmap;
  values.ofmap = &ref;
  values.compressed = f.compressed;
  values.zero_gating = f.gating;
  values.rlc = f.rlc;
  LayerTables tables(s, values);
  r.analytical = analytical_counts(s, m, &tables);
  r.bit_exact = r.sim.ofmap == ref.data;
  r.diffs = r.sim.counts.count_differences(r.analytical);
  return r;
}

std::string flags_str(Flags f) {
  return fmt::format("compressed {} gating {} rlc {}", f.compressed, f.gating, f.rlc);
}

ConvShape conv(int N, int M, int C, int H, int R, int U, int pad) {
  ConvShape s;
  s.N = N, s.M = M, s.C = C, s.H = s.W = H, s.R = s.S = R, s.U = U, s.pad_h = s.pad_w = pad;
  s.E = s.F = (H + 2 * pad - R) / U + 1;
  return s;
}

}  // namespace

TEST_CASE("Sparse random layers: every flag combination counts like the analytical model, bit-exact",
          "[hw][sparse][property]") {
  std::mt19937 rng(7007);
  const ArchParams archs[] = {
      {},                                                         // Eyeriss
      {4, 4, 64, 12, 8, 16, 4, 4, 32, 16, 32, 2.0, 20},          // tiny array
      {3, 8, 48, 6, 4, 8, 2, 0, 16, 16, 16, 0.5, 50},             // shared GLB, narrow buses
      {16, 16, 512, 24, 32, 256, 16, 32, 128, 64, 128, 8.0, 10},  // large
  };
  int checked = 0, skipping = 0;
  for (const auto& a : archs) {
    ArchSpec arch = make_arch(a);
    for (int combo = 0; combo < 8; ++combo) {
      const Flags f{(combo & 1) != 0, (combo & 2) != 0, (combo & 4) != 0};
      for (int i = 0; i < kPerCombo; ++i) {
        ConvShape s = random_layer(rng);
        Mapping m = feasible_mapping(rng, s, arch);
        const double wd = std::uniform_real_distribution<double>(0.05, 1.0)(rng);
        const double id = std::uniform_real_distribution<double>(0.05, 1.0)(rng);
        LayerData data = sparse_layer_data(s, uint64_t(1000 * combo + i), i % 2 == 0, wd, id);
        INFO("arch " << arch.name << " layer " << s.str() << " mapping " << m.str() << " " << flags_str(f)
                     << " densities " << wd << " " << id);
        SparseRun r = run_sparse(s, m, arch, data, f);
        INFO("differences (sim vs analytical): " << joined(r.diffs));
        CHECK(r.diffs.empty());
        CHECK(r.bit_exact);
        CHECK(r.sim.counts.macs + r.sim.counts.macs_skipped == s.macs());
        CHECK(r.sim.compute_cycles + r.sim.counts.stall_cycles == r.sim.counts.cycles);
        // Index bits move exactly when weights are compressed.
        CHECK((r.sim.counts.data_total(Data::Index) > 0) == f.compressed);
        skipping += r.sim.counts.macs_skipped > 0;
        ++checked;
      }
    }
  }
  CHECK(checked == 4 * 8 * kPerCombo);
  CHECK(skipping > 4 * 8 * kPerCombo * 2 / 3);  // the data is sparse enough that most runs skip MACs
}

TEST_CASE("Sparse layers on folded filters, uneven channel sets, strides, 1x1 and FC also match brute force",
          "[hw][sparse]") {
  std::mt19937 rng(31);
  ArchSpec small = make_arch({3, 6, 96, 12, 16, 32, 4, 8, 64, 16, 64, 1.5, 30});
  ConvShape fc;
  fc.N = 2, fc.M = 7, fc.C = 37, fc.H = fc.W = fc.R = fc.S = fc.E = fc.F = 1;
  const ConvShape shapes[] = {conv(1, 4, 3, 11, 7, 2, 3), conv(2, 6, 5, 8, 3, 1, 1), conv(1, 5, 3, 13, 2, 3, 0),
                              conv(2, 9, 11, 6, 1, 1, 0), fc};
  for (const ConvShape& s : shapes) {
    Mapping m = feasible_mapping(rng, s, small);
    LayerData data = sparse_layer_data(s, 5, true, 0.3, 0.5);
    const FixedTensor ref = reference_ofmaps(s, data);
    LayerValues values;
    values.params = &data.params;
    values.ifmap = &data.ifmap;
    values.ofmap = &ref;
    values.compressed = values.zero_gating = values.rlc = true;
    LayerTables tables(s, values);
    INFO("layer " << s.str() << " mapping " << m.str());
    SparseRun r = run_sparse(s, m, small, data, {true, true, true});
    INFO(joined(r.diffs));
    CHECK(r.diffs.empty());
    CHECK(r.bit_exact);
    CHECK(r.sim.counts.count_differences(brute_force_counts(s, m, &tables)).empty());
  }
}

TEST_CASE("Compressed weights by hand: two of four weights stored", "[hw][sparse]") {
  // A 1x1 conv, 1 image, 2 filters x 2 channels on a 1x2 map; weights {1, 0; 0, 3} (the mapper's
  // hand-counted case in tests/mapper/test_sparse.cpp).
  ConvShape s;
  s.M = 2, s.C = 2, s.H = 1, s.W = 2, s.R = s.S = 1, s.E = 1, s.F = 2;
  ArchSpec arch = make_arch({});
  Mapping m;
  m.e = 1, m.p = 2, m.q = 2, m.r = 1, m.t = 1, m.m = 2, m.row_fold = 1;
  REQUIRE(feasible(s, m, arch));
  LayerData data = random_layer_data(s, 1, false);
  data.params.weights = {1, 0, 0, 3};
  data.ifmap.data = {5, 6, 7, 8};
  SparseRun r = run_sparse(s, m, arch, data, {true, false, false});
  CHECK(r.diffs.empty());
  CHECK(r.bit_exact);
  const AccessCounts& c = r.sim.counts;
  CHECK(c.at(Level::DRAM, Data::Weight).reads == 2);
  CHECK(c.at(Level::DRAM, Data::Index).reads == 4);  // one bit per position
  CHECK(c.at(Level::GLB, Data::Index).writes == 4);
  CHECK(c.at(Level::RF, Data::Index).writes == 4);   // one PE holds all four positions
  CHECK(c.at(Level::RF, Data::Index).reads == 0);    // expanded on arrival
  CHECK(c.macs == 4);
  CHECK(c.macs_skipped == 4);
  CHECK(c.at(Level::RF, Data::Psum).reads == 0);  // every output gets exactly one MAC
  // Dense, the PE spends 8 MAC slots; compressed, 4.
  SparseRun dense = run_sparse(s, m, arch, data, {});
  CHECK(dense.sim.compute_cycles == 8);
  CHECK(r.sim.compute_cycles == 4);
}

TEST_CASE("Timing: unstored weights cost no cycles, gated MACs keep theirs, RLC shortens DRAM transfers",
          "[hw][sparse]") {
  ConvShape s = conv(1, 16, 8, 14, 3, 1, 1);
  // A fast DRAM and a 4-word ifmap bus, so that the dense layer is compute-bound: skipping taps can
  // only shorten a layer whose PEs are the bottleneck (on Eyeriss's 1-word ifmap bus this one is not).
  ArchParams fast;
  fast.dram_bw = 16;
  fast.dram_latency = 10;
  fast.ifmap_bus = 64;
  ArchSpec arch = make_arch(fast);
  SearchResult found = search_mapping(s, arch, SearchOptions{});
  REQUIRE(found.found);
  const Mapping& m = found.mapping;
  LayerData data = sparse_layer_data(s, 3, true, 0.25, 0.4);
  SparseRun dense = run_sparse(s, m, arch, data, {});
  SparseRun gated = run_sparse(s, m, arch, data, {false, true, false});
  SparseRun compressed = run_sparse(s, m, arch, data, {true, false, false});
  for (const SparseRun* r : {&dense, &gated, &compressed}) {
    CHECK(r->diffs.empty());
    CHECK(r->bit_exact);
  }
  // Gating saves MACs and spad reads, not time: the same cycles, cause by cause.
  CHECK(gated.sim.counts.macs < dense.sim.counts.macs);
  CHECK(gated.sim.counts.at(Level::RF, Data::Weight).reads < dense.sim.counts.at(Level::RF, Data::Weight).reads);
  CHECK(gated.sim.counts.cycles == dense.sim.counts.cycles);
  CHECK(gated.sim.counts.stalls_by_cause == dense.sim.counts.stalls_by_cause);
  CHECK(gated.sim.compute_cycles == dense.sim.compute_cycles);
  // A quarter of the weights stored: the PEs visit about a quarter of the taps (the busiest PE of
  // an ifmap multicast group sets the pace, so the gain is smaller).
  CHECK(compressed.sim.compute_cycles < dense.sim.compute_cycles * 2 / 3);
  CHECK(compressed.sim.counts.cycles < dense.sim.counts.cycles * 3 / 4);
  CHECK(compressed.sim.counts.at(Level::DRAM, Data::Weight).reads <
        dense.sim.counts.at(Level::DRAM, Data::Weight).reads / 2);

  // On a DRAM 100x slower the layer is DRAM-bound, and coding the sparse fmaps shortens it.
  ArchParams slow = fast;
  slow.dram_bw = 0.012;
  ArchSpec slow_arch = make_arch(slow);
  SparseRun plain = run_sparse(s, m, slow_arch, data, {});
  SparseRun coded = run_sparse(s, m, slow_arch, data, {false, false, true});
  CHECK(coded.diffs.empty());
  CHECK(coded.bit_exact);
  CHECK(coded.sim.counts.at(Level::DRAM, Data::Ifmap).reads < plain.sim.counts.at(Level::DRAM, Data::Ifmap).reads);
  CHECK(coded.sim.counts.at(Level::DRAM, Data::Psum).writes < plain.sim.counts.at(Level::DRAM, Data::Psum).writes);
  // GLB traffic is in real words either way.
  CHECK(coded.sim.counts.at(Level::GLB, Data::Ifmap) == plain.sim.counts.at(Level::GLB, Data::Ifmap));
  CHECK(coded.sim.counts.cycles < plain.sim.counts.cycles * 9 / 10);
}

TEST_CASE("All-zero weights: no MACs, every psum still climbs its chain, outputs are the bias", "[hw][sparse]") {
  ConvShape s = conv(2, 6, 5, 8, 3, 1, 1);
  ArchSpec arch = make_arch({4, 4, 64, 12, 8, 16, 4, 4, 32, 16, 32, 2.0, 20});
  std::mt19937 rng(12);
  Mapping m = feasible_mapping(rng, s, arch);
  LayerData data = sparse_layer_data(s, 8, false, 0.0, 0.7);
  SparseRun r = run_sparse(s, m, arch, data, {true, true, true});
  INFO("mapping " << m.str() << ": " << joined(r.diffs));
  CHECK(r.diffs.empty());
  CHECK(r.bit_exact);
  CHECK(r.sim.counts.macs == 0);
  CHECK(r.sim.counts.macs_skipped == s.macs());
  CHECK(r.sim.counts.at(Level::DRAM, Data::Weight).reads == 0);
  CHECK(r.sim.counts.at(Level::GLB, Data::Psum).writes > 0);
  CHECK(r.sim.compute_cycles == 0);
}

TEST_CASE("Sparse layers under random DRAM stalls change cycles only", "[hw][sparse][backpressure]") {
  std::mt19937 rng(99);
  ArchSpec arch = make_arch({4, 8, 64, 12, 8, 16, 4, 4, 32, 16, 32, 0.5, 40});
  for (int i = 0; i < 8; ++i) {
    ConvShape s = random_layer(rng);
    Mapping m = feasible_mapping(rng, s, arch);
    LayerData data = sparse_layer_data(s, uint64_t(i), true, 0.4, 0.5);
    const Flags f{i % 2 == 0, true, i % 4 < 2};
    INFO("layer " << s.str() << " mapping " << m.str() << " " << flags_str(f));
    SparseRun calm = run_sparse(s, m, arch, data, f);
    SparseRun stalled = run_sparse(s, m, arch, data, f, hw::DramStalls{0.5, uint64_t(7 + i)});
    CHECK(calm.diffs.empty());
    CHECK(stalled.diffs.empty());
    CHECK(stalled.bit_exact);
    CHECK(stalled.sim.ofmap == calm.sim.ofmap);
    CHECK(stalled.sim.counts.count_differences(calm.sim.counts).empty());
    CHECK(stalled.sim.counts.cycles > calm.sim.counts.cycles);
  }
}
