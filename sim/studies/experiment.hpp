// Experiment files (configs/experiments/*.yaml): what `rowsim compare` runs. paper.yaml is the
// selective-DCNN paper's experiment and the default. Validated like arch specs: unknown keys,
// wrong types and impossible values are errors naming the file, line, key and value.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "mapper/search.hpp"

namespace rowsim {

// A network family: the baseline and the widths of its dedicated (thinner) networks.
struct ExperimentFamily {
  std::string net;  // zoo name
  double baseline_width = 1.0;
  std::vector<double> widths;
};

struct ExperimentDistortion {
  std::string name;     // noise, blur, occlusion
  double degree = 0;    // sigma or block side; 0 = the paper's default
  std::string gate_weights;  // trained gate for this distortion (path, resolved)
  // The dedicated width the paper picks for this distortion, per family.
  std::map<std::string, double> selective_width;
};

// Fig. 4: the selective network with pruned weights at several bit widths.
struct ExperimentPruning {
  bool enabled = false;
  std::string net;
  double width = 0.5;
  std::string weights;     // pruned weights file (sparsity pattern); empty: not available
  std::vector<int> bits;   // weight bit widths to report
};

// Fig. 3: classification accuracy against the clean:distorted ratio and the distortion degree,
// the baseline (one network trained on clean and distorted images) against the selective scheme
// (the gate routing to a network trained on clean images or one trained on the distortion).
struct AccuracyDistortion {
  std::string name;
  std::vector<double> degrees;  // swept at ratio 1:1
  std::string dedicated;        // trained on distorted images only
  std::string baseline;         // trained on clean:distorted 1:1
};
struct ExperimentAccuracy {
  bool enabled = false;
  int images = 1000;
  std::vector<std::string> ratios;  // "9:1", ... swept at the distortion's default degree
  std::string clean;                // trained on clean images
  std::vector<AccuracyDistortion> distortions;
};

// One number the paper prints, for the side-by-side comparison in report.json.
struct PaperFigure {
  std::string figure;    // "Fig. 2(a)"
  std::string quantity;  // what it is, in words
  std::string kind;      // gate_share | reduction | pruned_share
  std::string net;       // family
  double width = 0;      // dedicated width (reduction, pruned_share)
  std::string distortion;
  int bits = 16;         // pruned_share
  double value = 0;      // the paper's number
};

struct Experiment {
  std::string name;
  std::string source;
  std::string arch;
  int batch = 1;
  SearchOptions search;
  std::string dataset = "fashion-mnist";
  std::string data_dir;
  int images = 1000;     // test images routed per distortion
  int ratio_clean = 1, ratio_distorted = 1;
  uint64_t seed = 1;
  std::vector<ExperimentFamily> families;
  std::vector<ExperimentDistortion> distortions;
  ExperimentPruning pruning;
  ExperimentAccuracy accuracy;
  std::vector<PaperFigure> paper;
};

Experiment load_experiment(const std::string& path_or_name);
// The experiment files compiled in (configs/experiments/*.yaml), by stem.
const std::map<std::string, std::string>& embedded_experiments();

// The text of a file in configs/experiments (an experiment or a sweep spec) given as a path or as
// an embedded name, and where its relative paths start: the file's directory, or for an embedded
// one configs/experiments in the data directory (workloads/util/data_dir.hpp, looked up only when
// a path needs it). A missing file is a UserError listing the embedded names.
struct ExperimentText {
  std::string text;
  std::string origin;  // the path, or "<embedded NAME.yaml>", for messages
  std::string file;    // empty when embedded
  std::string dir() const;
  std::string dir_description() const;  // what relative paths are relative to, in words
  std::string resolve(const std::string& path) const;  // relative to dir(), normalised
};
ExperimentText read_experiment_text(const std::string& path_or_name);

}  // namespace rowsim
