// Seeded random small layers and mappings for property tests.
#pragma once
#include <random>

#include "mapper/geometry.hpp"
#include "mapper/mapping.hpp"

namespace rowsim::testing {

inline int uniform(std::mt19937& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

// A small conv (strided, padded, grouped, 1x1, or fully connected) that brute force can walk.
inline ConvShape random_layer(std::mt19937& rng) {
  ConvShape s;
  s.N = uniform(rng, 1, 3);
  s.G = uniform(rng, 1, 4) == 1 ? 2 : 1;
  s.M = uniform(rng, 1, 10);
  s.C = uniform(rng, 1, 8);
  int kind = uniform(rng, 0, 5);
  if (kind == 0) {  // fully connected: 1x1 conv over a 1x1 map
    s.C = uniform(rng, 1, 40);
    s.H = s.W = s.R = s.S = s.E = s.F = 1;
    s.U = 1;
    s.pad_h = s.pad_w = 0;
    return s;
  }
  s.R = kind == 1 ? 1 : uniform(rng, 1, 5);
  s.S = kind == 1 ? 1 : uniform(rng, 1, 5);
  // Padding may differ between sides (ONNX pads, auto_pad SAME): leading pads per axis, and a
  // trailing pad of its own that sets E and F.
  s.pad_h = uniform(rng, 0, s.R - 1);
  s.pad_w = uniform(rng, 0, s.S - 1);
  const int pad_bottom = uniform(rng, 0, s.R - 1), pad_right = uniform(rng, 0, s.S - 1);
  s.U = uniform(rng, 1, 3);
  s.H = uniform(rng, std::max(1, s.R - s.pad_h - pad_bottom), 10);
  s.W = uniform(rng, std::max(1, s.S - s.pad_w - pad_right), 10);
  s.E = (s.H + s.pad_h + pad_bottom - s.R) / s.U + 1;
  s.F = (s.W + s.pad_w + pad_right - s.S) / s.U + 1;
  return s;
}

// Any mapping within the layer's bounds (spad and GLB limits are not applied).
inline Mapping random_mapping(std::mt19937& rng, const ConvShape& s) {
  Mapping m;
  m.n = uniform(rng, 1, s.N);
  m.e = uniform(rng, 1, s.E);
  m.p = uniform(rng, 1, s.M);
  m.q = uniform(rng, 1, s.C);
  m.r = uniform(rng, 1, ceil_div(s.C, m.q));
  m.t = uniform(rng, 1, ceil_div(s.M, m.p));
  m.m = m.p * m.t * uniform(rng, 1, ceil_div(s.M, m.p * m.t));
  m.row_fold = uniform(rng, 1, s.R);
  m.ifmap_resident = uniform(rng, 0, 1) == 1;
  m.weights_resident = uniform(rng, 0, 1) == 1;
  return m;
}

}  // namespace rowsim::testing
