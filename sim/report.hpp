// Reports shared by the commands: AccessCounts, Energy and per-layer results as JSON, text
// tables and CSV. Every energy report says which view it is: "total" counts all data types at
// every level plus MACs; "weights_only" is the paper's data access energy.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mapper/network_mapper.hpp"
#include "workloads/util/table.hpp"

namespace rowsim {

nlohmann::json counts_to_json(const AccessCounts& counts);
nlohmann::json energy_to_json(const Energy& energy);
nlohmann::json reuse_to_json(const AccessCounts& counts);
nlohmann::json cycles_to_json(const CycleBreakdown& cycles);
nlohmann::json layer_to_json(const LayerResult& layer, const ArchSpec& arch);

// One network (or one part of a selective pair) as mapped on an arch.
struct MappedPart {
  std::string label;  // "gate", "dedicated", or the network name
  NetworkResult result;
};

// The `rowsim map` document: {"arch", "network", "batch", "objective", "layers", "totals", ...}.
nlohmann::json map_report_json(const std::string& network, const ArchSpec& arch, int batch,
                               const std::string& objective, const std::vector<MappedPart>& parts);
Table map_report_table(const ArchSpec& arch, const std::vector<MappedPart>& parts);

// Mapping as the paper writes it: "m n e p q r t".
std::string mapping_cell(const Mapping& m);
std::string format_energy(double value);  // "1.23e+09"

}  // namespace rowsim
