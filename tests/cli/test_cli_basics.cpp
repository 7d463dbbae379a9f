// The rowsim executable: help, version, workload stats output formats, and clear errors with a
// non-zero exit for bad input.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/run_command.hpp"

TEST_CASE("rowsim --help, --version and subcommand help", "[cli]") {
  auto r = run_rowsim("--help");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("compare") && Catch::Contains("workload"));
  r = run_rowsim("--version");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("rowsim "));
  r = run_rowsim("workload --help");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("--selective"));
  r = run_rowsim("nonsense");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("unknown subcommand 'nonsense'"));
}

TEST_CASE("workload stats JSON has the documented shape and exact totals", "[cli]") {
  auto r = run_rowsim("workload stats --net vgg16 --width 0.5 --selective --format json");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["network"] == "selective-vgg16");
  CHECK(j["width"] == 0.5);
  // Gate 268,848 weights + 0.50-VGG16 3,834,720 (9*(3*32 + 32*32 + ...) written out in test_zoo).
  CHECK(j["totals"]["weights"] == 268848 + 3834720);
  CHECK(j["layers"][0]["part"] == "gate");
  CHECK(j["parts"].size() == 2);
  int64_t sum = 0;
  for (const auto& l : j["layers"]) sum += l["macs_paper"].get<int64_t>();
  CHECK(j["totals"]["macs_paper"] == sum);
}

TEST_CASE("workload stats CSV and batch", "[cli]") {
  auto r = run_rowsim("workload stats --net gate --batch 4 --format csv");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("layer,kind,input,output,weights,biases,macs,macs_paper\n"));
  // conv1 of the gate: 3*3*3*16 weights at 32x32, times a batch of 4.
  CHECK_THAT(r.out, Catch::Contains("conv1,conv,3x32x32,16x32x32,432,16,1769472,1769472"));
}

TEST_CASE("Bad CLI input exits non-zero with a clear message", "[cli][errors]") {
  auto r = run_rowsim("workload stats --net vgg19");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("unknown network 'vgg19'"));
  r = run_rowsim("workload stats --net vgg16 --width 0");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--width: width 0"));
  r = run_rowsim("workload stats --net vgg16 --width -0.5");
  CHECK(r.exit_code == 2);
  // A batch whose counts could overflow 64 bits on the largest layer rowsim accepts.
  for (const char* cmd : {"workload stats", "map", "simulate"}) {
    r = run_rowsim(std::string(cmd) + " --net gate --batch 1048577");
    INFO(cmd);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--batch 1048577") && Catch::Contains("1 to 1048576"));
  }
  r = run_rowsim("workload stats --net vgg16 --format xml");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--format xml"));
  r = run_rowsim("workload stats --net-file /no/such.yaml");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("/no/such.yaml"));
  r = run_rowsim("workload stats --net vgg16 --bogus");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("bogus"));
  r = run_rowsim("arch show /no/arch.yaml");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("/no/arch.yaml"));
}

TEST_CASE("arch show prints the resolved embedded spec", "[cli]") {
  auto r = run_rowsim("arch show eyeriss");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("rows: 12") && Catch::Contains("168 PEs"));
}
