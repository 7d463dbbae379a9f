// rowsim workload stats: per-layer shapes, weights, biases and MACs (executed and as the paper
// counts them with eq. (2)), with totals and, for the selective pair, subtotals per part.
#include "sim/cli/options.hpp"
#include "workloads/stats.hpp"
#include "workloads/util/error.hpp"

namespace rowsim::cli {

int cmd_workload(const Args& args) {
  po::options_description options("rowsim workload stats options");
  add_network_options(options, true);
  options.add_options()("batch", po::value<int>()->default_value(1), "images per batch (multiplies MACs)")(
      "format", po::value<std::string>()->default_value("table"), "table, json or csv")(
      "output,o", po::value<std::string>()->default_value(""), "write to FILE instead of stdout");
  options.add_options()("action", po::value<std::string>(), "stats");
  po::positional_options_description positional;
  positional.add("action", 1);
  po::variables_map vm;
  if (!parse_command_line("usage: rowsim workload stats --net NAME [--width W] [--net-file F] [--selective] "
                          "[--batch N] [--format table|json|csv] [-o FILE]",
                          options, args, vm, &positional))
    return 0;
  if (!vm.count("action") || vm["action"].as<std::string>() != "stats")
    fail("expected `rowsim workload stats ...` (the only workload action)");
  Format format = parse_format(vm["format"].as<std::string>());
  int batch = batch_option(vm);
  Workload workload = resolve_workload(vm);
  std::vector<NetworkPart> parts;
  for (const auto& [label, net] : workload.parts) parts.push_back({label, &net});
  WorkloadStats stats = compute_stats(workload.name, workload.width, batch, parts);
  std::string text;
  if (format == Format::Json) {
    nlohmann::json j = stats_to_json(stats);
    add_not_costed(j, workload);
    text = j.dump(2) + "\n";
  }
  if (format == Format::Csv) text = stats_to_table(stats).to_csv();
  if (format == Format::Table) text = stats_to_table(stats).to_text() + not_costed_text(workload);
  emit(text, vm["output"].as<std::string>());
  return 0;
}

}  // namespace rowsim::cli
