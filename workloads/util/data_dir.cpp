#include "workloads/util/data_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"

namespace rowsim {
namespace fs = std::filesystem;

namespace {

// The file a build tree holds beside the binary, naming the source tree it was configured from.
constexpr const char* kBuildTreeMarker = "rowsim-data-dir";

bool is_a_directory(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

DataDir find_data_dir() {
  if (const char* env = std::getenv("ROWSIM_DATA_DIR"); env && *env) {
    if (!is_a_directory(env)) fail("ROWSIM_DATA_DIR={}: not a directory (it should hold configs/ and workloads/weights/)", env);
    return {fs::absolute(env).lexically_normal().string(), "ROWSIM_DATA_DIR"};
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) fail("cannot find rowsim's data directory: /proc/self/exe is unreadable ({}); set ROWSIM_DATA_DIR", ec.message());
  fs::path installed = (exe.parent_path() / ROWSIM_DATA_FROM_BINDIR).lexically_normal();
  if (is_a_directory(installed))
    return {installed.string(), std::string(ROWSIM_DATA_FROM_BINDIR) + " relative to the executable " + exe.string()};
  fs::path marker = exe.parent_path() / kBuildTreeMarker;
  std::string looked = installed.string();
  if (fs::exists(marker, ec)) {
    std::string recorded = read_file(marker.string());
    while (!recorded.empty() && (recorded.back() == '\n' || recorded.back() == '\r')) recorded.pop_back();
    if (is_a_directory(recorded)) return {recorded, "the source tree recorded in " + marker.string()};
    looked += ", " + recorded + " (named in " + marker.string() + ")";
  }
  fail("cannot find rowsim's data directory: looked in {} (relative to the executable {}); install rowsim with "
       "`cmake --install` or set ROWSIM_DATA_DIR to a directory holding configs/ and workloads/weights/",
       looked, exe.string());
}

}  // namespace

const DataDir& data_dir() {
  static const DataDir dir = find_data_dir();
  return dir;
}

}  // namespace rowsim
