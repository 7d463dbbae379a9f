// `rowsim compare`: the selective-DCNN experiment end to end. Per-image energy of each family's
// baseline and of the selective scheme (gate + the dedicated network the gate routes to), per
// distortion, with the gate deciding on real images; the paper's figures side by side with
// rowsim's; report.md, report.json, CSV tables and plots in a run directory.
// Two steps: compute_compare fills a CompareResult (no formatting), and the renderers in
// compare_report.hpp turn it into the files.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/arch/arch_spec.hpp"
#include "models/arch/energy.hpp"
#include "models/hw/simulate.hpp"
#include "sim/report/physical.hpp"
#include "sim/studies/experiment.hpp"

namespace rowsim {

// Per-image cost of one network on the experiment's arch.
struct NetworkCost {
  std::string label;  // "1.00-vgg16", "gate", "0.50-vgg16 pruned 12-bit", "mine:half"
  std::string net;    // zoo name; empty for a network file
  double width = 1;
  std::string file;   // a network file as the experiment names it; empty for the zoo
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

// One family's selective pair for one distortion: the gate then the dedicated network.
struct SelectiveCost {
  std::string family;
  NetworkCost baseline, dedicated;
  Energy energy;    // gate + dedicated, per image
  Physical pair;    // gate + dedicated
  double reduction_weights_only() const { return baseline.energy.weights_only() / energy.weights_only(); }
  double reduction_total() const { return baseline.energy.total() / energy.total(); }
};

struct DistortionResult {
  ExperimentDistortion spec;
  std::string params;  // the degree as the distortion states it ("sigma=0.25")
  Routing routing;
  std::vector<SelectiveCost> selective;
};

// One paper figure beside rowsim's value (none when it needs pruned weights that are missing).
struct FigureResult {
  PaperFigure figure;
  std::optional<double> rowsim;
  std::string why;  // more than 10% off: the reason from this run's numbers; no value: what it needs
  double rel_error() const { return rowsim ? (*rowsim - figure.value) / figure.value : 0.0; }
};

// Fig. 4: the selective dedicated network with pruned weights at each bit width.
struct PrunedRow {
  int bits = 16;
  NetworkCost pruned;
  Energy selective;  // gate + pruned dedicated, per image
};
struct PruningResult {
  bool enabled = false, computed = false;  // enabled but not computed: the weights file is missing
  std::string weights;                     // as the report shows it
  NetworkCost baseline, dense;
  std::vector<PrunedRow> rows;
};

struct CompareResult {
  const Experiment* experiment = nullptr;
  ArchSpec arch;
  bool cycle_level = false;
  int images = 0;      // test images routed per distortion (the run's, after any override)
  NetworkCost gate;
  std::vector<NetworkCost> networks;  // every network priced, in the experiment's order
  std::vector<DistortionResult> distortions;
  std::vector<FigureResult> figures;
  PruningResult pruning;
  nlohmann::json accuracy;  // Fig. 3 (sim/studies/accuracy.hpp); null when the experiment has none
  std::string accuracy_markdown;
  const NetworkCost& network(const std::string& label) const;
};

struct CompareOptions {
  std::string out_dir;
  bool cycle_level = false;
  hw::Simulator* simulator = nullptr;  // cycle_level: the process's SystemC model, created by the caller
  int jobs = 1;
  int images = 0;  // > 0 overrides the experiment's image counts
};

// What a run needs before any work: the test images it asks for (never silently fewer) and every
// gate and classifier file. A UserError before anything is written.
void check_compare_inputs(const Experiment& experiment, const CompareOptions& options);

// Prices every network, routes the test images and compares with the paper. Fig. 3's plots are
// drawn into options.out_dir as the accuracy study runs.
CompareResult compute_compare(const Experiment& experiment, const CompareOptions& options);

// Marks options.out_dir incomplete, computes, writes every file, then removes the mark; returns
// report.json's document.
nlohmann::json run_compare(const Experiment& experiment, const CompareOptions& options);

// The file a run directory holds while its run has not finished.
inline constexpr const char* kIncompleteMarker = "INCOMPLETE";

}  // namespace rowsim
