// The compact sparse encoding inside safetensors: a round trip gives the dense tensors back bit
// for bit (every reader sees dense tensors), it is smaller, and damaged encodings are refused
// with the file, the tensor and the problem named.
#include <cstring>
#include <random>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "workloads/safetensors.hpp"
#include "workloads/safetensors_sparse.hpp"
#include "workloads/util/error.hpp"

using namespace rowsim;

namespace {

// The JSON header of a serialized file, as written (before any decoding).
nlohmann::json raw_header(const std::string& bytes) {
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  return nlohmann::json::parse(bytes.substr(8, n));
}

TensorData sparse_tensor(std::vector<int64_t> shape, double zero_share, DType dtype, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  std::normal_distribution<float> normal(0, 0.1f);
  int64_t n = 1;
  for (auto d : shape) n *= d;
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = u(rng) < zero_share ? 0.0f : normal(rng);
  return TensorData::from_floats(v, std::move(shape), dtype);
}

SafeTensors encoded_file() {
  SafeTensors f;
  f.metadata["network"] = "vgg16";
  f.put("a.weight", sparse_tensor({13, 3, 3, 3}, 0.8, DType::F16, 1));  // 351 elements: not a multiple of 8
  f.put("a.bias", sparse_tensor({13}, 0.8, DType::F32, 2));             // rank 1: stays dense
  f.put("fc.weight", sparse_tensor({10, 64}, 0.9, DType::F32, 3));
  return encode_sparse(f, is_layer_weight);
}

void expect_decode_error(SafeTensors f, const std::string& a, const std::string& b) {
  std::string bytes = serialize_safetensors(f);
  CHECK_THROWS_WITH(parse_safetensors(bytes, "bad.safetensors"),
                    Catch::Contains("bad.safetensors") && Catch::Contains(a) && Catch::Contains(b));
}

}  // namespace

TEST_CASE("sparse encoding round trips bit for bit and is smaller", "[compression][format]") {
  SafeTensors dense;
  dense.metadata = {{"network", "vgg16"}, {"sparsity", "0.8"}};
  dense.put("conv1.weight", sparse_tensor({16, 3, 3, 3}, 0.8, DType::F16, 7));
  dense.put("conv1.bias", sparse_tensor({16}, 0.5, DType::F16, 8));
  dense.put("fc.weight", sparse_tensor({10, 101}, 0.85, DType::F32, 9));
  dense.put("dense.weight", sparse_tensor({8, 8}, 0.0, DType::F32, 10));  // no zeros: encoding would grow
  dense.put("empty.weight", TensorData{DType::F32, {0, 4}, ""});
  // Negative zero is not a left-out zero: it is stored, so its sign survives.
  std::vector<float> signs = {0.0f, -0.0f, 1.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f,
                              0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, -2.5f};
  dense.put("signs.weight", TensorData::from_floats(signs, {2, 13}, DType::F32));

  SafeTensors encoded = encode_sparse(dense, is_layer_weight);
  std::string bytes = serialize_safetensors(encoded);
  std::string dense_bytes = serialize_safetensors(dense);
  CHECK(bytes.size() < dense_bytes.size());

  // On disk: values and masks for the sparse weights, the rest as it was.
  nlohmann::json h = raw_header(bytes);
  CHECK(h.contains("conv1.weight.nz_values"));
  CHECK(h["conv1.weight.nz_mask"]["dtype"] == "U8");
  CHECK(h["conv1.weight.nz_mask"]["shape"] == nlohmann::json::array({(16 * 27 + 7) / 8}));
  CHECK(h.contains("conv1.bias"));
  CHECK(h.contains("dense.weight"));
  CHECK_FALSE(h.contains("conv1.weight"));
  CHECK(h["signs.weight.nz_values"]["shape"] == nlohmann::json::array({3}));  // -0, 1, -2.5
  auto shapes = nlohmann::json::parse(h["__metadata__"][kSparseTensorsKey].get<std::string>());
  CHECK(shapes["fc.weight"] == nlohmann::json::array({10, 101}));

  // Read back: dense again, in the original order, byte for byte, without the encoding key.
  SafeTensors back = parse_safetensors(bytes, "mem");
  CHECK(back.metadata == dense.metadata);
  REQUIRE(back.tensors.size() == dense.tensors.size());
  for (size_t i = 0; i < dense.tensors.size(); ++i) {
    INFO(dense.tensors[i].first);
    CHECK(back.tensors[i].first == dense.tensors[i].first);
    CHECK(back.tensors[i].second.dtype == dense.tensors[i].second.dtype);
    CHECK(back.tensors[i].second.shape == dense.tensors[i].second.shape);
    CHECK(back.tensors[i].second.bytes == dense.tensors[i].second.bytes);
  }
  CHECK(serialize_safetensors(back) == dense_bytes);
  CHECK(std::signbit(back.get("signs.weight", "mem").to_floats()[1]));
}

TEST_CASE("damaged sparse encodings are refused with the tensor and problem named", "[compression][format]") {
  SafeTensors good = encoded_file();
  CHECK_NOTHROW(parse_safetensors(serialize_safetensors(good), "ok"));

  SECTION("mask marks more elements than stored") {
    SafeTensors f = good;
    auto& mask = const_cast<TensorData&>(*f.find("a.weight.nz_mask"));
    mask.bytes[0] = char(0xFF);
    mask.bytes[1] = char(0xFF);
    expect_decode_error(f, "a.weight.nz_mask", "stored elements");
  }
  SECTION("padding bits set") {
    SafeTensors f = good;
    auto& mask = const_cast<TensorData&>(*f.find("a.weight.nz_mask"));
    mask.bytes.back() = char(uint8_t(mask.bytes.back()) | 0x80);  // 351 % 8 = 7: bit 7 is padding
    expect_decode_error(f, "a.weight.nz_mask", "padding");
  }
  SECTION("values missing") {
    SafeTensors f;
    f.metadata = good.metadata;
    for (const auto& [n, t] : good.tensors)
      if (n != "fc.weight.nz_values") f.put(n, t);
    expect_decode_error(f, "fc.weight", "fc.weight.nz_values");
  }
  SECTION("mask of the wrong type") {
    SafeTensors f = good;
    auto& mask = const_cast<TensorData&>(*f.find("fc.weight.nz_mask"));
    mask.dtype = DType::I8;
    expect_decode_error(f, "fc.weight.nz_mask", "expected U8");
  }
  SECTION("metadata that is not JSON") {
    SafeTensors f = good;
    f.metadata[kSparseTensorsKey] = "{fc.weight: [10, 64]";
    expect_decode_error(f, kSparseTensorsKey, "not valid JSON");
  }
  SECTION("a tensor stored both ways") {
    SafeTensors f = good;
    f.put("fc.weight", TensorData::from_floats(std::vector<float>(640, 1.0f), {10, 64}));
    expect_decode_error(f, "fc.weight", "both dense and sparse");
  }
}
