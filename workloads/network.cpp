#include "workloads/network.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "workloads/util/error.hpp"
#include "workloads/util/limits.hpp"

namespace rowsim {

std::string Shape::str() const { return fmt::format("{}x{}x{}", c, h, w); }

std::string ConvShape::str() const {
  return fmt::format("N={} G={} M={} C={} H={} W={} R={} S={} E={} F={} U={} pad={}", N, G, M, C, H, W, R, S, E, F,
                     U, pad_h == pad_w ? std::to_string(pad_h) : fmt::format("{},{}", pad_h, pad_w));
}

const char* to_string(LayerKind kind) {
  switch (kind) {
    case LayerKind::Conv: return "conv";
    case LayerKind::FullyConnected: return "fc";
    case LayerKind::Pool: return "pool";
    case LayerKind::ReLU: return "relu";
    case LayerKind::BatchNorm: return "batchnorm";
    case LayerKind::Add: return "add";
    case LayerKind::Concat: return "concat";
    case LayerKind::Mul: return "mul";
    case LayerKind::Activation: return "activation";
  }
  return "?";
}

int window_output_size(int in, int kernel, int stride, int pad_begin, int pad_end, bool ceil_mode) {
  const int64_t span = int64_t(in) + pad_begin + pad_end - kernel;
  if (span < 0 || stride < 1) return 0;
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= int64_t(in) + pad_begin) --out;
  return static_cast<int>(out);
}

int Layer::in_channels_per_group() const {
  // finalize() keeps in.elements() within kMaxTensorElements, so the features fit an int.
  if (kind == LayerKind::FullyConnected) return static_cast<int>(std::min(in.elements(), kMaxTensorElements));
  return in.c / groups;
}

std::vector<int64_t> Layer::weight_shape() const {
  if (kind == LayerKind::FullyConnected) return {out_channels, in.elements()};
  return {out_channels, in_channels_per_group(), kernel_h, kernel_w};
}

int64_t Layer::weights() const {
  if (kind == LayerKind::Conv) return int64_t(kernel_h) * kernel_w * in_channels_per_group() * out_channels;
  if (kind == LayerKind::FullyConnected) return in.elements() * out_channels;
  return 0;
}

int64_t Layer::biases() const { return has_weights() && bias ? out_channels : 0; }

int64_t Layer::macs() const {
  if (kind == LayerKind::Conv) return weights() * out.h * out.w;
  if (kind == LayerKind::FullyConnected) return weights();
  return 0;
}

int64_t Layer::macs_paper() const {
  if (kind == LayerKind::Conv) {
    int64_t map = paper_map_size > 0 ? int64_t(paper_map_size) * paper_map_size : int64_t(out.h) * out.w;
    return weights() * map;
  }
  if (kind == LayerKind::FullyConnected) return weights();
  return 0;
}

int Network::index_of(const std::string& layer_name) const {
  for (size_t i = 0; i < layers.size(); ++i)
    if (layers[i].name == layer_name) return static_cast<int>(i);
  return -1;
}

const Layer& Network::layer(const std::string& layer_name) const {
  int i = index_of(layer_name);
  if (i < 0) fail("network '{}' has no layer named '{}'", name, layer_name);
  return layers[static_cast<size_t>(i)];
}

namespace {

void check_positive(const Network& net, const Layer& l, const char* field, int value, int min = 1) {
  if (value < min)
    fail("network '{}', layer '{}': {} is {}, expected at least {}", net.name, l.name, field, value, min);
}

Shape window_output(const Network& net, const Layer& l) {
  check_positive(net, l, "kernel height", l.kernel_h);
  check_positive(net, l, "kernel width", l.kernel_w);
  check_positive(net, l, "stride", l.stride);
  const Padding p = l.padding();
  for (int side : {p.top, p.left, p.bottom, p.right}) check_positive(net, l, "pad", side, 0);
  int padded_h = l.in.h + p.top + p.bottom, padded_w = l.in.w + p.left + p.right;
  if (l.kernel_h > padded_h || l.kernel_w > padded_w)
    fail("network '{}', layer '{}': kernel {}x{} is larger than its padded input {}x{}", net.name, l.name, l.kernel_h,
         l.kernel_w, padded_h, padded_w);
  if (std::max(p.top, p.bottom) >= l.kernel_h || std::max(p.left, p.right) >= l.kernel_w)
    fail("network '{}', layer '{}': pad {} must be smaller than the kernel {}x{}", net.name, l.name,
         p.symmetric() ? std::to_string(p.top) : fmt::format("{},{},{},{}", p.top, p.left, p.bottom, p.right),
         l.kernel_h, l.kernel_w);
  const bool ceil_mode = l.kind == LayerKind::Pool && l.ceil_mode;
  Shape out;
  out.h = window_output_size(l.in.h, l.kernel_h, l.stride, p.top, p.bottom, ceil_mode);
  out.w = window_output_size(l.in.w, l.kernel_w, l.stride, p.left, p.right, ceil_mode);
  out.c = l.in.c;
  return out;
}

// a * b, or INT64_MAX when that overflows (the sizes below are then refused anyway).
int64_t saturating_mul(int64_t a, int64_t b) {
  int64_t product;
  return __builtin_mul_overflow(a, b, &product) ? std::numeric_limits<int64_t>::max() : product;
}

// The limits of network.hpp, checked in 64 bits on a layer whose shapes are known.
void check_sizes(const Network& net, const Layer& l) {
  auto tensor = [&](const char* what, const std::string& shape, int64_t elements) {
    if (elements > limit(Limit::TensorElements))
      fail("network '{}', layer '{}': {} {} holds {} elements, more than the {} one tensor may hold for one image {}",
           net.name, l.name, what, shape, elements, limit(Limit::TensorElements), limit_hint(Limit::TensorElements));
  };
  tensor(l.kind == LayerKind::FullyConnected ? "input (its features)" : "input", l.in.str(), l.in.elements());
  tensor("output", l.out.str(), l.out.elements());
  if (!l.has_weights()) return;
  const int64_t in_per_group = l.kind == LayerKind::FullyConnected ? l.in.elements() : l.in.c / l.groups;
  const int64_t weights = saturating_mul(saturating_mul(int64_t(l.kernel_h) * l.kernel_w, in_per_group), l.out_channels);
  tensor("weights", fmt::format("{}x{}x{}x{}", l.out_channels, in_per_group, l.kernel_h, l.kernel_w), weights);
  const int64_t macs = saturating_mul(weights, int64_t(l.out.h) * l.out.w);
  if (macs > limit(Limit::LayerMacs))
    fail("network '{}', layer '{}': {} MACs per image, more than the {} one layer may do {}", net.name, l.name, macs,
         limit(Limit::LayerMacs), limit_hint(Limit::LayerMacs));
}

}  // namespace

void Network::finalize() {
  if (name.empty()) fail("a network needs a name");
  if (input.c < 1 || input.h < 1 || input.w < 1)
    fail("network '{}': input shape {} must be positive in every dimension", name, input.str());
  if (input.elements() > limit(Limit::TensorElements))
    fail("network '{}': input {} holds {} elements, more than the {} one tensor may hold for one image {}", name,
         input.str(), input.elements(), limit(Limit::TensorElements), limit_hint(Limit::TensorElements));
  if (layers.empty()) fail("network '{}' has no layers", name);
  std::set<std::string> seen;
  for (size_t i = 0; i < layers.size(); ++i) {
    Layer& l = layers[i];
    if (l.name.empty()) fail("network '{}': layer {} has no name", name, i);
    if (l.name == "input") fail("network '{}': 'input' is reserved for the network input", name);
    if (!seen.insert(l.name).second) fail("network '{}': two layers are named '{}'", name, l.name);
    l.input_ids.clear();
    if (l.inputs.empty()) {
      l.input_ids.push_back(static_cast<int>(i) - 1);
    } else {
      for (const auto& producer : l.inputs) {
        if (producer == "input") {
          l.input_ids.push_back(-1);
          continue;
        }
        int j = index_of(producer);
        if (j < 0) fail("network '{}', layer '{}': input '{}' is not a layer of this network", name, l.name, producer);
        if (j >= static_cast<int>(i))
          fail("network '{}', layer '{}': input '{}' comes later; layers must be listed in execution order", name,
               l.name, producer);
        l.input_ids.push_back(j);
      }
    }
    auto shape_of = [&](int id) { return id < 0 ? input : layers[static_cast<size_t>(id)].out; };
    l.in = shape_of(l.input_ids[0]);
    if (!l.multi_input() && l.input_ids.size() != 1)
      fail("network '{}', layer '{}': a {} layer takes exactly one input, got {}", name, l.name, to_string(l.kind),
           l.input_ids.size());
    switch (l.kind) {
      case LayerKind::Conv: {
        check_positive(*this, l, "out_channels", l.out_channels);
        check_positive(*this, l, "groups", l.groups);
        if (l.in.c % l.groups != 0 || l.out_channels % l.groups != 0)
          fail("network '{}', layer '{}': groups {} must divide both the input channels {} and out_channels {}", name,
               l.name, l.groups, l.in.c, l.out_channels);
        l.out = window_output(*this, l);
        l.out.c = l.out_channels;
        break;
      }
      case LayerKind::FullyConnected:
        check_positive(*this, l, "out_features", l.out_channels);
        if (l.groups != 1) fail("network '{}', layer '{}': fully connected layers take no groups", name, l.name);
        l.kernel_h = l.kernel_w = l.stride = 1;
        l.pad = 0;
        l.out = Shape{l.out_channels, 1, 1};
        break;
      case LayerKind::Pool:
        l.out = window_output(*this, l);
        break;
      case LayerKind::ReLU:
      case LayerKind::BatchNorm:
      case LayerKind::Activation:
        l.out = l.in;
        break;
      case LayerKind::Add:
      case LayerKind::Mul: {
        if (l.input_ids.size() != 2)
          fail("network '{}', layer '{}': an {} layer takes exactly two inputs, got {}", name, l.name,
               to_string(l.kind), l.input_ids.size());
        // The second input may be broadcast: one value per channel, or one value.
        Shape b = shape_of(l.input_ids[1]);
        bool per_channel = b.c == l.in.c && b.h == 1 && b.w == 1, scalar = b == Shape{1, 1, 1};
        if (b != l.in && !per_channel && !scalar)
          fail("network '{}', layer '{}': inputs have shapes {} and {}; the second must equal the first, be "
               "{}x1x1 (per channel) or 1x1x1",
               name, l.name, l.in.str(), b.str(), l.in.c);
        l.out = l.in;
        break;
      }
      case LayerKind::Concat: {
        if (l.input_ids.size() < 2)
          fail("network '{}', layer '{}': a concat layer takes at least two inputs, got {}", name, l.name,
               l.input_ids.size());
        l.out = l.in;
        for (size_t k = 1; k < l.input_ids.size(); ++k) {
          Shape b = shape_of(l.input_ids[k]);
          if (b.h != l.in.h || b.w != l.in.w)
            fail("network '{}', layer '{}': concat on channels needs equal height and width, input {} is {} and "
                 "input 1 is {}",
                 name, l.name, k + 1, b.str(), l.in.str());
          if (int64_t(l.out.c) + b.c > (int64_t(1) << 24))
            fail("network '{}', layer '{}': concat of more than 2^24 channels", name, l.name);
          l.out.c += b.c;
        }
        break;
      }
    }
    if (l.out.h < 1 || l.out.w < 1)
      fail("network '{}', layer '{}': output shape {} is empty", name, l.name, l.out.str());
    check_sizes(*this, l);
  }
}

int64_t Network::total_weights() const {
  int64_t sum = 0;
  for (const auto& l : layers) sum += l.weights();
  return sum;
}
int64_t Network::total_biases() const {
  int64_t sum = 0;
  for (const auto& l : layers) sum += l.biases();
  return sum;
}
int64_t Network::total_macs() const {
  int64_t sum = 0;
  for (const auto& l : layers) sum += l.macs();
  return sum;
}
int64_t Network::total_macs_paper() const {
  int64_t sum = 0;
  for (const auto& l : layers) sum += l.macs_paper();
  return sum;
}

std::vector<int> Network::compute_layers() const {
  std::vector<int> ids;
  for (size_t i = 0; i < layers.size(); ++i)
    if (layers[i].has_weights()) ids.push_back(static_cast<int>(i));
  return ids;
}

ConvShape conv_shape(const Layer& layer, int batch) {
  ConvShape s;
  s.N = batch;
  if (layer.kind == LayerKind::FullyConnected) {
    s.G = 1;
    s.M = layer.out_channels;
    s.C = layer.in_channels_per_group();
    s.H = s.W = s.R = s.S = s.E = s.F = 1;
    return s;
  }
  s.G = layer.groups;
  s.M = layer.out_channels / layer.groups;
  s.C = layer.in.c / layer.groups;
  s.H = layer.in.h;
  s.W = layer.in.w;
  s.R = layer.kernel_h;
  s.S = layer.kernel_w;
  s.E = layer.out.h;
  s.F = layer.out.w;
  s.U = layer.stride;
  s.pad_h = layer.padding().top;
  s.pad_w = layer.padding().left;
  return s;
}

}  // namespace rowsim
