// `rowsim simulate`'s engine: maps the network (as `rowsim map` does), prepares the fixed-point
// data and reference outputs, runs every selected conv/FC layer through the SystemC model and
// checks it: counts equal the analytical model's, ofmaps equal the reference bit for bit.
// Pooling and residual adds are costed by the post-processing model (mapper/post_processing.hpp),
// not simulated.
//
// SystemC allows one kernel per process, so `jobs` > 1 runs layers in forked worker processes;
// every layer's result depends only on its own inputs, so the report equals a serial run's.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "mapper/network_mapper.hpp"
#include "models/hw/simulate.hpp"
#include "sim/driver/network_data.hpp"

namespace rowsim {

struct SimulateOptions {
  int batch = 1;
  std::string layers;  // "A:B", "A:", ":B" or "A" (names or 1-based report rows); empty: all
  DataOptions data;    // batch and word bits are filled from the above and the arch
  int jobs = 1;
  std::string trace_path;   // VCD of one layer
  std::string trace_layer;  // which one (empty: the first simulated layer)
  bool full_check = false;
  SearchOptions search;
  FixedMappings fixed;  // mappings pinned by layer name (--mapping-file); the others are searched
  // Store every layer's weights compressed (nonzero values + bitmap): for pruned weights files.
  // Zero gating and RLC come from the arch spec's features.
  bool compressed_weights = false;
};

// The checks --check adds (cheap ones run always).
struct FullChecks {
  std::string brute_force;      // "match", "skipped (...)" or the differences
  bool stall_invariant = false; // random DRAM stalls: same counts and ofmaps, no fewer cycles
  int64_t stalled_cycles = 0;
  bool float_reference = false; // the fixed-point reference equals a double-precision evaluation
};

struct SimulatedLayer {
  LayerResult mapped;  // mapping, dense analytical counts and cycle bounds, analytical energy
  // Array layers: the analytical model's counts for the same mapping and data (compressed weights,
  // gating, RLC: mapper/layer_data.hpp), which the simulated counts must equal, and its cycles.
  AccessCounts analytical;
  bool on_array = false;
  // Array layers: the simulation. Post-processing layers carry their modelled counts here.
  AccessCounts counts;
  Energy energy;
  int64_t compute_cycles = 0, passes = 0;
  bool bit_exact = false;
  int64_t mismatched_outputs = 0;
  std::vector<std::string> count_differences;  // simulated vs analytical; empty when equal
  QFormat ifmap_q, weight_q, ofmap_q;
  bool relu_fused = false;
  std::optional<FullChecks> checks;
};

struct SimulationResult {
  std::string network;
  ArchSpec arch;
  int batch = 1;
  uint64_t seed = 1;
  std::string weights, input;  // paths, or empty for seeded random
  QFormat fmap_q;
  bool compressed_weights = false, zero_gating = false, rlc_dram = false;
  std::vector<SimulatedLayer> layers;
  AccessCounts totals;
  int64_t analytical_cycles = 0;
  Energy energy;
  bool bit_exact = true, counts_match = true;
};

// `sim`: the process's SystemC model (models/hw/simulate.hpp), created by the caller.
SimulationResult simulate_network(hw::Simulator& sim, const Network& net, const ArchSpec& arch,
                                  const SimulateOptions& options);

// A row of map's and simulate's reports, as far as choosing layers goes.
struct ReportRow {
  std::string name;
  bool on_array = false;  // conv or fully connected; otherwise a post-processing layer
};
// The rows map_network gives `net` (its conv, FC and post-processing layers, in order), known
// before mapping so that a bad selection fails early.
std::vector<ReportRow> report_rows(const Network& net);
// Rows [first, last] selected by `spec` ("A:B" with names or 1-based row numbers); a UserError
// names "layers" and the spec (the caller adds where the spec came from).
std::pair<size_t, size_t> select_rows(const std::vector<ReportRow>& rows, const std::string& spec);
// The row a trace records: the array row `name` within `range`, or the range's first array row
// when `name` is empty. A UserError names the traced layer.
size_t traced_row(const std::vector<ReportRow>& rows, std::pair<size_t, size_t> range, const std::string& name);

}  // namespace rowsim
