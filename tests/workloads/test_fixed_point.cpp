// The fixed-point arithmetic and the reference layers on cases worked out by hand.
#include <catch2/catch.hpp>

#include "workloads/fixed_point.hpp"
#include "workloads/reference_ops.hpp"
#include "workloads/util/error.hpp"

using namespace rowsim;

namespace {

FixedTensor tensor(int c, int h, int w, int frac, std::vector<int16_t> values) {
  FixedTensor t(1, Shape{c, h, w}, QFormat{16, frac});
  REQUIRE(values.size() == t.data.size());
  t.data = std::move(values);
  return t;
}

FixedLayerParams params(int frac, std::vector<int16_t> w, std::vector<int64_t> bias = {}) {
  FixedLayerParams p;
  p.weight_q = QFormat{16, frac};
  p.weights = std::move(w);
  p.bias = std::move(bias);
  return p;
}

}  // namespace

TEST_CASE("Quantize rounds half away from zero and saturates", "[fixed]") {
  QFormat q{16, 8};
  CHECK(q.str() == "Q7.8");
  CHECK(quantize(1.5, q) == 384);
  CHECK(quantize(0.5 / 256, q) == 1);
  CHECK(quantize(-0.5 / 256, q) == -1);
  CHECK(quantize(0.49 / 256, q) == 0);
  CHECK(quantize(200.0, q) == 32767);
  CHECK(quantize(-200.0, q) == -32768);
  QFormat q8{8, 4};  // Q3.4: raw -128..127
  CHECK(quantize(7.9, q8) == 126);
  CHECK(quantize(8.0, q8) == 127);
  CHECK(quantize(-8.0, q8) == -128);
  CHECK(dequantize(384, q) == 1.5);
  CHECK(fmap_format(16) == QFormat{16, 8});
  CHECK_THROWS_AS(quantize(std::nan(""), q), UserError);
}

TEST_CASE("round_shift and requantize", "[fixed]") {
  CHECK(round_shift(5, 1) == 3);    // 2.5
  CHECK(round_shift(-5, 1) == -3);  // -2.5
  CHECK(round_shift(4, 1) == 2);
  CHECK(round_shift(7, 2) == 2);    // 1.75
  CHECK(round_shift(-6, 2) == -2);  // -1.5
  CHECK(round_shift(-4, 2) == -1);
  CHECK(round_shift(5, 0) == 5);
  CHECK(round_shift(3, -2) == 12);
  CHECK(requantize(int64_t(1) << 40, 8, QFormat{16, 8}) == 32767);
  CHECK(requantize(-(int64_t(1) << 40), 8, QFormat{16, 8}) == -32768);
  CHECK(quantize_bias(0.25, 16) == 16384);
  CHECK(quantize_bias(-1.0 / 65536 / 2, 16) == -1);
}

TEST_CASE("choose_frac picks the finest format the data fits", "[fixed]") {
  std::vector<float> w = {0.1f, -0.7f, 0.3f};
  // 0.7 * 2^15 = 22937.6 fits 16 bits; 0.7 * 2^16 does not.
  CHECK(choose_frac(w.data(), 3, 16) == 15);
  CHECK(choose_frac(w.data(), 3, 8) == 7);  // 0.7 * 128 = 89.6
  std::vector<float> big = {300.0f};
  CHECK(choose_frac(big.data(), 1, 16) == 6);  // 300 * 64 = 19200; * 128 = 38400
  std::vector<float> zero = {0.0f};
  CHECK(choose_frac(zero.data(), 1, 16) == 24);
}

TEST_CASE("conv2d: integer case, bias and ReLU", "[fixed][reference]") {
  // in = 1..9 on a 3x3 map, kernel [[1,0],[0,-1]]: every output is in[y][x] - in[y+1][x+1] = -4.
  FixedTensor in = tensor(1, 3, 3, 0, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  ConvGeometry g{1, 2, 2, 1, 0, 1};
  QFormat out{16, 0};
  FixedTensor y = conv2d(in, params(0, {1, 0, 0, -1}), g, out, false);
  CHECK(y.shape == Shape{1, 2, 2});
  CHECK(y.data == std::vector<int16_t>{-4, -4, -4, -4});
  CHECK(conv2d(in, params(0, {1, 0, 0, -1}, {10}), g, out, false).data == std::vector<int16_t>{6, 6, 6, 6});
  CHECK(conv2d(in, params(0, {1, 0, 0, -1}), g, out, true).data == std::vector<int16_t>{0, 0, 0, 0});
}

TEST_CASE("conv2d: one rounding step from the product scale", "[fixed][reference]") {
  // in frac 1, weight frac 1, out frac 0: shift 2, the sum of raw products divided by 4.
  ConvGeometry g{1, 1, 1, 1, 0, 1};
  QFormat out{16, 0};
  CHECK(conv2d(tensor(1, 1, 1, 1, {3}), params(1, {3}), g, out, false).data[0] == 2);     // 9/4 = 2.25
  CHECK(conv2d(tensor(1, 1, 1, 1, {5}), params(1, {2}), g, out, false).data[0] == 3);     // 10/4 = 2.5
  CHECK(conv2d(tensor(1, 1, 1, 1, {-5}), params(1, {2}), g, out, false).data[0] == -3);   // -2.5
  // Two products that would each round down sum exactly first: 3*1 + 3*1 = 6, 6/4 = 1.5 -> 2.
  CHECK(conv2d(tensor(2, 1, 1, 1, {3, 3}), params(1, {1, 1}), g, out, false).data[0] == 2);
  // Saturation at write-out.
  CHECK(conv2d(tensor(1, 1, 1, 0, {32767}), params(0, {32767}), g, QFormat{16, 0}, false).data[0] == 32767);
}

TEST_CASE("conv2d: padding, stride and groups", "[fixed][reference]") {
  // 3x3 ones, 3x3 kernel of ones, pad 1, stride 2: a 2x2 output whose windows each cover 4 real
  // elements.
  FixedTensor ones = tensor(1, 3, 3, 0, std::vector<int16_t>(9, 1));
  FixedTensor y = conv2d(ones, params(0, std::vector<int16_t>(9, 1)), ConvGeometry{1, 3, 3, 2, 1, 1}, QFormat{16, 0},
                         false);
  CHECK(y.shape == Shape{1, 2, 2});
  CHECK(y.data == std::vector<int16_t>{4, 4, 4, 4});
  // Two groups of one channel: out0 = 2 * in0, out1 = 3 * in1.
  FixedTensor two = tensor(2, 1, 2, 0, {1, 2, 10, 20});
  FixedTensor z = conv2d(two, params(0, {2, 3}), ConvGeometry{2, 1, 1, 1, 0, 2}, QFormat{16, 0}, false);
  CHECK(z.data == std::vector<int16_t>{2, 4, 30, 60});
}

TEST_CASE("fully connected over a flattened C x H x W input", "[fixed][reference]") {
  FixedTensor in = tensor(2, 1, 2, 0, {1, 2, 3, 4});
  FixedTensor y = fully_connected(in, params(0, {1, 1, 1, 1, 1, -1, 1, -1}, {0, 100}), 2, QFormat{16, 0}, false);
  CHECK(y.shape == Shape{2, 1, 1});
  CHECK(y.data == std::vector<int16_t>{10, 98});
}

TEST_CASE("Pooling, add and ReLU", "[fixed][reference]") {
  CHECK(max_pool(tensor(1, 2, 2, 8, {1, -2, 3, 0}), 2, 2, 2, 0).data[0] == 3);
  // Padding never wins a max, even over negative values.
  CHECK(max_pool(tensor(1, 2, 2, 8, {-5, -6, -7, -8}), 3, 3, 2, 1).data[0] == -5);
  CHECK(avg_pool(tensor(1, 2, 2, 8, {1, 2, 3, 5}), 2, 2, 2, 0).data[0] == 3);      // 2.75
  CHECK(avg_pool(tensor(1, 2, 2, 8, {-1, -2, -3, -5}), 2, 2, 2, 0).data[0] == -3);
  CHECK(avg_pool(tensor(1, 2, 2, 8, {1, 1, 0, 0}), 2, 2, 2, 0).data[0] == 1);      // 0.5 away from zero
  CHECK(avg_pool(tensor(1, 2, 2, 8, {-1, -1, 0, 0}), 2, 2, 2, 0).data[0] == -1);
  FixedTensor a = tensor(1, 1, 2, 8, {32000, -5}), b = tensor(1, 1, 2, 8, {1000, 2});
  CHECK(add(a, b, false).data == std::vector<int16_t>{32767, -3});
  CHECK(add(a, b, true).data == std::vector<int16_t>{32767, 0});
  CHECK(relu(tensor(1, 1, 3, 8, {-1, 0, 7})).data == std::vector<int16_t>{0, 0, 7});
  CHECK(divide_round(-7, 2) == -4);
  CHECK(divide_round(7, 3) == 2);
}

TEST_CASE("element-wise add and multiply broadcast one value per channel or one value", "[fixed][reference]") {
  FixedTensor map = tensor(2, 1, 2, 0, {1, 2, 3, 4});
  CHECK(add(map, tensor(2, 1, 2, 0, {10, 20, 30, 40}), false).data == std::vector<int16_t>{11, 22, 33, 44});
  CHECK(add(map, tensor(2, 1, 1, 0, {10, 20}), false).data == std::vector<int16_t>{11, 12, 23, 24});
  CHECK(add(map, tensor(1, 1, 1, 0, {-5}), true).data == std::vector<int16_t>{0, 0, 0, 0});
  CHECK(multiply(map, tensor(1, 1, 1, 0, {3}), false).data == std::vector<int16_t>{3, 6, 9, 12});
  // A vector of features (K x 1 x 1) with one value: every feature takes that value, not its neighbour's.
  FixedTensor features = tensor(4, 1, 1, 0, {1, 2, 3, 4});
  CHECK(add(features, tensor(1, 1, 1, 0, {100}), false).data == std::vector<int16_t>{101, 102, 103, 104});
  CHECK(multiply(features, tensor(1, 1, 1, 0, {2}), false).data == std::vector<int16_t>{2, 4, 6, 8});
}
