// Reports shared by the commands: AccessCounts, Energy and per-layer results as JSON, text
// tables and CSV. Every energy report says which view it is: "total" counts all data types at
// every level plus MACs; "weights_only" is the paper's data access energy.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mapper/network_mapper.hpp"
#include "sim/report/physical.hpp"
#include "workloads/util/table.hpp"

namespace rowsim {

nlohmann::json counts_to_json(const AccessCounts& counts);
nlohmann::json energy_to_json(const Energy& energy);
nlohmann::json reuse_to_json(const AccessCounts& counts);
nlohmann::json cycles_to_json(const CycleBreakdown& cycles);
// With `physical`, the layer's latency (and technology figures) as "physical".
nlohmann::json layer_to_json(const LayerResult& layer, const ArchSpec& arch, const Physical* physical = nullptr);
// A mapped layer's physical figures: analytical cycles, the layer's own bit widths.
Physical layer_physical(const LayerResult& layer, const ArchSpec& arch, int batch);

// One network (or one part of a selective pair) as mapped on an arch.
struct MappedPart {
  std::string label;  // "gate", "dedicated", or the network name
  NetworkResult result;
};

// The `rowsim map` document: {"arch", "network", "batch", "objective", "layers", "totals", ...}.
nlohmann::json map_report_json(const std::string& network, const ArchSpec& arch, int batch,
                               const std::string& objective, const std::vector<MappedPart>& parts);
Table map_report_table(const ArchSpec& arch, const std::vector<MappedPart>& parts);
// The same as CSV for scripts: numbers only, the unit in each column name, one column per mapping
// field (empty for post-processing layers); the last row is the total.
Table map_report_csv(const ArchSpec& arch, const std::vector<MappedPart>& parts);
// CSV building blocks shared with simulate's CSV.
std::vector<std::string> mapping_csv_header();
std::vector<std::string> mapping_csv_cells(const Mapping* mapping);  // null: seven empty cells
std::string csv_number(double value);                                 // full precision, no unit
std::vector<std::string> energy_csv_header(const std::string& prefix);  // "" adds the levels
std::vector<std::string> energy_csv_cells(const Energy& energy, bool by_level);
Physical map_physical_total(const ArchSpec& arch, const std::vector<MappedPart>& parts);

// Physical columns of the map and simulate tables: ms/image and frames/s for every spec; with the
// technology model uJ/image, mW, chip mW (without DRAM), TOPS/W, and in CSV the uJ per image by
// level, leakage and the area. Every cell a plain number, the unit in the header.
std::vector<std::string> physical_header(const ArchSpec& arch, bool csv);
std::vector<std::string> physical_cells(const Physical& p, bool csv);
// Lines under a table: latency and, with the technology model, the energy by level and data type
// (uJ per image), power, TOPS/W and the area breakdown.
std::string physical_summary_text(const ArchSpec& arch, const Physical& total);

// Mapping as the paper writes it: "m n e p q r t".
std::string mapping_cell(const Mapping& m);
std::string format_energy(double value);  // "1.23e+09"

}  // namespace rowsim
