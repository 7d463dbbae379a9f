// rowsim prune / quantize / eval --fixed-point as a user runs them: bad flags name the flag and
// value, the gate is refused, quantized files are evaluated in fixed point, and (slow) a whole
// prune with retraining on the synthetic set.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/run_command.hpp"
#include "tests/compression/compression_fixtures.hpp"

using namespace rowsim;

namespace {

std::string gate_path() { return std::string(ROWSIM_SOURCE_DIR) + "/workloads/weights/gate-noise.safetensors"; }

void expect_error(const std::string& args, const std::string& a, const std::string& b = "") {
  auto r = run_rowsim(args);
  INFO("rowsim " << args << "\n" << r.err);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(a) && Catch::Contains(b));
}

}  // namespace

TEST_CASE("prune and quantize reject bad flags clearly", "[compression][cli]") {
  std::string dir = fixtures::temp_dir("cli_flags");
  write_safetensors(dir + "/w.safetensors", fixtures::random_vgg(2));
  const std::string w = " --weights " + dir + "/w.safetensors";
  const std::string out = " -o " + dir + "/out.safetensors";
  for (const char* s : {"0", "1", "1.5", "-0.1"})
    expect_error(std::string("prune") + w + out + " --sparsity " + s, std::string("sparsity ") + s,
                 "above 0 and below 1");
  expect_error("prune" + w + out + " --schedule gradual", "--schedule: pruning schedule 'gradual'",
               "iterative or oneshot");
  expect_error("prune" + w + out + " --schedule oneshot --steps 3", "--steps 3", "one step");
  expect_error("prune" + w + out + " --steps 0", "--steps 0");
  expect_error("prune" + w + " --sparsity 0.5", "-o");
  expect_error("prune --weights " + gate_path() + out + " --retrain-epochs 0", "gate-noise.safetensors",
               "the gate is never pruned");
  expect_error("prune --weights " + dir + "/missing.safetensors" + out, "missing.safetensors");

  for (const char* b : {"1", "17", "0"})
    expect_error(std::string("quantize") + w + out + " --bits " + b, std::string("--bits ") + b, "2 to 16");
  expect_error("quantize" + w + out, "--bits B", "--sweep");
  expect_error("quantize" + w + " --bits 8 --sweep 16:4:2", "--bits B", "--sweep");
  expect_error("quantize" + w + " --sweep 16:1:2", "--sweep: bit widths '16:1:2'", "2..16");
  expect_error("quantize" + w + " --bits 8", "-o FILE");
  expect_error("quantize" + w + out + " --bits 8 --per-layer-format --global-format", "--global-format");
  expect_error("eval" + w + " --fixed-point --float --dataset synthetic", "--fixed-point or --float");
  for (const char* b : {"0", "4097"})
    expect_error(std::string("quantize") + w + " --sweep 16 --batch " + b, std::string("--batch ") + b, "1 to 4096");
  expect_error("eval" + w + " --fixed-point --batch 0 --dataset synthetic", "--batch 0", "1 to 65536");
  std::filesystem::remove_all(dir);
}

TEST_CASE("quantize writes a fixed-point file that eval judges in fixed point", "[compression][cli]") {
  std::string dir = fixtures::temp_dir("cli_quant");
  write_safetensors(dir + "/w.safetensors", fixtures::random_vgg(3));
  auto q = run_rowsim("quantize --weights " + dir + "/w.safetensors --bits 8 --limit 40 --format json -o " + dir +
                      "/q8.safetensors");
  INFO(q.err);
  REQUIRE(q.exit_code == 0);
  auto jq = nlohmann::json::parse(q.out);
  CHECK(jq["bits"] == 8);
  CHECK(jq["dtype"] == "F16");
  CHECK(jq["images"] == 40);
  SafeTensors f = read_safetensors(dir + "/q8.safetensors");
  CHECK(f.meta("bits") == "8");
  CHECK(f.meta("quantization") == "fixed-point");

  auto e = run_rowsim("eval --weights " + dir + "/q8.safetensors --limit 40 --format json");
  INFO(e.err);
  REQUIRE(e.exit_code == 0);
  auto je = nlohmann::json::parse(e.out);
  CHECK_THAT(je["arithmetic"].get<std::string>(), Catch::Contains("fixed-point: 8-bit weights"));
  CHECK(je["top1"].get<double>() == Approx(jq["top1"].get<double>()));
  CHECK(std::stod(f.meta("accuracy")) == Approx(jq["top1"].get<double>()).margin(1e-6));
  auto fl = run_rowsim("eval --weights " + dir + "/q8.safetensors --limit 40 --float --format json");
  REQUIRE(fl.exit_code == 0);
  CHECK(nlohmann::json::parse(fl.out)["arithmetic"] == "float32");

  auto s = run_rowsim("quantize --weights " + dir + "/w.safetensors --sweep 16,8 --limit 20 --format json");
  INFO(s.err);
  REQUIRE(s.exit_code == 0);
  auto js = nlohmann::json::parse(s.out);
  REQUIRE(js["sweep"].size() == 2);
  CHECK(js["sweep"][1]["bits"] == 8);
  CHECK(js["test_images"] == 20);
  std::filesystem::remove_all(dir);
}

TEST_CASE("rowsim prune end to end on the synthetic set", "[compression][cli][slow]") {
  std::string dir = fixtures::temp_dir("cli_prune");
  fixtures::trained_vgg(dir + "/dense.safetensors", 2, 600);
  auto r = run_rowsim("prune --weights " + dir + "/dense.safetensors --sparsity 0.8 --steps 2 --retrain-epochs 1 "
                      "--limit 600 --test-limit 300 --batch 32 --format json -o " + dir + "/p.safetensors");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["sparsity"].get<double>() >= 0.8);
  CHECK(j["layers"].size() == 16);
  SafeTensors p = read_safetensors(dir + "/p.safetensors");
  CHECK(std::stod(p.meta("sparsity")) == Approx(j["sparsity"].get<double>()).margin(1e-6));
  // map reads the compact file and skips the zero weights.
  auto m = run_rowsim("map --weights " + dir + "/p.safetensors --format json");
  INFO(m.err);
  CHECK(m.exit_code == 0);
  auto e = run_rowsim("eval --weights " + dir + "/p.safetensors --limit 300 --format json");
  REQUIRE(e.exit_code == 0);
  CHECK(nlohmann::json::parse(e.out)["top1"].get<double>() == Approx(j["top1"].get<double>()));
  std::filesystem::remove_all(dir);
}
