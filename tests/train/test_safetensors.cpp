// Safetensors: a write/read round trip is bit-exact, half-precision conversion rounds correctly,
// and every kind of damaged header is rejected with a message naming the problem.
#include <cmath>
#include <cstring>
#include <limits>

#include <catch2/catch.hpp>

#include "workloads/safetensors.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"

using namespace rowsim;

namespace {

// A file with the given JSON header and `data` bytes after it.
std::string raw_file(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  std::memcpy(&out[0], &n, 8);
  return out + header + data;
}

void expect_error(const std::string& bytes, const std::string& fragment) {
  INFO("expecting an error containing: " << fragment);
  CHECK_THROWS_WITH(parse_safetensors(bytes, "bad.safetensors"),
                    Catch::Contains("bad.safetensors") && Catch::Contains(fragment));
}

}  // namespace

TEST_CASE("safetensors round trip is bit-exact, special values included", "[train][safetensors]") {
  SafeTensors f;
  f.metadata["network"] = "gate";
  f.metadata["accuracy"] = "0.995";
  std::vector<float> values = {0.0f, -0.0f, 1.5f, -3.25e-30f, std::numeric_limits<float>::denorm_min(),
                               std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()};
  f.put("conv1.weight", TensorData::from_floats(values, {7}));
  f.put("conv1.bias", TensorData::from_floats({1, 2, 3, 4, 5, 6}, {2, 3}, DType::F16));
  TensorData empty;
  empty.shape = {0, 4};
  f.put("empty", empty);
  std::string bytes = serialize_safetensors(f);
  SafeTensors g = parse_safetensors(bytes, "mem");
  CHECK(serialize_safetensors(g) == bytes);
  CHECK(g.metadata == f.metadata);
  REQUIRE(g.tensors.size() == 3);
  CHECK(g.tensors[0].first == "conv1.weight");
  CHECK(g.get("conv1.weight", "mem").bytes == f.get("conv1.weight", "mem").bytes);
  CHECK(g.get("conv1.bias", "mem").to_floats() == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(g.get("empty", "mem").shape == std::vector<int64_t>{0, 4});
  // The 8-byte header length is followed by a header padded to a multiple of 8.
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  CHECK(n % 8 == 0);

  std::string path = "/tmp/rowsim_test_roundtrip.safetensors";
  write_safetensors(path, f);
  CHECK(read_file(path) == bytes);
  std::remove(path.c_str());
}

TEST_CASE("float to half conversion rounds to nearest even", "[train][safetensors]") {
  CHECK(float_to_half(1.0f) == 0x3C00);
  CHECK(float_to_half(-2.0f) == 0xC000);
  CHECK(float_to_half(65504.0f) == 0x7BFF);
  CHECK(float_to_half(65520.0f) == 0x7C00);               // rounds up to infinity
  CHECK(float_to_half(1.0f + 1.0f / 2048.0f) == 0x3C00);  // halfway: ties to even (down)
  CHECK(float_to_half(1.0f + 3.0f / 2048.0f) == 0x3C02);  // halfway: ties to even (up)
  CHECK(float_to_half(std::ldexp(1.0f, -24)) == 0x0001);  // smallest subnormal
  CHECK(half_to_float(0x0001) == std::ldexp(1.0f, -24));
  CHECK(std::isnan(half_to_float(float_to_half(std::numeric_limits<float>::quiet_NaN()))));
  for (uint32_t h = 0; h < 0x7C00; ++h) CHECK(float_to_half(half_to_float(uint16_t(h))) == h);
}

TEST_CASE("damaged safetensors files are rejected with clear errors", "[train][safetensors][errors]") {
  std::string four_floats(16, '\0');
  expect_error("abc", "not a safetensors file");
  std::string huge(8, '\xff');
  expect_error(huge + "{}", "larger than the limit of 100000000 bytes");
  expect_error(raw_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", four_floats).substr(0, 20),
               "truncated");
  expect_error(raw_file("[1,2]", ""), "does not start with");
  expect_error(raw_file("{\"a\":", ""), "not valid JSON");
  expect_error(raw_file(R"({"a":{"dtype":"F8","shape":[4],"data_offsets":[0,16]}})", four_floats), "unsupported dtype 'F8'");
  expect_error(raw_file(R"({"a":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})", four_floats), "non-negative");
  expect_error(raw_file(R"({"a":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}})", four_floats), "need 20");
  expect_error(raw_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}})", four_floats), "end before");
  expect_error(raw_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", std::string(8, '\0')),
               "truncated or out of range");
  expect_error(raw_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                        R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                        four_floats),
               "overlaps");
  expect_error(raw_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", four_floats), "gap");
  expect_error(raw_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", four_floats),
               "follow the last tensor");
  expect_error(raw_file(R"({"a":{"dtype":"F32","shape":[4]}})", four_floats), "missing 'data_offsets'");
  expect_error(raw_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16],"x":1}})", four_floats),
               "unknown key 'x'");
  expect_error(raw_file(R"({"__metadata__":{"bits":12},"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})",
                        four_floats),
               "'bits' must be a string");
  CHECK_THROWS_WITH(read_safetensors("/no/such/file.safetensors"), Catch::Contains("/no/such/file.safetensors"));
}

TEST_CASE("a safetensors header naming one tensor twice is refused", "[train][safetensors][errors]") {
  std::string eight_floats(32, '\0');
  // JSON parsers keep the last of two equal keys; the first tensor's bytes would be silently lost.
  expect_error(raw_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                        R"("a":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}})",
                        eight_floats),
               "tensor 'a' appears twice");
  expect_error(raw_file(R"({"__metadata__":{"x":"1"},"__metadata__":{"x":"2"},)"
                        R"("a":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}})",
                        eight_floats),
               "'__metadata__' appears twice");
  // Equal keys inside different entries are fine (every tensor has its own "dtype").
  CHECK_NOTHROW(parse_safetensors(raw_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                           R"("b":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}})",
                                           eight_floats),
                                  "ok.safetensors"));
}
