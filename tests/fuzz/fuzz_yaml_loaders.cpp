// libFuzzer target for the YAML loaders: any input must either parse or raise a UserError; a
// crash, hang, sanitizer report or other exception is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "models/arch/arch_spec.hpp"
#include "workloads/net_file.hpp"
#include "workloads/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    rowsim::parse_arch_spec(text, "fuzz.yaml");
  } catch (const rowsim::UserError&) {
  }
  try {
    rowsim::parse_network_yaml(text, "fuzz.yaml");
  } catch (const rowsim::UserError&) {
  }
  return 0;
}
