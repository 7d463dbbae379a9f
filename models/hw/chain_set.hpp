// A set of chain indices as bits, with the round-robin search the GLB's psum port makes over the
// chains that have both a credit and psums left (a scan of every chain per word cost 13% of a run
// on layers with many chains and few credits).
#pragma once
#include <cstdint>
#include <vector>

namespace rowsim::hw {

class ChainSet {
public:
  // `n` chains, all in the set or none.
  void reset(int n, bool all) {
    words_.assign(size_t((n + 63) / 64), 0);
    if (all)
      for (int c = 0; c < n; ++c) insert(c);
  }
  void insert(int c) { words_[size_t(c >> 6)] |= uint64_t(1) << (c & 63); }
  void erase(int c) { words_[size_t(c >> 6)] &= ~(uint64_t(1) << (c & 63)); }

  // The first chain in both sets at or after `from`, wrapping around; -1 when there is none.
  static int first_common(const ChainSet& a, const ChainSet& b, int from) {
    const int words = int(a.words_.size());
    for (int pass = 0; pass < 2; ++pass) {
      for (int w = pass == 0 ? from >> 6 : 0; w < words; ++w) {
        uint64_t bits = a.words_[size_t(w)] & b.words_[size_t(w)];
        if (pass == 0 && w == from >> 6) bits &= ~uint64_t(0) << (from & 63);
        if (bits) return w * 64 + __builtin_ctzll(bits);
      }
    }
    return -1;
  }

private:
  std::vector<uint64_t> words_;
};

}  // namespace rowsim::hw
