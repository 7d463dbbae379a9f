// rowsim compare's outputs for scripts and Markdown viewers (issue 16): CSV cells that are plain
// numbers, a report.md of real tables with its plots embedded and the paper's values marked,
// the image count stated (never silently capped), relative paths, and run directories that are
// never reused by accident, marked while incomplete, distinct for runs of the same second.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/csv_checks.hpp"
#include "tests/cli/run_command.hpp"

namespace {

namespace fs = std::filesystem;


// A small experiment in `dir`, with the shipped noise gate copied beside it (so every path in it
// is relative to the experiment file).
std::string write_small_experiment(const std::string& dir, int images) {
  fs::copy_file(std::string(ROWSIM_SOURCE_DIR) + "/workloads/weights/gate-noise.safetensors", dir + "/gate.safetensors",
                fs::copy_options::overwrite_existing);
  std::string path = dir + "/x.yaml";
  std::ofstream(path) << "name: small\narch: eyeriss\nbatch: 1\nmapping: {objective: energy, energy_slack: 0.1}\n"
                      << "dataset: {name: fashion-mnist, images: " << images << ", ratio: \"1:1\", seed: 3}\n"
                      << "families:\n  - {net: vgg16, baseline_width: 0.25, widths: [0.125]}\n"
                         "distortions:\n  - {name: noise, degree: 0.25, gate_weights: gate.safetensors, "
                         "selective_width: {vgg16: 0.125}}\n"
                         "paper:\n  - {figure: F, quantity: q, kind: reduction, net: vgg16, width: 0.125, value: 3.0}\n";
  return path;
}

}  // namespace

TEST_CASE("compare writes number-only CSV and a Markdown report with tables, plots and relative paths",
          "[cli][compare]") {
  ScratchDir s("compare_outputs");
  std::string x = write_small_experiment(s.dir, 30);
  auto r = run_rowsim("compare --experiment " + x + " --out " + s.dir + "/run");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string run = s.dir + "/run/";
  check_numbers_only(run + "networks.csv", {"network", "net", "file"});
  check_numbers_only(run + "selective.csv", {"distortion", "family", "dedicated"});
  check_numbers_only(run + "paper_comparison.csv", {"figure", "quantity", "kind", "family"});
  CHECK_THAT(read_csv(run + "networks.csv")[0][7], Catch::Equals("energy_weights_only_mac_units"));

  std::string md = slurp(run + "report.md");
  CHECK(md.find("```") == std::string::npos);  // tables are Markdown tables, not preformatted text
  CHECK_THAT(md, Catch::Contains("| --- | --- | ---: | ---: | ---: |"));
  CHECK_THAT(md, Catch::Contains("| noise | vgg16 | 0.125-vgg16 | 30 | "));
  CHECK_THAT(md, Catch::Contains("![Fig. 2 style: weights-only energy per image, vgg16](fig2-vgg16.svg)"));
  CHECK_THAT(md, Catch::Contains("*Fig. 2 style (vgg16):"));
  CHECK_THAT(md, Catch::Contains("(30 fashion-mnist test images"));
  // No path of this machine: the gate is named relative to the experiment file.
  auto j = nlohmann::json::parse(slurp(run + "report.json"));
  CHECK(j["images"] == 30);
  CHECK(j["distortions"][0]["gate_weights"] == "gate.safetensors");
  CHECK(j["experiment_source"] == "x.yaml");
  for (const std::string& text : {md, j.dump()}) {
    CHECK(text.find(s.dir) == std::string::npos);
    CHECK(text.find(ROWSIM_SOURCE_DIR) == std::string::npos);
  }
  CHECK_FALSE(fs::exists(run + "INCOMPLETE"));
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0) {
    CHECK(fs::exists(run + "fig2-vgg16.svg"));
    // The paper's reduction 3.0 is drawn as a point at 1/3 over the selective bar.
    std::string dat = slurp(run + "fig2-vgg16.dat");
    CHECK_THAT(dat, Catch::Contains("\"selective 0.125-vgg16\"") && Catch::Contains(" 0.3333333333 "));
    CHECK_THAT(slurp(run + "fig2-vgg16.gp"), Catch::Contains("paper: selective total"));
  }
}

TEST_CASE("compare refuses more images than the test split holds, before writing anything", "[cli][compare][errors]") {
  ScratchDir s("compare_images");
  std::string x = write_small_experiment(s.dir, 20000);
  auto r = run_rowsim("compare --experiment " + x + " --out " + s.dir + "/run");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("x.yaml") && Catch::Contains("20000") && Catch::Contains("dataset.images") &&
                        Catch::Contains("holds 10000"));
  CHECK_FALSE(fs::exists(s.dir + "/run"));
  write_small_experiment(s.dir, 20);
  r = run_rowsim("compare --experiment " + x + " --images 10001 --out " + s.dir + "/run");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("10001") && Catch::Contains("the run's image count"));
  CHECK_FALSE(fs::exists(s.dir + "/run"));
}

TEST_CASE("compare --out refuses a non-empty directory unless --force replaces an earlier run", "[cli][compare]") {
  ScratchDir s("compare_force");
  std::string x = write_small_experiment(s.dir, 10);
  const std::string run = s.dir + "/run";
  REQUIRE(run_rowsim("compare --experiment " + x + " --out " + run).exit_code == 0);
  std::ofstream(run + "/stale.txt") << "from an earlier run\n";
  auto r = run_rowsim("compare --experiment " + x + " --out " + run);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(run) && Catch::Contains("not empty") && Catch::Contains("--force"));
  r = run_rowsim("compare --experiment " + x + " --out " + run + " --force");
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(fs::exists(run + "/report.json"));
  CHECK_FALSE(fs::exists(run + "/stale.txt"));  // the earlier run was replaced, not overlaid
  // A directory that holds no compare run is never emptied, even with --force.
  fs::create_directories(s.dir + "/mine");
  std::ofstream(s.dir + "/mine/notes.txt") << "keep\n";
  r = run_rowsim("compare --experiment " + x + " --out " + s.dir + "/mine --force");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("not emptying it"));
  CHECK(fs::exists(s.dir + "/mine/notes.txt"));
}

TEST_CASE("a killed compare leaves its directory marked INCOMPLETE", "[cli][compare]") {
  ScratchDir s("compare_killed");
  // Killed as soon as its directory appears: the paper's experiment then prices ResNet50 at four
  // widths, seconds of work before any report file.
  std::system(("cd " + s.dir + " && (CI=1 " + ROWSIM_BINARY +
               " compare --out run >/dev/null 2>&1 & pid=$!; for i in $(seq 1200); do [ -e run/INCOMPLETE ] && break; "
               "sleep 0.05; done; kill -9 $pid; wait $pid) 2>/dev/null")
                  .c_str());
  REQUIRE(fs::exists(s.dir + "/run"));
  CHECK(fs::exists(s.dir + "/run/INCOMPLETE"));
  CHECK_FALSE(fs::exists(s.dir + "/run/report.json"));
}

TEST_CASE("compare runs started in the same second get their own run directories", "[cli][compare]") {
  ScratchDir s("compare_same_second");
  std::string x = write_small_experiment(s.dir, 10);
  // Three at once from one working directory: each takes a runs/compare-DATE[-k] of its own.
  std::string one = std::string("CI=1 ") + ROWSIM_BINARY + " compare --experiment " + x + " >/dev/null 2>&1";
  REQUIRE(std::system(("cd " + s.dir + " && (" + one + " & " + one + " & " + one + " & wait)").c_str()) == 0);
  std::set<std::string> dirs;
  for (const auto& entry : fs::directory_iterator(s.dir + "/runs")) {
    dirs.insert(entry.path().filename().string());
    CHECK(fs::exists(entry.path() / "report.json"));
    CHECK_FALSE(fs::exists(entry.path() / "INCOMPLETE"));
  }
  CHECK(dirs.size() == 3);
}
