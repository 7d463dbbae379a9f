// im2col shared by the float trainer (C x N x H x W floats) and the fixed-point evaluation
// (N x C x H x W int16 turned into doubles): one lowering, whatever the layout and value type.
#pragma once
#include <algorithm>
#include <cstddef>

#include "workloads/train/layers.hpp"

namespace rowsim::train {

// Output columns [lo, hi) whose input column ox*stride + offset lies inside [0, width).
inline void valid_range(int ow, int width, int stride, int offset, int& lo, int& hi) {
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  hi = width - offset <= 0 ? 0 : std::min(ow, (width - offset + stride - 1) / stride);
  if (hi < lo) hi = lo;
}

// Rows (c, r, s) for c in [0, cg), columns (image, oy, ox) for `images` images; plane(c, i)
// points at the h x w input plane of channel c of image i. Padding reads as zero.
template <class Dst, class PlaneOf>
void im2col(PlaneOf plane, int h, int w, const ConvGeometry& g, int cg, int images, int oh, int ow, Dst* col) {
  const size_t cols = size_t(images) * oh * ow;
  for (int c = 0; c < cg; ++c)
    for (int r = 0; r < g.kernel_h; ++r)
      for (int s = 0; s < g.kernel_w; ++s) {
        Dst* row = col + (size_t(c * g.kernel_h + r) * g.kernel_w + s) * cols;
        const int offset = s - g.pad;
        int lo, hi;
        valid_range(ow, w, g.stride, offset, lo, hi);
        for (int i = 0; i < images; ++i) {
          const auto* src_plane = plane(c, i);
          for (int oy = 0; oy < oh; ++oy) {
            const int iy = oy * g.stride - g.pad + r;
            Dst* dst = row + (size_t(i) * oh + oy) * ow;
            if (iy < 0 || iy >= h) {
              std::fill(dst, dst + ow, Dst(0));
              continue;
            }
            const auto* src = src_plane + size_t(iy) * w + offset;
            std::fill(dst, dst + lo, Dst(0));
            if (g.stride == 1)
              std::copy(src + lo, src + hi, dst + lo);
            else
              for (int ox = lo; ox < hi; ++ox) dst[ox] = Dst(src[ox * g.stride]);
            std::fill(dst + hi, dst + ow, Dst(0));
          }
        }
      }
}

}  // namespace rowsim::train
