// The reference for the analytical model: walks the loop nest of mapper/schedule.hpp element by
// element (every weight, ifmap word, MAC and psum hop) and counts each access as it happens,
// tracking what the GLB holds to decide DRAM loads. Slow: for small layers in tests.
#pragma once
#include "mapper/layer_data.hpp"
#include "mapper/mapping.hpp"
#include "models/arch/access_counts.hpp"

namespace rowsim {

// `tables` (optional) brings the layer's data: compressed weights, zero gating, RLC.
AccessCounts brute_force_counts(const ConvShape& shape, const Mapping& mapping, const LayerTables* tables = nullptr);

}  // namespace rowsim
