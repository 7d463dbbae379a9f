// Experiment files (configs/experiments/*.yaml): what `rowsim compare` runs. paper.yaml is the
// selective-DCNN paper's experiment and the default. Validated like arch specs: unknown keys,
// wrong types and impossible values are errors naming the file, line, key and value.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "mapper/search.hpp"

namespace rowsim {

// One network the experiment prices: a zoo network at a width, or a network file (YAML or ONNX,
// as `--net-file` reads them) that a researcher brings.
struct ExperimentNetwork {
  std::string label;  // "0.50-vgg16", "gate", or for a file "<family>:<name>"
  std::string net;    // zoo name; empty for a file
  double width = 1.0;
  std::string file;   // resolved path; empty for the zoo
  std::string file_shown;  // the path as the experiment file wrote it (for reports)
  bool from_file() const { return !file.empty(); }
};

// A network family: the baseline and its dedicated (thinner) networks, either a zoo net at a
// baseline width and dedicated widths, or network files.
struct ExperimentFamily {
  std::string name;  // the zoo net, or the name a file family is given
  std::string net;   // zoo name; empty for a file family
  double baseline_width = 1.0;
  std::vector<double> widths;  // zoo family only
  ExperimentNetwork baseline;
  std::vector<ExperimentNetwork> dedicated;
  // The dedicated network a distortion picks: by width (zoo family) or by name (file family).
  const ExperimentNetwork* dedicated_named(const std::string& key) const;
};

struct ExperimentDistortion {
  std::string name;     // noise, blur, occlusion
  double degree = 0;    // sigma or block side; 0 = the paper's default
  std::string gate_weights;  // trained gate for this distortion (path, resolved)
  // The dedicated network the gate routes distorted images to, per family name.
  std::map<std::string, ExperimentNetwork> selective;
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

// What a paper figure measures: the gate's share of the baseline's energy, the selective
// scheme's reduction, or the pruned selective network's share (all weights-only).
enum class FigureKind { GateShare, Reduction, PrunedShare };
const char* to_string(FigureKind kind);

// One number the paper prints, for the side-by-side comparison in report.json.
struct PaperFigure {
  std::string figure;    // "Fig. 2(a)"
  std::string quantity;  // what it is, in words
  FigureKind kind = FigureKind::GateShare;
  std::string net;       // family
  double width = 0;      // dedicated width (reduction, pruned_share)
  std::string distortion;
  int bits = 16;         // pruned_share
  double value = 0;      // the paper's number
};

struct Experiment {
  std::string name;
  std::string source;
  std::string base_dir;  // the experiment file's directory: report paths are relative to it
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

  // The family of that name; nullptr when none (names are checked at load).
  const ExperimentFamily* family(const std::string& name) const;
  // A path as a report shows it: relative to the experiment file's directory.
  std::string shown_path(const std::string& path) const;
};

Experiment load_experiment(const std::string& path_or_name);
std::string width_label(double width);  // 0.5 -> "0.50"
ExperimentNetwork zoo_network_entry(const std::string& net, double width);  // labelled "0.50-vgg16", "gate"
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
