#include "sim/report.hpp"

#include <fmt/format.h>

namespace rowsim {

nlohmann::json counts_to_json(const AccessCounts& c) {
  nlohmann::json j;
  for (Level l : kAllLevels) {
    nlohmann::json level;
    for (Data d : kAllData) level[to_string(d)] = {{"reads", c.at(l, d).reads}, {"writes", c.at(l, d).writes}};
    j[to_string(l)] = level;
  }
  j["macs"] = c.macs;
  j["macs_skipped"] = c.macs_skipped;
  return j;
}

nlohmann::json energy_to_json(const Energy& e) {
  nlohmann::json by_level = {{"dram", e.level(Level::DRAM)},
                             {"glb", e.level(Level::GLB)},
                             {"array", e.level(Level::Array)},
                             {"rf", e.level(Level::RF)},
                             {"mac", e.mac}};
  nlohmann::json by_data;
  for (Data d : kAllData) by_data[to_string(d)] = e.data(d);
  nlohmann::json weights_by_level;
  for (Level l : kAllLevels)
    weights_by_level[to_string(l)] = e.access[int(l)][int(Data::Weight)] + e.access[int(l)][int(Data::Index)];
  return {{"total", e.total()},
          {"weights_only", e.weights_only()},
          {"by_level", by_level},
          {"by_data", by_data},
          {"weights_only_by_level", weights_by_level}};
}

nlohmann::json reuse_to_json(const AccessCounts& counts) {
  nlohmann::json j;
  for (Data d : kAllData) {
    ReuseFactors r = reuse_factors(counts, d);
    j[to_string(d)] = {{"a", r.a}, {"b", r.b}, {"c", r.c}, {"d", r.d}};
  }
  return j;
}

nlohmann::json cycles_to_json(const CycleBreakdown& c) {
  return {{"compute", c.compute}, {"weight_fill", c.weight_fill}, {"ifmap_bus", c.ifmap_bus},
          {"psum_bus", c.psum_bus}, {"pass_bound", c.pass_bound},   {"dram", c.dram}};
}

nlohmann::json layer_to_json(const LayerResult& l, const ArchSpec& arch) {
  const AccessCounts& c = l.cost.counts;
  nlohmann::json j = {{"name", l.name},
                      {"kind", to_string(l.kind)},
                      {"mapping", l.on_array ? mapping_to_json(l.mapping) : nlohmann::json(nullptr)},
                      {"active_pes", c.active_pes},
                      {"utilization", l.utilization(arch)},
                      {"cycles", c.cycles},
                      {"cycle_bounds", cycles_to_json(l.cost.cycles)},
                      {"counts", counts_to_json(c)},
                      {"reuse", reuse_to_json(c)},
                      {"energy", energy_to_json(l.energy)}};
  if (l.has_dense)
    j["dense_16bit"] = {{"counts", counts_to_json(l.dense_counts)}, {"energy", energy_to_json(l.dense_energy)}};
  return j;
}

nlohmann::json map_report_json(const std::string& network, const ArchSpec& arch, int batch,
                               const std::string& objective, const std::vector<MappedPart>& parts) {
  nlohmann::json layers = nlohmann::json::array();
  AccessCounts totals;
  Energy energy, dense_energy;
  bool has_dense = false;
  nlohmann::json part_totals = nlohmann::json::array();
  for (const auto& part : parts) {
    has_dense = has_dense || part.result.has_dense;
    dense_energy += part.result.has_dense ? part.result.dense_energy : part.result.energy;
    for (const auto& l : part.result.layers) {
      nlohmann::json j = layer_to_json(l, arch);
      if (parts.size() > 1) j["part"] = part.label;
      layers.push_back(j);
    }
    totals += part.result.totals;
    energy += part.result.energy;
    part_totals.push_back({{"part", part.label},
                           {"network", part.result.network},
                           {"cycles", part.result.totals.cycles},
                           {"counts", counts_to_json(part.result.totals)},
                           {"energy", energy_to_json(part.result.energy)}});
  }
  double utilization =
      totals.cycles > 0 ? double(totals.macs) / (double(arch.pes()) * double(totals.cycles)) : 0.0;
  nlohmann::json j = {{"arch", arch.name},
                      {"arch_source", arch.source},
                      {"network", network},
                      {"batch", batch},
                      {"objective", objective},
                      {"energy_unit", "one 16-bit MAC"},
                      {"layers", layers},
                      {"totals",
                       {{"cycles", totals.cycles},
                        {"active_pes", totals.active_pes},
                        {"utilization", utilization},
                        {"counts", counts_to_json(totals)},
                        {"reuse", reuse_to_json(totals)},
                        {"energy", energy_to_json(energy)},
                        {"energy_per_image", energy_to_json(energy.scaled(1.0 / batch))}}}};
  if (parts.size() > 1) j["parts"] = part_totals;
  if (has_dense) {
    j["totals"]["dense_16bit_energy"] = energy_to_json(dense_energy);
    j["totals"]["dense_16bit_energy_per_image"] = energy_to_json(dense_energy.scaled(1.0 / batch));
  }
  return j;
}

std::string mapping_cell(const Mapping& m) {
  return fmt::format("{} {} {} {} {} {} {}", m.m, m.n, m.e, m.p, m.q, m.r, m.t);
}

std::string format_energy(double value) { return fmt::format("{:.4g}", value); }

Table map_report_table(const ArchSpec& arch, const std::vector<MappedPart>& parts) {
  bool multi = parts.size() > 1, dense = false;
  for (const auto& part : parts) dense = dense || part.result.has_dense;
  std::vector<std::string> header = {"layer", "kind", "m n e p q r t", "PEs", "util", "cycles", "energy",
                                     "weights-only", "DRAM", "GLB", "array", "RF", "MAC"};
  // With real data, the same mappings counted dense at 16 bits, side by side.
  if (dense) header.insert(header.begin() + 8, {"dense-16 energy", "dense-16 w-only"});
  if (multi) header.insert(header.begin(), "part");
  Table table(header);
  auto share = [](double part, double whole) { return whole > 0 ? fmt::format("{:.1f}%", 100 * part / whole) : "-"; };
  auto add = [&](const std::string& part, const std::string& name, const std::string& kind, const std::string& mapping,
                 const AccessCounts& c, const Energy& e, double util, const Energy& dense_e) {
    std::vector<std::string> row = {name,
                                    kind,
                                    mapping,
                                    std::to_string(c.active_pes),
                                    fmt::format("{:.1f}%", 100 * util),
                                    std::to_string(c.cycles),
                                    format_energy(e.total()),
                                    format_energy(e.weights_only()),
                                    share(e.level(Level::DRAM), e.total()),
                                    share(e.level(Level::GLB), e.total()),
                                    share(e.level(Level::Array), e.total()),
                                    share(e.level(Level::RF), e.total()),
                                    share(e.mac, e.total())};
    if (dense) row.insert(row.begin() + 8, {format_energy(dense_e.total()), format_energy(dense_e.weights_only())});
    if (multi) row.insert(row.begin(), part);
    table.add_row(row);
  };
  AccessCounts totals;
  Energy energy, dense_energy;
  for (const auto& part : parts) {
    for (const auto& l : part.result.layers)
      add(part.label, l.name, to_string(l.kind), l.on_array ? mapping_cell(l.mapping) : "(post-processing)",
          l.cost.counts, l.energy, l.utilization(arch), l.has_dense ? l.dense_energy : l.energy);
    totals += part.result.totals;
    energy += part.result.energy;
    dense_energy += part.result.has_dense ? part.result.dense_energy : part.result.energy;
  }
  table.add_rule();
  double util = totals.cycles > 0 ? double(totals.macs) / (double(arch.pes()) * double(totals.cycles)) : 0.0;
  add("all", "total", "", "", totals, energy, util, dense_energy);
  return table;
}

}  // namespace rowsim
