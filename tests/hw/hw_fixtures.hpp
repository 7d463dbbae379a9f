// Helpers for the SystemC model tests: small architectures, seeded fixed-point data, feasible
// random mappings, and one call that simulates a layer and computes its reference ofmaps.
#pragma once
#include <random>
#include <string>

#include <fmt/format.h>

#include "mapper/analytical.hpp"
#include "mapper/search.hpp"
#include "models/arch/arch_spec.hpp"
#include "models/hw/simulate.hpp"
#include "tests/mapper/random_layers.hpp"
#include "workloads/reference_ops.hpp"

namespace rowsim::testing {

struct ArchParams {
  int rows = 12, cols = 14;
  int spad_filter = 224, spad_ifmap = 12, spad_psum = 24;
  int glb_kb = 108, banks = 27, filter_kb = 8;
  int filter_bus = 64, ifmap_bus = 16, psum_bus = 64;
  double dram_bw = 1.2;
  int dram_latency = 100;
};

inline ArchSpec make_arch(const ArchParams& a) {
  std::string yaml = fmt::format(
      "name: test-{}x{}\nword_bits: 16\nclock_mhz: 200\npe_array: {{rows: {}, cols: {}}}\n"
      "spad: {{filter: {}, ifmap: {}, psum: {}}}\nglb: {{size_kb: {}, banks: {}, filter_kb: {}}}\n"
      "noc: {{filter_bus_bits: {}, ifmap_bus_bits: {}, psum_bus_bits: {}}}\n"
      "dram: {{bandwidth_words_per_cycle: {}, latency_cycles: {}}}\n"
      "energy: {{mac: 1, dram: 200, glb: 6, array: 2, rf: 1, bit_scaling: linear}}\n"
      "features: {{zero_gating: true, rlc_dram: false}}\n",
      a.rows, a.cols, a.rows, a.cols, a.spad_filter, a.spad_ifmap, a.spad_psum, a.glb_kb, a.banks, a.filter_kb,
      a.filter_bus, a.ifmap_bus, a.psum_bus, a.dram_bw, a.dram_latency);
  return parse_arch_spec(yaml, "test arch");
}

// A random mapping of `s` that fits `arch`; the search's choice when none of `tries` fits.
inline Mapping feasible_mapping(std::mt19937& rng, const ConvShape& s, const ArchSpec& arch, int tries = 200) {
  for (int k = 0; k < tries; ++k) {
    Mapping m = random_mapping(rng, s);
    m.row_fold = std::min(m.row_fold, arch.pe_rows);
    if (feasible(s, m, arch)) return m;
  }
  SearchResult found = search_mapping(s, arch, SearchOptions{});
  if (!found.found) throw std::runtime_error("no mapping fits: " + s.str());
  return found.mapping;
}

// The test binary's SystemC model, shared by its test cases: a process holds one (models/hw/simulate.hpp).
inline hw::Simulator& simulator() {
  static hw::Simulator sim;
  return sim;
}

struct LayerData {
  FixedTensor ifmap;  // [N][G*C][H][W]
  FixedLayerParams params;
  QFormat out_q{16, 8};
  bool relu = false;
};

inline LayerData random_layer_data(const ConvShape& s, uint64_t seed, bool relu) {
  std::mt19937 rng{uint32_t(seed)};
  LayerData d;
  d.ifmap = FixedTensor(s.N, Shape{s.G * s.C, s.H, s.W}, QFormat{16, 8});
  for (auto& v : d.ifmap.data) v = rng() % 5 == 0 ? 0 : int16_t(int(rng() % 2001) - 1000);
  d.params.weight_q = QFormat{16, 10};
  d.params.weights.resize(size_t(s.weights()));
  for (auto& w : d.params.weights) w = int16_t(int(rng() % 4001) - 2000);
  d.params.bias.resize(size_t(s.G) * s.M);
  for (auto& b : d.params.bias) b = int64_t(rng() % 200001) - 100000;
  d.relu = relu;
  return d;
}

// Like random_layer_data, with about (1 - density) of the weights and ifmap values zero.
inline LayerData sparse_layer_data(const ConvShape& s, uint64_t seed, bool relu, double weight_density,
                                   double ifmap_density) {
  std::mt19937 rng{uint32_t(seed)};
  auto value = [&](double density, int magnitude) {
    if (std::uniform_real_distribution<double>(0, 1)(rng) >= density) return int16_t(0);
    int v = 1 + int(rng() % uint32_t(magnitude));
    return int16_t(rng() % 2 ? v : -v);
  };
  LayerData d;
  d.ifmap = FixedTensor(s.N, Shape{s.G * s.C, s.H, s.W}, QFormat{16, 8});
  for (auto& v : d.ifmap.data) v = value(ifmap_density, 1000);
  d.params.weight_q = QFormat{16, 10};
  d.params.weights.resize(size_t(s.weights()));
  for (auto& w : d.params.weights) w = value(weight_density, 2000);
  d.params.bias.resize(size_t(s.G) * s.M);
  for (auto& b : d.params.bias) b = int64_t(rng() % 200001) - 100000;
  d.relu = relu;
  return d;
}

inline FixedTensor reference_ofmaps(const ConvShape& s, const LayerData& d) {
  ConvGeometry g{s.G * s.M, s.R, s.S, s.U, s.pad_h, s.G};
  // The padding after the last row and column is what E and F leave.
  Padding p{s.pad_h, s.pad_w, (s.E - 1) * s.U + s.R - s.H - s.pad_h, (s.F - 1) * s.U + s.S - s.W - s.pad_w};
  return conv2d(d.ifmap, d.params, g, p, d.out_q, d.relu);
}

inline hw::LayerJob make_job(const ConvShape& s, const Mapping& m, const ArchSpec& arch, const LayerData& d) {
  hw::LayerJob job;
  job.name = "test";
  job.shape = s;
  job.mapping = m;
  job.arch = arch;
  job.ifmap = d.ifmap.data.data();
  job.weights = d.params.weights.data();
  job.bias = d.params.bias.data();
  job.shift = d.ifmap.q.frac + d.params.weight_q.frac - d.out_q.frac;
  job.out_q = d.out_q;
  job.relu = d.relu;
  return job;
}

inline std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "; ";
  return s;
}

}  // namespace rowsim::testing
