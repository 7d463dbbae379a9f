// Golden checks (`rowsim check --golden FILE...`): a golden file names a rowsim command, the JSON
// document it produces, and the numbers in it that must not drift, each with its tolerance and
// where it came from. `rowsim check` reruns the command and compares every number.
//
//   description: 1.00-VGG16 on Eyeriss, batch 1
//   provenance: produced by `rowsim check --update` with rowsim 0.1.0; reviewed against ...
//   command: [map, --net, vgg16, --format, json]     # its stdout is the document, or:
//   output: report.json                              # a file the command writes into {out}
//   tolerance: 1e-9                                  # default relative tolerance
//   values:
//     - {path: "totals.energy.total", expected: 5.2e9}
//     - {path: "layers[name=conv1].active_pes", expected: 96, tolerance: 0}
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rowsim {

struct GoldenValue {
  std::string path;
  double expected = 0;
  double tolerance = 0;  // relative; 0 = exact
  std::string note;      // provenance of this number, if it has its own
};

struct GoldenFile {
  std::string source;
  std::string description, provenance;
  std::vector<std::string> command;  // rowsim arguments; "{out}": a fresh temporary directory,
                                     // "{here}": the golden file's directory
  std::string output;                // file in {out} holding the document; empty: stdout
  double tolerance = 0;
  std::vector<GoldenValue> values;
};

GoldenFile load_golden(const std::string& path);

// Looks up "a.b[2].c" or "layers[name=conv1].active_pes" in a document; UserError naming the
// path and the step that failed when it is missing or not a number.
double golden_lookup(const nlohmann::json& doc, const std::string& path);

struct GoldenResult {
  std::string path;
  double expected = 0, actual = 0, tolerance = 0, rel_diff = 0;
  bool ok = false;
  std::string error;  // lookup failure
};

// Runs the golden file's command with the rowsim executable `self` and compares every value.
std::vector<GoldenResult> run_golden(const GoldenFile& golden, const std::string& self);
// Rewrites the file's expected values from a fresh run (for maintainers: review the diff).
void update_golden(const std::string& path, const GoldenFile& golden, const std::string& self);

}  // namespace rowsim
