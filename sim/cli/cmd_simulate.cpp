// rowsim simulate: runs a network's conv and fully connected layers through the SystemC
// cycle-level model on real fixed-point data and reports simulated counts, cycles, stalls and
// energy beside the analytical model, with two checks per layer (counts equal the analytical
// model's; ofmaps equal the reference bit for bit). docs/simulator.md describes the model.
#include <thread>

#include "sim/cli/options.hpp"
#include "sim/report/simulate_report.hpp"
#include "sim/driver/simulate_runner.hpp"
#include "workloads/safetensors.hpp"
#include "workloads/util/error.hpp"
#include "workloads/weights_file.hpp"

namespace rowsim::cli {

int cmd_simulate(const Args& args) {
  po::options_description options("rowsim simulate options");
  add_network_options(options, false);
  options.add_options()("arch", arg<std::string>("FILE|NAME", "eyeriss"),
                        "arch spec file, or an embedded name (eyeriss, eyeriss-isca)")(
      "batch", arg<int>("N", 1), "images per batch")(
      "layers", arg<std::string>("A:B", ""),
      "A:B, A:, :B or A: the report rows to run (layer names or 1-based row numbers; default all)")(
      "weights", arg<std::string>("FILE"),
      "safetensors weights (docs/weights-format.md); without --net/--net-file the file names the network; "
      "default: seeded random weights")(
      "input", arg<std::string>("FILE"),
      "input images: a .safetensors file (tensor 'input', N x C x H x W) or raw little-endian int16 "
      "(docs/fixed-point.md); default: seeded random")(
      "seed", arg<uint64_t>("S", 1), "seed for random weights and inputs")(
      "mapping-file", arg<std::string>("FILE"),
      "YAML of fixed mappings per layer name, as for rowsim map; other layers are searched")(
      "jobs,j", arg<int>("N", 1), "layers simulated in parallel (one process each)")(
      "trace", arg<std::string>("FILE.vcd"), "write a VCD of the model's signals for one layer to FILE.vcd")(
      "trace-layer", arg<std::string>("LAYER"), "the layer --trace records (default: the first simulated one)")(
      "check", po::bool_switch(),
      "also compare counts with the brute-force counter, rerun each layer under random DRAM stalls, and "
      "re-derive the reference in double precision")(
      "format", arg<std::string>("table|json|csv", "table"), "table, json or csv")(
      "out,o", arg<std::string>("FILE", ""), "write the report to FILE instead of stdout");
  po::variables_map vm;
  if (!parse_command_line("usage: rowsim simulate --net NAME [--width W] [--net-file F] [--arch FILE] [--batch N] "
                          "[--layers A:B] [--weights F] [--input F] [--seed S] [--mapping-file F] [--jobs N] [--trace FILE.vcd] "
                          "[--check] [--format table|json|csv] [-o FILE]\n\n"
                          "examples:\n"
                          "  rowsim simulate --net gate --check\n"
                          "  rowsim simulate --net vgg16 --width 0.25 --layers 1:3 --jobs 2 -o sim.txt",
                          options, args, vm))
    return 0;
  Format format = parse_format(vm["format"].as<std::string>());
  SimulateOptions opts;
  opts.batch = batch_option(vm);
  opts.jobs = positive_int_option(vm, "jobs");
  opts.layers = vm["layers"].as<std::string>();
  opts.data.seed = vm["seed"].as<uint64_t>();
  opts.full_check = vm["check"].as<bool>();
  if (vm.count("trace")) {
    opts.trace_path = vm["trace"].as<std::string>();
    if (opts.trace_path.size() < 5 || opts.trace_path.substr(opts.trace_path.size() - 4) != ".vcd")
      fail("--trace {}: expected a file name ending in .vcd", opts.trace_path);
  }
  if (vm.count("trace-layer")) {
    if (!vm.count("trace")) fail("--trace-layer {} needs --trace FILE.vcd", vm["trace-layer"].as<std::string>());
    opts.trace_layer = vm["trace-layer"].as<std::string>();
  }
  if (vm.count("input")) opts.data.input_path = vm["input"].as<std::string>();

  Network net;
  Workload workload;
  WeightsSource source;
  WeightsInfo info;
  if (vm.count("weights")) {
    opts.data.weights_path = vm["weights"].as<std::string>();
    source = read_weights_source(opts.data.weights_path);
    opts.data.weights_file = &source.file;
    info = weights_info(source.file, opts.data.weights_path);
    // Pruned weights are stored compressed, as `rowsim map --weights` counts them.
    opts.compressed_weights = info.sparsity > 0;
    if (!vm.count("net") && !vm.count("net-file")) net = network_for_weights(info, opts.data.weights_path, "", &source);
  }
  if (net.layers.empty()) {
    workload = resolve_workload(vm, info.classes);  // a --net takes the weights file's class count
    net = workload.parts.front().second;
  }
  // The layer choice is checked before the (slow) mapping search, here where the flags are known.
  std::vector<ReportRow> rows = report_rows(net);
  auto range = opts.layers.empty() ? select_rows(rows, "")
                                   : for_flag("layers", [&] { return select_rows(rows, opts.layers); });
  if (!opts.trace_path.empty())
    for_flag(opts.trace_layer.empty() ? "trace" : "trace-layer",
             [&] { return traced_row(rows, range, opts.trace_layer); });

  ArchSpec arch = load_arch_spec(vm["arch"].as<std::string>());
  if (vm.count("mapping-file")) opts.fixed = load_fixed_mappings(vm["mapping-file"].as<std::string>(), net);
  // The mapping of every layer is the one `rowsim map` chooses with its defaults.
  opts.search.threads = int(std::max(1u, std::thread::hardware_concurrency()));
  opts.search.bits = DataBits::uniform(arch.word_bits);
  hw::Simulator simulator;
  SimulationResult result = simulate_network(simulator, net, arch, opts);

  std::string text;
  if (format == Format::Json) {
    nlohmann::json j = simulate_report_json(result);
    add_not_costed(j, workload);
    text = j.dump(2) + "\n";
  }
  if (format == Format::Csv) text = simulate_report_csv(result).to_csv();
  if (format == Format::Table) text = simulate_report_text(result) + not_costed_text(workload);
  emit(text, vm["out"].as<std::string>());
  // A failed check is a finding, not a crash: the report says which; the exit status says whether.
  return result.bit_exact && result.counts_match ? 0 : 1;
}

}  // namespace rowsim::cli
