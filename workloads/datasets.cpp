#include "workloads/datasets.hpp"

#include <algorithm>
#include <cstring>

#include <zlib.h>

#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/rng.hpp"

namespace rowsim {

const char* to_string(Split split) { return split == Split::Train ? "train" : "test"; }

std::vector<std::string> dataset_names() { return {"fashion-mnist", "cifar100", "synthetic"}; }

int dataset_classes(const std::string& name) {
  if (name == "fashion-mnist" || name == "synthetic") return 10;
  if (name == "cifar100") return 100;
  fail("dataset '{}': expected fashion-mnist, cifar100 or synthetic", name);
}

std::string gunzip(const std::string& bytes, const std::string& origin, uint64_t max_bytes) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) fail("{}: cannot start gzip decoding", origin);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  char chunk[1 << 16];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      std::string why = zs.msg ? zs.msg : (rc == Z_BUF_ERROR ? "unexpected end of file" : "error " + std::to_string(rc));
      inflateEnd(&zs);
      fail("{}: corrupt gzip data: {}", origin, why);
    }
    out.append(chunk, sizeof chunk - zs.avail_out);
    if (out.size() > max_bytes) {  // a small file can inflate to any size
      inflateEnd(&zs);
      fail("{}: gzip data decompresses to more than {} bytes, the most rowsim reads from one file {}", origin,
           max_bytes, limit_hint(Limit::FileBytes));
    }
  } while (rc != Z_STREAM_END);
  inflateEnd(&zs);
  return out;
}

namespace {

uint32_t big_endian_u32(const std::string& s, size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data() + at);
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

// Reads an IDX file, gzipped (NAME.gz) or plain (NAME), whichever exists.
std::string read_idx(const std::string& dir, const std::string& name, std::string& path) {
  path = dir + "/" + name + ".gz";
  if (file_exists(path)) return gunzip(read_file(path), path);
  path = dir + "/" + name;
  if (file_exists(path)) return read_file(path);
  fail("{}/{}.gz: file not found (Fashion-MNIST comes from Debian's dataset-fashion-mnist package; "
       "scripts/setup installs it, or give a data directory holding the IDX files)",
       dir, name);
}

// Validates an IDX header: magic 0x000008DD (unsigned bytes, DD dimensions) and the data length.
std::vector<uint32_t> idx_dims(const std::string& data, int expected_dims, const std::string& path) {
  if (data.size() < 4) fail("{}: not an IDX file: only {} bytes", path, data.size());
  uint32_t magic = big_endian_u32(data, 0);
  uint32_t want = 0x0800u | static_cast<uint32_t>(expected_dims);
  if (magic != want)
    fail("{}: bad IDX magic number 0x{:08x}, expected 0x{:08x} (unsigned bytes, {} dimensions)", path, magic, want,
         expected_dims);
  if (data.size() < 4 + 4 * size_t(expected_dims)) fail("{}: IDX header is truncated", path);
  std::vector<uint32_t> dims;
  uint64_t total = 1;
  for (int i = 0; i < expected_dims; ++i) {
    dims.push_back(big_endian_u32(data, 4 + 4 * size_t(i)));
    // Saturates instead of wrapping, so no product of huge dimensions can match the data length.
    total = dims.back() != 0 && total > UINT64_MAX / dims.back() ? UINT64_MAX : total * dims.back();
  }
  uint64_t have = data.size() - 4 - 4 * size_t(expected_dims);
  if (have != total)
    fail("{}: IDX data holds {} bytes but the header's dimensions need {}{}", path, have, total,
         have < total ? " (truncated file)" : "");
  return dims;
}

}  // namespace

Dataset load_fashion_mnist(const std::string& dir, Split split, size_t limit) {
  std::string prefix = split == Split::Train ? "train" : "t10k";
  std::string image_path, label_path;
  std::string images = read_idx(dir, prefix + "-images-idx3-ubyte", image_path);
  std::string labels = read_idx(dir, prefix + "-labels-idx1-ubyte", label_path);
  auto idims = idx_dims(images, 3, image_path);
  auto ldims = idx_dims(labels, 1, label_path);
  if (idims[1] != 28 || idims[2] != 28)
    fail("{}: images are {}x{}, expected Fashion-MNIST's 28x28", image_path, idims[1], idims[2]);
  if (idims[0] != ldims[0])
    fail("{} holds {} images but {} holds {} labels", image_path, idims[0], label_path, ldims[0]);
  size_t n = idims[0];
  if (limit > 0) n = std::min(n, limit);
  Dataset d;
  d.name = "fashion-mnist";
  d.classes = 10;
  d.pixels.assign(n * 3 * 32 * 32, 0.0f);
  d.labels.resize(n);
  const auto* src = reinterpret_cast<const unsigned char*>(images.data() + 16);
  for (size_t i = 0; i < n; ++i) {
    int label = static_cast<unsigned char>(labels[8 + i]);
    if (label > 9) fail("{}: label {} of image {} is out of range, expected 0..9", label_path, label, i);
    d.labels[i] = label;
    float* img = d.image_data(i);
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) {
        float v = src[i * 784 + size_t(y) * 28 + size_t(x)] / 255.0f;
        for (int c = 0; c < 3; ++c) img[(c * 32 + y + 2) * 32 + x + 2] = v;  // 2-pixel zero border
      }
  }
  return d;
}

Dataset load_cifar100(const std::string& dir, Split split, size_t limit) {
  std::string path = dir + "/" + (split == Split::Train ? "train.bin" : "test.bin");
  if (!file_exists(path))
    fail("{}: file not found (the data directory must be the extracted CIFAR-100 binary version, which holds "
         "train.bin and test.bin)",
         path);
  std::string data = read_file(path);
  constexpr size_t kRecord = 2 + 3072;  // coarse label, fine label, 32x32 R, G, B planes
  if (data.empty() || data.size() % kRecord != 0)
    fail("{}: size {} bytes is not a whole number of {}-byte CIFAR-100 records (truncated or not CIFAR-100?)", path,
         data.size(), kRecord);
  size_t n = data.size() / kRecord;
  if (limit > 0) n = std::min(n, limit);
  Dataset d;
  d.name = "cifar100";
  d.classes = 100;
  d.pixels.resize(n * 3072);
  d.labels.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const auto* rec = reinterpret_cast<const unsigned char*>(data.data() + i * kRecord);
    if (rec[0] > 19) fail("{}: record {}: coarse label {} is out of range 0..19", path, i, rec[0]);
    if (rec[1] > 99) fail("{}: record {}: fine label {} is out of range 0..99", path, i, rec[1]);
    d.labels[i] = rec[1];
    float* img = d.image_data(i);
    for (int k = 0; k < 3072; ++k) img[k] = rec[2 + k] / 255.0f;
  }
  return d;
}

Dataset make_synthetic(Split split, size_t count, uint64_t seed) {
  // Each class is a fixed 8x8 pattern of random grey levels per channel, upsampled to 32x32; an
  // image is its class pattern shifted by up to 2 pixels plus Gaussian noise (sigma 0.15).
  constexpr int kClasses = 10;
  std::vector<float> templates(kClasses * 3 * 64);
  Rng trng(seed, RngPurpose::Synthetic, 0);
  for (auto& v : templates) v = trng.uniform();
  Dataset d;
  d.name = "synthetic";
  d.classes = kClasses;
  d.pixels.resize(count * 3072);
  d.labels.resize(count);
  for (size_t i = 0; i < count; ++i) {
    Rng rng(seed, RngPurpose::Synthetic, split == Split::Train ? 1 : 2, i);
    int label = static_cast<int>(rng.below(kClasses));
    int dy = static_cast<int>(rng.below(5)) - 2, dx = static_cast<int>(rng.below(5)) - 2;
    d.labels[i] = label;
    float* img = d.image_data(i);
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) {
          int ty = std::clamp(y + dy, 0, 31) / 4, tx = std::clamp(x + dx, 0, 31) / 4;
          float v = templates[((label * 3 + c) * 8 + ty) * 8 + tx] + 0.15f * rng.normal();
          img[(c * 32 + y) * 32 + x] = std::clamp(v, 0.0f, 1.0f);
        }
  }
  return d;
}

Dataset load_dataset(const std::string& name, Split split, const std::string& data_dir, size_t limit) {
  dataset_classes(name);  // validates the name
  if (name == "fashion-mnist") return load_fashion_mnist(data_dir.empty() ? kFashionMnistDir : data_dir, split, limit);
  if (name == "cifar100") {
    if (data_dir.empty())
      fail("dataset cifar100 needs a data directory: the extracted CIFAR-100 binary version (train.bin, test.bin)");
    return load_cifar100(data_dir, split, limit);
  }
  size_t full = split == Split::Train ? 10000 : 2000;
  return make_synthetic(split, limit > 0 ? std::min(limit, full) : full);
}

}  // namespace rowsim
