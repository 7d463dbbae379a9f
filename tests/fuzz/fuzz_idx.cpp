// libFuzzer target for the Fashion-MNIST loader: IDX image and label files, gzipped or plain.
// An input is one byte of flags (bit 0: images gzipped, bit 1: labels gzipped, bit 2: test
// split), a little-endian u32 length of the image file, the image file, then the label file
// (tests/fuzz/make-seeds writes seeds in this form from Debian's Fashion-MNIST). The loader must
// succeed or raise a UserError.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "tests/fuzz/fuzz_support.hpp"
#include "workloads/datasets.hpp"

using namespace rowsim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  const unsigned flags = data[0];
  size_t image_bytes = size_t(data[1]) | size_t(data[2]) << 8 | size_t(data[3]) << 16 | size_t(data[4]) << 24;
  data += 5;
  size -= 5;
  if (image_bytes > size) image_bytes = size;
  const Split split = flags & 4 ? Split::Test : Split::Train;
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const std::string images = prefix + "-images-idx3-ubyte", labels = prefix + "-labels-idx1-ubyte";
  // The loader takes the .gz file when both exist: remove whichever form this input does not use.
  const std::string& dir = fuzz::scratch_dir();
  for (const std::string& name : {images, labels, images + ".gz", labels + ".gz"}) std::remove((dir + "/" + name).c_str());
  fuzz::write_scratch(images + (flags & 1 ? ".gz" : ""), data, image_bytes);
  fuzz::write_scratch(labels + (flags & 2 ? ".gz" : ""), data + image_bytes, size - image_bytes);
  fuzz::expect_success_or_user_error([&] { load_fashion_mnist(dir, split); });
  return 0;
}
