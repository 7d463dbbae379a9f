#include "workloads/fixed_point.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "workloads/util/error.hpp"

namespace rowsim {

std::string QFormat::str() const {
  int integer = bits - 1 - frac;
  if (frac >= 0 && integer >= 0) return fmt::format("Q{}.{}", integer, frac);
  return fmt::format("{}b frac {}", bits, frac);
}

QFormat fmap_format(int word_bits) {
  int bits = std::clamp(word_bits, 2, 16);
  return {bits, bits / 2};
}

int16_t saturate(int64_t raw, const QFormat& q) {
  return static_cast<int16_t>(std::clamp(raw, q.min_raw(), q.max_raw()));
}

int16_t quantize(double value, const QFormat& q) {
  if (std::isnan(value)) fail("cannot quantize NaN to {}", q.str());
  double scaled = std::ldexp(value, q.frac);
  // std::round rounds half away from zero; clamp first so the cast cannot overflow.
  double r = std::round(std::clamp(scaled, double(q.min_raw()), double(q.max_raw())));
  return static_cast<int16_t>(r);
}

double dequantize(int16_t raw, const QFormat& q) { return std::ldexp(double(raw), -q.frac); }

int64_t round_shift(int64_t v, int shift) {
  if (shift <= 0) {
    int left = -shift;
    if (v == 0) return 0;
    if (left >= 62) return v > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
    int64_t limit = std::numeric_limits<int64_t>::max() >> left;
    if (v > limit) return std::numeric_limits<int64_t>::max();
    if (v < -limit) return std::numeric_limits<int64_t>::min();
    return v * (int64_t(1) << left);
  }
  if (shift >= 63) return 0;
  // Ties away from zero: round the magnitude half up (unsigned, so INT64_MIN is defined too).
  uint64_t mag = v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v);
  uint64_t r = (mag + (uint64_t(1) << (shift - 1))) >> shift;
  return v < 0 ? -int64_t(r) : int64_t(r);
}

int64_t quantize_bias(double value, int frac) {
  if (std::isnan(value)) fail("cannot quantize a NaN bias");
  double scaled = std::round(std::ldexp(value, frac));
  const double lim = 9.0e18;
  return static_cast<int64_t>(std::clamp(scaled, -lim, lim));
}

int choose_frac(const float* values, int64_t count, int bits, int min_frac, int max_frac) {
  double peak = 0;
  for (int64_t i = 0; i < count; ++i) peak = std::max(peak, double(std::fabs(values[i])));
  QFormat q{bits, max_frac};
  for (int frac = max_frac; frac >= min_frac; --frac) {
    q.frac = frac;
    // The most negative value has one more step of room; the check on |peak| is the safe side.
    if (std::round(std::ldexp(peak, frac)) <= double(q.max_raw())) return frac;
  }
  return min_frac;
}

FixedLayerParams quantize_layer_params(const std::vector<float>& w, const std::vector<float>& b, int weight_bits,
                                       const QFormat& fmap_q) {
  FixedLayerParams p;
  p.weight_q = QFormat{weight_bits, choose_frac(w.data(), int64_t(w.size()), weight_bits)};
  p.weights.resize(w.size());
  for (size_t i = 0; i < w.size(); ++i) p.weights[i] = quantize(w[i], p.weight_q);
  p.bias.resize(b.size());
  for (size_t i = 0; i < b.size(); ++i) p.bias[i] = quantize_bias(b[i], fmap_q.frac + p.weight_q.frac);
  return p;
}

}  // namespace rowsim
