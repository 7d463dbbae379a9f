// rowsim sweep: design-space sweeps over arch fields and networks, parallel, resumable,
// shardable (Slurm arrays) and, in an MPI build, split across ranks of `mpirun`.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "sim/cli/options.hpp"
#include "sim/studies/sweep.hpp"
#include "sim/studies/sweep_cycle_level.hpp"
#include "workloads/util/error.hpp"

#ifdef ROWSIM_WITH_MPI
#include <mpi.h>
#endif

namespace rowsim::cli {
namespace {

int merge(const Args& args) {
  po::options_description options("rowsim sweep merge options");
  options.add_options()("dirs", arg<std::vector<std::string>>("DIR")->multitoken(), "shard output directories")(
      "out,o", arg<std::string>("DIR"), "directory for the merged results");
  po::positional_options_description positional;
  positional.add("dirs", -1);
  po::variables_map vm;
  if (!parse_command_line("usage: rowsim sweep merge DIR... -o DIR", options, args, vm, &positional)) return 0;
  if (!vm.count("dirs")) fail("`rowsim sweep merge` needs the shard directories to merge");
  if (!vm.count("out")) fail("`rowsim sweep merge` needs -o DIR for the merged results");
  int64_t rows = write_sweep_results(vm["dirs"].as<std::vector<std::string>>(), vm["out"].as<std::string>());
  std::printf("merged %lld points into %s\n", static_cast<long long>(rows), vm["out"].as<std::string>().c_str());
  return 0;
}

// Under `mpirun` (an MPI build started by a launcher), each rank runs one shard and rank 0
// writes the merged results once every rank has finished.
struct MpiSession {
  bool active = false;
  int rank = 0, size = 1;
  MpiSession() {
#ifdef ROWSIM_WITH_MPI
    if (std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE")) {
      MPI_Init(nullptr, nullptr);
      MPI_Comm_rank(MPI_COMM_WORLD, &rank);
      MPI_Comm_size(MPI_COMM_WORLD, &size);
      active = true;
    }
#endif
  }
  void barrier() {
#ifdef ROWSIM_WITH_MPI
    if (active) MPI_Barrier(MPI_COMM_WORLD);
#endif
  }
  ~MpiSession() {
#ifdef ROWSIM_WITH_MPI
    if (active) MPI_Finalize();
#endif
  }
};

}  // namespace

int cmd_sweep(const Args& args) {
  if (!args.empty() && args[0] == "merge") return merge(Args(args.begin() + 1, args.end()));
  po::options_description options("rowsim sweep options");
  options.add_options()("spec", arg<std::string>("FILE|NAME"), "sweep spec YAML (see docs/sweeps.md)")(
      "arch", arg<std::string>("FILE|NAME"), "base arch spec (file or embedded name), without --spec")(
      "net", arg<std::vector<std::string>>("NET@W"),
      "zoo network with its width, NET@W (vgg16@0.25; NET alone is width 1), or a selective pair gate+NET@W "
      "(repeatable), without --spec")(
      "net-file", arg<std::vector<std::string>>("FILE"), "network file, YAML or ONNX (repeatable)")(
      "cycle-level", po::bool_switch(), "run every point through the SystemC model (slow; cycles include stalls)")(
      "set", arg<std::vector<std::string>>("FIELD=RANGE"),
      "FIELD=RANGE: an arch field and its values, start:stop:step (inclusive) or a,b,c (repeatable)")(
      "batch", arg<int>("N"), "images per batch (default 1)")(
      "objective", arg<std::string>("energy|cycles|edp"), "energy (default), cycles or edp")(
      "energy-slack", arg<double>("FRACTION"), "objective energy: fastest mapping within this fraction (default 0.1)")(
      "out,o", arg<std::string>("DIR"), "output directory (default runs/sweep-DATE)")(
      "jobs,j", arg<int>("N", int(std::max(1u, std::thread::hardware_concurrency()))),
      "points evaluated in parallel")("resume", po::bool_switch(), "continue a killed sweep in --out")(
      "shard", arg<std::string>("i/n"), "i/n: run only every n-th point starting at i (Slurm arrays)");
  po::variables_map vm;
  if (!parse_command_line("usage: rowsim sweep --spec FILE [--out DIR] [--jobs N] [--resume] [--shard i/n]\n"
                          "       rowsim sweep --arch FILE --net NET@W ... --set FIELD=RANGE ... [options]\n"
                          "       rowsim sweep merge DIR... -o DIR\n\n"
                          "examples:\n"
                          "  rowsim sweep --spec sweep-array-size -o runs/array-size\n"
                          "  rowsim sweep --arch eyeriss --net vgg16@0.5 --net gate+vgg16@0.5 --set pe_array.rows=8:16:4",
                          options, args, vm))
    return 0;

  SweepSpec spec;
  if (vm.count("spec")) {
    for (const char* flag : {"arch", "net", "net-file", "set"})
      if (vm.count(flag)) fail("--{} goes in the spec file when --spec is given", flag);
    spec = load_sweep_spec(vm["spec"].as<std::string>());
  } else {
    if (!vm.count("arch")) fail("give --spec FILE, or --arch with --net/--net-file and --set");
    spec.arch = vm["arch"].as<std::string>();
    if (vm.count("net"))
      for (const auto& net : vm["net"].as<std::vector<std::string>>())
        spec.networks.push_back(for_flag("net", [&] { return parse_sweep_network(net); }));
    if (vm.count("net-file"))
      for (const auto& file : vm["net-file"].as<std::vector<std::string>>())
        spec.networks.push_back(make_sweep_network("", file, 1.0, false));
    if (vm.count("set"))
      for (const auto& item : vm["set"].as<std::vector<std::string>>()) {
        auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0) fail("--set {}: expected FIELD=RANGE, e.g. pe_array.rows=8:32:4", item);
        spec.axes.push_back(parse_axis(item.substr(0, eq), item.substr(eq + 1), "--set"));
      }
  }
  if (vm.count("batch")) spec.batch = batch_option(vm);
  if (vm.count("objective"))
    spec.search.objective = for_flag("objective", [&] { return parse_objective(vm["objective"].as<std::string>()); });
  if (vm.count("energy-slack")) {
    spec.search.energy_slack = vm["energy-slack"].as<double>();
    if (!(spec.search.energy_slack >= 0 && spec.search.energy_slack <= 10))
      fail("--energy-slack {}: expected a fraction between 0 and 10", spec.search.energy_slack);
  }
  if (vm["cycle-level"].as<bool>()) {
    if (vm.count("spec")) fail("--cycle-level goes in the spec file (cycle_level: true) when --spec is given");
    spec.cycle_level = true;
  }
  validate_sweep(spec);

  SweepRunOptions run;
  run.out_dir = vm.count("out") ? vm["out"].as<std::string>() : dated_run_dir("sweep");
  run.jobs = positive_int_option(vm, "jobs");
  run.resume = vm["resume"].as<bool>();
  if (vm.count("shard")) run.shard = for_flag("shard", [&] { return parse_shard(vm["shard"].as<std::string>()); });
  if (!run.resume) {
    size_t finished = finished_sweep_points(spec, run.out_dir);
    if (finished > 0)
      fail("{}: holds {} finished points of this sweep; add --resume to continue it, or choose another --out",
           run.out_dir, finished);
  }

  MpiSession mpi;
  if (mpi.active) {
    if (vm.count("shard")) fail("--shard and mpirun both split the points; use one of them");
    run.shard = Shard{mpi.rank, mpi.size};
    run.write_results = false;
  }
  auto t0 = std::chrono::steady_clock::now();
  PointEvaluator evaluate = evaluate_point_analytical;
  std::optional<hw::Simulator> simulator;
  if (spec.cycle_level) {
    // One SystemC kernel per process: points in turn, each simulation forking --jobs workers.
    simulator.emplace();
    evaluate = cycle_level_evaluator(*simulator, run.jobs);
    run.jobs = 1;
  }
  int64_t ran = run_sweep(spec, run, evaluate);
  mpi.barrier();
  if (mpi.active && mpi.rank == 0) write_sweep_results({run.out_dir}, run.out_dir);
  if (mpi.rank == 0) {
    double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "sweep: %lld of %lld points evaluated here in %.1f s; results in %s\n",
                 static_cast<long long>(ran), static_cast<long long>(spec.points()), sec, run.out_dir.c_str());
  }
  return 0;
}

}  // namespace rowsim::cli
