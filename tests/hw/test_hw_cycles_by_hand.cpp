// One layer's cycles derived by hand, pass by pass, from the timing rules of the SystemC model
// (models/hw: the DMA's program order and link, the GLB ports, the PE's 1-D convolution, the psum
// chain) and of the analytical bound (mapper/analytical.cpp, docs/dataflow.md "Cycles"), and both
// models held to them, stall cause by stall cause. A change to either model's timing fails here;
// re-derive the numbers (docs/simulator.md, "Golden cycle files") rather than copying new ones.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "mapper/analytical.hpp"
#include "tests/hw/hw_fixtures.hpp"

using namespace rowsim;
using namespace rowsim::testing;

namespace {

// The test architecture's rates. A shared GLB (filter_kb 0) gives the DMA one queue, so every
// block crosses the link in program order.
constexpr int kLink = 1;        // DRAM words per cycle
constexpr int kFilterBus = 4;   // 64-bit filter bus, 16-bit words
constexpr int kIfmapBus = 1;    // 16-bit ifmap bus
constexpr int kPsumBus = 4;     // 64-bit psum buses
constexpr int kRows = 4, kCols = 4, kTaps = 3, kWindows = 2, kChainLength = 3;

int ceil_div_int(int a, int b) { return (a + b - 1) / b; }

// A block that leaves the link at the end of cycle `leaves` is in the GLB `latency` cycles later;
// the GLB puts it on a bus from the cycle after that.
int sendable(int leaves, int latency) { return leaves + latency + 1; }

// The GLB streams the resident ifmap block column by column, the 4 rows of a column in order, one
// word per cycle from `start`; the array takes a bus word in the cycle after it was sent and the
// PE may use it in that same cycle (delivery comes before the MACs in the array's cycle).
int delivered(int start, int col, int row) { return start + kCols * col + row + 1; }

// The MAC cycles of the PE that reads ifmap row `row`: its 1-D convolution of one filter row over
// one ifmap row is F = 2 windows of S = 3 taps (p = q = 1), one MAC per cycle from `first`, window
// f tap s reading column f + s, and a MAC waits until its column has been delivered.
std::vector<int> mac_cycles(int first, int ifmap_start, int row) {
  std::vector<int> cycles;
  int t = first;
  for (int f = 0; f < kWindows; ++f)
    for (int s = 0; s < kTaps; ++s) {
      t = std::max(t, delivered(ifmap_start, f + s, row));
      cycles.push_back(t++);
    }
  return cycles;
}

struct PassTiming {
  int first_mac = 0, last_mac = 0, compute = 0, mac_gaps = 0, end = 0;
};

// A pass whose weights reach the PEs by `first_mac`: the PEs' MACs, then the last psums' climb.
// PE (j, i) of chain j (ofmap row j) at position i (filter row i) reads ifmap row j + i. A PE adds
// its psum to the one from below in the cycle after its window closes and after the one below
// moved (first accumulation: position 0 starts from zero), one hop per cycle; the top PE puts it on
// the GON and the GLB takes it the cycle after. The pass ends when the GLB has every psum.
PassTiming pass_timing(int first_mac, int ifmap_start) {
  PassTiming p;
  p.first_mac = first_mac;
  std::set<int> busy;
  for (int j = 0; j < 2; ++j) {
    int moved = 0;
    for (int i = 0; i < kChainLength; ++i) {
      std::vector<int> macs = mac_cycles(first_mac, ifmap_start, j + i);
      busy.insert(macs.begin(), macs.end());
      p.last_mac = std::max(p.last_mac, macs.back());
      moved = std::max(macs.back() + 1, moved + 1);  // the last window's psum
    }
    p.end = std::max(p.end, moved + 1);
  }
  p.compute = int(busy.size());
  p.mac_gaps = p.last_mac - p.first_mac + 1 - p.compute;
  return p;
}

// The layer: 1 image, 2 filters, 1 channel, 4x4 ifmap, 3x3 filters, stride 1, no padding (a 2x2
// ofmap). The mapping: both ofmap rows in one strip (e = 2), one filter per pass (p = t = 1): two
// passes, one per filter, each on 2 chains of 3 PEs. m = 2: both filters' psums share one GLB tile,
// stored after the second pass. The strip's ifmap block stays in the GLB; each pass streams its
// own weights.
ConvShape hand_layer() {
  ConvShape s;
  s.N = 1, s.M = 2, s.C = 1, s.H = s.W = kRows, s.R = s.S = kTaps, s.E = s.F = kWindows;
  s.pad_h = s.pad_w = 0;
  return s;
}
Mapping hand_mapping() {
  Mapping m;
  m.n = 1, m.e = 2, m.p = 1, m.q = 1, m.r = 1, m.t = 1, m.m = 2, m.row_fold = kTaps;
  m.ifmap_resident = true, m.weights_resident = false;
  return m;
}
ArchSpec hand_arch(int latency) {
  ArchParams a;
  a.filter_kb = 0;
  a.dram_bw = kLink;
  a.dram_latency = latency;
  a.filter_bus = 16 * kFilterBus, a.ifmap_bus = 16 * kIfmapBus, a.psum_bus = 16 * kPsumBus;
  return make_arch(a);
}

constexpr int kIfmapWords = kRows * kCols;                 // 16: the strip's rows 0-3, all columns
constexpr int kPassWeights = kTaps * kTaps;                // 9: one filter, one channel, 3 rows of 3
constexpr int kOfmapWords = 2 * kWindows * kWindows;       // 8
constexpr int kFill = (kPassWeights + kFilterBus - 1) / kFilterBus;  // 3 filter-bus cycles per pass

struct Derived {
  int64_t cycles = 0, compute = 0;
  std::map<std::string, int64_t> causes;
};

// The SystemC model's cycles, pass by pass. Numbers in the comments are for latency 10.
Derived derive(int latency) {
  // The DMA in program order (models/hw/layer_plan.cpp): ifmap block, pass 0's weights, the psum
  // tile (claimed, no transfer), pass 1's weights. Cycles count from the layer's start.
  const int ifmap_leaves = kIfmapWords / kLink;               // 16
  const int w0_leaves = ifmap_leaves + kPassWeights / kLink;  // 25
  const int w1_leaves = w0_leaves + kPassWeights / kLink;     // 34

  // Before pass 0 the controller waits for its psum tile, which the DMA claims only after the
  // ifmap block and pass 0's weights have left the link: cycles 1-25, charged to dram_ifmap.
  const int p0_begin = w0_leaves;

  // Pass 0: the GLB and the array act from the cycle after the pass begins (26). The ifmaps are
  // sendable from 27, pass 0's weights from 36: 4 + 4 + 1 words on the filter bus in 36-38, in
  // the filter spads by 39, when the MACs start; cycles 26-38 are the fill. The GLB raises its
  // wait-for-DRAM flag in its first cycle of the pass (26) and lowers it when it first sends the
  // weights (36). The flag is a channel the array watches while it sleeps, so the cause it charges
  // follows the flag: dram_weights for 26-35, then weight_fill for 36-38 while the words cross the
  // filter bus.
  const int p0_ifmap_start = std::max(p0_begin + 1, sendable(ifmap_leaves, latency));  // 27
  const int p0_w_start = std::max(p0_begin + 1, sendable(w0_leaves, latency));        // 36
  const PassTiming p0 = pass_timing(p0_w_start + kFill, p0_ifmap_start);
  const int p0_fill = p0.first_mac - (p0_begin + 1);                                  // 13
  const int p0_dram_weights = p0_w_start - (p0_begin + 1);                            // 10
  // Every PE: 6 MACs in 39-44 (its columns are in by then); the last window's psums climb in
  // 45-47 and the GLB has them at 48: 4 pipeline cycles.

  // Pass 1 begins when pass 0 ends (48). Its weights have been in the GLB since 44 (no DRAM wait): filter bus in
  // 49-51, MACs from 52. The ifmap block is still resident, so the GLB streams it again from 49,
  // one word per cycle: now the 1-word ifmap bus sets the pace (a MAC in every cycle 52-65, 1 to 5
  // PEs busy), and the last psums reach the GLB at 67.
  const int p1_begin = p0.end;
  const int p1_w_start = std::max(p1_begin + 1, sendable(w1_leaves, latency));  // 49
  const PassTiming p1 = pass_timing(p1_w_start + kFill, p1_begin + 1);
  const int p1_fill = p1.first_mac - (p1_begin + 1);                           // 3
  const int p1_dram_weights = p1_w_start - (p1_begin + 1);  // 0 at the three latencies tested

  // The second pass completes the tile: its 8 ofmaps cross the link at 1 word per cycle.
  const int writeback = kOfmapWords / kLink;

  // Cycles inside a pass's MAC span without a MAC would be ifmap-bus stalls; there are none.
  REQUIRE(p0.mac_gaps == 0);
  REQUIRE(p1.mac_gaps == 0);
  Derived d;
  d.compute = p0.compute + p1.compute;  // 6 + 14
  d.cycles = p0_begin + (p0.end - p0_begin) + (p1.end - p1_begin) + writeback;  // 25 + 23 + 19 + 8 = 75
  d.causes = {{"dram_ifmap", p0_begin},
              {"dram_weights", p0_dram_weights + p1_dram_weights},
              {"weight_fill", (p0_fill - p0_dram_weights) + (p1_fill - p1_dram_weights)},
              {"pipeline", (p0.end - p0.last_mac) + (p1.end - p1.last_mac)},  // 4 + 2
              {"ofmap_writeback", writeback}};
  return d;
}

}  // namespace

TEST_CASE("Cycles of a two-pass layer derived by hand: SystemC and analytical", "[hw][cycles]") {
  const ConvShape s = hand_layer();
  const Mapping m = hand_mapping();
  for (int latency : {10, 3, 30}) {
    INFO("DRAM latency " << latency);
    const ArchSpec arch = hand_arch(latency);
    REQUIRE(feasible(s, m, arch));
    const Derived d = derive(latency);
    LayerData data = random_layer_data(s, 5, false);
    hw::LayerSimResult sim = simulator().run(make_job(s, m, arch, data));
    CHECK(sim.passes == 2);
    CHECK(sim.counts.cycles == d.cycles);
    CHECK(sim.compute_cycles == d.compute);
    CHECK(sim.counts.stall_cycles == d.cycles - d.compute);
    CHECK(sim.ofmap == reference_ofmaps(s, data).data);
    auto sim_cause = [&](const std::string& c) {
      auto it = sim.counts.stalls_by_cause.find(c);
      return it == sim.counts.stalls_by_cause.end() ? int64_t(0) : it->second;
    };
    CHECK(sim.counts.stalls_by_cause.size() == d.causes.size());
    for (const char* cause : {"dram_ifmap", "pipeline", "ofmap_writeback"}) {
      INFO(cause);
      CHECK(sim_cause(cause) == d.causes.at(cause));
    }
    // Every cause exactly, at every latency: the array reads the GLB's wait flag through a
    // channel, so no cause depends on the order the kernel runs the processes in (issue 17; before
    // that, one fill cycle switched cause between latencies).
    CHECK(sim.counts.stalls_by_cause == d.causes);

    // The analytical bound: per pass the weight fill (prefetched, since two passes' weights fit
    // the GLB: at the filter bus width) plus the largest of compute (the busiest PE's n*p*q*S*F
    // MACs), the ifmap bus (the pass's 16 GLB ifmap reads) and the psum bus (4 outputs over 4
    // words); the layer takes the larger of that sum and its DRAM words (16 ifmap + 2 x 9 weights
    // + 8 ofmaps) at the link rate: max(2 x 19, 42) = 42 at any latency. The SystemC run (75 at
    // latency 10) is longer by what the bound leaves out: the wait for the first blocks, the DRAM
    // latency, the psum climb after each pass and the final write-back.
    const int64_t per_pass = kFill + std::max({kTaps * kWindows, kIfmapWords / kIfmapBus,
                                               ceil_div_int(s.E * s.F, kPsumBus)});
    const int64_t dram = (kIfmapWords + 2 * kPassWeights + kOfmapWords) / kLink;
    const LayerCost cost = analyze(s, m, arch);
    CHECK(cost.cycles.weight_fill == 2 * kFill);
    CHECK(cost.cycles.compute == 2 * kTaps * kWindows);
    CHECK(cost.cycles.ifmap_bus == 2 * kIfmapWords);
    CHECK(cost.cycles.pass_bound == 2 * per_pass);
    CHECK(cost.cycles.dram == dram);
    CHECK(cost.counts.cycles == std::max(2 * per_pass, dram));
  }
}
