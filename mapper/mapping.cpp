#include "mapper/mapping.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "mapper/geometry.hpp"

namespace rowsim {

bool Mapping::operator==(const Mapping& o) const {
  return n == o.n && e == o.e && p == o.p && q == o.q && r == o.r && t == o.t && m == o.m && row_fold == o.row_fold &&
         ifmap_resident == o.ifmap_resident && weights_resident == o.weights_resident;
}

std::string Mapping::str() const {
  return fmt::format("m={} n={} e={} p={} q={} r={} t={} rows={} ifmap={} weights={}", m, n, e, p, q, r, t, row_fold,
                     ifmap_resident ? "resident" : "per-tile", weights_resident ? "resident" : "streamed");
}

nlohmann::json mapping_to_json(const Mapping& m) {
  return {{"m", m.m},
          {"n", m.n},
          {"e", m.e},
          {"p", m.p},
          {"q", m.q},
          {"r", m.r},
          {"t", m.t},
          {"row_fold", m.row_fold},
          {"ifmap_resident", m.ifmap_resident},
          {"weights_resident", m.weights_resident}};
}

int array_slots(const ArchSpec& arch, int row_fold) { return (arch.pe_rows / row_fold) * arch.pe_cols; }

int default_row_fold(const ConvShape& shape, const ArchSpec& arch) {
  int folds = ceil_div(shape.R, arch.pe_rows);
  return ceil_div(shape.R, folds);
}

int64_t glb_strip_rows(const ConvShape& s, int e, int row_fold, bool ifmap_resident) {
  Tiling strips{s.E, e}, folds{s.R, row_fold};
  int64_t rows = 0;
  for (int k = 0; k < strips.count(); ++k) {
    if (ifmap_resident) {
      rows = std::max(rows, real_rows(s, strips.start(k), strips.at(k), 0, s.R));
    } else {
      for (int g = 0; g < folds.count(); ++g)
        rows = std::max(rows, real_rows(s, strips.start(k), strips.at(k), folds.start(g), folds.at(g)));
    }
  }
  return rows;
}

GlbFootprint glb_footprint(const ConvShape& s, const Mapping& mp, int64_t strip_rows, int64_t cols) {
  GlbFootprint f;
  int filters = std::min(mp.m, s.M);
  f.psum = int64_t(mp.n) * filters * mp.e * s.F;
  int channels = mp.ifmap_resident ? s.C : std::min(mp.q * mp.r, s.C);
  f.ifmap = int64_t(mp.n) * channels * strip_rows * cols;
  f.weight = mp.weights_resident
                 ? int64_t(s.M) * s.C * s.R * s.S
                 : int64_t(std::min(mp.p * mp.t, s.M)) * std::min(mp.q * mp.r, s.C) * mp.row_fold * s.S;
  return f;
}

GlbFootprint glb_footprint(const ConvShape& s, const Mapping& mp) {
  return glb_footprint(s, mp, glb_strip_rows(s, mp.e, mp.row_fold, mp.ifmap_resident), real_cols(s));
}

std::vector<std::string> infeasibility_reasons(const ConvShape& s, const Mapping& mp, const ArchSpec& arch) {
  std::vector<std::string> why;
  auto need = [&](bool ok, std::string reason) {
    if (!ok) why.push_back(std::move(reason));
  };
  for (auto [name, value] : {std::pair<const char*, int>{"n", mp.n}, {"e", mp.e}, {"p", mp.p}, {"q", mp.q},
                             {"r", mp.r}, {"t", mp.t}, {"m", mp.m}, {"row_fold", mp.row_fold}})
    need(value >= 1, fmt::format("{}={} must be at least 1", name, value));
  if (!why.empty()) return why;
  need(mp.n <= s.N, fmt::format("n={} exceeds the batch N={}", mp.n, s.N));
  need(mp.e <= s.E, fmt::format("e={} exceeds the ofmap height E={}", mp.e, s.E));
  need(mp.p <= s.M, fmt::format("p={} exceeds the filters M={}", mp.p, s.M));
  need(mp.q <= s.C, fmt::format("q={} exceeds the channels C={}", mp.q, s.C));
  need(mp.row_fold <= s.R, fmt::format("row_fold={} exceeds the filter height R={}", mp.row_fold, s.R));
  need(mp.row_fold <= arch.pe_rows,
       fmt::format("a PE set column of {} filter rows needs {} PEs, the array has {} rows", mp.row_fold, mp.row_fold,
                   arch.pe_rows));
  need(mp.r <= ceil_div(s.C, mp.q),
       fmt::format("r={} channel sets exceed the {} that C={} needs at q={}", mp.r, ceil_div(s.C, mp.q), s.C, mp.q));
  need(mp.t <= ceil_div(s.M, mp.p),
       fmt::format("t={} filter sets exceed the {} that M={} needs at p={}", mp.t, ceil_div(s.M, mp.p), s.M, mp.p));
  need(mp.m % (mp.p * mp.t) == 0 && mp.m < s.M + mp.p * mp.t,
       fmt::format("m={} must be a multiple of p*t={} and at most M={} rounded up to it", mp.m, mp.p * mp.t, s.M));
  if (mp.row_fold <= arch.pe_rows) {
    int slots = array_slots(arch, mp.row_fold);
    need(int64_t(mp.e) * mp.r * mp.t <= slots,
         fmt::format("e*r*t = {}*{}*{} = {} PE set columns exceed the {} the {}x{} array holds at {} rows each", mp.e,
                     mp.r, mp.t, int64_t(mp.e) * mp.r * mp.t, slots, arch.pe_rows, arch.pe_cols, mp.row_fold));
  }
  need(int64_t(mp.p) * mp.q * s.S <= arch.spad_filter,
       fmt::format("filter spad: p*q*S = {}*{}*{} = {} words exceed its {}", mp.p, mp.q, s.S,
                   int64_t(mp.p) * mp.q * s.S, arch.spad_filter));
  need(int64_t(mp.q) * s.S <= arch.spad_ifmap, fmt::format("ifmap spad: q*S = {}*{} = {} words exceed its {}", mp.q,
                                                           s.S, int64_t(mp.q) * s.S, arch.spad_ifmap));
  need(mp.p <= arch.spad_psum, fmt::format("psum spad: p = {} words exceed its {}", mp.p, arch.spad_psum));
  if (!why.empty()) return why;
  GlbFootprint f = glb_footprint(s, mp);
  if (arch.glb_shared()) {
    need(f.ifmap + f.psum + f.weight <= arch.glb_words(),
         fmt::format("GLB: ifmap {} + psum {} + weight {} = {} words exceed its {}", f.ifmap, f.psum, f.weight,
                     f.ifmap + f.psum + f.weight, arch.glb_words()));
  } else {
    need(f.ifmap + f.psum <= arch.glb_ifmap_psum_words(),
         fmt::format("GLB ifmap/psum partition: ifmap {} + psum {} = {} words exceed its {}", f.ifmap, f.psum,
                     f.ifmap + f.psum, arch.glb_ifmap_psum_words()));
    need(f.weight <= arch.glb_filter_words(),
         fmt::format("GLB filter partition: {} weight words exceed its {}", f.weight, arch.glb_filter_words()));
  }
  return why;
}

}  // namespace rowsim
