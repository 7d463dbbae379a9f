#include "mapper/network_mapper.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <tuple>

#include "mapper/parallel.hpp"
#include "mapper/post_processing.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/yaml_reader.hpp"
#include "workloads/util/progress.hpp"

namespace rowsim {

bool operator<(const ConvShape& a, const ConvShape& b) {
  return std::tie(a.N, a.G, a.M, a.C, a.H, a.W, a.R, a.S, a.E, a.F, a.U, a.pad_h, a.pad_w) <
         std::tie(b.N, b.G, b.M, b.C, b.H, b.W, b.R, b.S, b.E, b.F, b.U, b.pad_h, b.pad_w);
}

double utilization(const AccessCounts& counts, const ArchSpec& arch) {
  return counts.cycles > 0 ? double(counts.macs) / (double(arch.pes()) * double(counts.cycles)) : 0.0;
}

namespace {

// The searches of the distinct shapes among `net`'s array layers that no fixed mapping pins, run
// side by side on options.threads threads (one search each; a search's result does not depend on
// its thread count). A network of few shapes keeps the threads inside each search instead.
// Progress counts the shapes searched (the layers are then costed at once).
std::map<ConvShape, SearchResult> search_shapes(const Network& net, int batch, const ArchSpec& arch,
                                                const SearchOptions& options, const FixedMappings& fixed) {
  std::map<ConvShape, SearchResult> searched;
  std::map<ConvShape, std::string> first_layer;  // of each shape, for the progress line
  for (const Layer& layer : net.layers)
    if (!runs_in_post_processing(layer) && runs_on_array(layer) && !fixed.count(layer.name)) {
      const ConvShape shape = conv_shape(layer, batch);
      searched.emplace(shape, SearchResult{});
      first_layer.emplace(shape, layer.name);
    }
  std::vector<std::pair<const ConvShape, SearchResult>*> todo;
  for (auto& entry : searched) todo.push_back(&entry);
  const int threads = std::max(1, std::min(options.threads, int(todo.size())));
  SearchOptions each = options;
  if (int(todo.size()) >= options.threads) each.threads = 1;
  Progress progress("mapping " + net.name, int64_t(todo.size()), "shapes");
  std::atomic<size_t> next{0};
  std::mutex progress_lock;
  int64_t done = 0;
  run_parallel(threads, [&](int) {
    for (size_t k; (k = next.fetch_add(1)) < todo.size();) {
      todo[k]->second = search_mapping(todo[k]->first, arch, each);
      std::lock_guard<std::mutex> hold(progress_lock);
      progress.update(++done, first_layer.at(todo[k]->first));
    }
  });
  progress.update(done);  // the stage's end (a log's line says so)
  return searched;
}

}  // namespace

NetworkResult map_network(const Network& net, int batch, const ArchSpec& arch, const SearchOptions& options,
                          const FixedMappings& fixed, const NetworkValues* values) {
  NetworkResult result;
  result.network = net.name;
  result.batch = batch;
  EnergyRates rates(arch.energy, options.bits);
  // Without per-layer data, layers of one shape share a search: all of them run first, in parallel,
  // and the progress shown is theirs. With it, each layer searches in turn.
  std::map<ConvShape, SearchResult> searched;
  if (!values) searched = search_shapes(net, batch, arch, options, fixed);
  std::optional<Progress> progress;
  if (values) progress.emplace("mapping " + net.name, int64_t(net.layers.size()), "layers");
  for (size_t index = 0; index < net.layers.size(); ++index) {
    const Layer& layer = net.layers[index];
    if (progress) progress->update(int64_t(index), layer.name);
    if (runs_in_post_processing(layer)) {
      LayerResult lr;
      lr.name = layer.name;
      lr.layer_index = int(index);
      lr.kind = layer.kind;
      lr.on_array = false;
      lr.cost.counts = post_processing_counts(net, layer, batch, arch);
      lr.cost.cycles.dram = lr.cost.cycles.pass_bound = lr.cost.counts.cycles;
      lr.energy = rates.of(lr.cost.counts);
      lr.bits = options.bits;
      result.totals += lr.cost.counts;
      result.energy += lr.energy;
      result.dense_energy += lr.energy;
      result.layers.push_back(std::move(lr));
      continue;
    }
    if (!runs_on_array(layer)) continue;
    const LayerTables* tables = values ? values->tables[index].get() : nullptr;
    SearchOptions layer_options = options;
    if (values) layer_options.bits = values->bits[index];
    LayerResult lr;
    auto pinned = fixed.find(layer.name);
    if (pinned != fixed.end()) {
      lr = evaluate_layer(layer, int(index), batch, pinned->second, arch, layer_options.bits, tables);
    } else {
      ConvShape shape = conv_shape(layer, batch);
      // Layers of one shape share a search, unless each brings its own data.
      SearchResult own;
      auto it = searched.find(shape);
      if (tables) {
        own = search_mapping(shape, arch, layer_options, tables);
      } else if (it == searched.end()) {
        it = searched.emplace(shape, search_mapping(shape, arch, layer_options)).first;
      }
      const SearchResult& found = tables ? own : it->second;
      if (!found.found) {
        std::string limits;
        for (const auto& l : found.limits) limits += "\n  - " + l;
        fail("layer '{}' of {} ({}) cannot be mapped on {} ({}):{}", layer.name, net.name, shape.str(), arch.name,
             arch.source, limits);
      }
      lr.name = layer.name;
      lr.layer_index = int(index);
      lr.kind = layer.kind;
      lr.shape = shape;
      lr.mapping = found.mapping;
      lr.cost = found.cost;
      lr.energy = found.energy;
      lr.evaluated = found.evaluated;
      lr.bits = layer_options.bits;
    }
    if (values) {
      lr.has_dense = true;
      lr.dense_counts = analytical_counts(lr.shape, lr.mapping);
      lr.dense_energy = compute_energy(lr.dense_counts, arch.energy, DataBits::uniform(arch.word_bits));
    }
    result.totals += lr.cost.counts;
    result.energy += lr.energy;
    result.dense_energy += lr.has_dense ? lr.dense_energy : lr.energy;
    result.layers.push_back(std::move(lr));
  }
  if (progress) progress->update(int64_t(net.layers.size()));  // the stage's end (a log's line says so)
  result.has_dense = values != nullptr;
  return result;
}

LayerResult evaluate_layer(const Layer& layer, int index, int batch, const Mapping& mapping, const ArchSpec& arch,
                           const DataBits& bits, const LayerTables* tables) {
  LayerResult lr;
  lr.name = layer.name;
  lr.layer_index = index;
  lr.kind = layer.kind;
  lr.shape = conv_shape(layer, batch);
  lr.mapping = mapping;
  if (lr.mapping.row_fold == 0) lr.mapping.row_fold = default_row_fold(lr.shape, arch);
  auto why = infeasibility_reasons(lr.shape, lr.mapping, arch);
  if (!why.empty()) {
    std::string limits;
    for (const auto& l : why) limits += "\n  - " + l;
    fail("mapping {} does not fit layer '{}' on {}:{}", lr.mapping.str(), layer.name, arch.name, limits);
  }
  lr.cost = analyze(lr.shape, lr.mapping, arch, tables);
  lr.energy = compute_energy(lr.cost.counts, arch.energy, bits);
  lr.bits = bits;
  return lr;
}

}  // namespace rowsim

namespace rowsim {

FixedMappings load_fixed_mappings(const std::string& path, const Network& net) {
  YamlReader reader = YamlReader::from_file(path);
  YamlNode root = reader.root();
  FixedMappings fixed;
  for (const auto& name : root.keys()) {
    YamlNode node = root.require(name);
    int index = net.index_of(name);
    if (index < 0 || !net.layers[size_t(index)].has_weights())
      node.fail(fmt::format("'{}' is not a conv or fully connected layer of {}", name, net.name));
    node.only_keys({"m", "n", "e", "p", "q", "r", "t", "row_fold", "ifmap_resident", "weights_resident"});
    Mapping m;
    const int64_t big = 1 << 24;
    m.m = int(node.int_at("m", 1, big));
    m.n = int(node.int_at("n", 1, big));
    m.e = int(node.int_at("e", 1, big));
    m.p = int(node.int_at("p", 1, big));
    m.q = int(node.int_at("q", 1, big));
    m.r = int(node.int_at("r", 1, big));
    m.t = int(node.int_at("t", 1, big));
    m.row_fold = node.has("row_fold") ? int(node.int_at("row_fold", 1, big)) : 0;  // 0: the default fold
    m.ifmap_resident = node.has("ifmap_resident") ? node.bool_at("ifmap_resident") : false;
    m.weights_resident = node.has("weights_resident") ? node.bool_at("weights_resident") : false;
    fixed[name] = m;
  }
  return fixed;
}

}  // namespace rowsim
