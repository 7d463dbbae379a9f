// rowsim compare: the paper's experiment. Until the energy pipeline lands (issue 8) it prints the
// paper's workload tables (Tables 3 and 4) beside rowsim's own counts and says what is missing.
#include <cstdio>

#include <fmt/format.h>

#include "sim/cli/options.hpp"
#include "workloads/stats.hpp"
#include "workloads/zoo.hpp"

namespace rowsim::cli {

int cmd_compare(const Args& args) {
  po::options_description options("rowsim compare options");
  po::variables_map vm;
  if (!parse_command_line("usage: rowsim compare", options, args, vm)) return 0;
  struct PaperRow {
    const char* net;
    double width;
    bool selective;
    const char* weights;
    const char* macs;
  };
  const PaperRow rows[] = {{"vgg16", 1.0, false, "15.3M", "313.8M"},  {"vgg16", 0.75, true, "8.9M", "178.1M"},
                           {"vgg16", 0.5, true, "4.1M", "80.2M"},     {"vgg16", 0.25, true, "1.2M", "21.2M"},
                           {"resnet50", 1.0, false, "23.7M", "2.1G"}, {"resnet50", 0.75, true, "13.6M", "1.2G"},
                           {"resnet50", 0.5, true, "6.2M", "524.5M"}, {"resnet50", 0.25, true, "1.8M", "132.3M"}};
  Table table({"network", "paper weights", "rowsim weights", "paper MACs", "rowsim MACs (eq. 2)",
               "rowsim MACs (executed)"});
  Network gate = zoo_network("gate");
  for (const auto& r : rows) {
    Network net = zoo_network(r.net, r.width);
    int64_t weights = net.total_weights(), macs_paper = net.total_macs_paper(), macs = net.total_macs();
    if (r.selective) {
      weights += gate.total_weights();
      macs_paper += gate.total_macs_paper();
      macs += gate.total_macs();
    }
    table.add_row({fmt::format("{}{:.2f}-{}", r.selective ? "selective " : "", r.width, r.net), r.weights,
                   paper_rounding(weights), r.macs, paper_rounding(macs_paper), paper_rounding(macs)});
  }
  std::string text = "Paper Tables 3 and 4: weights and MACs per image (selective = gate + one dedicated network)\n\n" +
                     table.to_text() +
                     "\nThe energy comparison (gate routing, per-image energy, paper figures) is not built yet.\n";
  emit(text, "");
  return 0;
}

}  // namespace rowsim::cli
