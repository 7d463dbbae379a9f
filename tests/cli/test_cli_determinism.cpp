// The same command gives byte-identical output with --jobs 1 and --jobs 2 and when run again, for
// map, simulate, sweep and compare (issue 18). None of these outputs holds a timing field (wall
// times go to stderr only), so every output file is compared whole: a timing field added to one
// of them must be named and excepted here, and nothing else may differ. One exception, by design:
// a sweep's journal (points-*.jsonl) is appended as points finish, so with --jobs 2 its lines come
// in completion order; it must hold the same lines (the results files are sorted and compared whole).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/cli/run_command.hpp"

namespace fs = std::filesystem;

namespace {

std::string fresh_dir(const std::string& name) {
  std::string dir = "/tmp/rowsim_determinism_" + name + "_" + std::to_string(::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Every file under `dir` by its path relative to `dir`, with its bytes.
std::map<std::string, std::string> tree(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) files[fs::relative(entry.path(), dir).string()] = slurp(entry.path().string());
  return files;
}

// The journal's lines in sorted order; any other file as it is.
std::string comparable(const std::string& path, const std::string& bytes) {
  const std::string name = fs::path(path).filename().string();
  if (name.rfind("points-", 0) != 0 || fs::path(path).extension() != ".jsonl") return bytes;
  std::vector<std::string> lines;
  std::istringstream in(bytes);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  std::string sorted;
  for (const auto& line : lines) sorted += line + "\n";
  return sorted;
}

// Runs `args` (with "{out}" replaced by a fresh directory, where the command writes) with each
// --jobs setting, twice with the last, and checks stdout and every written file are the same.
void check_identical(const std::string& name, const std::string& args) {
  std::string root = fresh_dir(name);
  std::string first_out;
  std::map<std::string, std::string> first_files;
  int run = 0;
  for (const char* jobs : {"1", "2", "2"}) {
    std::string out = root + "/run" + std::to_string(run);
    std::string command = args;
    for (size_t at; (at = command.find("{out}")) != std::string::npos;) command.replace(at, 5, out);
    fs::create_directories(out);
    CommandResult r = run_rowsim(command + " --jobs " + jobs);
    INFO("rowsim " << command << " --jobs " << jobs << "\n" << r.err);
    REQUIRE(r.exit_code == 0);
    std::map<std::string, std::string> files = tree(out);
    // Paths of the output directory may appear in what the command prints; they differ by design.
    for (size_t at; (at = r.out.find(out)) != std::string::npos;) r.out.replace(at, out.size(), "{out}");
    if (run == 0) {
      first_out = r.out;
      first_files = files;
      CHECK((!r.out.empty() || !files.empty()));  // something to compare
    } else {
      CHECK(r.out == first_out);
      REQUIRE(files.size() == first_files.size());
      for (const auto& [path, bytes] : files) {
        INFO(path);
        CHECK(comparable(path, bytes) == comparable(path, first_files[path]));
      }
    }
    ++run;
  }
  fs::remove_all(root);
}

}  // namespace

TEST_CASE("map, simulate, sweep and compare give byte-identical output whatever --jobs and on every run",
          "[cli][determinism]") {
  SECTION("map") { check_identical("map", "map --net gate --format json"); }
  SECTION("simulate") { check_identical("simulate", "simulate --net gate --format json"); }
  SECTION("sweep") {
    check_identical("sweep", "sweep --arch eyeriss --net gate --set pe_array.rows=8:12:4 --set glb.filter_kb=4,8 "
                             "--out {out}/sweep");
  }
  SECTION("compare") {
    std::string dir = fresh_dir("compare_experiment");
    std::string gate = std::string(ROWSIM_SOURCE_DIR) + "/workloads/weights/gate-noise.safetensors";
    std::ofstream(dir + "/x.yaml")
        << "name: determinism\narch: eyeriss\nbatch: 1\nmapping: {objective: energy, energy_slack: 0.1}\n"
        << "dataset: {name: fashion-mnist, images: 20, ratio: \"1:1\", seed: 3}\n"
        << "families:\n  - {net: vgg16, baseline_width: 0.25, widths: [0.125]}\n"
        << "distortions:\n  - {name: noise, degree: 0.25, gate_weights: " << gate
        << ", selective_width: {vgg16: 0.125}}\n";
    check_identical("compare", "compare --experiment " + dir + "/x.yaml --out {out}/run");
    fs::remove_all(dir);
  }
}
