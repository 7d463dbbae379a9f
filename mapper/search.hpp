// Mapping search: every feasible row-stationary mapping of a layer is ranked by the objective
// with the analytical model. Two dimensions are derived rather than enumerated, without losing
// the optimum: m (the largest that fits the GLB is never worse) and the batch tile n (for a given
// number of batch tiles the smallest n is never worse). Ties break on the other metric, then on
// the mapping itself, so the result is deterministic for any thread count.
//
// Objective "energy" takes the fastest mapping whose energy is within `energy_slack` of the
// least energy (slack 0: the strict energy optimum). Many mappings lie within a few percent of
// the optimum while running tens of percent slower; the default slack of 10% prefers the fast
// ones, as the Eyeriss chip's published mappings do (docs/validation.md).
#pragma once
#include <string>
#include <vector>

#include "mapper/analytical.hpp"
#include "mapper/mapping.hpp"
#include "models/arch/energy.hpp"

namespace rowsim {

enum class Objective { Energy, Cycles, Edp };
Objective parse_objective(const std::string& text);  // UserError for anything else
const char* to_string(Objective objective);

struct SearchOptions {
  Objective objective = Objective::Energy;
  double energy_slack = 0.10;
  int threads = 1;
  DataBits bits;
};

struct SearchResult {
  bool found = false;
  Mapping mapping;
  LayerCost cost;
  Energy energy;
  int64_t evaluated = 0;            // mappings ranked
  std::vector<std::string> limits;  // when nothing fits: what the smallest mapping violates
};

// With `tables` (the layer's data), mappings are ranked on the data-aware estimate and the result's
// counts are exact for that data (mapper/analytical.hpp).
SearchResult search_mapping(const ConvShape& shape, const ArchSpec& arch, const SearchOptions& options,
                            const LayerTables* tables = nullptr);

}  // namespace rowsim
