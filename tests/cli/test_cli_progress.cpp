// Progress where stderr is not a terminal (CI, Slurm, nohup; what these tests see): plain lines
// a log keeps, one per stage end and at most one per interval in between; --quiet removes them.
#include <cstdlib>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/cli/run_command.hpp"

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

size_t count_matching(const std::vector<std::string>& lines, const std::string& pattern) {
  size_t n = 0;
  for (const auto& line : lines) n += std::regex_search(line, std::regex(pattern));
  return n;
}

}  // namespace

TEST_CASE("progress off a terminal is one plain line per stage, with counts and elapsed time", "[cli][progress]") {
  auto r = run_rowsim("map --net vgg16 --width 0.25 --jobs 1");
  REQUIRE(r.exit_code == 0);
  auto lines = lines_of(r.err);
  // A fast stage prints its end only: 5 s (ROWSIM_PROGRESS_INTERVAL) never passed.
  REQUIRE(lines.size() == 1);
  CHECK(std::regex_match(lines[0], std::regex(R"(mapping vgg16 (\d+)/\1 shapes, done in \d+\.\d s)")));
  // Nothing meant for a terminal: no carriage returns, no escape sequences.
  CHECK(r.err.find('\r') == std::string::npos);
  CHECK(r.err.find('\033') == std::string::npos);

  SECTION("with a short interval, lines appear while the stage runs") {
    ::setenv("ROWSIM_PROGRESS_INTERVAL", "0", 1);
    r = run_rowsim("map --net vgg16 --width 0.25 --jobs 1");
    ::unsetenv("ROWSIM_PROGRESS_INTERVAL");
    REQUIRE(r.exit_code == 0);
    lines = lines_of(r.err);
    CHECK(count_matching(lines, R"(^mapping vgg16 \d+/\d+ shapes, \d+\.\d s elapsed)") >= 5);
    CHECK(count_matching(lines, R"(^mapping vgg16 (\d+)/\1 shapes, done in)") == 1);
  }
  SECTION("--quiet removes them, on every long-running command") {
    CHECK(run_rowsim("map --net vgg16 --width 0.25 --quiet").err.empty());
    CHECK(run_rowsim("simulate --net gate --layers 1:2 -q").err.empty());
    std::string out = "/tmp/rowsim_progress_sweep_" + std::to_string(::getpid());
    auto sweep = run_rowsim("sweep --arch eyeriss --net gate --set pe_array.rows=8,12 -q --out " + out);
    CHECK(sweep.exit_code == 0);
    // Its closing summary is a result, not progress, and stays.
    CHECK(lines_of(sweep.err).size() == 1);
    CHECK_THAT(sweep.err, Catch::StartsWith("sweep: 2 of 2 points evaluated here"));
    std::system(("rm -rf " + out).c_str());
  }
}

TEST_CASE("simulate and sweep report their stages off a terminal", "[cli][progress]") {
  auto r = run_rowsim("simulate --net gate --layers 1:2");
  REQUIRE(r.exit_code == 0);
  CHECK(count_matching(lines_of(r.err), R"(^simulating gate (\d+)/\1 layers, done in \d+\.\d s$)") == 1);
  std::string out = "/tmp/rowsim_progress_sweep_" + std::to_string(::getpid());
  r = run_rowsim("sweep --arch eyeriss --net gate --set pe_array.rows=8,12 --out " + out);
  REQUIRE(r.exit_code == 0);
  CHECK(count_matching(lines_of(r.err), R"(^sweep 2/2 points, done in \d+\.\d s$)") == 1);
  std::system(("rm -rf " + out).c_str());
}
