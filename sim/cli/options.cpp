#include "sim/cli/options.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>

#include "workloads/net_file.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/limits.hpp"
#include "workloads/util/progress.hpp"
#include "workloads/zoo.hpp"

namespace rowsim::cli {

bool parse_command_line(const std::string& usage, po::options_description& options, const Args& args,
                        po::variables_map& vm, const po::positional_options_description* positional,
                        const po::options_description* hidden) {
  options.add_options()("quiet,q", po::bool_switch(), "no progress on stderr (results and errors still print)")(
      "help,h", "show this help");
  po::options_description all;
  all.add(options);
  if (hidden) all.add(*hidden);
  po::command_line_parser parser(args);
  parser.options(all);
  if (positional) parser.positional(*positional);
  po::store(parser.run(), vm);
  if (vm.count("help")) {
    std::cout << usage << "\n\n" << options << "\n";
    return false;
  }
  po::notify(vm);
  Progress::set_quiet(vm["quiet"].as<bool>());
  return true;
}

void add_network_options(po::options_description& options, bool selective) {
  options.add_options()("net", arg<std::string>("NAME"), "zoo network: gate, vgg16, resnet50, alexnet")(
      "width", arg<double>("W"), "width multiplier w: channels become int(w*c) (default 1)")(
      "net-file", arg<std::string>("FILE"), "a network file: YAML or an ONNX model (see docs/workloads.md)")(
      "not-costed", po::bool_switch(),
      "price ONNX operators rowsim does not know at zero, listed in the report as not costed, instead of "
      "refusing the model");
  if (selective)
    options.add_options()("selective", po::bool_switch(),
                          "the selective pair: the gate plus one dedicated network of --net at --width");
}

Workload resolve_workload(const po::variables_map& vm, int classes) {
  bool has_net = vm.count("net") > 0, has_file = vm.count("net-file") > 0;
  bool selective = vm.count("selective") && vm["selective"].as<bool>();
  if (has_net == has_file) fail("give exactly one of --net NAME or --net-file FILE");
  Workload w;
  if (has_file) {
    if (vm.count("width")) fail("--width scales zoo networks only; write the channel counts into the --net-file");
    if (selective) fail("--selective pairs the gate with a zoo network; use --net");
    NetFileOptions file_options;
    if (vm.count("batch")) file_options.batch = vm["batch"].as<int>();
    file_options.not_costed_ok = vm.count("not-costed") && vm["not-costed"].as<bool>();
    Network net = load_network_file(vm["net-file"].as<std::string>(), file_options);
    w.name = net.name;
    w.parts.emplace_back(net.name, std::move(net));
    return w;
  }
  std::string name = vm["net"].as<std::string>();
  w.width = vm.count("width") ? vm["width"].as<double>() : 1.0;
  if (selective) {
    if (name == "gate") fail("--selective --net gate: the selective pair is the gate plus a dedicated network");
    w.name = "selective-" + name;
    w.parts.emplace_back("gate", zoo_network("gate", 1.0));
    w.parts.emplace_back("dedicated", for_flag("width", [&] { return zoo_network(name, w.width); }));
  } else {
    w.name = name;
    w.parts.emplace_back(name, for_flag("width", [&] { return zoo_network(name, w.width, classes); }));
  }
  return w;
}

namespace {

std::vector<std::string> not_costed_notes(const Workload& workload) {
  std::vector<std::string> notes;
  for (const auto& [label, net] : workload.parts)
    for (const auto& line : net.not_costed) notes.push_back(workload.parts.size() > 1 ? label + ": " + line : line);
  return notes;
}

}  // namespace

void add_not_costed(nlohmann::json& report, const Workload& workload) {
  std::vector<std::string> notes = not_costed_notes(workload);
  if (!notes.empty()) report["not_costed"] = notes;
}

std::string not_costed_text(const Workload& workload) {
  std::string text;
  for (const auto& line : not_costed_notes(workload)) text += "not costed (priced at zero): " + line + "\n";
  return text;
}

Format parse_format(const std::string& text) {
  if (text == "table") return Format::Table;
  if (text == "json") return Format::Json;
  if (text == "csv") return Format::Csv;
  fail("--format {}: expected table, json or csv", text);
}

int batch_option(const po::variables_map& vm) {
  int value = vm["batch"].as<int>();
  if (value < 1 || value > limit(Limit::Batch))
    fail("--batch {}: expected a whole number from 1 to {} {}", value, limit(Limit::Batch), limit_hint(Limit::Batch));
  return value;
}

int positive_int_option(const po::variables_map& vm, const std::string& name) {
  int value = vm[name].as<int>();
  if (value < 1) fail("--{} {}: expected a positive whole number", name, value);
  return value;
}

std::string dated_run_dir(const std::string& prefix) {
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  const std::string base = "runs/" + prefix + "-" + stamp;
  make_directories("runs");
  // mkdir either creates the directory or fails: two runs started in the same second take
  // different names, the second with a suffix.
  for (int k = 1; k < 1000; ++k) {
    std::string dir = k == 1 ? base : fmt::format("{}-{}", base, k);
    if (::mkdir(dir.c_str(), 0777) == 0) return dir;
    if (errno != EEXIST) fail("{}: cannot create the run directory: {}", dir, std::strerror(errno));
  }
  fail("{}: a thousand run directories of this second exist already; give an output directory", base);
}

void emit(const std::string& text, const std::string& path) {
  if (path.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  } else {
    write_file_atomic(path, text);
  }
}

}  // namespace rowsim::cli
