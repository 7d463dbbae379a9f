#include "workloads/train/model.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

#include "workloads/util/error.hpp"
#include "workloads/util/rng.hpp"
#include "workloads/weights_file.hpp"

namespace rowsim::train {

namespace {

ConvGeometry conv_geometry(const Layer& l) {
  ConvGeometry g;
  g.out_channels = l.out_channels;
  g.kernel_h = l.kernel_h;
  g.kernel_w = l.kernel_w;
  g.stride = l.stride;
  g.pad = l.pad;
  g.groups = l.groups;
  return g;
}

PoolGeometry pool_geometry(const Layer& l) {
  PoolGeometry g;
  g.max = l.pool == PoolKind::Max;
  g.kernel_h = l.kernel_h;
  g.kernel_w = l.kernel_w;
  g.stride = l.stride;
  g.pad = l.pad;
  return g;
}

}  // namespace

int Model::add_param(const std::string& name, std::vector<int64_t> shape, bool decay) {
  Param p;
  p.name = name;
  p.shape = std::move(shape);
  int64_t n = 1;
  for (int64_t d : p.shape) n *= d;
  p.value.assign(size_t(n), 0.0f);
  p.decay = decay;
  params_.push_back(std::move(p));
  return int(params_.size()) - 1;
}

int Model::sole_consumer(int node) const {
  return consumers_[size_t(node)].size() == 1 ? consumers_[size_t(node)][0] : -1;
}

void Model::fuse_batchnorm_relu() {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    bool fusable = nodes_[i].has_bn_state || (!folded_ && net_.layers[i].kind == LayerKind::Add);
    if (!fusable) continue;
    int j = sole_consumer(int(i));
    if (j >= 0 && net_.layers[size_t(j)].kind == LayerKind::ReLU) {
      nodes_[i].fused_relu = j;
      nodes_[size_t(j)].fused_away = true;
    }
  }
}

namespace {

// The trainer implements the layers of the zoo and YAML networks; imported ONNX networks may hold
// more (rowsim prices them but does not train them).
void require_trainable(const Network& net) {
  for (const Layer& l : net.layers) {
    std::string why;
    if (l.kind == LayerKind::Concat || l.kind == LayerKind::Mul || l.kind == LayerKind::Activation)
      why = fmt::format("{} layers", to_string(l.kind));
    else if (l.kind == LayerKind::Pool && (l.ceil_mode || !l.count_include_pad))
      why = "pooling with ceil_mode or without count_include_pad";
    else if (l.asymmetric_pad)
      why = "padding that differs between sides";
    else if (l.kind == LayerKind::Add && net.layers.size() > 0 && l.input_ids.size() == 2 && l.input_ids[1] >= 0 &&
             net.layers[size_t(l.input_ids[1])].out != l.in)
      why = "adds that broadcast";
    if (!why.empty())
      fail("network '{}', layer '{}': the trainer does not implement {}; it trains the zoo's and YAML networks' "
           "layers (conv, fc, pool, relu, batchnorm, add)",
           net.name, l.name, why);
  }
}

}  // namespace

void Model::build_nodes() {
  require_trainable(net_);
  nodes_.assign(net_.layers.size(), Node{});
  consumers_.assign(net_.layers.size(), {});
  for (size_t i = 0; i < net_.layers.size(); ++i) {
    nodes_[i].layer = &net_.layers[i];
    for (int id : net_.layers[i].input_ids)
      if (id >= 0) consumers_[size_t(id)].push_back(int(i));
  }
  ws_ = std::make_unique<Workspace>(64);  // enough slots for any pool size
  profile_ = std::getenv("ROWSIM_PROFILE") != nullptr;
}

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

std::string Model::profile_report() const {
  double total_f = 0, total_b = 0;
  for (const auto& n : nodes_) {
    total_f += n.forward_seconds;
    total_b += n.backward_seconds;
  }
  std::string out = fmt::format("{:<24} {:>10} {:>10}\n", "layer", "forward s", "backward s");
  for (const auto& n : nodes_)
    out += fmt::format("{:<24} {:>10.3f} {:>10.3f}\n", n.layer->name, n.forward_seconds, n.backward_seconds);
  out += fmt::format("{:<24} {:>10.3f} {:>10.3f}\n", "total", total_f, total_b);
  return out;
}

Model::Model(const Network& net, uint64_t seed) : net_(net) {
  build_nodes();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Node& node = nodes_[i];
    const Layer& l = *node.layer;
    if (l.has_weights()) {
      node.weight = add_param(l.name + ".weight", l.weight_shape(), true);
      int next = sole_consumer(int(i));
      bool bn_follows = next >= 0 && net_.layers[size_t(next)].kind == LayerKind::BatchNorm;
      if (l.bias && !bn_follows) node.bias = add_param(l.name + ".bias", {l.out_channels}, false);
      Param& w = params_[size_t(node.weight)];
      int64_t fan_in = w.shape[1] * (w.shape.size() == 4 ? w.shape[2] * w.shape[3] : 1);
      float std = float(std::sqrt(2.0 / double(fan_in)));
      Rng rng(seed, RngPurpose::Init, i);
      for (float& v : w.value) v = std * rng.normal();
    } else if (l.kind == LayerKind::BatchNorm) {
      node.weight = add_param(l.name + ".weight", {l.in.c}, false);
      node.bias = add_param(l.name + ".bias", {l.in.c}, false);
      for (float& v : params_[size_t(node.weight)].value) v = 1.0f;
      node.has_bn_state = true;
      node.bn.running_mean.assign(size_t(l.in.c), 0.0f);
      node.bn.running_var.assign(size_t(l.in.c), 1.0f);
    }
  }
  // A batch-norm ending a residual branch (the first input of an add) starts with gamma 0, so
  // each block starts as its shortcut and deep ResNets train from the first step (Goyal et al.,
  // "Accurate, large minibatch SGD", 2017).
  for (size_t i = 0; i < nodes_.size(); ++i) {
    int j = sole_consumer(int(i));
    if (nodes_[i].has_bn_state && j >= 0 && net_.layers[size_t(j)].kind == LayerKind::Add &&
        net_.layers[size_t(j)].input_ids[0] == int(i))
      std::fill(params_[size_t(nodes_[i].weight)].value.begin(), params_[size_t(nodes_[i].weight)].value.end(), 0.0f);
  }
  for (auto& p : params_) {
    p.grad.assign(p.value.size(), 0.0f);
    p.momentum.assign(p.value.size(), 0.0f);
  }
  fuse_batchnorm_relu();
}

Model::Model(const Network& net, const SafeTensors& weights, const std::string& origin) : net_(net), folded_(true) {
  build_nodes();
  std::set<std::string> used;
  auto take = [&](const std::string& name, std::vector<int64_t> shape, bool required, bool decay) {
    const TensorData* t = weights.find(name);
    if (!t) {
      if (required) fail("{}: missing tensor '{}' (shape {}) for network '{}'", origin, name, shape_string(shape), net_.name);
      return -1;
    }
    if (t->shape != shape)
      fail("{}: tensor '{}' has shape {}, but network '{}' (width {}) needs {}", origin, name, shape_string(t->shape),
           net_.name, net_.width, shape_string(shape));
    used.insert(name);
    int id = add_param(name, std::move(shape), decay);
    // As the fixed-point path, map and simulate do: a NaN or infinite weight makes every result
    // meaningless (an evaluation would still report an accuracy).
    params_[size_t(id)].value = finite_floats(*t, origin, name);
    return id;
  };
  for (auto& node : nodes_) {
    const Layer& l = *node.layer;
    if (l.has_weights()) {
      node.weight = take(l.name + ".weight", l.weight_shape(), true, true);
      node.bias = take(l.name + ".bias", {l.out_channels}, false, false);
    } else if (l.kind == LayerKind::BatchNorm && weights.find(l.name + ".weight")) {
      node.weight = take(l.name + ".weight", {l.in.c}, true, false);
      node.bias = take(l.name + ".bias", {l.in.c}, true, false);
    }
  }
  for (const auto& [name, t] : weights.tensors)
    if (!used.count(name))
      fail("{}: tensor '{}' matches no layer of network '{}' (a training checkpoint? export with rowsim train -o)",
           origin, name, net_.name);
  for (auto& p : params_) {
    p.grad.assign(p.value.size(), 0.0f);
    p.momentum.assign(p.value.size(), 0.0f);
  }
}

const Tensor& Model::input_of(int node, int which) const {
  int id = nodes_[size_t(node)].layer->input_ids[size_t(which)];
  return id < 0 ? *input_ : nodes_[size_t(id)].out;
}

Tensor* Model::grad_of(int node, int which) {
  int id = nodes_[size_t(node)].layer->input_ids[size_t(which)];
  return id < 0 ? nullptr : &nodes_[size_t(id)].grad;
}

const Tensor& Model::forward(ThreadPool& pool, const Tensor& input, bool training) {
  // An inference-form model trains too (fine-tuning after pruning, workloads/train/prune.hpp): its
  // folded batch-norms are identities; a batch-norm kept as a scale and shift cannot train.
  if (training && folded_)
    for (const auto& node : nodes_)
      if (node.layer->kind == LayerKind::BatchNorm && node.weight >= 0)
        fail("batch-norm '{}' is kept as a scale and shift (not folded); such a model cannot be fine-tuned",
             node.layer->name);
  const Shape& want = net_.input;
  if (input.c != want.c || input.h != want.h || input.w != want.w)
    fail("network '{}' takes {}x{}x{} images, got {}x{}x{}", net_.name, want.c, want.h, want.w, input.c, input.h,
         input.w);
  input_ = &input;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Node& node = nodes_[i];
    const Layer& l = *node.layer;
    const Tensor& in = input_of(int(i), 0);
    auto t0 = std::chrono::steady_clock::now();
    const float* w = node.weight >= 0 ? params_[size_t(node.weight)].value.data() : nullptr;
    const float* b = node.bias >= 0 ? params_[size_t(node.bias)].value.data() : nullptr;
    switch (l.kind) {
      case LayerKind::Conv: conv_forward(pool, *ws_, conv_geometry(l), in, w, b, node.out); break;
      case LayerKind::FullyConnected: fc_forward(pool, *ws_, l.out_channels, in, w, b, node.out); break;
      case LayerKind::Pool: pool_forward(pool, pool_geometry(l), in, node.out, node.argmax); break;
      case LayerKind::ReLU:
        if (!node.fused_away) relu_forward(pool, in, node.out);
        break;
      case LayerKind::BatchNorm:
        if (node.fused_relu >= 0)
          batchnorm_forward(pool, in, w, b, training, node.bn, nodes_[size_t(node.fused_relu)].out, true);
        else if (node.has_bn_state)
          batchnorm_forward(pool, in, w, b, training, node.bn, node.out);
        else if (w)
          affine_forward(pool, in, w, b, node.out);
        else
          node.out = in;  // folded into the layer before it
        break;
      case LayerKind::Add:
        if (node.fused_relu >= 0)
          add_forward(pool, in, input_of(int(i), 1), nodes_[size_t(node.fused_relu)].out, true);
        else
          add_forward(pool, in, input_of(int(i), 1), node.out);
        break;
      case LayerKind::Concat:
      case LayerKind::Mul:
      case LayerKind::Activation: break;  // refused by require_trainable
    }
    if (profile_) node.forward_seconds += seconds_since(t0);
  }
  return nodes_.back().out;
}

void Model::acquire_grad(int id) {
  Node& node = nodes_[size_t(id)];
  if (node.grad_live) return;
  const size_t need = node.out.size();
  size_t best = spare_grads_.size();  // the smallest spare buffer that fits, else a new one
  for (size_t k = 0; k < spare_grads_.size(); ++k)
    if (spare_grads_[k].capacity() >= need &&
        (best == spare_grads_.size() || spare_grads_[k].capacity() < spare_grads_[best].capacity()))
      best = k;
  if (best < spare_grads_.size()) {
    node.grad.v = std::move(spare_grads_[best]);
    spare_grads_.erase(spare_grads_.begin() + long(best));
  }
  node.grad.v.clear();
  node.grad.resize(node.out.c, node.out.n, node.out.h, node.out.w);  // zero-filled
  node.grad_live = true;
}

void Model::release_grad(int id) {
  Node& node = nodes_[size_t(id)];
  if (!node.grad_live) return;
  node.grad_live = false;
  if (node.grad.v.capacity() > 0) spare_grads_.push_back(std::move(node.grad.v));
  node.grad.v = FloatBuffer();
}

void Model::backward(ThreadPool& pool, const Tensor& d_logits) {
  for (size_t i = 0; i < nodes_.size(); ++i) release_grad(int(i));
  acquire_grad(int(nodes_.size()) - 1);
  std::copy(d_logits.v.begin(), d_logits.v.end(), nodes_.back().grad.v.begin());
  for (int i = int(nodes_.size()) - 1; i >= 0; --i) {
    Node& node = nodes_[size_t(i)];
    const Layer& l = *node.layer;
    const Tensor& in = input_of(i, 0);
    acquire_grad(i);  // an output nothing reads still has a (zero) gradient
    for (int id : l.input_ids)
      if (id >= 0) acquire_grad(id);
    Tensor* d_in = grad_of(i, 0);
    auto t0 = std::chrono::steady_clock::now();
    Param* w = node.weight >= 0 ? &params_[size_t(node.weight)] : nullptr;
    Param* b = node.bias >= 0 ? &params_[size_t(node.bias)] : nullptr;
    switch (l.kind) {
      case LayerKind::Conv:
        conv_backward(pool, *ws_, conv_geometry(l), in, w->value.data(), node.grad, d_in, w->grad.data(),
                      b ? b->grad.data() : nullptr);
        break;
      case LayerKind::FullyConnected:
        fc_backward(pool, *ws_, l.out_channels, in, w->value.data(), node.grad, d_in, w->grad.data(),
                    b ? b->grad.data() : nullptr);
        break;
      case LayerKind::Pool:
        if (d_in) pool_backward(pool, pool_geometry(l), node.grad, node.argmax, *d_in);
        break;
      case LayerKind::ReLU:
        if (d_in && !node.fused_away) relu_backward(pool, node.out, node.grad, *d_in);
        break;
      case LayerKind::BatchNorm: {
        if (!w) {  // folded into the layer before it: the identity
          if (d_in) accumulate(pool, node.grad, *d_in);
          break;
        }
        Tensor scratch;
        Tensor* target = d_in;
        if (!target) {  // BN straight on the input: gamma/beta still need their gradients
          scratch.resize(in.c, in.n, in.h, in.w);
          target = &scratch;
        }
        if (node.fused_relu >= 0) {
          const Node& relu = nodes_[size_t(node.fused_relu)];
          batchnorm_backward(pool, *ws_, in, w->value.data(), node.bn, relu.grad, *target, w->grad.data(), b->grad.data(),
                             &relu.out);
        } else {
          batchnorm_backward(pool, *ws_, in, w->value.data(), node.bn, node.grad, *target, w->grad.data(),
                             b->grad.data());
        }
        break;
      }
      case LayerKind::Add:
        if (node.fused_relu >= 0) {
          const Node& relu = nodes_[size_t(node.fused_relu)];
          if (d_in) accumulate_masked(pool, relu.grad, relu.out, *d_in);
          if (Tensor* d_b = grad_of(i, 1)) accumulate_masked(pool, relu.grad, relu.out, *d_b);
        } else {
          if (d_in) accumulate(pool, node.grad, *d_in);
          if (Tensor* d_b = grad_of(i, 1)) accumulate(pool, node.grad, *d_b);
        }
        break;
      case LayerKind::Concat:
      case LayerKind::Mul:
      case LayerKind::Activation: break;  // refused by require_trainable
    }
    // A fused-away ReLU's gradient is read by the node it is fused into, which runs after it.
    if (!node.fused_away) release_grad(i);
    if (node.fused_relu >= 0) release_grad(node.fused_relu);
    if (profile_) node.backward_seconds += seconds_since(t0);
  }
}

void Model::save_state(SafeTensors& out) const {
  for (const auto& p : params_) {
    out.put(p.name, TensorData::from_floats(p.value, p.shape));
    out.put(p.name + ".momentum", TensorData::from_floats(p.momentum, p.shape));
  }
  for (const auto& node : nodes_)
    if (node.has_bn_state) {
      int64_t c = int64_t(node.bn.running_mean.size());
      out.put(node.layer->name + ".running_mean", TensorData::from_floats(node.bn.running_mean, {c}));
      out.put(node.layer->name + ".running_var", TensorData::from_floats(node.bn.running_var, {c}));
    }
}

void Model::load_state(const SafeTensors& in, const std::string& origin) {
  auto load = [&](const std::string& name, const std::vector<int64_t>& shape, std::vector<float>& dst) {
    const TensorData& t = in.get(name, origin);
    if (t.shape != shape || t.dtype != DType::F32)
      fail("{}: tensor '{}' is {} {}, expected F32 {} (a checkpoint of a different network?)", origin, name,
           dtype_name(t.dtype), shape_string(t.shape), shape_string(shape));
    dst = finite_floats(t, origin, name);  // a NaN would resume into a run that learns nothing
  };
  for (auto& p : params_) {
    load(p.name, p.shape, p.value);
    load(p.name + ".momentum", p.shape, p.momentum);
  }
  for (auto& node : nodes_)
    if (node.has_bn_state) {
      int64_t c = int64_t(node.bn.running_mean.size());
      load(node.layer->name + ".running_mean", {c}, node.bn.running_mean);
      load(node.layer->name + ".running_var", {c}, node.bn.running_var);
    }
}

SafeTensors Model::export_inference(DType dtype) const {
  SafeTensors out;
  auto emit = [&](const std::string& name, const std::vector<float>& v, std::vector<int64_t> shape) {
    out.put(name, TensorData::from_floats(v, std::move(shape), dtype));
  };
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& node = nodes_[i];
    const Layer& l = *node.layer;
    if (l.has_weights()) {
      const Param& w = params_[size_t(node.weight)];
      std::vector<float> weight = w.value;
      std::vector<float> bias(size_t(l.out_channels), 0.0f);
      if (node.bias >= 0) bias = params_[size_t(node.bias)].value;
      bool has_bias = node.bias >= 0;
      int next = sole_consumer(int(i));
      if (next >= 0 && nodes_[size_t(next)].has_bn_state) {
        // Fold: y = gamma * (Wx + b - mean) / sqrt(var + eps) + beta.
        const Node& bn = nodes_[size_t(next)];
        const auto& gamma = params_[size_t(bn.weight)].value;
        const auto& beta = params_[size_t(bn.bias)].value;
        size_t per_out = weight.size() / size_t(l.out_channels);
        for (size_t m = 0; m < size_t(l.out_channels); ++m) {
          float scale = gamma[m] / std::sqrt(bn.bn.running_var[m] + kBatchNormEps);
          for (size_t k = 0; k < per_out; ++k) weight[m * per_out + k] *= scale;
          bias[m] = (bias[m] - bn.bn.running_mean[m]) * scale + beta[m];
        }
        has_bias = true;
      }
      emit(l.name + ".weight", weight, w.shape);
      if (has_bias) emit(l.name + ".bias", bias, {l.out_channels});
    } else if (l.kind == LayerKind::BatchNorm && node.weight >= 0) {
      int producer = l.input_ids[0];
      bool folded_away = node.has_bn_state && producer >= 0 && net_.layers[size_t(producer)].has_weights() &&
                         sole_consumer(producer) == int(i);
      if (folded_away) continue;
      std::vector<float> scale = params_[size_t(node.weight)].value, shift = params_[size_t(node.bias)].value;
      if (node.has_bn_state)
        for (size_t c = 0; c < scale.size(); ++c) {
          float s = scale[c] / std::sqrt(node.bn.running_var[c] + kBatchNormEps);
          shift[c] -= node.bn.running_mean[c] * s;
          scale[c] = s;
        }
      emit(l.name + ".weight", scale, {int64_t(scale.size())});
      emit(l.name + ".bias", shift, {int64_t(shift.size())});
    }
  }
  return out;
}

double Model::weight_sparsity() const {
  int64_t zeros = 0, total = 0;
  for (const auto& p : params_)
    if (p.decay) {
      total += int64_t(p.value.size());
      for (float v : p.value) zeros += v == 0.0f;
    }
  return total ? double(zeros) / double(total) : 0.0;
}

}  // namespace rowsim::train
