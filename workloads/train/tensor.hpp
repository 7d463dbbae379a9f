// Activations in channel-major batch layout C x N x H x W: one channel's maps for the whole batch
// are contiguous, so a convolution is one GEMM whose columns span the batch, batch-norm statistics
// are contiguous runs, and a slice of images is a column range (what the threads split).
#pragma once
#include <cstddef>
#include <vector>

namespace rowsim::train {

struct Tensor {
  int c = 0, n = 0, h = 0, w = 0;
  std::vector<float> v;
  void resize(int c_, int n_, int h_, int w_) {
    c = c_;
    n = n_;
    h = h_;
    w = w_;
    v.resize(size());
  }
  size_t size() const { return size_t(c) * n * h * w; }
  size_t plane() const { return size_t(h) * w; }
  float* channel(int ch) { return v.data() + size_t(ch) * n * plane(); }
  const float* channel(int ch) const { return v.data() + size_t(ch) * n * plane(); }
  float& at(int ch, int img, int y, int x) { return v[((size_t(ch) * n + img) * h + y) * w + x]; }
  float at(int ch, int img, int y, int x) const { return v[((size_t(ch) * n + img) * h + y) * w + x]; }
};

}  // namespace rowsim::train
