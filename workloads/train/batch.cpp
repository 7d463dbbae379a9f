#include "workloads/train/batch.hpp"

#include "workloads/util/rng.hpp"

namespace rowsim::train {

std::vector<uint32_t> epoch_order(size_t n, uint64_t seed, int epoch) {
  std::vector<uint32_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = uint32_t(i);
  Rng rng(seed, RngPurpose::Shuffle, uint64_t(epoch));
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  return order;
}

void make_batch(ThreadPool& pool, const Dataset& data, const std::vector<uint32_t>& order, size_t begin, size_t end,
                bool augment, uint64_t seed, int epoch, Tensor& out, std::vector<int32_t>& labels) {
  const int n = int(end - begin);
  const Shape& s = data.image;
  out.resize(s.c, n, s.h, s.w);
  labels.resize(size_t(n));
  pool.run(n, [&](int, int64_t b, int64_t e) {
    for (int64_t j = b; j < e; ++j) {
      size_t pos = begin + size_t(j);
      uint32_t idx = order[pos];
      labels[size_t(j)] = data.labels[idx];
      const float* img = data.image_data(idx);
      int dy = 0, dx = 0;
      bool flip = false;
      if (augment) {
        Rng rng(seed, RngPurpose::Augment, uint64_t(epoch), pos);
        dy = int(rng.below(2 * kCropPad + 1)) - kCropPad;
        dx = int(rng.below(2 * kCropPad + 1)) - kCropPad;
        flip = rng.below(2) == 1;
      }
      for (int c = 0; c < s.c; ++c)
        for (int y = 0; y < s.h; ++y) {
          float* dst = &out.at(c, int(j), y, 0);
          int sy = y + dy;
          if (sy < 0 || sy >= s.h) {
            for (int x = 0; x < s.w; ++x) dst[x] = 0.0f;
            continue;
          }
          const float* src = img + (size_t(c) * s.h + sy) * s.w;
          for (int x = 0; x < s.w; ++x) {
            int sx = (flip ? s.w - 1 - x : x) + dx;
            dst[x] = (sx >= 0 && sx < s.w) ? src[sx] : 0.0f;
          }
        }
    }
  });
}

}  // namespace rowsim::train
