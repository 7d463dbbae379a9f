// Activations in channel-major batch layout C x N x H x W: one channel's maps for the whole batch
// are contiguous, so a convolution is one GEMM whose columns span the batch, batch-norm statistics
// are contiguous runs, and a slice of images is a column range (what the threads split).
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

#include <sys/mman.h>

namespace rowsim::train {

// Backs large buffers with 2 MB transparent huge pages. A ResNet50 step at batch 128 touches
// gigabytes of fresh activations and gradients on its first step; with 4 KB pages that is
// about a million page faults, which on this project's (virtualised) machines took longer than
// several whole training steps. Small buffers use the ordinary heap.
template <class T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr size_t kHuge = size_t(2) << 20;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  static size_t rounded(size_t n) { return (n * sizeof(T) + kHuge - 1) / kHuge * kHuge; }
  T* allocate(size_t n) {
    if (n * sizeof(T) < kHuge) return static_cast<T*>(::operator new(n * sizeof(T)));
    void* p = std::aligned_alloc(kHuge, rounded(n));
    if (!p) throw std::bad_alloc();
    madvise(p, rounded(n), MADV_HUGEPAGE);  // advice only: without THP the buffer still works
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    if (n * sizeof(T) < kHuge)
      ::operator delete(p);
    else
      std::free(p);
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const { return true; }
  template <class U>
  bool operator!=(const HugePageAllocator<U>&) const { return false; }
};

using FloatBuffer = std::vector<float, HugePageAllocator<float>>;

struct Tensor {
  int c = 0, n = 0, h = 0, w = 0;
  FloatBuffer v;
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
