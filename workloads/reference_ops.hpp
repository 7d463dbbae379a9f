// The reference fixed-point layers, written straight from their definitions. The simulator's
// ofmaps must equal these bit for bit; docs/fixed-point.md states every rounding and saturation.
//
// conv / fully connected: out = sat(round((sum of raw products + bias) / 2^shift)), ReLU after,
//   with shift = frac(in) + frac(weight) - frac(out); the sum is exact (64-bit).
// max pool: the largest real value in the window (padding never wins).
// avg pool: the window sum (padding counts as zero, divisor kh*kw) divided and rounded half away
//   from zero, in the input's format.
// add: saturating sum of two maps in the same format; ReLU optional (fused) after.
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
FixedTensor fully_connected(const FixedTensor& in, const FixedLayerParams& params, int out_features,
                            const QFormat& out_q, bool relu);
FixedTensor max_pool(const FixedTensor& in, int kernel_h, int kernel_w, int stride, int pad);
FixedTensor avg_pool(const FixedTensor& in, int kernel_h, int kernel_w, int stride, int pad);
FixedTensor add(const FixedTensor& a, const FixedTensor& b, bool relu);
FixedTensor relu(FixedTensor in);

// One layer of a network on its input tensors (in the order of layer.input_ids). Conv and fully
// connected need `params`; batch-norm is the identity (folded into the conv before it); `relu`
// fuses a ReLU into conv, fully connected and add outputs.
FixedTensor reference_layer(const Layer& layer, const std::vector<const FixedTensor*>& inputs,
                            const FixedLayerParams* params, const QFormat& out_q, bool relu);

// Rounded integer division, ties away from zero (d > 0).
int64_t divide_round(int64_t n, int64_t d);

}  // namespace rowsim
