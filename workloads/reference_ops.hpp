// The reference fixed-point layers, written straight from their definitions. The simulator's
// ofmaps must equal these bit for bit; docs/fixed-point.md states every rounding and saturation.
//
// conv / fully connected: out = sat(round((sum of raw products + bias) / 2^shift)), ReLU after,
//   with shift = frac(in) + frac(weight) - frac(out); the sum is exact (64-bit).
// max pool: the largest real value in the window (padding never wins).
// avg pool: the window sum divided and rounded half away from zero, in the input's format; the
//   divisor is PyTorch's (kh*kw for windows inside the padded map; the valid count without
//   count_include_pad).
// add: saturating sum of two maps in the same format; ReLU optional (fused) after.
// mul: the product rounded (ties away from zero) and saturated in the same format.
// concat: the inputs' channels one after another. Other activations: see activation().
#pragma once
#include <vector>

#include "workloads/fixed_point.hpp"
#include "workloads/network.hpp"

namespace rowsim {

struct ConvGeometry {
  int out_channels = 0, kernel_h = 1, kernel_w = 1, stride = 1, pad = 0, groups = 1;
};
ConvGeometry conv_geometry(const Layer& layer);  // conv layers

FixedTensor conv2d(const FixedTensor& in, const FixedLayerParams& params, const ConvGeometry& geometry,
                   const QFormat& out_q, bool relu);
// The same with padding that may differ between sides (geometry.pad is then unused).
FixedTensor conv2d(const FixedTensor& in, const FixedLayerParams& params, const ConvGeometry& geometry,
                   const Padding& padding, const QFormat& out_q, bool relu);
FixedTensor fully_connected(const FixedTensor& in, const FixedLayerParams& params, int out_features,
                            const QFormat& out_q, bool relu);
FixedTensor max_pool(const FixedTensor& in, int kernel_h, int kernel_w, int stride, int pad, bool ceil_mode = false);
FixedTensor max_pool(const FixedTensor& in, int kernel_h, int kernel_w, int stride, const Padding& pad, bool ceil_mode);
FixedTensor avg_pool(const FixedTensor& in, int kernel_h, int kernel_w, int stride, int pad, bool ceil_mode = false,
                     bool count_include_pad = true);
FixedTensor avg_pool(const FixedTensor& in, int kernel_h, int kernel_w, int stride, const Padding& pad, bool ceil_mode,
                     bool count_include_pad);
// Element-wise ops; `b` may be broadcast (one value per channel, or one value).
FixedTensor add(const FixedTensor& a, const FixedTensor& b, bool relu);
FixedTensor multiply(const FixedTensor& a, const FixedTensor& b, bool relu);  // rounded, saturated
FixedTensor concat_channels(const std::vector<const FixedTensor*>& inputs);
// An element-wise function computed in double on the dequantized value, then quantized back.
double activation_value(ActivationKind kind, double a, double b, double x);
FixedTensor activation(FixedTensor in, ActivationKind kind, double a, double b, bool relu);
FixedTensor relu(FixedTensor in);

// One layer of a network on its input tensors (in the order of layer.input_ids). Conv and fully
// connected need `params`; batch-norm is the identity (folded into the conv before it); `relu`
// fuses a ReLU into conv, fully connected and add outputs.
FixedTensor reference_layer(const Layer& layer, const std::vector<const FixedTensor*>& inputs,
                            const FixedLayerParams* params, const QFormat& out_q, bool relu);

// Rounded integer division, ties away from zero (d > 0).
int64_t divide_round(int64_t n, int64_t d);

}  // namespace rowsim
