// libFuzzer target for weights files in safetensors form, dense and with the sparse encoding
// (workloads/safetensors_sparse.hpp): parse, read the metadata as the simulator does, find the
// network it names and load its layers' parameters in fixed point. Each step must succeed or raise
// a UserError; a file that parsed must also survive a write and re-read unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tests/fuzz/fuzz_support.hpp"
#include "workloads/fixed_point.hpp"
#include "workloads/safetensors.hpp"
#include "workloads/weights_file.hpp"

using namespace rowsim;
using rowsim::fuzz::expect_success_or_user_error;

namespace {

bool same(const SafeTensors& a, const SafeTensors& b) {
  if (a.metadata != b.metadata || a.tensors.size() != b.tensors.size()) return false;
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    const auto& [name_a, ta] = a.tensors[i];
    const auto& [name_b, tb] = b.tensors[i];
    if (name_a != name_b || ta.dtype != tb.dtype || ta.shape != tb.shape || ta.bytes != tb.bytes) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string origin = "fuzz.safetensors";
  expect_success_or_user_error([&] {
    SafeTensors file = parse_safetensors(std::string(reinterpret_cast<const char*>(data), size), origin);
    // What rowsim writes it must read back as it was (a sparse file comes back dense).
    if (!same(parse_safetensors(serialize_safetensors(file), origin), file)) std::abort();
    for (const auto& entry : file.tensors)  // (C++17 lambdas cannot capture structured bindings)
      expect_success_or_user_error([&] { finite_floats(entry.second, origin, entry.first); });
    WeightsInfo info = weights_info(file, origin);
    Network net = network_for_weights(info, origin);
    load_fixed_layer_params(net, file, origin, info.bits, fmap_format(16));
  });
  return 0;
}
