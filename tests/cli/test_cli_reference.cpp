// docs/cli.md is generated from the commands' --help (scripts/cli-reference); every option a
// command offers must appear there, so the reference cannot silently fall behind the code.
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/cli/run_command.hpp"

TEST_CASE("docs/cli.md lists every option of every command", "[cli][docs]") {
  std::string doc = slurp(std::string(ROWSIM_SOURCE_DIR) + "/docs/cli.md");
  REQUIRE_FALSE(doc.empty());
  for (const char* cmd : {"compare", "workload", "map", "simulate", "sweep", "check", "arch", "train", "eval", "prune", "quantize"}) {
    auto r = run_rowsim(std::string(cmd) + " --help");
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(doc, Catch::Contains(std::string("## rowsim ") + cmd));
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
      size_t dash = line.find("--");
      if (line.rfind("  -", 0) != 0 || dash == std::string::npos) continue;
      std::string option = line.substr(dash, line.find_first_of(" [", dash) - dash);
      INFO("rowsim " << cmd << " " << option << ": run scripts/cli-reference");
      CHECK_THAT(doc, Catch::Contains(option));
    }
  }
}
