// Turning dataset images into training batches: gathers images in a given order into the
// C x N x H x W layout, with optional augmentation (random crop from the image zero-padded by 4
// pixels, and a horizontal flip with probability 1/2). The random draws are keyed by
// (seed, epoch, position in the epoch), so a batch is the same whenever it is rebuilt.
#pragma once
#include <cstdint>
#include <vector>

#include "workloads/datasets.hpp"
#include "workloads/train/parallel.hpp"
#include "workloads/train/tensor.hpp"

namespace rowsim::train {

constexpr int kCropPad = 4;

// Images order[begin, end) of `data` into `out`; labels into `labels`.
void make_batch(ThreadPool& pool, const Dataset& data, const std::vector<uint32_t>& order, size_t begin, size_t end,
                bool augment, uint64_t seed, int epoch, Tensor& out, std::vector<int32_t>& labels);

// The epoch's image order: a seeded Fisher-Yates shuffle of 0..n-1.
std::vector<uint32_t> epoch_order(size_t n, uint64_t seed, int epoch);

}  // namespace rowsim::train
