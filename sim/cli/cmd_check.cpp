// rowsim check --golden FILE...: rerun what each golden file describes and compare every number
// with its tolerance; a table of what drifted and a non-zero exit when anything did.
#include <cstdio>
#include <unistd.h>

#include <fmt/format.h>

#include "sim/cli/options.hpp"
#include "sim/studies/golden.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/table.hpp"

namespace rowsim::cli {

namespace {
std::string self_executable() {
  char buffer[4096];
  ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0) fail("cannot find the rowsim executable (/proc/self/exe)");
  return std::string(buffer, size_t(n));
}
}  // namespace

int cmd_check(const Args& args) {
  po::options_description options("rowsim check options");
  options.add_options()("golden", arg<std::vector<std::string>>("FILE")->multitoken(),
                        "golden files (tests/golden/*.yaml)")(
      "update", po::bool_switch(), "rewrite the expected values from this run (maintainers; review the diff)");
  po::variables_map vm;
  if (!parse_command_line("usage: rowsim check --golden FILE... [--update]\n\n"
                          "examples:\n"
                          "  rowsim check --golden tests/golden/*.yaml",
                          options, args, vm))
    return 0;
  if (!vm.count("golden")) fail("`rowsim check` needs --golden FILE...");
  std::string self = self_executable();
  int failures = 0;
  int broken_paths = 0;  // paths the document does not have: the golden file is wrong, not the numbers
  for (const auto& path : vm["golden"].as<std::vector<std::string>>()) {
    GoldenFile g = load_golden(path);
    if (vm["update"].as<bool>()) {
      update_golden(path, g, self);
      std::printf("%s: expected values rewritten from this run\n", path.c_str());
      continue;
    }
    auto results = run_golden(g, self);
    Table drift({"path", "expected", "actual", "rel. diff", "tolerance"});
    int ok = 0;
    for (const auto& r : results) {
      if (r.ok) {
        ++ok;
        continue;
      }
      if (!r.error.empty()) {
        std::fprintf(stderr, "rowsim check: error: %s: %s (a value path the report does not have: fix the golden file)\n",
                     path.c_str(), r.error.c_str());
        continue;
      }
      drift.add_row({r.path, fmt::format("{}", r.expected), fmt::format("{}", r.actual),
                     fmt::format("{:.3g}", r.rel_diff), fmt::format("{:g}", r.tolerance)});
    }
    int not_found = int(results.size()) - ok - int(drift.rows());
    broken_paths += not_found;
    if (drift.rows() > 0) {
      ++failures;
      std::printf("%s: %zu of %zu values drifted (%s)\n%s", path.c_str(), drift.rows(), results.size(),
                  g.description.c_str(), drift.to_text().c_str());
    } else if (not_found > 0) {
      std::printf("%s: %d values within tolerance, %d value paths not found (%s)\n", path.c_str(), ok, not_found,
                  g.description.c_str());
    } else {
      std::printf("%s: %d values within tolerance (%s)\n", path.c_str(), ok, g.description.c_str());
    }
  }
  // A broken golden file is a configuration error (2), reported before any drift (1).
  if (broken_paths > 0) return 2;
  return failures == 0 ? 0 : 1;
}

}  // namespace rowsim::cli
