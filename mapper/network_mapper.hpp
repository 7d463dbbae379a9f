// Maps every conv and fully connected layer of a network: searches each distinct layer shape
// once and reports per-layer mappings, counts, cycles and energy with network totals.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mapper/search.hpp"

namespace rowsim {

struct LayerResult {
  std::string name;
  int layer_index = 0;
  LayerKind kind = LayerKind::Conv;
  bool on_array = true;  // false: a post-processing layer (pool, add) with no mapping
  ConvShape shape;
  Mapping mapping;
  LayerCost cost;
  Energy energy;
  DataBits bits;  // the bit widths its energy was priced at (reports price the technology model alike)
  int64_t evaluated = 0;
  // With layer data: the same mapping counted dense at the arch's word width, for comparison.
  bool has_dense = false;
  AccessCounts dense_counts;
  Energy dense_energy;
};

// MACs / (PEs x cycles): the share of the array's MAC slots used; 0 without cycles. The one
// definition every report and sweep uses.
double utilization(const AccessCounts& counts, const ArchSpec& arch);

// What is known about a network's actual data, per layer index: the tables for the data-aware
// counts (null: dense) and the bit widths its data are stored with.
struct NetworkValues {
  std::vector<std::unique_ptr<LayerTables>> tables;
  std::vector<DataBits> bits;
  std::string description;  // for reports, e.g. "weights.safetensors (80% sparse, 12-bit), seeded random input"
};

struct NetworkResult {
  std::string network;
  int batch = 1;
  std::vector<LayerResult> layers;
  AccessCounts totals;  // counts and cycles summed over layers
  Energy energy;
  bool has_dense = false;  // with layer data: the dense 16-bit energy of the same mappings
  Energy dense_energy;
};

// Mappings fixed by the user for some layers (by name); the others are searched.
using FixedMappings = std::map<std::string, Mapping>;

// Maps every conv/FC layer and costs every pooling/add layer. Throws UserError naming the layer
// and the limits it fails when a layer cannot map.
NetworkResult map_network(const Network& net, int batch, const ArchSpec& arch, const SearchOptions& options,
                          const FixedMappings& fixed = {}, const NetworkValues* values = nullptr);

// Reads fixed mappings from YAML: `layer_name: {m: 96, n: 1, e: 7, p: 16, q: 1, r: 1, t: 2}`
// (row_fold, ifmap_resident and weights_resident optional). Layer names are checked against `net`.
FixedMappings load_fixed_mappings(const std::string& path, const Network& net);

// One layer with a mapping fixed by the caller (validation against published mappings).
LayerResult evaluate_layer(const Layer& layer, int index, int batch, const Mapping& mapping, const ArchSpec& arch,
                           const DataBits& bits, const LayerTables* tables = nullptr);

bool operator<(const ConvShape& a, const ConvShape& b);

}  // namespace rowsim
