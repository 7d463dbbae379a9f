// Fixed-point numbers as the accelerator stores and moves them (docs/fixed-point.md).
//
// A value is a signed two's-complement integer `raw` of `bits` bits (at most 16, held in int16_t)
// read as raw / 2^frac. Products of two such values are exact in 32 bits and are summed exactly in
// 64 bits; a layer's sum is rounded and saturated exactly once, when its ofmap is written out.
// Because nothing is rounded before that, every mapping of a layer gives the same bits.
// The format is a per-layer parameter: weights may be quantized to fewer bits (issue 7) with the
// same arithmetic.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "workloads/network.hpp"

namespace rowsim {

struct QFormat {
  int bits = 16;  // total bits including the sign, 2..16
  int frac = 8;   // fractional bits; may exceed bits (small values) or be negative (large ones)

  int64_t max_raw() const { return (int64_t(1) << (bits - 1)) - 1; }
  int64_t min_raw() const { return -(int64_t(1) << (bits - 1)); }
  std::string str() const;  // "Q7.8" (integer bits excluding the sign . fractional bits), "16b frac 20"
  bool operator==(const QFormat& o) const { return bits == o.bits && frac == o.frac; }
  bool operator!=(const QFormat& o) const { return !(*this == o); }
};

// The default feature-map format for a word width: half the bits fractional (16 bits: Q7.8).
QFormat fmap_format(int word_bits);

// Clamps to the representable range of q.
int16_t saturate(int64_t raw, const QFormat& q);
// Round half away from zero, then saturate. NaN is an error (UserError naming `what`).
int16_t quantize(double value, const QFormat& q);
double dequantize(int16_t raw, const QFormat& q);

// v / 2^shift rounded to nearest, ties away from zero (shift > 0); v * 2^-shift (shift <= 0),
// clamped to the int64 range.
int64_t round_shift(int64_t v, int shift);
// The write-out step: (accumulator + bias) from the product scale down to `out`, rounded once,
// saturated once. `shift` = frac(input) + frac(weight) - frac(out).
inline int16_t requantize(int64_t acc, int shift, const QFormat& out) { return saturate(round_shift(acc, shift), out); }
// A bias at the accumulator scale 2^-frac, rounded half away from zero.
int64_t quantize_bias(double value, int frac);

// The largest frac in [min_frac, max_frac] at which every value fits `bits` bits after rounding;
// min_frac when even that does not fit (the values then saturate). All-zero data gives max_frac.
int choose_frac(const float* values, int64_t count, int bits, int min_frac = -8, int max_frac = 24);

// A batch of feature maps in NCHW order.
struct FixedTensor {
  int n = 0;
  Shape shape;  // c, h, w of one image
  QFormat q;
  std::vector<int16_t> data;

  FixedTensor() = default;
  FixedTensor(int batch, Shape s, QFormat format)
      : n(batch), shape(s), q(format), data(size_t(batch) * size_t(s.elements()), 0) {}
  int64_t image_elements() const { return shape.elements(); }
  size_t index(int b, int c, int y, int x) const {
    return ((size_t(b) * shape.c + c) * shape.h + y) * shape.w + x;
  }
  int16_t at(int b, int c, int y, int x) const { return data[index(b, c, y, x)]; }
};

// A conv or fully connected layer's parameters in fixed point. Weights are laid out
// [out][in/groups][kh][kw] (fully connected: [out][C*H*W], flattened in C, H, W order); `bias`
// is one value per output channel at the accumulator scale 2^-(input frac + weight frac).
struct FixedLayerParams {
  QFormat weight_q;
  std::vector<int16_t> weights;
  std::vector<int64_t> bias;  // empty: no bias
};

// Quantizes one layer's float weights (per-layer format: the finest that holds the largest
// weight) and its bias at the accumulator scale. The simulator and fixed-point eval both use it,
// so their arithmetic cannot drift apart.
FixedLayerParams quantize_layer_params(const std::vector<float>& weights, const std::vector<float>& bias,
                                       int weight_bits, const QFormat& fmap_q);

}  // namespace rowsim
