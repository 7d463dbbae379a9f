// rowsim: one executable, one subcommand per job. User mistakes (UserError) print one clear
// message and exit 2; the system refusing (EnvironmentError: fork, a full disk; out of memory)
// exits 4; everything else that escapes is a bug and exits 3.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <boost/program_options/errors.hpp>
#include <fmt/format.h>

#include "sim/cli/commands.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/failure.hpp"
#include "workloads/util/limits.hpp"
#include "workloads/util/yaml_reader.hpp"

namespace {

void print_usage() {
  std::string text = fmt::format(
      "rowsim {} - cycle-level simulator of an Eyeriss-style CNN accelerator (row-stationary dataflow)\n\n"
      "usage: rowsim SUBCOMMAND [options]\n       rowsim SUBCOMMAND --help\n\nsubcommands:\n",
      ROWSIM_VERSION);
  for (const auto& c : rowsim::cli::commands()) text += fmt::format("  {:<10} {}\n", c.name, c.summary);
  text += "\noptions:\n  -h, --help     this help\n  --version      print the version\n"
          "  --build-info   print the version and optional features (MPI)\n";
  std::fputs(text.c_str(), stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage();
    return 2;
  }
  std::string first = argv[1];
  if (first == "-h" || first == "--help" || first == "help") {
    print_usage();
    return 0;
  }
  if (first == "--version") {
    std::printf("rowsim %s\n", ROWSIM_VERSION);
    return 0;
  }
  if (first == "--build-info") {
#ifdef ROWSIM_WITH_MPI
    std::printf("rowsim %s\nmpi: yes\n", ROWSIM_VERSION);
#else
    std::printf("rowsim %s\nmpi: no\n", ROWSIM_VERSION);
#endif
    return 0;
  }
  rowsim::cli::Args args(argv + 2, argv + argc);
  for (const auto& c : rowsim::cli::commands()) {
    if (first != c.name) continue;
    try {
      rowsim::check_limits();  // a bad ROWSIM_LIMITS is reported before any work
      return c.run(args);
    } catch (const rowsim::UserError& e) {
      std::fprintf(stderr, "rowsim %s: error: %s\n", c.name, e.what());
      return 2;
    } catch (const boost::program_options::error& e) {
      std::fprintf(stderr, "rowsim %s: error: %s (see rowsim %s --help)\n", c.name, e.what(), c.name);
      return 2;
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "rowsim %s: system error: out of memory\n", c.name);
      return 4;
    } catch (const rowsim::EnvironmentError& e) {
      std::fprintf(stderr, "rowsim %s: system error (not a bug in rowsim): %s\n", c.name, e.what());
      return 4;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "rowsim %s: internal error (a bug in rowsim): %s\n", c.name, e.what());
      return 3;
    }
  }
  std::vector<std::string> names;
  for (const auto& c : rowsim::cli::commands()) names.push_back(c.name);
  std::string hint = rowsim::closest_match(first, names);
  if (!hint.empty())
    std::fprintf(stderr, "rowsim: error: unknown subcommand '%s'; did you mean '%s'? (see rowsim --help)\n",
                 first.c_str(), hint.c_str());
  else
    std::fprintf(stderr, "rowsim: error: unknown subcommand '%s' (see rowsim --help)\n", first.c_str());
  return 2;
}
