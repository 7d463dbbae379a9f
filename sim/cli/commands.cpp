#include "sim/cli/commands.hpp"

namespace rowsim::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"compare", "per-image energy of the baseline vs the selective scheme (the paper's experiment)", cmd_compare},
      {"workload", "network statistics: shapes, weights, MACs (`workload stats`)", cmd_workload},
      {"map", "row-stationary mapping per layer with analytical counts, cycles and energy", cmd_map},
      {"simulate", "cycle-level SystemC simulation of a network on real data, checked against the models",
       cmd_simulate},
      {"sweep", "design-space sweeps over arch fields and networks (parallel, resumable, sharded)", cmd_sweep},
      {"check", "rerun golden files (tests/golden) and report every number that drifted", cmd_check},
      {"arch", "architecture specs: `arch show FILE` prints the validated, resolved spec", cmd_arch},
      {"train", "train a network with rowsim's own trainer; writes safetensors weights", cmd_train},
      {"eval", "top-1 (and gate routing) accuracy of a weights file on a test split", cmd_eval},
      {"prune", "magnitude pruning with retraining; writes compact sparse weights", cmd_prune},
      {"quantize", "fixed-point weights per layer, and the accuracy-vs-bits sweep", cmd_quantize},
  };
  return list;
}

}  // namespace rowsim::cli
