// Design-space sweeps: a base arch spec, ranges or lists for any of its fields, and networks;
// every point is mapped with the analytical model (or simulated) and reported with energy by
// level, cycles, utilisation and an area proxy. Points run in parallel, each finished point is
// appended to a journal (so a killed sweep resumes where it stopped), and shards (Slurm arrays,
// MPI ranks) write their own journals that merge into the same result as an unsharded run.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mapper/search.hpp"
#include "models/arch/arch_spec.hpp"
#include "sim/studies/sweep_row.hpp"
#include "workloads/network.hpp"

namespace rowsim {

struct SweepAxis {
  std::string key;                  // arch field path, e.g. "pe_array.rows"
  std::vector<std::string> values;  // as YAML scalars
};

struct SweepNetwork {
  std::string label;     // "vgg16@1", "gate+resnet50@0.25" (a selective pair), or the file's network name
  std::string net;       // zoo name, empty for a file
  std::string net_file;  // path, empty for the zoo
  double width = 1.0;
  bool selective = false;
};

struct SweepSpec {
  std::string arch;  // base spec path or embedded name
  std::string arch_text, arch_origin;
  std::vector<SweepAxis> axes;
  std::vector<SweepNetwork> networks;
  int batch = 1;
  SearchOptions search;
  bool cycle_level = false;
  // Canonical description: two runs with equal fingerprints compute the same points.
  std::string fingerprint() const;
  int64_t points() const;
};

// "8:32:4" (inclusive start:stop:step), "8,14,16", or a single value. `where` names the source.
SweepAxis parse_axis(const std::string& key, const std::string& text, const std::string& where);
SweepNetwork make_sweep_network(const std::string& net, const std::string& net_file, double width, bool selective);
// A network named with its width: "vgg16" (width 1), "vgg16@0.25", or "gate+vgg16@0.5" for the
// selective pair (the gate, then the dedicated network). UserError naming the text otherwise.
SweepNetwork parse_sweep_network(const std::string& text);
SweepSpec load_sweep_spec(const std::string& path);
// Resolves the base arch and checks every axis names a field and every point's arch is valid;
// throws UserError before any work starts.
void validate_sweep(SweepSpec& spec);

struct SweepPoint {
  int64_t index = 0;
  size_t network = 0;
  std::vector<std::string> values;  // one per axis
};
SweepPoint sweep_point(const SweepSpec& spec, int64_t index);
std::string point_arch_text(const SweepSpec& spec, const SweepPoint& point);

// Evaluates one point into a result row. Infeasible points give a row with the reason.
using PointEvaluator = std::function<SweepRow(const SweepSpec&, const SweepPoint&)>;
SweepRow evaluate_point_analytical(const SweepSpec& spec, const SweepPoint& point);

// The pieces an evaluator needs: the point's arch, its networks (the gate and the dedicated one
// for a selective pair), and the row for the totals it measured (or the reason it failed).
ArchSpec sweep_point_arch(const SweepSpec& spec, const SweepPoint& point);
std::vector<std::pair<std::string, Network>> sweep_point_networks(const SweepSpec& spec, const SweepPoint& point);
SweepRow sweep_row(const SweepSpec& spec, const SweepPoint& point, const ArchSpec& arch,
                         const AccessCounts* totals, const Energy* energy, const std::string& failure);

struct Shard {
  int index = 0, count = 1;
  bool owns(int64_t point) const { return point % count == index; }
  std::string name() const;  // "0of1"
};
Shard parse_shard(const std::string& text);  // "i/n"

struct SweepRunOptions {
  std::string out_dir;
  int jobs = 1;
  bool resume = false;
  Shard shard;
  bool write_results = true;  // MPI ranks other than 0 leave the results to rank 0
};

// How many points of `spec` the output directory `out_dir` holds already (0 when it does not
// exist); a UserError when it holds a sweep of another spec.
size_t finished_sweep_points(const SweepSpec& spec, const std::string& out_dir);
// Runs the points this shard owns that the journals do not have yet; returns how many ran.
int64_t run_sweep(const SweepSpec& spec, const SweepRunOptions& options, const PointEvaluator& evaluate);
// Reads every journal in `dirs` (checking they come from the same spec) and writes results.csv,
// results.json and the plots into `out_dir`. Returns the number of rows.
int64_t write_sweep_results(const std::vector<std::string>& dirs, const std::string& out_dir);

}  // namespace rowsim
