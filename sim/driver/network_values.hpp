// The bridge from a network's actual data (sim/driver/network_data.hpp) to the data-aware cost model:
// per conv/FC layer, the tables the analytical model counts with (compressed weights when the
// weights file is pruned, zero gating and RLC as the arch spec says) and the bit widths.
#pragma once
#include <string>

#include "mapper/network_mapper.hpp"
#include "sim/driver/network_data.hpp"

namespace rowsim {

// `data` must outlive the returned tables. `compressed`: store weights as nonzeros + bitmap.
NetworkValues network_values(const Network& net, const NetworkData& data, const ArchSpec& arch, bool compressed,
                             const std::string& description);

}  // namespace rowsim
