// rowsim compare: the paper's experiment (configs/experiments/paper.yaml by default): baseline vs
// selective per-image energy per distortion, the gate routing real images, the paper's figures
// beside rowsim's, in a run directory.
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "sim/cli/options.hpp"
#include "sim/studies/compare.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"

namespace rowsim::cli {

int cmd_compare(const Args& args) {
  po::options_description options("rowsim compare options");
  options.add_options()("experiment", arg<std::string>("FILE|NAME", "paper"),
                        "experiment file, or an embedded name (paper)")(
      "out,o", arg<std::string>("DIR"), "run directory (default runs/compare-DATE)")(
      "cycle-level", po::bool_switch(), "cost every network with the SystemC model instead of the analytical one")(
      "images", arg<int>("N"), "test images routed per distortion and per accuracy point (overrides the experiment's dataset.images and "
      "accuracy.images)")(
      "jobs,j", arg<int>("N", int(std::max(1u, std::thread::hardware_concurrency()))),
      "threads (mapping search) or worker processes (cycle-level)");
  po::variables_map vm;
  if (!parse_command_line("usage: rowsim compare [--experiment FILE|NAME] [-o DIR] [--cycle-level] [--images N]\n\n"
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
  o.out_dir = vm.count("out") ? vm["out"].as<std::string>() : dated_run_dir("compare");
  nlohmann::json report = run_compare(x, o);
  std::string summary = read_file(o.out_dir + "/report.md");
  // The report's first sections on the terminal; everything is in the run directory.
  std::fputs(summary.substr(0, summary.find("## Networks")).c_str(), stdout);
  std::printf("Report, tables and plots: %s/\n", o.out_dir.c_str());
  return 0;
}

}  // namespace rowsim::cli
