// The SystemC model's results must not depend on the order in which the kernel runs the processes
// of one delta cycle (IEEE 1666 leaves it unspecified). This binary elaborates one accelerator per
// creation order of its blocks, before any simulation starts (SystemC cannot elaborate afterwards),
// runs the same random layers on each, and demands identical cycles, stalls by cause, counts and
// ofmaps. Creation order alone barely moves the kernel's run order (processes woken by timers run
// in the order their timers leave the kernel's queue), so a jitter process with its own seed per
// accelerator also wakes on random cycles: its timers reshuffle the ties in that queue, and with
// them the order in which the GLB, the PE array and the DMA engines run within a cycle.
//
// Sleeping must not matter either: a clocked method that finds nothing to do sleeps until an event
// may give it something, which is only correct if it would have changed nothing in the cycles it
// skips. Nor may sending ahead: the GLB's weight and ifmap ports send words stamped with later
// cycles so as not to act in them, and the array takes granted ifmap words late during a weight
// fill. One more accelerator whose clocked methods act every cycle and whose ports send nothing
// ahead (ClockDomain::never_sleep) runs the same layers and must give the same results.
#include <algorithm>
#include <memory>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "models/hw/top.hpp"
#include "tests/hw/hw_fixtures.hpp"

using namespace rowsim;
using namespace rowsim::testing;
using hw::Block;

namespace {

// Every block first and last at least once, and each of the default order's neighbours swapped.
std::vector<hw::CreationOrder> orders() {
  return {hw::kDefaultOrder,
          {Block::Controller, Block::Dram, Block::Array, Block::Glb, Block::Noc},
          {Block::Array, Block::Noc, Block::Controller, Block::Glb, Block::Dram},
          {Block::Dram, Block::Controller, Block::Glb, Block::Noc, Block::Array},
          {Block::Glb, Block::Dram, Block::Noc, Block::Controller, Block::Array}};
}

// Wakes on random cycles (1 to 3 apart) for `window` cycles after each restart, doing nothing.
class Jitter : public sc_core::sc_module {
public:
  SC_HAS_PROCESS(Jitter);
  explicit Jitter(sc_core::sc_module_name name) : sc_core::sc_module(name) {
    SC_METHOD(wake);
    sensitive << restart_;
    dont_initialize();
  }
  void restart(uint32_t seed, int64_t window) {
    rng_.seed(seed);
    until_ = hw::Clocked::cycle() + window;
    restart_.notify(sc_core::SC_ZERO_TIME);
  }

private:
  void wake() {
    if (hw::Clocked::cycle() >= until_) return;  // back to waiting for restart_
    next_trigger(hw::Clocked::period() * double(1 + rng_() % 3));
  }
  std::mt19937 rng_;
  int64_t until_ = 0;
  sc_core::sc_event restart_;
};

struct Models {
  std::vector<std::unique_ptr<hw::Top>> tops;
  std::unique_ptr<hw::Top> awake;  // never sleeps
  std::unique_ptr<Jitter> jitter;
};

Models& models() {
  static Models m = [] {
    Models v;
    int k = 0;
    for (const auto& order : orders())
      v.tops.push_back(std::make_unique<hw::Top>(fmt::format("top{}", k++).c_str(), "", order));
    v.awake = std::make_unique<hw::Top>("awake", "");
    v.awake->set_never_sleep(true);
    v.jitter = std::make_unique<Jitter>("jitter");
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // every thread to its first wait
    return v;
  }();
  return m;
}

void check_same(const hw::LayerSimResult& r, const hw::LayerSimResult& first) {
  CHECK(r.counts.cycles == first.counts.cycles);
  CHECK(r.compute_cycles == first.compute_cycles);
  CHECK(r.counts.stalls_by_cause == first.counts.stalls_by_cause);
  CHECK(r.counts.count_differences(first.counts).empty());
  CHECK(r.ofmap == first.ofmap);
}

void run_everywhere(const hw::LayerJob& job, const std::string& what) {
  Models& m = models();
  const hw::LayerSimResult first = m.tops[0]->run(job);  // the default order, no jitter
  for (size_t k = 1; k < m.tops.size(); ++k) {
    INFO(what << "; creation order " << k);
    // Longer than any of these layers runs; the model runs on until the jitter stops.
    m.jitter->restart(uint32_t(k), 400000);
    check_same(m.tops[k]->run(job), first);
  }
  INFO(what << "; clocked methods acting every cycle, no word sent ahead");
  check_same(m.awake->run(job), first);
}

}  // namespace

TEST_CASE("Cycles and stalls by cause depend neither on the order processes run in nor on when they sleep",
          "[hw][determinism]") {
  std::mt19937 rng(1666);
  const ArchParams archs[] = {
      {},                                                         // Eyeriss
      {4, 4, 64, 12, 8, 16, 4, 4, 32, 16, 32, 2.0, 20},          // tiny array, fast DRAM
      {3, 8, 48, 6, 4, 8, 2, 0, 16, 16, 16, 0.5, 50},            // shared GLB, narrow buses
      {4, 8, 64, 12, 8, 16, 4, 4, 32, 16, 32, 0.25, 10},         // DRAM-bound
  };
  int layers = 0;
  for (const auto& a : archs) {
    ArchSpec arch = make_arch(a);
    for (int i = 0; i < 12; ++i) {
      ConvShape s = random_layer(rng);
      Mapping m = feasible_mapping(rng, s, arch);
      const bool sparse = i % 3 == 0;
      LayerData d = sparse ? sparse_layer_data(s, uint64_t(i), true, 0.4, 0.5) : random_layer_data(s, uint64_t(i), i % 2);
      hw::LayerJob job = make_job(s, m, arch, d);
      job.compressed = sparse && i % 2 == 0;
      job.zero_gating = sparse;
      job.rlc = i % 4 == 1;
      if (i % 5 == 2) job.dram_stalls = {0.3, uint64_t(i)};
      run_everywhere(job, fmt::format("arch {} layer {} mapping {}", arch.name, s.str(), m.str()));
      ++layers;
    }
  }
  CHECK(layers == 48);
}
