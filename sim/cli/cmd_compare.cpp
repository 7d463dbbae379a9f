// rowsim compare: the paper's experiment (configs/experiments/paper.yaml by default): baseline vs
// selective per-image energy per distortion, the gate routing real images, the paper's figures
// beside rowsim's, in a run directory.
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "sim/cli/options.hpp"
#include "sim/studies/compare.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"

namespace rowsim::cli {
namespace {

// --out DIR must be new or empty; --force replaces an earlier compare run there (and only that:
// a directory without a compare run's files is never emptied).
void prepare_out_dir(const std::string& dir, bool force) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  if (!fs::is_directory(dir, ec)) fail("--out {}: exists and is not a directory", dir);
  if (fs::is_empty(dir, ec)) return;
  const bool earlier_run = fs::exists(fs::path(dir) / "report.json") || fs::exists(fs::path(dir) / kIncompleteMarker);
  if (!force)
    fail("--out {}: the directory is not empty{}; give a new or empty directory, or add --force to replace it",
         dir, earlier_run ? " (it holds an earlier compare run)" : "");
  if (!earlier_run)
    fail("--out {}: --force replaces an earlier compare run only, and this directory holds no report.json or {}; "
         "not emptying it",
         dir, kIncompleteMarker);
  fs::remove_all(dir, ec);
  if (ec) fail("--out {}: cannot remove the earlier run: {}", dir, ec.message());
}

}  // namespace

int cmd_compare(const Args& args) {
  po::options_description options("rowsim compare options");
  options.add_options()("experiment", arg<std::string>("FILE|NAME", "paper"),
                        "experiment file, or an embedded name (paper)")(
      "out,o", arg<std::string>("DIR"), "run directory, new or empty (default runs/compare-DATE)")(
      "force", po::bool_switch(), "replace an earlier compare run in --out")(
      "cycle-level", po::bool_switch(), "cost every network with the SystemC model instead of the analytical one")(
      "images", arg<int>("N"), "test images routed per distortion and per accuracy point (overrides the experiment's dataset.images and "
      "accuracy.images)")(
      "jobs,j", arg<int>("N", int(std::max(1u, std::thread::hardware_concurrency()))),
      "threads (mapping search) or worker processes (cycle-level)");
  po::variables_map vm;
  if (!parse_command_line("usage: rowsim compare [--experiment FILE|NAME] [-o DIR [--force]] [--cycle-level] [--images N]\n\n"
                          "examples:\n"
                          "  rowsim compare --images 400 -o runs/paper\n"
                          "  rowsim compare --experiment my-experiment.yaml --cycle-level",
                          options, args, vm))
    return 0;
  Experiment x = load_experiment(vm["experiment"].as<std::string>());
  CompareOptions o;
  o.cycle_level = vm["cycle-level"].as<bool>();
  o.jobs = positive_int_option(vm, "jobs");
  if (vm.count("images")) o.images = positive_int_option(vm, "images");
  check_compare_inputs(x, o);
  if (vm.count("out")) {
    o.out_dir = vm["out"].as<std::string>();
    prepare_out_dir(o.out_dir, vm["force"].as<bool>());
  } else {
    if (vm["force"].as<bool>()) fail("--force goes with --out DIR (a new dated directory needs no forcing)");
    o.out_dir = dated_run_dir("compare");
  }
  std::optional<hw::Simulator> simulator;
  if (o.cycle_level) o.simulator = &simulator.emplace();
  nlohmann::json report = run_compare(x, o);
  std::string summary = read_file(o.out_dir + "/report.md");
  // The report's first sections on the terminal; everything is in the run directory.
  std::fputs(summary.substr(0, summary.find("## Networks")).c_str(), stdout);
  std::printf("Report, tables and plots: %s/\n", o.out_dir.c_str());
  return 0;
}

}  // namespace rowsim::cli
