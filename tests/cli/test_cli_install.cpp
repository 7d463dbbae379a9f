// `cmake --install` into a temporary prefix, then the installed rowsim run from elsewhere: it must
// find its data beside its own binary (share/rowsim), never through the source tree.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/run_command.hpp"

namespace fs = std::filesystem;

namespace {

std::string make_temp_dir(const std::string& stem) {
  std::string pattern = (fs::temp_directory_path() / (stem + "XXXXXX")).string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

// Runs `command` in `cwd` with a clean data-directory setting; captures exit status and stderr.
CommandResult run_in(const std::string& cwd, const std::string& command) {
  std::string err = cwd + "/.stderr";
  std::string full = "cd " + cwd + " && env -u ROWSIM_DATA_DIR CI=1 " + command + " >/dev/null 2>" + err;
  int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(err);
  fs::remove(err);
  return r;
}

// Every file under `dir` as one string, to look for paths that should not be there.
std::string all_text_under(const std::string& dir) {
  std::string text;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) text += slurp(entry.path().string());
  return text;
}

}  // namespace

TEST_CASE("an installed rowsim runs compare from its own data, away from the source tree", "[cli][install]") {
  std::string build_dir = fs::path(ROWSIM_BINARY).parent_path().string();
  std::string prefix = make_temp_dir("rowsim-prefix-");
  std::string work = make_temp_dir("rowsim-work-");
  CommandResult install = run_in(work, std::string(ROWSIM_CMAKE_COMMAND) + " --install " + build_dir + " --prefix " + prefix);
  INFO(install.err);
  REQUIRE(install.exit_code == 0);

  std::string share = prefix + "/share/rowsim";
  for (const char* file : {"configs/arch/eyeriss.yaml", "configs/experiments/paper.yaml", "configs/tech/65nm.yaml",
                           "workloads/weights/gate-noise.safetensors",
                           "workloads/weights/vgg16-0.50-noise-pruned80.safetensors"}) {
    INFO(file);
    CHECK(fs::is_regular_file(share + "/" + file));
  }
  // The build tree's pointer to the source tree stays in the build tree.
  CHECK_FALSE(fs::exists(prefix + "/bin/rowsim-data-dir"));

  CommandResult run = run_in(work, prefix + "/bin/rowsim compare --images 10 --out run");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  auto report = nlohmann::json::parse(slurp(work + "/run/report.json"));
  for (const auto& d : report["distortions"]) {
    // Report paths are relative to the experiment's directory: for the embedded experiment,
    // configs/experiments in the data directory the installed binary found.
    std::string gate = d["gate_weights"];
    INFO(gate);
    CHECK(fs::path(gate).is_relative());
    std::string resolved = (fs::path(share) / "configs/experiments" / gate).lexically_normal().string();
    CHECK(resolved.rfind(share + "/workloads/weights/", 0) == 0);
    CHECK(fs::is_regular_file(resolved));
  }
  CHECK(all_text_under(work + "/run").find(ROWSIM_SOURCE_DIR) == std::string::npos);

  // Plain blocks, not SECTIONs: Catch would rerun the install and the compare for each one.
  {  // ROWSIM_DATA_DIR overrides the installed data; a missing file says where it was looked for.
    std::string data = make_temp_dir("rowsim-data-");
    fs::create_directories(data + "/configs");
    fs::copy(share + "/configs/experiments", data + "/configs/experiments");
    CommandResult r = run_in(work, "ROWSIM_DATA_DIR=" + data + " " + prefix + "/bin/rowsim compare --images 10 --out run2");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(data + "/workloads/weights/gate-noise.safetensors") &&
                          Catch::Contains("relative to configs/experiments in the data directory " + data) &&
                          Catch::Contains("ROWSIM_DATA_DIR"));
    CHECK_FALSE(fs::exists(work + "/run2"));
    fs::remove_all(data);
  }
  {  // A data directory that is not there is named.
    CommandResult r = run_in(work, "ROWSIM_DATA_DIR=" + work + "/nowhere " + prefix + "/bin/rowsim compare --images 10");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("ROWSIM_DATA_DIR=" + work + "/nowhere: not a directory"));
  }
  {  // Without an install or ROWSIM_DATA_DIR, the error names where it looked.
    fs::copy_file(prefix + "/bin/rowsim", work + "/rowsim");
    CommandResult r = run_in(work, work + "/rowsim compare --images 10");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("cannot find rowsim's data directory") && Catch::Contains("ROWSIM_DATA_DIR"));
  }
  fs::remove_all(prefix);
  fs::remove_all(work);
}
