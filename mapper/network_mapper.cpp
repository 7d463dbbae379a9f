#include "mapper/network_mapper.hpp"

#include <map>
#include <tuple>

#include "workloads/util/error.hpp"
#include "workloads/util/progress.hpp"

namespace rowsim {

bool operator<(const ConvShape& a, const ConvShape& b) {
  return std::tie(a.N, a.G, a.M, a.C, a.H, a.W, a.R, a.S, a.E, a.F, a.U, a.pad) <
         std::tie(b.N, b.G, b.M, b.C, b.H, b.W, b.R, b.S, b.E, b.F, b.U, b.pad);
}

double LayerResult::utilization(const ArchSpec& arch) const {
  int64_t cycles = cost.counts.cycles;
  return cycles > 0 ? double(cost.counts.macs) / (double(arch.pes()) * double(cycles)) : 0.0;
}

NetworkResult map_network(const Network& net, int batch, const ArchSpec& arch, const SearchOptions& options) {
  NetworkResult result;
  result.network = net.name;
  result.batch = batch;
  std::map<ConvShape, SearchResult> searched;
  auto compute = net.compute_layers();
  Progress progress("mapping " + net.name, int64_t(compute.size()), "layers");
  int done = 0;
  for (int index : compute) {
    const Layer& layer = net.layers[size_t(index)];
    ConvShape shape = conv_shape(layer, batch);
    auto it = searched.find(shape);
    if (it == searched.end()) it = searched.emplace(shape, search_mapping(shape, arch, options)).first;
    const SearchResult& found = it->second;
    if (!found.found) {
      std::string limits;
      for (const auto& l : found.limits) limits += "\n  - " + l;
      fail("layer '{}' of {} ({}) cannot be mapped on {} ({}):{}", layer.name, net.name, shape.str(), arch.name,
           arch.source, limits);
    }
    LayerResult lr;
    lr.name = layer.name;
    lr.layer_index = index;
    lr.shape = shape;
    lr.mapping = found.mapping;
    lr.cost = found.cost;
    lr.energy = found.energy;
    lr.evaluated = found.evaluated;
    result.totals += lr.cost.counts;
    result.energy += lr.energy;
    result.layers.push_back(std::move(lr));
    progress.update(++done, layer.name);
  }
  return result;
}

LayerResult evaluate_layer(const Layer& layer, int index, int batch, const Mapping& mapping, const ArchSpec& arch,
                           const DataBits& bits) {
  LayerResult lr;
  lr.name = layer.name;
  lr.layer_index = index;
  lr.shape = conv_shape(layer, batch);
  lr.mapping = mapping;
  auto why = infeasibility_reasons(lr.shape, mapping, arch);
  if (!why.empty()) {
    std::string limits;
    for (const auto& l : why) limits += "\n  - " + l;
    fail("mapping {} does not fit layer '{}' on {}:{}", mapping.str(), layer.name, arch.name, limits);
  }
  lr.cost = analyze(lr.shape, mapping, arch);
  lr.energy = compute_energy(lr.cost.counts, arch.energy, bits);
  return lr;
}

}  // namespace rowsim
