// Every command's --help: placeholders that say what goes there, defaults as a user types them,
// no internal options, examples, and one spelling of the output flag.
#include <regex>
#include <string>

#include <catch2/catch.hpp>

#include "tests/cli/run_command.hpp"

namespace {

const char* const kCommands[] = {"compare", "workload", "map",   "simulate", "sweep",   "check",
                                 "arch",    "train",    "eval",  "prune",    "quantize"};
// The commands that write a report, weights or a run directory somewhere.
const char* const kWriters[] = {"compare", "workload", "map", "simulate", "sweep", "train", "eval", "prune", "quantize"};

}  // namespace

TEST_CASE("help shows placeholders, typed defaults and examples, and no internal options", "[cli][help]") {
  for (const char* command : kCommands) {
    INFO(command);
    auto r = run_rowsim(std::string(command) + " --help");
    REQUIRE(r.exit_code == 0);
    // Boost's generic placeholder, and a double printed with all its binary digits.
    CHECK_FALSE(std::regex_search(r.out, std::regex(R"(\barg\b)")));
    CHECK_FALSE(std::regex_search(r.out, std::regex(R"(\(=-?[0-9]*\.[0-9]{7,}\))")));
    for (const char* internal : {"--action", "--stop-after-epoch", "--spec arg"}) CHECK_THAT(r.out, !Catch::Contains(internal));
    CHECK_THAT(r.out, Catch::Contains("examples:\n  rowsim " + std::string(command)));
    CHECK_THAT(r.out, Catch::Contains("-q [ --quiet ]"));
  }
  auto map = run_rowsim("map --help");
  CHECK_THAT(map.out, Catch::Contains("--width W") && Catch::Contains("--energy-slack FRACTION (=0.1)"));
  auto train = run_rowsim("train --help");
  CHECK_THAT(train.out, Catch::Contains("--weight-decay L2 (=0.0005)") && Catch::Contains("--lr RATE (=0.05)"));
}

TEST_CASE("every command that writes takes -o and --out alike", "[cli][help]") {
  for (const char* command : kWriters) {
    INFO(command);
    auto r = run_rowsim(std::string(command) + " --help");
    CHECK_THAT(r.out, Catch::Contains("-o [ --out ] "));
  }
}
