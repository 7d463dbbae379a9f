// rowsim arch show FILE|NAME: parse and validate a spec, print it resolved.
#include "models/arch/arch_spec.hpp"
#include "models/arch/tech_energy.hpp"
#include "sim/cli/options.hpp"
#include "workloads/util/error.hpp"

namespace rowsim::cli {

int cmd_arch(const Args& args) {
  po::options_description options("rowsim arch options");
  po::options_description hidden;
  hidden.add_options()("action", po::value<std::string>(), "show")("spec", po::value<std::string>(), "spec");
  po::positional_options_description positional;
  positional.add("action", 1).add("spec", 1);
  po::variables_map vm;
  if (!parse_command_line("usage: rowsim arch show FILE|NAME\n\n"
                          "  FILE|NAME  an arch spec file, or an embedded name (eyeriss, eyeriss-isca, eyeriss-65nm)\n\n"
                          "examples:\n"
                          "  rowsim arch show eyeriss\n"
                          "  rowsim arch show eyeriss-65nm",
                          options, args, vm, &positional, &hidden))
    return 0;
  if (!vm.count("action") || vm["action"].as<std::string>() != "show")
    fail("expected `rowsim arch show FILE` (the only arch action)");
  if (!vm.count("spec")) fail("`rowsim arch show` needs a spec file or an embedded name (eyeriss, eyeriss-isca)");
  ArchSpec spec = load_arch_spec(vm["spec"].as<std::string>());
  // A technology spec also shows its derived pJ per access and area (words at word_bits).
  emit(arch_spec_to_yaml(spec) + tech_summary_yaml(spec, DataBits::uniform(spec.word_bits)), "");
  return 0;
}

}  // namespace rowsim::cli
