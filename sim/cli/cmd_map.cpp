// rowsim map: the row-stationary mapping of every layer with its analytical access counts,
// cycles, utilisation and energy (full and weights-only), per layer and in total.
#include <thread>

#include <fmt/format.h>

#include "mapper/network_mapper.hpp"
#include "sim/cli/options.hpp"
#include "sim/driver/network_data.hpp"
#include "sim/driver/network_values.hpp"
#include "workloads/safetensors.hpp"
#include "workloads/weights_file.hpp"
#include "sim/report/plot.hpp"
#include "sim/report/report.hpp"
#include "workloads/util/error.hpp"

namespace rowsim::cli {

namespace {

// Per-layer energy stacked by level and data type (ISCA 2016 Fig. 10 style).
void plot_energy_breakdown(const std::string& path, const std::string& title, const std::vector<MappedPart>& parts) {
  BarChart chart;
  chart.title = title;
  chart.ylabel = "energy (units of one 16-bit MAC)";
  // One hue per level (DRAM red, GLB orange, array green, RF blue); weight dark, ifmap mid, psum
  // light, the compressed weights' index greyed.
  const char* palette[kLevels][kDataTypes] = {{"#8b0000", "#d62728", "#f4a6a6", "#bc8f8f"},
                                              {"#a0522d", "#ff7f0e", "#ffd199", "#d2b48c"},
                                              {"#1b5e20", "#2ca02c", "#a5d6a7", "#8fbc8f"},
                                              {"#0d47a1", "#1f77b4", "#9ecae1", "#8fa9bc"}};
  static_assert(kDataTypes == 4, "one colour per data type");
  for (Level l : kAllLevels)
    for (Data d : kAllData)
      chart.series.push_back({fmt::format("{} {}", to_string(l), to_string(d)), {}, palette[int(l)][int(d)]});
  chart.series.push_back({"MAC", {}, "#7f7f7f"});
  for (const auto& part : parts)
    for (const auto& layer : part.result.layers) {
      chart.categories.push_back(parts.size() > 1 ? part.label + ":" + layer.name : layer.name);
      size_t k = 0;
      for (Level l : kAllLevels)
        for (Data d : kAllData) chart.series[k++].values.push_back(layer.energy.access[int(l)][int(d)]);
      chart.series[k].values.push_back(layer.energy.mac);
    }
  write_bar_chart(path, chart);
}

}  // namespace

int cmd_map(const Args& args) {
  po::options_description options("rowsim map options");
  add_network_options(options, true);
  options.add_options()("arch", arg<std::string>("FILE|NAME", "eyeriss"),
                        "arch spec file, or an embedded name (eyeriss, eyeriss-isca)")(
      "batch", arg<int>("N", 1), "images per batch")(
      "objective", arg<std::string>("energy|cycles|edp", "energy"), "energy, cycles or edp")(
      "energy-slack", arg<double>("FRACTION", 0.10),
      "objective energy: take the fastest mapping within this fraction of the least energy (0 = strict)")(
      "mapping-file", arg<std::string>("FILE"), "YAML of fixed mappings per layer name; other layers are searched")(
      "weights", arg<std::string>("FILE"),
      "count with real data: a weights file (its sparsity and bit width; pruned files are stored compressed) "
      "or 'random' (seeded); the network comes from the file when --net is absent")(
      "input", arg<std::string>("FILE"), "with --weights: the input images (safetensors or raw int16; default seeded random)")(
      "seed", arg<uint64_t>("S", 1), "seed for random weights and input")(
      "jobs,j", arg<int>("N", int(std::max(1u, std::thread::hardware_concurrency()))),
      "threads for the mapping search")("format", arg<std::string>("table|json|csv", "table"),
                                         "table, json or csv")(
      "out,o", arg<std::string>("FILE", ""), "write the report to FILE instead of stdout")(
      "plot", arg<std::string>("FILE.svg"), "also write a per-layer energy breakdown to FILE.svg (gnuplot)");
  po::variables_map vm;
  if (!parse_command_line("usage: rowsim map --net NAME [--width W] [--net-file F] [--selective] [--arch FILE] "
                          "[--batch N] [--objective energy|cycles|edp] [--format table|json|csv] [-o FILE] "
                          "[--plot FILE.svg]\n\n"
                          "examples:\n"
                          "  rowsim map --net vgg16 --width 0.5\n"
                          "  rowsim map --net alexnet --batch 4 --format json -o alexnet.json --plot alexnet.svg",
                          options, args, vm))
    return 0;
  Format format = parse_format(vm["format"].as<std::string>());
  SearchOptions search;
  search.objective = for_flag("objective", [&] { return parse_objective(vm["objective"].as<std::string>()); });
  search.energy_slack = vm["energy-slack"].as<double>();
  if (!(search.energy_slack >= 0 && search.energy_slack <= 10))
    fail("--energy-slack {}: expected a fraction between 0 and 10", search.energy_slack);
  search.threads = positive_int_option(vm, "jobs");
  int batch = batch_option(vm);
  ArchSpec arch = load_arch_spec(vm["arch"].as<std::string>());
  search.bits = DataBits::uniform(arch.word_bits);
  std::string weights = vm.count("weights") ? vm["weights"].as<std::string>() : "";
  if (vm.count("input") && weights.empty()) fail("--input needs --weights (a file or 'random')");
  Workload workload;
  bool compressed = false;
  std::string data_description;
  WeightsSource source;
  WeightsInfo info;
  if (!weights.empty() && weights != "random") {
    source = read_weights_source(weights);
    info = weights_info(source.file, weights);
    compressed = info.sparsity > 0;
    data_description = fmt::format("weights {} ({}{}-bit)", weights,
                                   compressed ? fmt::format("{:.0f}% zero, stored compressed, ", 100 * info.sparsity) : "",
                                   std::min(info.bits, arch.word_bits));
    if (!vm.count("net") && !vm.count("net-file")) {
      workload.name = info.network;
      workload.width = info.width;
      workload.parts.emplace_back(info.network, network_for_weights(info, weights, "", &source));
    }
  } else if (weights == "random") {
    data_description = fmt::format("seeded random weights (seed {})", vm["seed"].as<uint64_t>());
  }
  // A --net given with a weights file takes the file's class count (a Fashion-MNIST VGG16 has 10).
  if (workload.parts.empty()) workload = resolve_workload(vm, info.classes);
  if (!weights.empty() && workload.parts.size() > 1) fail("--weights applies to one network; drop --selective");
  if (!weights.empty())
    data_description += vm.count("input") ? ", input " + vm["input"].as<std::string>()
                                          : fmt::format(", seeded random input (seed {})", vm["seed"].as<uint64_t>());

  std::vector<MappedPart> parts;
  for (const auto& [label, net] : workload.parts) {
    FixedMappings fixed;
    if (vm.count("mapping-file")) {
      if (workload.parts.size() > 1) fail("--mapping-file applies to one network; drop --selective");
      fixed = load_fixed_mappings(vm["mapping-file"].as<std::string>(), net);
    }
    if (weights.empty()) {
      parts.push_back({label, map_network(net, batch, arch, search, fixed)});
      continue;
    }
    DataOptions data_options;
    data_options.batch = batch;
    data_options.word_bits = arch.word_bits;
    data_options.weights_path = weights == "random" ? "" : weights;
    if (!data_options.weights_path.empty()) data_options.weights_file = &source.file;
    data_options.input_path = vm.count("input") ? vm["input"].as<std::string>() : "";
    data_options.seed = vm["seed"].as<uint64_t>();
    NetworkData data = prepare_network_data(net, data_options);
    NetworkValues values = network_values(net, data, arch, compressed, data_description);
    parts.push_back({label, map_network(net, batch, arch, search, fixed, &values)});
  }

  std::string text;
  if (format == Format::Json) {
    nlohmann::json j = map_report_json(workload.name, arch, batch, to_string(search.objective), parts);
    if (!data_description.empty()) j["data"] = data_description;
    add_not_costed(j, workload);
    text = j.dump(2) + "\n";
  }
  if (format == Format::Csv) text = map_report_csv(arch, parts).to_csv();
  if (format == Format::Table)
    text = fmt::format("{} on {} ({}x{} PEs), batch {}, objective {}; energy in units of one 16-bit MAC{}\n\n",
                       workload.name, arch.name, arch.pe_rows, arch.pe_cols, batch, to_string(search.objective),
                       data_description.empty() ? "" : "\ndata: " + data_description +
                           (arch.zero_gating ? "; zero ifmaps gate MACs" : "") +
                           (arch.rlc_dram ? "; DRAM fmaps run-length coded" : "")) +
           map_report_table(arch, parts).to_text() + physical_summary_text(arch, map_physical_total(arch, parts)) +
           not_costed_text(workload);
  emit(text, vm["out"].as<std::string>());
  if (vm.count("plot"))
    plot_energy_breakdown(vm["plot"].as<std::string>(),
                          fmt::format("{} on {}, batch {}: energy per layer", workload.name, arch.name, batch), parts);
  return 0;
}

}  // namespace rowsim::cli
