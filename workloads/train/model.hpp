// A trainable model built directly from a rowsim::Network: every zoo network or --net-file network
// trains and runs without a separate model definition. Layers run in the network's execution
// order; a layer's output gradient collects the contributions of all its consumers.
//
// Two forms:
// - training form: conv/FC weights (+ bias, except on a conv whose only consumer is a batch-norm,
//   where a bias would be cancelled), batch-norm gamma/beta and running statistics;
// - inference form (`folded`): batch-norms folded into the preceding conv or FC (weight and bias);
//   a batch-norm that cannot be folded becomes a per-channel scale and shift.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "workloads/network.hpp"
#include "workloads/safetensors.hpp"
#include "workloads/train/layers.hpp"

namespace rowsim::train {

struct Param {
  std::string name;  // "<layer>.weight", "<layer>.bias"
  std::vector<int64_t> shape;
  std::vector<float> value, grad, momentum;
  bool decay = false;  // weight decay applies to conv and FC weights only
};

class Model {
public:
  // Training form, weights initialised from `seed` (He-normal, zero biases, BN gamma 1 beta 0,
  // gamma 0 for a batch-norm ending a residual branch).
  Model(const Network& net, uint64_t seed);
  // Inference form from an exported weights file; every tensor must match a layer by name and
  // shape, or a UserError names it (`origin` is the file).
  Model(const Network& net, const SafeTensors& weights, const std::string& origin);

  const Network& network() const { return net_; }
  bool folded() const { return folded_; }
  std::vector<Param>& params() { return params_; }
  const std::vector<Param>& params() const { return params_; }

  // `input` is C x N x H x W; returns the logits [classes][N] (valid until the next call).
  const Tensor& forward(ThreadPool& pool, const Tensor& input, bool training);
  // Back-propagates d_logits from the last forward(training = true); fills every Param::grad.
  // The inference form trains as well (its folded batch-norms pass gradients through unchanged).
  void backward(ThreadPool& pool, const Tensor& d_logits);

  // Training checkpoints: all parameters, running statistics and momentum buffers.
  void save_state(SafeTensors& out) const;
  void load_state(const SafeTensors& in, const std::string& origin);
  // The inference form's tensors: BN folded, `dtype` F32 or F16.
  SafeTensors export_inference(DType dtype) const;
  // Fraction of conv and FC weights that are exactly zero.
  double weight_sparsity() const;
  // Seconds spent per layer in forward and backward passes, when ROWSIM_PROFILE is set in the
  // environment (for finding the slow layers; docs/training.md).
  std::string profile_report() const;

private:
  struct Node {
    const Layer* layer = nullptr;
    int weight = -1, bias = -1;  // indices into params_ (conv/FC weight and bias; BN gamma and beta)
    bool has_bn_state = false;   // training-form batch-norm
    BatchNormState bn;
    std::vector<int32_t> argmax;
    Tensor out, grad;
    double forward_seconds = 0, backward_seconds = 0;
    // A training-form batch-norm or a residual add whose only consumer is a ReLU computes both in
    // one pass (fused_relu = the ReLU's index); that ReLU then does nothing itself (fused_away).
    int fused_relu = -1;
    bool fused_away = false;
    bool grad_live = false;  // `grad` holds a zeroed or accumulated buffer during backward()
  };
  bool profile_ = false;
  void build_nodes();
  void fuse_batchnorm_relu();
  int add_param(const std::string& name, std::vector<int64_t> shape, bool decay);
  const Tensor& input_of(int node, int which) const;
  Tensor* grad_of(int node, int which);
  int sole_consumer(int node) const;  // index of the only layer reading `node`, or -1
  // Output gradients live from the backward pass of a node's last consumer to its own, so
  // backward() recycles their buffers through `spare_grads_`: a few exist at a time instead of one
  // per layer. (ResNet50 at batch 128 needs about half the memory; fresh memory is expensive on a
  // first step, see HugePageAllocator.)
  void acquire_grad(int node);
  void release_grad(int node);
  std::vector<FloatBuffer> spare_grads_;

  Network net_;
  bool folded_ = false;
  std::vector<Param> params_;
  std::vector<Node> nodes_;
  std::vector<std::vector<int>> consumers_;
  const Tensor* input_ = nullptr;
  std::unique_ptr<Workspace> ws_;
};

}  // namespace rowsim::train
