// The row-stationary mapping of one layer (Eyeriss notation, JSSC 2017 Table III) and the checks
// that say why a mapping does not fit an architecture. docs/dataflow.md defines every field and
// the loop nest the mapping drives; the analytical model, the brute-force counter and the
// SystemC controller all follow that one definition.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/arch/arch_spec.hpp"
#include "workloads/network.hpp"

namespace rowsim {

struct Mapping {
  int n = 1;  // images per pass (batch tile)
  int e = 1;  // ofmap rows per PE set (strip height)
  int p = 1;  // filters per PE (filter interleaving)
  int q = 1;  // channels per PE
  int r = 1;  // PE sets processing different channels
  int t = 1;  // PE sets processing different filters
  int m = 1;  // filters whose psums the GLB holds (a multiple of p*t)
  int row_fold = 1;  // filter rows per PE set: R, or less when R exceeds the array height
  bool ifmap_resident = true;     // the GLB holds a strip's ifmap rows for all channels
  bool weights_resident = false;  // the GLB holds all the layer's weights for the whole layer

  bool operator==(const Mapping& o) const;
  bool operator!=(const Mapping& o) const { return !(*this == o); }
  std::string str() const;  // "m=96 n=1 e=7 p=16 q=1 r=1 t=2 ..."
};

nlohmann::json mapping_to_json(const Mapping& m);

// Physical slots: a PE set column needs row_fold PEs stacked in one array column, so the array
// offers floor(rows / row_fold) * cols slots; a mapping uses e * r * t of them.
int array_slots(const ArchSpec& arch, int row_fold);
// The balanced split of R filter rows into passes when R exceeds the array height.
int default_row_fold(const ConvShape& shape, const ArchSpec& arch);

// GLB words a mapping needs at its largest, per data type (for the capacity checks and reports).
struct GlbFootprint {
  int64_t ifmap = 0, psum = 0, weight = 0;
};
GlbFootprint glb_footprint(const ConvShape& shape, const Mapping& mapping);
// The same from its two geometry terms, for a search that computes them once per strip height:
// the most real input rows a strip of e ofmap rows holds (all R filter rows when the ifmap is
// resident, one row fold's otherwise), and the real input columns (real_cols).
int64_t glb_strip_rows(const ConvShape& shape, int e, int row_fold, bool ifmap_resident);
GlbFootprint glb_footprint(const ConvShape& shape, const Mapping& mapping, int64_t strip_rows, int64_t cols);

// Every limit the mapping violates, in words; empty when feasible.
std::vector<std::string> infeasibility_reasons(const ConvShape& shape, const Mapping& mapping, const ArchSpec& arch);
inline bool feasible(const ConvShape& shape, const Mapping& mapping, const ArchSpec& arch) {
  return infeasibility_reasons(shape, mapping, arch).empty();
}

}  // namespace rowsim
