// Maps every conv and fully connected layer of a network: searches each distinct layer shape
// once and reports per-layer mappings, counts, cycles and energy with network totals.
#pragma once
#include <string>
#include <vector>

#include "mapper/search.hpp"

namespace rowsim {

struct LayerResult {
  std::string name;
  int layer_index = 0;
  ConvShape shape;
  Mapping mapping;
  LayerCost cost;
  Energy energy;
  int64_t evaluated = 0;
  double utilization(const ArchSpec& arch) const;  // MACs / (PEs x cycles)
};

struct NetworkResult {
  std::string network;
  int batch = 1;
  std::vector<LayerResult> layers;
  AccessCounts totals;  // counts and cycles summed over layers
  Energy energy;
};

// Throws UserError naming the layer and the limits it fails when a layer cannot map.
NetworkResult map_network(const Network& net, int batch, const ArchSpec& arch, const SearchOptions& options);

// One layer with a mapping fixed by the caller (validation against published mappings).
LayerResult evaluate_layer(const Layer& layer, int index, int batch, const Mapping& mapping, const ArchSpec& arch,
                           const DataBits& bits);

bool operator<(const ConvShape& a, const ConvShape& b);

}  // namespace rowsim
