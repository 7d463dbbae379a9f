// Shared by the libFuzzer targets: every input must end in success or a UserError. Any other
// exception escapes LLVMFuzzerTestOneInput, so libFuzzer reports it as a crash with the input.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include <unistd.h>

#include "workloads/util/error.hpp"

namespace rowsim::fuzz {

// Runs `parse`; a UserError is a correct answer to bad input, so it is swallowed.
template <typename F>
void expect_success_or_user_error(F&& parse) {
  try {
    parse();
  } catch (const UserError&) {
  }
}

// A private directory for loaders that take a path (one per fuzzing process, reused per input).
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/rowsim-fuzz-XXXXXX";
    if (!mkdtemp(pattern.data())) std::abort();
    return pattern;
  }();
  return dir;
}

// Writes `size` bytes to NAME in the scratch directory and returns its path.
inline std::string write_scratch(const std::string& name, const uint8_t* data, size_t size) {
  std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
  if (!out) std::abort();
  return path;
}

}  // namespace rowsim::fuzz
