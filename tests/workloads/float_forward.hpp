// A plain double-precision forward pass of a Network on one image, written straight from each
// layer kind's definition: the oracle that imported ONNX weights are read, folded and laid out
// right (its logits must match PyTorch's). Test-only; slow by design.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "workloads/network.hpp"
#include "workloads/reference_ops.hpp"
#include "workloads/safetensors.hpp"

namespace rowsim::testing {

using Map = std::vector<double>;  // C x H x W of one image

inline Map float_forward(const Network& net, const SafeTensors& weights, const Map& input) {
  std::vector<Map> out(net.layers.size());
  auto shape_of = [&](int id) { return id < 0 ? net.input : net.layers[size_t(id)].out; };
  auto value_of = [&](int id) -> const Map& { return id < 0 ? input : out[size_t(id)]; };
  for (size_t li = 0; li < net.layers.size(); ++li) {
    const Layer& l = net.layers[li];
    const Map& x = value_of(l.input_ids[0]);
    const Shape in = shape_of(l.input_ids[0]), o = l.out;
    Map y(size_t(o.elements()), 0.0);
    auto at = [&](const Map& m, const Shape& s, int c, int h, int w) { return m[(size_t(c) * s.h + h) * s.w + w]; };
    switch (l.kind) {
      case LayerKind::Conv:
      case LayerKind::FullyConnected: {
        std::vector<float> w = weights.find(l.name + ".weight")->to_floats();
        std::vector<float> b(size_t(l.out_channels), 0.0f);
        if (const TensorData* t = weights.find(l.name + ".bias")) b = t->to_floats();
        if (l.kind == LayerKind::FullyConnected) {
          const size_t K = size_t(in.elements());
          for (int m = 0; m < l.out_channels; ++m) {
            double acc = b[size_t(m)];
            for (size_t k = 0; k < K; ++k) acc += double(w[size_t(m) * K + k]) * x[k];
            y[size_t(m)] = acc;
          }
          break;
        }
        const int G = l.groups, M = l.out_channels / G, C = in.c / G, R = l.kernel_h, S = l.kernel_w;
        for (int g = 0; g < G; ++g)
          for (int m = 0; m < M; ++m)
            for (int oy = 0; oy < o.h; ++oy)
              for (int ox = 0; ox < o.w; ++ox) {
                double acc = b[size_t(g * M + m)];
                for (int c = 0; c < C; ++c)
                  for (int r = 0; r < R; ++r)
                    for (int s = 0; s < S; ++s) {
                      int iy = oy * l.stride + r - l.padding().top, ix = ox * l.stride + s - l.padding().left;
                      if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;
                      acc += double(w[((size_t(g * M + m) * C + c) * R + r) * S + s]) * at(x, in, g * C + c, iy, ix);
                    }
                y[(size_t(g * M + m) * o.h + oy) * o.w + ox] = acc;
              }
        break;
      }
      case LayerKind::Pool:
        for (int c = 0; c < o.c; ++c)
          for (int oy = 0; oy < o.h; ++oy)
            for (int ox = 0; ox < o.w; ++ox) {
              const Padding p = l.padding();
              const int y0 = oy * l.stride - p.top, x0 = ox * l.stride - p.left;
              const int y1 = std::min(y0 + l.kernel_h, in.h + p.bottom), x1 = std::min(x0 + l.kernel_w, in.w + p.right);
              double best = -INFINITY, sum = 0;
              int valid = 0;
              for (int iy = std::max(y0, 0); iy < std::min(y1, in.h); ++iy)
                for (int ix = std::max(x0, 0); ix < std::min(x1, in.w); ++ix) {
                  best = std::max(best, at(x, in, c, iy, ix));
                  sum += at(x, in, c, iy, ix);
                  ++valid;
                }
              double divisor = l.count_include_pad ? double(y1 - y0) * (x1 - x0) : double(valid);
              y[(size_t(c) * o.h + oy) * o.w + ox] = l.pool == PoolKind::Max ? best : sum / divisor;
            }
        break;
      case LayerKind::ReLU:
        for (size_t i = 0; i < y.size(); ++i) y[i] = std::max(0.0, x[i]);
        break;
      case LayerKind::BatchNorm: y = x; break;
      case LayerKind::Activation:
        for (size_t i = 0; i < y.size(); ++i) y[i] = activation_value(l.activation, l.act_a, l.act_b, x[i]);
        break;
      case LayerKind::Add:
      case LayerKind::Mul: {
        const Map& z = value_of(l.input_ids[1]);
        const Shape zs = shape_of(l.input_ids[1]);
        const size_t plane = size_t(o.h) * o.w;
        for (size_t i = 0; i < y.size(); ++i) {
          double v = zs == o ? z[i] : zs.c == 1 ? z[0] : z[i / plane];
          y[i] = l.kind == LayerKind::Add ? x[i] + v : x[i] * v;
        }
        break;
      }
      case LayerKind::Concat: {
        y.clear();
        for (int id : l.input_ids) y.insert(y.end(), value_of(id).begin(), value_of(id).end());
        break;
      }
    }
    out[li] = std::move(y);
  }
  return out.back();
}

}  // namespace rowsim::testing
