// Option handling shared by the subcommands: help, networks, output format and destination.
#pragma once
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/cli/commands.hpp"
#include "workloads/network.hpp"
#include "workloads/util/error.hpp"

namespace rowsim::cli {

namespace po = boost::program_options;

// Parses `args`; prints help and returns false for --help. Unknown options are errors. `usage`
// holds the synopsis and one or two examples; `hidden` options (positional words such as an
// action) are parsed but not listed.
bool parse_command_line(const std::string& usage, po::options_description& options, const Args& args,
                        po::variables_map& vm, const po::positional_options_description* positional = nullptr,
                        const po::options_description* hidden = nullptr);

// An option's value, shown in --help as `--flag PLACEHOLDER` (what goes there, not "arg").
template <class T>
po::typed_value<T>* arg(const char* placeholder) {
  return po::value<T>()->value_name(placeholder);
}
// ... with a default, shown as a user would type it (0.1, not 0.10000000000000001; nothing for "").
template <class T>
po::typed_value<T>* arg(const char* placeholder, const T& default_value) {
  return arg<T>(placeholder)->default_value(default_value, fmt::format("{}", default_value));
}

// Runs `f` on a value the user gave as --FLAG; a UserError from the layers below (which name the
// setting, not the flag, since a YAML file may set it too) is re-raised naming the flag. The CLI
// is the only code that knows flag names.
template <class F>
auto for_flag(const std::string& flag, F&& f) -> decltype(f()) {
  return with_context("--" + flag, std::forward<F>(f));
}

// --net NAME, --width W, --net-file F, and with `selective` also --selective.
void add_network_options(po::options_description& options, bool selective);

struct Workload {
  std::string name;  // "vgg16", "selective-vgg16", or the net file's network name
  double width = 1.0;
  std::vector<std::pair<std::string, Network>> parts;  // (label, network)
};
// Builds the networks the options describe; errors name the option. `classes` > 0 sets a zoo
// network's class count (the one a --weights file was trained for).
Workload resolve_workload(const po::variables_map& vm, int classes = 0);

// Operators priced at zero (--not-costed): a JSON report's "not_costed" list, when there are any,
// and the lines a table report ends with.
void add_not_costed(nlohmann::json& report, const Workload& workload);
std::string not_costed_text(const Workload& workload);

enum class Format { Table, Json, Csv };
Format parse_format(const std::string& text);  // UserError for anything else
int positive_int_option(const po::variables_map& vm, const std::string& name);
int batch_option(const po::variables_map& vm);  // --batch, 1..kMaxBatch

// Creates and returns a new, empty run directory "runs/PREFIX-YYYYmmdd-HHMMSS" (with "-2", "-3"...
// when a run of the same second has it already).
std::string dated_run_dir(const std::string& prefix);

// Writes to stdout, or atomically to `path` when it is non-empty.
void emit(const std::string& text, const std::string& path);

}  // namespace rowsim::cli
