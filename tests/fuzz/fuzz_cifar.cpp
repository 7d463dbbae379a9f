// libFuzzer target for the CIFAR-100 binary loader: the input is the test.bin file. The loader
// must succeed or raise a UserError.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_support.hpp"
#include "workloads/datasets.hpp"

using namespace rowsim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::write_scratch("test.bin", data, size);
  fuzz::expect_success_or_user_error([&] { load_cifar100(fuzz::scratch_dir(), Split::Test); });
  return 0;
}
