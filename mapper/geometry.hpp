// Index arithmetic of the row-stationary loop nest that the analytical model, the brute-force
// counter and the SystemC controller share: which ifmap rows and columns a strip or a pass needs.
#pragma once
#include <cstdint>
#include <vector>

#include "workloads/network.hpp"

namespace rowsim {

// Number of distinct real (non-padding) input rows read by ofmap rows [e0, e0+eb) with filter
// rows [r0, r0+rb): rows (e0+j)*U + r0 + i - pad for j < eb, i < rb, within [0, H).
int64_t real_rows(const ConvShape& s, int e0, int eb, int r0, int rb);
// Distinct real input columns one ofmap row reads: f*U + x - pad for f < F, x < S, within [0, W).
int64_t real_cols(const ConvShape& s);
// Distinct padded columns one ofmap row reads (what a PE receives; padding arrives as zeros).
int64_t padded_cols(const ConvShape& s);

// The distinct real input rows of real_rows(), ascending.
std::vector<int> real_row_list(const ConvShape& s, int e0, int eb, int r0, int rb);

// Split of `total` into tiles of `size` (the last one may be smaller).
struct Tiling {
  int total, size;
  int count() const { return (total + size - 1) / size; }
  int at(int k) const { return k + 1 < count() ? size : total - size * (count() - 1); }
  int start(int k) const { return k * size; }
};

inline int ceil_div(int a, int b) { return (a + b - 1) / b; }
inline int64_t ceil_div64(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace rowsim
