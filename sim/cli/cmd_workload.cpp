// rowsim workload stats: per-layer shapes, weights, biases and MACs (executed and as the paper
// counts them with eq. (2)), with totals and, for the selective pair, subtotals per part.
#include "sim/cli/options.hpp"
#include "workloads/stats.hpp"
#include "workloads/util/error.hpp"

namespace rowsim::cli {

int cmd_workload(const Args& args) {
  po::options_description options("rowsim workload stats options");
  add_network_options(options, true);
  options.add_options()("batch", arg<int>("N", 1), "images per batch (multiplies MACs)")(
      "format", arg<std::string>("table|json|csv", "table"), "table, json or csv")(
      "out,o", arg<std::string>("FILE", ""), "write to FILE instead of stdout");
  po::options_description hidden;
  hidden.add_options()("action", po::value<std::string>(), "stats");
  po::positional_options_description positional;
  positional.add("action", 1);
  po::variables_map vm;
  if (!parse_command_line("usage: rowsim workload stats --net NAME [--width W] [--net-file F] [--selective] "
                          "[--batch N] [--format table|json|csv] [-o FILE]\n\n"
                          "examples:\n"
                          "  rowsim workload stats --net vgg16 --width 0.5\n"
                          "  rowsim workload stats --net resnet50 --width 0.25 --selective --format csv -o stats.csv",
                          options, args, vm, &positional, &hidden))
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
  emit(text, vm["out"].as<std::string>());
  return 0;
}

}  // namespace rowsim::cli
