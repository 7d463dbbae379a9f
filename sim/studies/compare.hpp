// `rowsim compare`: the selective-DCNN experiment end to end. Per-image energy of each family's
// baseline and of the selective scheme (gate + the dedicated network the gate routes to), per
// distortion, with the gate deciding on real images; the paper's figures side by side with
// rowsim's; report.md, report.json, CSV tables and plots in a run directory.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/arch/energy.hpp"
#include "sim/studies/experiment.hpp"
#include "sim/report/physical.hpp"
#include "workloads/network.hpp"

namespace rowsim {

// Per-image cost of one network on the experiment's arch.
struct NetworkCost {
  std::string label;  // "1.00-vgg16", "gate", "0.50-vgg16 pruned 12-bit"
  std::string net;
  double width = 1;
  int64_t weights = 0, nonzero_weights = 0, macs = 0, macs_paper = 0;
  Energy energy;       // per image
  int64_t cycles = 0;  // per image (batch cycles / batch)
  std::string source;  // "analytical" or "cycle-level"
  Physical physical;   // the batch's latency (and technology figures): sim/report/physical.hpp
};

// Routing of one distortion's mixed test set by its gate.
struct Routing {
  int64_t images = 0, distorted = 0;
  int64_t clean_to_clean = 0, clean_to_distorted = 0, distorted_to_clean = 0, distorted_to_distorted = 0;
  double accuracy() const;
};

struct CompareOptions {
  std::string out_dir;
  bool cycle_level = false;
  int jobs = 1;
  int images = 0;  // > 0 overrides the experiment's image count
};

// Runs the experiment and writes the run directory; returns report.json's document.
nlohmann::json run_compare(const Experiment& experiment, const CompareOptions& options);

std::string width_label(double width);  // 0.5 -> "0.50"

}  // namespace rowsim
