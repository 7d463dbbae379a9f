// Counter-based random numbers: every draw is keyed by (seed, purpose, indices), so a value never
// depends on how many draws came before it. This is what makes distortions, shuffles and
// augmentation reproducible per image, and a resumed training run identical to an uninterrupted
// one without saving generator state.
#pragma once
#include <cmath>
#include <cstdint>

namespace rowsim {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Keys for the purposes that draw random numbers, so two purposes never share a stream.
enum class RngPurpose : uint64_t { Init = 1, Shuffle, Augment, Distort, Mix, Synthetic, Test, DistortDegree };

class Rng {
public:
  explicit Rng(uint64_t seed, RngPurpose purpose = RngPurpose::Test, uint64_t a = 0, uint64_t b = 0)
      : state_(splitmix64(splitmix64(splitmix64(seed) ^ static_cast<uint64_t>(purpose)) ^ a) ^ b) {}
  uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ull;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 24 random bits (exact in float).
  float uniform() { return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f); }
  // Uniform integer in [0, n); the modulo bias is below 2^-40 for the sizes used here.
  uint64_t below(uint64_t n) { return next() % n; }
  // Standard normal by Box-Muller in double, so the result is the same on every libm that
  // rounds log/sqrt/cos correctly to double before the cast.
  float normal() {
    double u1 = (static_cast<double>(next() >> 11) + 1.0) * (1.0 / 9007199254740992.0);  // (0, 1]
    double u2 = static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0);
    return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }

private:
  uint64_t state_;
};

}  // namespace rowsim
