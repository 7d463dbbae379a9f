// The network IR: layers with their shapes, weight and MAC counts. Everything above this layer
// (mapper, hardware model, trainer) reads networks through these types.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace rowsim {

// Sizes the mapper and the models take (docs/workloads.md, "Size limits"): their dimensions are
// 32-bit, their counts 64-bit. Network::finalize() refuses a layer beyond these, before any work:
// every tensor of a layer for one image (the network input, a layer's input and output, its
// weights; a fully connected layer's input features are its C) holds at most kMaxTensorElements,
// and one layer does at most kMaxLayerMacs multiply-accumulates per image, so that a batch of up
// to 2^20 images keeps every count within 64 bits.
inline constexpr int64_t kMaxTensorElements = 2147483647;  // 2^31 - 1
inline constexpr int64_t kMaxLayerMacs = int64_t(1) << 40;
inline constexpr int kMaxBatch = 1 << 20;  // images per batch, wherever a batch is given

struct Shape {
  int c = 0, h = 0, w = 0;
  int64_t elements() const { return int64_t(c) * h * w; }
  bool operator==(const Shape& o) const { return c == o.c && h == o.h && w == o.w; }
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string str() const;  // "CxHxW"
};

// Concat joins its inputs on channels; Mul multiplies element-wise (the second input may be one
// value per channel, or one value, broadcast: squeeze-excitation scaling); Activation is an
// element-wise function other than ReLU (ActivationKind), Add may broadcast its second input too.
enum class LayerKind { Conv, FullyConnected, Pool, ReLU, BatchNorm, Add, Concat, Mul, Activation };
enum class PoolKind { Max, Avg };
// Clip: min(max(x, a), b) (ReLU6 is a=0, b=6); LeakyRelu: x < 0 ? a*x : x; HardSigmoid:
// clip(a*x + b, 0, 1); HardSwish: x * HardSigmoid(x) with a=1/6, b=1/2; Affine: a*x + b.
enum class ActivationKind { Clip, LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish, Affine };

const char* to_string(LayerKind kind);

// Zero padding of a conv or pool window, per side.
struct Padding {
  int top = 0, left = 0, bottom = 0, right = 0;
  bool symmetric() const { return top == left && top == bottom && top == right; }
};

struct Layer {
  std::string name;
  LayerKind kind = LayerKind::Conv;
  // Producer layer names; "input" is the network input; empty means the previous layer.
  std::vector<std::string> inputs;

  // Conv and fully connected: output channels (features). Conv and pool: window and stride.
  int out_channels = 0;
  int kernel_h = 1, kernel_w = 1, stride = 1, pad = 0, groups = 1;
  // Padding that differs between sides (ONNX pads, auto_pad SAME); `pad` is then unused.
  bool asymmetric_pad = false;
  Padding pad_sides;
  Padding padding() const { return asymmetric_pad ? pad_sides : Padding{pad, pad, pad, pad}; }
  bool bias = true;
  PoolKind pool = PoolKind::Max;
  // Pool: output size rounded up (the last window may overhang the padded input), and whether
  // padding counts in an average's divisor (PyTorch / ONNX semantics).
  bool ceil_mode = false;
  bool count_include_pad = true;
  // Activation: the function and its parameters (see ActivationKind).
  ActivationKind activation = ActivationKind::Clip;
  double act_a = 0, act_b = 0;

  // The paper's eq. (2) counts MACs as D_K^2 * M * N * D_F^2. D_F is the ofmap size for VGG but
  // the bottleneck block's input size for every conv of a ResNet block; 0 means the ofmap size.
  int paper_map_size = 0;
  std::string block;  // e.g. "layer2.0" for ResNet convs; empty elsewhere

  // Filled by Network::finalize().
  std::vector<int> input_ids;  // indices into Network::layers; -1 is the network input
  Shape in, out;

  bool has_weights() const { return kind == LayerKind::Conv || kind == LayerKind::FullyConnected; }
  bool multi_input() const { return kind == LayerKind::Add || kind == LayerKind::Concat || kind == LayerKind::Mul; }
  int in_channels_per_group() const;
  int64_t weights() const;     // eq. (1): kernel weights only
  // The weight tensor's shape in weight files: [out][in/groups][kh][kw]; FC [out][C*H*W].
  std::vector<int64_t> weight_shape() const;
  int64_t biases() const;      // one per output channel where bias is on (BN folds into it)
  int64_t macs() const;        // executed multiply-accumulates for one image
  int64_t macs_paper() const;  // eq. (2) with the paper's D_F convention
};

struct Network {
  std::string name;
  double width = 1.0;
  Shape input;
  int num_classes = 0;
  std::vector<Layer> layers;
  // Operators of an imported model priced at zero on request (--not-costed), one line each
  // ("Einsum x 2 (mix, proj)"); every report lists them.
  std::vector<std::string> not_costed;

  // Resolves inputs, infers every shape and validates; a UserError names the bad layer.
  void finalize();
  int index_of(const std::string& layer_name) const;  // -1 when absent
  const Layer& layer(const std::string& layer_name) const;
  const Layer& output_layer() const { return layers.back(); }

  int64_t total_weights() const;
  int64_t total_biases() const;
  int64_t total_macs() const;
  int64_t total_macs_paper() const;
  // Layers that run on the PE array (conv and fully connected), in order.
  std::vector<int> compute_layers() const;
};

// The convolution a layer performs, in Eyeriss notation, for a batch of N images.
// Fully connected layers are 1x1 convolutions over a 1x1 map with C = flattened input size.
struct ConvShape {
  int N = 1;       // batch
  int G = 1;       // groups; the shape below is per group
  int M = 0;       // output channels per group
  int C = 0;       // input channels per group
  int H = 0, W = 0;  // ifmap height and width (unpadded)
  int R = 0, S = 0;  // filter height and width
  int E = 0, F = 0;  // ofmap height and width
  int U = 1;       // stride
  // Zero padding before the first row and column; the padding after them follows from E and F.
  int pad_h = 0, pad_w = 0;
  int64_t macs() const { return int64_t(N) * G * M * C * R * S * E * F; }
  int64_t weights() const { return int64_t(G) * M * C * R * S; }
  int64_t ifmap_elements() const { return int64_t(N) * G * C * H * W; }
  int64_t ofmap_elements() const { return int64_t(N) * G * M * E * F; }
  std::string str() const;
};

ConvShape conv_shape(const Layer& layer, int batch);

// Output length of a window sliding over `in` padded by `pad` on both sides. With ceil_mode the
// count rounds up, but (as in PyTorch and ONNX) the last window must start inside the input or
// its leading padding. 0 when the window does not fit.
int window_output_size(int in, int kernel, int stride, int pad_begin, int pad_end, bool ceil_mode);

}  // namespace rowsim
