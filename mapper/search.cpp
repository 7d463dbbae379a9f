#include "mapper/search.hpp"

#include <algorithm>
#include <limits>
#include <tuple>

#include "mapper/geometry.hpp"
#include "mapper/parallel.hpp"
#include "workloads/util/error.hpp"

namespace rowsim {

Objective parse_objective(const std::string& text) {
  if (text == "energy") return Objective::Energy;
  if (text == "cycles") return Objective::Cycles;
  if (text == "edp") return Objective::Edp;
  fail("objective '{}': expected energy, cycles or edp", text);
}

const char* to_string(Objective objective) {
  switch (objective) {
    case Objective::Energy: return "energy";
    case Objective::Cycles: return "cycles";
    case Objective::Edp: return "edp";
  }
  return "?";
}

namespace {

struct Candidate {
  Mapping mapping;
  double energy = 0;
  int64_t cycles = 0;
  bool valid = false;
};

auto mapping_key(const Mapping& m) {
  return std::make_tuple(m.n, m.e, m.p, m.q, m.r, m.t, m.m, m.row_fold, m.ifmap_resident, m.weights_resident);
}

// Strict total order for the final choice: the objective, then the other metric, then the mapping.
bool better(const Candidate& a, const Candidate& b, Objective objective) {
  if (!b.valid) return a.valid;
  if (!a.valid) return false;
  double ka = 0, kb = 0, sa = 0, sb = 0;
  switch (objective) {
    case Objective::Energy:  // within the slack window, the faster one wins
    case Objective::Cycles: ka = double(a.cycles), kb = double(b.cycles), sa = a.energy, sb = b.energy; break;
    case Objective::Edp:
      ka = a.energy * double(a.cycles), kb = b.energy * double(b.cycles), sa = a.energy, sb = b.energy;
      break;
  }
  if (ka != kb) return ka < kb;
  if (sa != sb) return sa < sb;
  return mapping_key(a.mapping) < mapping_key(b.mapping);
}

// The batch tiles worth trying: for each tile count k, the smallest tile ceil(N/k).
std::vector<int> batch_tiles(int N) {
  std::vector<int> tiles;
  for (int k = 1; k <= N; ++k) {
    int n = ceil_div(N, k);
    if (tiles.empty() || tiles.back() != n) tiles.push_back(n);
  }
  return tiles;
}

class Searcher {
public:
  Searcher(const ConvShape& s, const ArchSpec& arch, const SearchOptions& options, const LayerTables* tables)
      : s_(s), arch_(arch), options_(options), tables_(tables), rates_(arch.energy, options.bits),
        row_fold_(default_row_fold(s, arch)), cols_(real_cols(s)) {
    // The footprint's row term depends only on the strip height and residency: once per pair.
    for (int resident = 0; resident < 2; ++resident)
      for (int e = 1; e <= s.E; ++e) strip_rows_[resident].push_back(glb_strip_rows(s, e, row_fold_, resident));
  }

  int row_fold() const { return row_fold_; }

  // Calls visit(mapping) for every feasible mapping whose strip height is in `es`.
  template <typename Visit>
  void for_each_mapping(const std::vector<int>& es, Visit&& visit) const {
    const int slots = array_slots(arch_, row_fold_);
    const int p_max = std::min({s_.M, arch_.spad_psum, arch_.spad_filter / s_.S});
    const int q_cap = std::min(s_.C, arch_.spad_ifmap / s_.S);
    const auto ns = batch_tiles(s_.N);
    for (int e : es)
      for (int n : ns)
        for (int p = 1; p <= p_max; ++p)
          for (int q = 1; q <= std::min(q_cap, arch_.spad_filter / (p * s_.S)); ++q)
            for (int r = 1; r <= std::min(ceil_div(s_.C, q), slots / e); ++r)
              for (int t = 1; t <= std::min(ceil_div(s_.M, p), slots / (e * r)); ++t)
                for (int residency = 0; residency < 4; ++residency) {
                  Mapping m;
                  m.n = n, m.e = e, m.p = p, m.q = q, m.r = r, m.t = t, m.row_fold = row_fold_;
                  m.ifmap_resident = residency & 1;
                  m.weights_resident = residency & 2;
                  if (choose_m(m)) visit(m);
                }
  }

  // Least energy over the strip heights in `es`; +inf when nothing fits.
  double min_energy(const std::vector<int>& es, int64_t& evaluated) const {
    AnalyticalModel model(s_, tables_);  // one per thread: its geometry cache is not shared
    double best = std::numeric_limits<double>::infinity();
    for_each_mapping(es, [&](const Mapping& m) {
      ++evaluated;
      best = std::min(best, rates_.total(model.counts(m, /*estimate=*/true)));
    });
    return best;
  }

  // Best by the objective among mappings with energy <= energy_cap.
  Candidate best(const std::vector<int>& es, double energy_cap, int64_t& evaluated) const {
    AnalyticalModel model(s_, tables_);
    Candidate winner;
    for_each_mapping(es, [&](const Mapping& m) {
      ++evaluated;
      Candidate c;
      c.mapping = m;
      AccessCounts counts = model.counts(m, /*estimate=*/true);
      c.energy = rates_.total(counts);
      if (c.energy > energy_cap) return;
      c.cycles = model.cycles(m, arch_, counts).total();
      c.valid = true;
      if (better(c, winner, options_.objective)) winner = c;
    });
    return winner;
  }

private:
  // The largest m (a multiple of p*t) that fits the GLB; false when even m = p*t does not fit.
  bool choose_m(Mapping& m) const {
    const int step = m.p * m.t;
    const int m_cap = ceil_div(s_.M, step) * step;
    m.m = step;
    GlbFootprint f = glb_footprint(s_, m, strip_rows_[m.ifmap_resident][size_t(m.e - 1)], cols_);
    if (!arch_.glb_shared() && f.weight > arch_.glb_filter_words()) return false;
    int64_t room = arch_.glb_shared() ? arch_.glb_words() - f.ifmap - f.weight : arch_.glb_ifmap_psum_words() - f.ifmap;
    int64_t fits = room / (int64_t(m.n) * m.e * s_.F);  // filters whose psums fit
    if (fits < step) return false;
    m.m = static_cast<int>(std::min<int64_t>(m_cap, fits / step * step));
    return true;
  }

  const ConvShape& s_;
  const ArchSpec& arch_;
  const SearchOptions& options_;
  const LayerTables* tables_;
  EnergyRates rates_;
  int row_fold_;
  int64_t cols_;
  std::vector<int64_t> strip_rows_[2];  // [ifmap resident][e - 1]
};

}  // namespace

SearchResult search_mapping(const ConvShape& shape, const ArchSpec& arch, const SearchOptions& options,
                            const LayerTables* tables) {
  if (!(options.energy_slack >= 0)) fail("energy slack {}: expected a fraction of at least 0", options.energy_slack);
  SearchResult result;
  Searcher searcher(shape, arch, options, tables);

  // Strip heights dealt round-robin to threads; results merge under the same total order.
  const int threads = std::max(1, std::min(options.threads, shape.E));
  std::vector<std::vector<int>> es(threads);
  for (int e = 1; e <= shape.E; ++e) es[size_t((e - 1) % threads)].push_back(e);
  std::vector<int64_t> evaluated(size_t(threads), 0);

  double energy_cap = std::numeric_limits<double>::infinity();
  if (options.objective == Objective::Energy) {
    std::vector<double> least(static_cast<size_t>(threads));
    run_parallel(threads, [&](int i) { least[size_t(i)] = searcher.min_energy(es[size_t(i)], evaluated[size_t(i)]); });
    double min_energy = *std::min_element(least.begin(), least.end());
    energy_cap = min_energy * (1.0 + options.energy_slack);
  }
  std::vector<Candidate> best(static_cast<size_t>(threads));
  run_parallel(threads, [&](int i) { best[size_t(i)] = searcher.best(es[size_t(i)], energy_cap, evaluated[size_t(i)]); });
  Candidate winner;
  for (int i = 0; i < threads; ++i) {
    result.evaluated += evaluated[size_t(i)];
    if (better(best[size_t(i)], winner, options.objective)) winner = best[size_t(i)];
  }
  if (!winner.valid) {
    // Report the limits from the smallest mapping: what no mapping can meet.
    Mapping smallest;
    smallest.row_fold = searcher.row_fold();
    smallest.ifmap_resident = false;
    result.limits = infeasibility_reasons(shape, smallest, arch);
    if (result.limits.empty()) result.limits.push_back("no mapping fits the GLB");
    return result;
  }
  result.found = true;
  result.mapping = winner.mapping;
  result.cost = analyze(shape, winner.mapping, arch, tables);
  result.energy = compute_energy(result.cost.counts, arch.energy, options.bits);
  return result;
}

}  // namespace rowsim
