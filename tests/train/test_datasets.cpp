// Dataset readers on small files written here in the real formats (IDX, gzipped IDX, CIFAR-100
// binary), their errors on damaged files, and the distortions' determinism and definitions.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include <catch2/catch.hpp>
#include <zlib.h>

#include "workloads/datasets.hpp"
#include "workloads/distortions.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"

using namespace rowsim;

namespace {

std::string temp_dir(const std::string& name) {
  std::string dir = "/tmp/rowsim_test_" + name + "_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  make_directories(dir);
  return dir;
}

std::string be32(uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xFF), char((v >> 8) & 0xFF), char(v & 0xFF)};
}

std::string gzip(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, uLong(data.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = uInt(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(&out[0]);
  zs.avail_out = uInt(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Three 28x28 images whose pixel (y, x) is (i*50 + y + x) mod 256, labels 7, 0, 9.
std::string idx_images(uint32_t count = 3) {
  std::string s = be32(0x803) + be32(count) + be32(28) + be32(28);
  for (uint32_t i = 0; i < count; ++i)
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) s += char((i * 50 + y + x) % 256);
  return s;
}
std::string idx_labels(std::string labels = std::string{7, 0, 9}) {
  return be32(0x801) + be32(uint32_t(labels.size())) + labels;
}

void write_fashion(const std::string& dir, const std::string& images, const std::string& labels, bool gz = true) {
  write_file_atomic(dir + "/t10k-images-idx3-ubyte" + (gz ? ".gz" : ""), gz ? gzip(images) : images);
  write_file_atomic(dir + "/t10k-labels-idx1-ubyte" + (gz ? ".gz" : ""), gz ? gzip(labels) : labels);
}

}  // namespace

TEST_CASE("Fashion-MNIST IDX: padded to 32x32, replicated to 3 channels, scaled to [0,1]", "[train][datasets]") {
  for (bool gz : {true, false}) {
    std::string dir = temp_dir(gz ? "fm_gz" : "fm_raw");
    write_fashion(dir, idx_images(), idx_labels(), gz);
    Dataset d = load_fashion_mnist(dir, Split::Test);
    REQUIRE(d.size() == 3);
    CHECK(d.classes == 10);
    CHECK(d.labels == std::vector<int32_t>{7, 0, 9});
    const float* img = d.image_data(1);
    CHECK(img[0] == 0.0f);                             // border
    CHECK(img[(0 * 32 + 2) * 32 + 2] == 50 / 255.0f);  // source (0, 0)
    CHECK(img[(2 * 32 + 2 + 27) * 32 + 2 + 27] == (50 + 54) / 255.0f);
    CHECK(img[(1 * 32 + 10) * 32 + 12] == img[(0 * 32 + 10) * 32 + 12]);
    CHECK(img[(0 * 32 + 31) * 32 + 31] == 0.0f);
    CHECK(load_fashion_mnist(dir, Split::Test, 2).size() == 2);
    std::filesystem::remove_all(dir);
  }
}

TEST_CASE("damaged Fashion-MNIST files are rejected naming the file", "[train][datasets][errors]") {
  std::string dir = temp_dir("fm_bad");
  CHECK_THROWS_WITH(load_fashion_mnist(dir, Split::Test), Catch::Contains("t10k-images-idx3-ubyte.gz: file not found"));
  std::string images = idx_images();
  write_fashion(dir, images.substr(0, images.size() - 5), idx_labels());
  CHECK_THROWS_WITH(load_fashion_mnist(dir, Split::Test), Catch::Contains("truncated file"));
  std::string bad_magic = images;
  bad_magic[3] = 0x01;
  write_fashion(dir, bad_magic, idx_labels());
  CHECK_THROWS_WITH(load_fashion_mnist(dir, Split::Test), Catch::Contains("bad IDX magic"));
  write_fashion(dir, images, idx_labels(std::string{1, 2}));
  CHECK_THROWS_WITH(load_fashion_mnist(dir, Split::Test), Catch::Contains("holds 3 images but") && Catch::Contains("2 labels"));
  write_fashion(dir, images, idx_labels(std::string{1, 2, 12}));
  CHECK_THROWS_WITH(load_fashion_mnist(dir, Split::Test), Catch::Contains("label 12 of image 2"));
  write_fashion(dir, images, idx_labels());
  std::string gz = gzip(images);
  gz[gz.size() / 2] ^= 0x55;
  gz = gz.substr(0, gz.size() - 3);
  write_file_atomic(dir + "/t10k-images-idx3-ubyte.gz", gz);
  CHECK_THROWS_WITH(load_fashion_mnist(dir, Split::Test),
                    Catch::Contains("t10k-images-idx3-ubyte.gz: corrupt gzip data"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("gzip data is decompressed only up to a bound", "[train][datasets][errors]") {
  // 4 MB of zeros compress to about 4 KB: a small file can claim any size.
  const std::string zeros(size_t(4) << 20, '\0');
  const std::string gz = gzip(zeros);
  REQUIRE(gz.size() < 8192);
  CHECK(gunzip(gz, "z.gz") == zeros);
  CHECK(gunzip(gz, "z.gz", zeros.size()) == zeros);
  CHECK_THROWS_WITH(gunzip(gz, "z.gz", 1 << 20),
                    Catch::Contains("z.gz: gzip data decompresses to more than 1048576 bytes"));
}

TEST_CASE("CIFAR-100 binary records: fine labels, RGB planes; damaged files rejected", "[train][datasets][errors]") {
  std::string dir = temp_dir("cifar");
  std::string data;
  for (int i = 0; i < 3; ++i) {
    data += char(i);       // coarse
    data += char(40 + i);  // fine
    for (int k = 0; k < 3072; ++k) data += char((k / 1024) * 100 + i);
  }
  write_file_atomic(dir + "/test.bin", data);
  Dataset d = load_cifar100(dir, Split::Test);
  REQUIRE(d.size() == 3);
  CHECK(d.classes == 100);
  CHECK(d.labels == std::vector<int32_t>{40, 41, 42});
  CHECK(d.image_data(2)[0] == 2 / 255.0f);
  CHECK(d.image_data(2)[2048 + 5] == 202 / 255.0f);
  CHECK_THROWS_WITH(load_dataset("cifar100", Split::Test), Catch::Contains("cifar100 needs a data directory"));
  CHECK_THROWS_WITH(load_cifar100(dir, Split::Train), Catch::Contains("train.bin: file not found"));
  write_file_atomic(dir + "/test.bin", data.substr(0, data.size() - 1));
  CHECK_THROWS_WITH(load_cifar100(dir, Split::Test), Catch::Contains("not a whole number of 3074-byte"));
  data[3074 + 1] = char(100);
  write_file_atomic(dir + "/test.bin", data);
  CHECK_THROWS_WITH(load_cifar100(dir, Split::Test), Catch::Contains("record 1: fine label 100"));
  CHECK_THROWS_WITH(load_dataset("imagenet", Split::Test), Catch::Contains("dataset 'imagenet': expected fashion-mnist"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("synthetic set is deterministic per seed", "[train][datasets]") {
  Dataset a = make_synthetic(Split::Train, 50, 3), b = make_synthetic(Split::Train, 50, 3);
  Dataset c = make_synthetic(Split::Train, 50, 4);
  CHECK(a.pixels == b.pixels);
  CHECK(a.labels == b.labels);
  CHECK(a.pixels != c.pixels);
  for (float v : a.pixels) REQUIRE((v >= 0.0f && v <= 1.0f));
}

TEST_CASE("distortions are deterministic per seed and do what they say", "[train][distortions]") {
  Shape shape{3, 32, 32};
  std::vector<float> grey(3072, 0.5f);
  auto distorted = [&](const Distortion& d, uint64_t seed, uint64_t index) {
    std::vector<float> img = grey;
    apply_distortion(d, img.data(), shape, seed, Split::Test, index);
    return img;
  };
  Distortion noise = parse_distortion("noise", 0.1);
  CHECK(distorted(noise, 1, 5) == distorted(noise, 1, 5));
  CHECK(distorted(noise, 1, 5) != distorted(noise, 2, 5));
  CHECK(distorted(noise, 1, 5) != distorted(noise, 1, 6));
  std::vector<float> n = distorted(noise, 1, 5);
  double mean = 0, var = 0;
  for (float v : n) mean += v - 0.5;
  mean /= 3072;
  for (float v : n) var += (v - 0.5 - mean) * (v - 0.5 - mean);
  CHECK(std::abs(mean) < 0.01);
  CHECK(std::sqrt(var / 3072) == Approx(0.1).epsilon(0.05));
  // The paper's sigma 0.25 clips at 0 and 1.
  for (float v : distorted(parse_distortion("noise"), 1, 5)) REQUIRE((v >= 0.0f && v <= 1.0f));

  // Blur keeps a constant image (edge replication at the borders) and smooths an impulse into a
  // normalized Gaussian.
  Distortion blur = parse_distortion("blur");
  CHECK(blur.sigma == 1.0f);
  for (float v : distorted(blur, 1, 0)) REQUIRE(v == Approx(0.5f).margin(1e-6));
  std::vector<float> impulse(3072, 0.0f);
  impulse[16 * 32 + 16] = 1.0f;
  apply_distortion(blur, impulse.data(), shape, 1, Split::Test, 0);
  double sum = 0;
  for (int i = 0; i < 1024; ++i) sum += impulse[size_t(i)];
  CHECK(sum == Approx(1.0).epsilon(1e-5));
  CHECK(impulse[16 * 32 + 16] == Approx(0.15924).epsilon(1e-3));  // (1 / 2.50596)^2: 7 normalized taps
  CHECK(impulse[16 * 32 + 20] == 0.0f);                           // radius ceil(3 sigma) = 3

  // Occlusion: exactly one 16x16 mid-grey block per channel at a seeded position.
  Distortion occ = parse_distortion("occlusion");
  std::vector<float> black(3072, 0.0f);
  apply_distortion(occ, black.data(), shape, 9, Split::Test, 3);
  int grey_pixels = 0;
  for (float v : black) grey_pixels += v == 0.5f;
  CHECK(grey_pixels == 3 * 16 * 16);
  std::vector<float> black2(3072, 0.0f);
  apply_distortion(occ, black2.data(), shape, 9, Split::Test, 3);
  CHECK(black == black2);

  CHECK_THROWS_WITH(parse_distortion("rain"), Catch::Contains("distortion 'rain': expected none"));
  CHECK_THROWS_WITH(parse_ratio("1-1"), Catch::Contains("ratio '1-1': expected CLEAN:DISTORTED"));
  CHECK_THROWS_WITH(parse_ratio("0:0"), Catch::Contains("both be 0"));
}

TEST_CASE("a degree range or list draws one degree per image, deterministically, covering the range",
          "[train][distortions]") {
  Distortion noise = parse_distortion("noise", "0.1:0.55");
  CHECK(noise.spread == DegreeSpread::Range);
  CHECK(noise.params() == "sigma=0.1:0.55");
  double lo = 1, hi = 0;
  for (uint64_t i = 0; i < 2000; ++i) {
    float sigma = noise.for_image(7, Split::Train, i).sigma;
    REQUIRE(sigma >= 0.1f);
    REQUIRE(sigma <= 0.55f);
    lo = std::min(lo, double(sigma)), hi = std::max(hi, double(sigma));
    REQUIRE(noise.for_image(7, Split::Train, i).sigma == sigma);  // the same image, the same degree
  }
  CHECK(lo < 0.11);  // 2,000 uniform draws reach both ends of the range
  CHECK(hi > 0.54);
  // Another seed or split draws other degrees.
  CHECK(noise.for_image(7, Split::Train, 3).sigma != noise.for_image(8, Split::Train, 3).sigma);
  CHECK(noise.for_image(7, Split::Train, 3).sigma != noise.for_image(7, Split::Test, 3).sigma);

  // Occlusion ranges draw whole block sides, every one of them.
  Distortion occ = parse_distortion("occlusion", "8:20");
  std::set<int> blocks;
  for (uint64_t i = 0; i < 1000; ++i) blocks.insert(occ.for_image(1, Split::Test, i).block);
  CHECK(blocks.size() == 13);
  CHECK(*blocks.begin() == 8);
  CHECK(*blocks.rbegin() == 20);

  // A list uses each listed degree, about equally often, and nothing else.
  Distortion blur = parse_distortion("blur", "0.5,1,1.5,2");
  CHECK(blur.spread == DegreeSpread::List);
  CHECK(blur.params() == "sigma=0.5,1,1.5,2");
  std::map<float, int> uses;
  for (uint64_t i = 0; i < 4000; ++i) ++uses[blur.for_image(1, Split::Train, i).sigma];
  REQUIRE(uses.size() == 4);
  for (float sigma : {0.5f, 1.0f, 1.5f, 2.0f}) CHECK(uses[sigma] == Approx(1000).margin(150));

  // The image is distorted at its own drawn degree: the same pixels as the single-degree distortion.
  Shape shape{3, 32, 32};
  std::vector<float> spread(3072, 0.0f), single(3072, 0.0f);
  apply_distortion(occ, spread.data(), shape, 1, Split::Test, 17);
  apply_distortion(occ.for_image(1, Split::Test, 17), single.data(), shape, 1, Split::Test, 17);
  CHECK(spread == single);
  int grey = 0;
  for (float v : spread) grey += v == 0.5f;
  int side = occ.for_image(1, Split::Test, 17).block;
  CHECK(grey == 3 * side * side);

  // One degree, a degenerate range and the metadata form all mean the single distortion; the
  // metadata round-trips.
  CHECK(parse_distortion("noise", "0.3").spread == DegreeSpread::Single);
  CHECK(parse_distortion("noise", "0.3:0.3").params() == "sigma=0.3");
  CHECK(distortion_from_params("occlusion", occ.params()).params() == "block=8:20");
  CHECK(distortion_from_params("blur", blur.params()).degrees == blur.degrees);
  CHECK(parse_distortion("blur", "").sigma == 1.0f);  // empty = the default degree
}

TEST_CASE("bad degree ranges and lists are errors naming the degree and the value", "[train][distortions]") {
  struct Bad {
    std::string name, degrees, message;
  };
  std::vector<Bad> bad = {
      {"noise", "0.4:0.1", "minimum 0.4 is above its maximum 0.1"},
      {"noise", ":0.5", "an empty degree"},
      {"noise", "0.1:", "an empty degree"},
      {"noise", "0.1,,0.4", "an empty degree"},
      {"noise", "0.1:0.2:0.3", "two ends"},
      {"noise", "-0.1:0.4", "not positive"},
      {"blur", "0.5,0", "not positive"},
      {"blur", "0.5:abc", "'abc' is not a number"},
      {"blur", "0.5:20", "at most 8"},
      {"occlusion", "8:12.5", "whole number"},
      {"none", "0.1:0.2", "needs a distortion"},
  };
  for (const auto& b : bad) {
    INFO(b.name << " " << b.degrees);
    CHECK_THROWS_WITH(parse_distortion(b.name, b.degrees),
                      Catch::Contains("degree '" + b.degrees + "'") && Catch::Contains(b.message));
    // No flag: a YAML file or a weights file's metadata may have given the value.
    CHECK_THROWS_WITH(parse_distortion(b.name, b.degrees), !Catch::Contains("--"));
  }
  CHECK_THROWS_WITH(parse_distortion("noise", "0.4:0.1"), Catch::Contains("0.4:0.1"));
  CHECK_THROWS_WITH(distortion_from_params("noise", "0.1:0.2"),
                    Catch::Contains("distortion params '0.1:0.2'") && Catch::Contains("sigma=X"));
}

TEST_CASE("mixed sets hold the chosen ratio; the cache returns the identical set", "[train][distortions]") {
  Dataset clean = make_synthetic(Split::Test, 101, 1);
  Distortion noise = parse_distortion("noise");
  MixedSet m = make_mixed_set(clean, noise, parse_ratio("3:1"), 5, Split::Test, true);
  CHECK(m.distorted_count() == 25);  // round(101 / 4)
  CHECK(m.data.classes == 2);
  for (size_t i = 0; i < m.data.size(); ++i) {
    CHECK(m.data.labels[i] == m.distorted[i]);
    bool same = std::equal(clean.image_data(i), clean.image_data(i) + 3072, m.data.image_data(i));
    CHECK(same == !m.distorted[i]);
  }
  std::string dir = temp_dir("cache");
  MixedSet first = cached_mixed_set(clean, noise, parse_ratio("1:1"), 5, Split::Test, false, dir);
  MixedSet second = cached_mixed_set(clean, noise, parse_ratio("1:1"), 5, Split::Test, false, dir);
  MixedSet direct = make_mixed_set(clean, noise, parse_ratio("1:1"), 5, Split::Test, false);
  CHECK(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()) == 1);
  CHECK(first.data.pixels == direct.data.pixels);
  CHECK(second.data.pixels == direct.data.pixels);
  CHECK(second.data.labels == clean.labels);
  CHECK(second.distorted == direct.distorted);
  std::filesystem::remove_all(dir);
}
