// Forward and backward passes of the layer kinds the zoo uses, on C x N x H x W tensors.
// Backward functions ADD into the input gradient (a producer feeding several layers, like a
// ResNet block input, collects all contributions) and OVERWRITE parameter gradients.
// Convolution and fully connected layers are im2col + OpenBLAS sgemm; the threads of the pool
// each take a contiguous slice of the batch, and weight gradients are summed slice by slice in
// slice order, so results are deterministic for a given thread count.
#pragma once
#include <cstdint>
#include <vector>

#include "workloads/train/parallel.hpp"
#include "workloads/train/tensor.hpp"

namespace rowsim::train {

// Per-thread scratch buffers, reused across layers and steps.
struct Workspace {
  explicit Workspace(int threads)
      : col(size_t(threads)), col_grad(size_t(threads)), partial(size_t(threads)), masked(size_t(threads)) {}
  std::vector<FloatBuffer> col, col_grad, partial, masked;
};

struct ConvGeometry {
  int out_channels = 0, kernel_h = 1, kernel_w = 1, stride = 1, pad = 0, groups = 1;
  int out_h(int in_h) const { return (in_h + 2 * pad - kernel_h) / stride + 1; }
  int out_w(int in_w) const { return (in_w + 2 * pad - kernel_w) / stride + 1; }
};

// Images per im2col block for a layer with k column rows and `pixels` outputs per image: the
// column buffer stays around 1 MB so it is still in cache when the GEMM packs it, and small late
// layers (2x2 in a 32x32 VGG) still give the GEMM at least 256 columns.
int images_per_block(int k, int pixels, size_t value_bytes);

// weight: [out][in/groups][kh][kw]; bias may be null.
void conv_forward(ThreadPool& pool, Workspace& ws, const ConvGeometry& g, const Tensor& in, const float* weight,
                  const float* bias, Tensor& out);
// d_in may be null (the network input needs no gradient); d_bias may be null.
void conv_backward(ThreadPool& pool, Workspace& ws, const ConvGeometry& g, const Tensor& in, const float* weight,
                   const Tensor& d_out, Tensor* d_in, float* d_weight, float* d_bias);

// Fully connected over the flattened C*H*W input of each image; weight [out][C*H*W].
void fc_forward(ThreadPool& pool, Workspace& ws, int out_features, const Tensor& in, const float* weight,
                const float* bias, Tensor& out);
void fc_backward(ThreadPool& pool, Workspace& ws, int out_features, const Tensor& in, const float* weight,
                 const Tensor& d_out, Tensor* d_in, float* d_weight, float* d_bias);

struct PoolGeometry {
  bool max = true;
  int kernel_h = 2, kernel_w = 2, stride = 2, pad = 0;
};
// Max pooling records the winning input position per output in `argmax` for the backward pass.
// Average pooling divides by the full window (padding counts as zeros).
void pool_forward(ThreadPool& pool, const PoolGeometry& g, const Tensor& in, Tensor& out, std::vector<int32_t>& argmax);
void pool_backward(ThreadPool& pool, const PoolGeometry& g, const Tensor& d_out, const std::vector<int32_t>& argmax,
                   Tensor& d_in);

void relu_forward(ThreadPool& pool, const Tensor& in, Tensor& out);
void relu_backward(ThreadPool& pool, const Tensor& out, const Tensor& d_out, Tensor& d_in);

// Batch-norm over N*H*W per channel. Training uses the batch statistics (biased variance, as
// PyTorch) and updates the running ones with `momentum` (unbiased variance); inference uses the
// running statistics.
struct BatchNormState {
  std::vector<float> running_mean, running_var;
  std::vector<float> saved_mean, saved_invstd;  // from the last training forward pass
};
constexpr float kBatchNormEps = 1e-5f;
constexpr float kBatchNormMomentum = 0.1f;
// With `relu`, out = max(0, batch-norm(in)): the pair in one pass over memory.
void batchnorm_forward(ThreadPool& pool, const Tensor& in, const float* gamma, const float* beta, bool training,
                       BatchNormState& state, Tensor& out, bool relu = false);
// With `relu_out` (the output of a fused batch-norm + ReLU), d_out is the gradient of the ReLU's
// output and is masked by relu_out > 0 on the fly, so the ReLU needs no pass of its own.
void batchnorm_backward(ThreadPool& pool, Workspace& ws, const Tensor& in, const float* gamma, const BatchNormState& state,
                        const Tensor& d_out, Tensor& d_in, float* d_gamma, float* d_beta,
                        const Tensor* relu_out = nullptr);
// y = x * scale[c] + shift[c] (a batch-norm folded to inference form).
void affine_forward(ThreadPool& pool, const Tensor& in, const float* scale, const float* shift, Tensor& out);

// With `relu`, out = max(0, a + b) (a residual add and the ReLU after it, in one pass).
void add_forward(ThreadPool& pool, const Tensor& a, const Tensor& b, Tensor& out, bool relu = false);
void accumulate(ThreadPool& pool, const Tensor& d_out, Tensor& d_in);  // d_in += d_out
// d_in += d_out where relu_out > 0 (the backward pass of a fused add + ReLU).
void accumulate_masked(ThreadPool& pool, const Tensor& d_out, const Tensor& relu_out, Tensor& d_in);

// Mean softmax cross-entropy over the batch; logits are [classes][N]. Writes d_logits (same shape)
// and returns the loss. `correct` counts images whose arg-max equals the label.
double softmax_cross_entropy(const Tensor& logits, const int32_t* labels, Tensor& d_logits, int* correct);
// Arg-max class per image of [classes][N] logits (ties go to the lower class).
std::vector<int32_t> predictions(const Tensor& logits);

// Sets the OpenBLAS thread count (1 when the pool's threads each run their own GEMMs).
void set_blas_threads(int threads);

}  // namespace rowsim::train
