// The cycle-level model of one layer: the entry point sim/ uses. Plain C++ types only; the SystemC
// modules behind it (models/hw/top.hpp) are built once per process and reconfigured per layer
// from the job's ArchSpec, so any array size runs in the same process.
//
// SystemC has one kernel per process: a Simulator is not thread-safe. Run layers in parallel in
// separate processes (sim/driver/simulate_runner.cpp forks workers).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mapper/mapping.hpp"
#include "models/arch/access_counts.hpp"
#include "models/arch/arch_spec.hpp"
#include "workloads/fixed_point.hpp"

namespace rowsim::hw {

// Random DRAM stalls for tests of back-pressure: each cycle the link would move data it stalls
// with this probability instead. Seeded, so a run is reproducible.
struct DramStalls {
  double probability = 0;
  uint64_t seed = 0;
};

struct LayerJob {
  std::string name;
  ConvShape shape;  // per group; shape.G groups run one after another
  Mapping mapping;
  ArchSpec arch;
  // Data in DRAM, all raw fixed point: ifmaps [N][G*C][H][W] (fully connected: [N][C][1][1]),
  // weights [G*M][C][R][S], bias [G*M] at the accumulator scale (nullptr: none).
  const int16_t* ifmap = nullptr;
  const int16_t* weights = nullptr;
  const int64_t* bias = nullptr;
  int shift = 0;    // frac(ifmap) + frac(weight) - frac(ofmap)
  QFormat out_q;    // ofmap format
  bool relu = false;  // ReLU fused at ofmap write-out
  // Sparsity and coding, counted as mapper/brute_force.cpp counts them (docs/simulator.md):
  // compressed: weights move and are stored as their nonzero values plus a presence bitmap, and a
  //   PE visits only its stored weights (zero weights cost neither accesses nor cycles);
  // zero_gating: a MAC whose ifmap is zero is gated (no weight read, MAC or psum update) but keeps
  //   its cycle;
  // rlc: ifmap fills and ofmap write-backs cross the DRAM link run-length coded, one stream per image.
  bool compressed = false;
  bool zero_gating = false;
  bool rlc = false;
  DramStalls dram_stalls;
};

struct LayerSimResult {
  // Every access as counted where it happened; cycles, stall_cycles and stalls_by_cause from the
  // simulation (cycles = compute_cycles + stall_cycles).
  AccessCounts counts;
  int64_t compute_cycles = 0;  // cycles in which at least one PE used its MAC slot (gated MACs included)
  int64_t passes = 0;
  std::vector<int16_t> ofmap;  // [N][G*M][E][F]
};

class Top;

// The elaborated accelerator. SystemC's kernel elaborates once per process and cannot elaborate a
// second model after it has simulated, so a process holds at most one Simulator, ever: the code
// that decides to simulate (a CLI command, a test binary) creates it and passes it down, and a
// second one is a bug (panic). The model is elaborated at the first run(), so a forked worker whose
// parent never ran a layer elaborates its own copy, and a trace can be chosen until then.
class Simulator {
public:
  Simulator();
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Throws UserError when the mapping does not fit the architecture.
  LayerSimResult run(const LayerJob& job);

  // Records a VCD of the model's signals (docs/simulator.md lists them). Must be called before the
  // first run(); the file is complete after finish_trace() or exit.
  void enable_trace(const std::string& vcd_path);
  void finish_trace();
  void discard_trace();  // after a failure: removes the unfinished file

private:
  std::string trace_path_, trace_tmp_;
  std::unique_ptr<Top> top_;
};

// The stall causes reported in stalls_by_cause, in report order.
const std::vector<std::string>& stall_cause_names();

}  // namespace rowsim::hw
