#include "mapper/geometry.hpp"

#include <algorithm>

namespace rowsim {
namespace {

// |[lo, lo + len) ∩ [0, limit)|
int64_t clipped(int64_t lo, int64_t len, int64_t limit) {
  int64_t a = std::max<int64_t>(lo, 0), b = std::min<int64_t>(lo + len, limit);
  return b > a ? b - a : 0;
}

// Distinct values of k*step + x - offset for k < count, x < width, clipped to [0, limit).
int64_t distinct_clipped(int64_t count, int64_t step, int64_t width, int64_t offset, int64_t limit) {
  if (count <= 0 || width <= 0) return 0;
  if (step <= width) return clipped(-offset, (count - 1) * step + width, limit);  // one run
  int64_t sum = 0;  // disjoint runs of `width`
  for (int64_t k = 0; k < count; ++k) sum += clipped(k * step - offset, width, limit);
  return sum;
}

}  // namespace

int64_t real_rows(const ConvShape& s, int e0, int eb, int r0, int rb) {
  return distinct_clipped(eb, s.U, rb, s.pad_h - int64_t(e0) * s.U - r0, s.H);
}

std::vector<int> real_row_list(const ConvShape& s, int e0, int eb, int r0, int rb) {
  std::vector<int> rows;
  for (int j = 0; j < eb; ++j)
    for (int i = 0; i < rb; ++i) {
      int row = (e0 + j) * s.U + r0 + i - s.pad_h;
      if (row >= 0 && row < s.H) rows.push_back(row);
    }
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

int64_t real_cols(const ConvShape& s) { return distinct_clipped(s.F, s.U, s.S, s.pad_w, s.W); }

int64_t padded_cols(const ConvShape& s) {
  return distinct_clipped(s.F, s.U, s.S, 0, int64_t(s.F) * s.U + s.S);
}

}  // namespace rowsim
