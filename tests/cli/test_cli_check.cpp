// rowsim check: passes on a golden file as checked in, fails naming the field when a value is
// perturbed beyond its tolerance, and rejects malformed golden files.
#include <cstdio>
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/cli/run_command.hpp"

namespace {
std::string golden_copy(const std::string& from, const std::string& to_expected, const std::string& replacement) {
  std::string text = slurp(std::string(ROWSIM_SOURCE_DIR) + "/tests/golden/" + from);
  if (!to_expected.empty()) {
    size_t at = text.find(to_expected);
    REQUIRE(at != std::string::npos);
    text.replace(at, to_expected.size(), replacement);
  }
  std::string path = "/tmp/rowsim_golden_" + std::to_string(::getpid()) + "_" + from;
  std::ofstream(path) << text;
  return path;
}
}  // namespace

TEST_CASE("check passes on a checked-in golden file and fails when a value is perturbed", "[cli][check]") {
  std::string good = golden_copy("workload-resnet50.yaml", "", "");
  auto r = run_rowsim("check --golden " + good);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("4 values within tolerance"));
  // One more weight than the zoo has: beyond the exact tolerance.
  std::string bad = golden_copy("workload-resnet50.yaml", "expected: 23652032", "expected: 23652033");
  r = run_rowsim("check --golden " + bad);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("1 of 4 values drifted") && Catch::Contains("totals.weights") &&
                        Catch::Contains("23652033") && Catch::Contains("23652032"));
  std::remove(good.c_str());
  std::remove(bad.c_str());
}

TEST_CASE("check honours relative tolerances", "[cli][check]") {
  // The VGG16 energy is 5202245072; 5202245100 is 5.4e-9 off: outside 1e-12, inside 1e-8.
  std::string outside = golden_copy("map-vgg16-eyeriss.yaml", "expected: 5202245072}", "expected: 5202245100}");
  auto r = run_rowsim("check --golden " + outside);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("totals.energy.total"));
  std::string inside = golden_copy("map-vgg16-eyeriss.yaml", "expected: 5202245072}",
                                   "expected: 5202245100, tolerance: 1e-8}");
  r = run_rowsim("check --golden " + inside);
  CHECK(r.exit_code == 0);
  std::remove(outside.c_str());
  std::remove(inside.c_str());
}

TEST_CASE("check rejects malformed golden files and missing paths", "[cli][check][errors]") {
  std::string missing = golden_copy("workload-resnet50.yaml", "totals.weights", "totals.weight");
  auto r = run_rowsim("check --golden " + missing);
  // A value path the report does not have is the golden file's mistake: a configuration error.
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("'weight' not found after 'totals'") && Catch::Contains("fix the golden file"));
  CHECK_THAT(r.out, Catch::Contains("1 value paths not found"));
  std::string typo = golden_copy("workload-resnet50.yaml", "tolerance: 0\n", "tolerence: 0\n");
  r = run_rowsim("check --golden " + typo);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("tolerence") && Catch::Contains("did you mean 'tolerance'"));
  r = run_rowsim("check --golden /no/such/golden.yaml");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("/no/such/golden.yaml"));
  std::remove(missing.c_str());
  std::remove(typo.c_str());
}

TEST_CASE("check reruns a simulate golden and names a drifted stall cause", "[cli][check]") {
  // The gate's conv1 spends 13824 cycles writing its last ofmaps back; one more is a drift.
  std::string bad = golden_copy("simulate-gate.yaml", "by_cause.ofmap_writeback\", expected: 13824}",
                                "by_cause.ofmap_writeback\", expected: 13825}");
  auto r = run_rowsim("check --golden " + bad);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("1 of 51 values drifted") &&
                        Catch::Contains("layers[name=conv1].stall_cycles.by_cause.ofmap_writeback") &&
                        Catch::Contains("13825") && Catch::Contains("13824"));
  std::remove(bad.c_str());
}
