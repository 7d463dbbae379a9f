#include "sim/report/report.hpp"

#include <fmt/format.h>

namespace rowsim {

Physical layer_physical(const LayerResult& l, const ArchSpec& arch, int batch) {
  return physical_of(arch, l.cost.counts, l.bits, batch, l.cost.counts.cycles, "analytical");
}

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

nlohmann::json layer_to_json(const LayerResult& l, const ArchSpec& arch, const Physical* physical) {
  const AccessCounts& c = l.cost.counts;
  nlohmann::json j = {{"name", l.name},
                      {"kind", to_string(l.kind)},
                      {"mapping", l.on_array ? mapping_to_json(l.mapping) : nlohmann::json(nullptr)},
                      {"active_pes", c.active_pes},
                      {"utilization", utilization(c, arch)},
                      {"cycles", c.cycles},
                      {"cycle_bounds", cycles_to_json(l.cost.cycles)},
                      {"counts", counts_to_json(c)},
                      {"reuse", reuse_to_json(c)},
                      {"energy", energy_to_json(l.energy)}};
  if (l.has_dense)
    j["dense_16bit"] = {{"counts", counts_to_json(l.dense_counts)}, {"energy", energy_to_json(l.dense_energy)}};
  if (physical) j["physical"] = physical_to_json(*physical, false);
  return j;
}

nlohmann::json map_report_json(const std::string& network, const ArchSpec& arch, int batch,
                               const std::string& objective, const std::vector<MappedPart>& parts) {
  nlohmann::json layers = nlohmann::json::array();
  AccessCounts totals;
  Energy energy, dense_energy;
  bool has_dense = false;
  nlohmann::json part_totals = nlohmann::json::array();
  Physical physical;
  physical.batch = batch;
  physical.clock_mhz = arch.clock_mhz;
  for (const auto& part : parts) {
    has_dense = has_dense || part.result.has_dense;
    dense_energy += part.result.has_dense ? part.result.dense_energy : part.result.energy;
    Physical part_physical;
    part_physical.batch = batch;
    for (const auto& l : part.result.layers) {
      Physical p = layer_physical(l, arch, batch);
      part_physical += p;
      nlohmann::json j = layer_to_json(l, arch, &p);
      if (parts.size() > 1) j["part"] = part.label;
      layers.push_back(j);
    }
    physical += part_physical;
    totals += part.result.totals;
    energy += part.result.energy;
    part_totals.push_back({{"part", part.label},
                           {"network", part.result.network},
                           {"cycles", part.result.totals.cycles},
                           {"counts", counts_to_json(part.result.totals)},
                           {"energy", energy_to_json(part.result.energy)},
                           {"physical", physical_to_json(part_physical, false)}});
  }
  nlohmann::json j = {{"arch", arch.name},
                      {"arch_source", arch.source},
                      {"network", network},
                      {"batch", batch},
                      {"objective", objective},
                      {"energy_unit", "one 16-bit MAC"},
                      {"clock_mhz", arch.clock_mhz},
                      {"energy_model", energy_model_text(arch)},
                      {"layers", layers},
                      {"totals",
                       {{"cycles", totals.cycles},
                        {"active_pes", totals.active_pes},
                        {"utilization", utilization(totals, arch)},
                        {"counts", counts_to_json(totals)},
                        {"reuse", reuse_to_json(totals)},
                        {"energy", energy_to_json(energy)},
                        {"energy_per_image", energy_to_json(energy.scaled(1.0 / batch))}}}};
  j["totals"]["physical"] = physical_to_json(physical, true);
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

Physical map_physical_total(const ArchSpec& arch, const std::vector<MappedPart>& parts) {
  Physical total;
  total.clock_mhz = arch.clock_mhz;
  for (const auto& part : parts) {
    total.batch = part.result.batch;
    for (const auto& l : part.result.layers) total += layer_physical(l, arch, part.result.batch);
  }
  return total;
}

std::vector<std::string> physical_header(const ArchSpec& arch, bool csv) {
  bool tech = arch.energy_model == EnergyModel::Technology;
  if (csv) {  // identifiers with their unit, for scripts
    std::vector<std::string> h = {"latency_ms_per_image", "frames_per_s"};
    if (!tech) return h;
    for (const char* c : {"energy_uj_per_image", "power_mw", "chip_power_mw", "tops_per_w", "dram_uj_per_image",
                          "glb_uj_per_image", "array_uj_per_image", "rf_uj_per_image", "mac_uj_per_image",
                          "leakage_uj_per_image", "area_mm2"})
      h.push_back(c);
    return h;
  }
  std::vector<std::string> h = {"ms/image", "frames/s"};
  if (tech)
    for (const char* c : {"uJ/image", "mW", "chip mW", "TOPS/W"}) h.push_back(c);
  return h;
}

std::vector<std::string> physical_cells(const Physical& p, bool csv) {
  auto num = [csv](double v) { return csv ? fmt::format("{}", v) : fmt::format("{:.4g}", v); };
  std::vector<std::string> cells = {num(p.latency_ms_per_image()), num(p.frames_per_s())};
  if (!p.technology) return cells;
  for (double v : {p.energy_pj_per_image() * 1e-6, p.power_mw(), p.chip_power_mw(), p.tops_per_w()})
    cells.push_back(num(v));
  if (csv) {
    double per_uj = 1e-6 / p.batch;
    for (Level l : kAllLevels) cells.push_back(num(p.dynamic.level(l) * per_uj));
    cells.push_back(num(p.dynamic.mac * per_uj));
    cells.push_back(num(p.leakage_pj * per_uj));
    cells.push_back(num(p.area.total()));
  }
  return cells;
}

std::string physical_summary_text(const ArchSpec& arch, const Physical& p) {
  std::string text = fmt::format(
      "\nlatency {:.4g} ms per batch of {} = {:.4g} ms per image, {:.4g} frames/s at {} MHz ({} cycles)\n",
      p.latency_ms(), p.batch, p.latency_ms_per_image(), p.frames_per_s(), p.clock_mhz, p.cycles_source);
  if (!p.technology) return text + "energy in pJ, power and area: give the arch spec energy.model: technology\n";
  text += fmt::format(
      "{}: {:.4g} uJ per image, {:.4g} mW average ({:.4g} mW without DRAM, leakage {:.3g} mW), {:.4g} TOPS/W "
      "(2 ops per MAC)\n\n",
      energy_model_text(arch), p.energy_pj_per_image() * 1e-6, p.power_mw(), p.chip_power_mw(), p.leakage_mw,
      p.tops_per_w());
  Table t({"uJ per image", "weight", "ifmap", "psum", "index", "all"});
  double scale = 1e-6 / p.batch;
  auto cell = [](double v) { return fmt::format("{:.4g}", v); };
  for (Level l : kAllLevels) {
    std::vector<std::string> row = {to_string(l)};
    for (Data d : kAllData) row.push_back(cell(p.dynamic.access[int(l)][int(d)] * scale));
    row.push_back(cell(p.dynamic.level(l) * scale));
    t.add_row(row);
  }
  t.add_row({"mac", "", "", "", "", cell(p.dynamic.mac * scale)});
  t.add_row({"leakage", "", "", "", "", cell(p.leakage_pj * scale)});
  t.add_rule();
  std::vector<std::string> all = {"all"};
  for (Data d : kAllData) all.push_back(cell(p.dynamic.data(d) * scale));
  all.push_back(cell(p.energy_pj_per_image() * 1e-6));
  t.add_row(all);
  text += t.to_text();
  text += fmt::format("area {:.4g} mm2: PE array {:.4g} ({} PEs of {:.4g}), GLB {:.4g}, NoC {:.4g} (control, clock "
                      "and I/O not modelled)\n",
                      p.area.total(), p.area.pe_array, arch.pes(), p.area.pe(), p.area.glb, p.area.noc);
  return text;
}

std::vector<std::string> mapping_csv_header() { return {"m", "n", "e", "p", "q", "r", "t"}; }

std::vector<std::string> mapping_csv_cells(const Mapping* m) {
  if (!m) return std::vector<std::string>(7);
  return {std::to_string(m->m), std::to_string(m->n), std::to_string(m->e), std::to_string(m->p),
          std::to_string(m->q), std::to_string(m->r), std::to_string(m->t)};
}

std::string csv_number(double v) { return fmt::format("{}", v); }

std::vector<std::string> energy_csv_header(const std::string& prefix) {
  std::vector<std::string> h = {prefix + "energy_mac_units", prefix + "energy_weights_only_mac_units"};
  if (!prefix.empty()) return h;
  for (const char* c : {"energy_dram_mac_units", "energy_glb_mac_units", "energy_array_mac_units",
                        "energy_rf_mac_units", "energy_macs_mac_units"})
    h.push_back(c);
  return h;
}

std::vector<std::string> energy_csv_cells(const Energy& e, bool by_level) {
  std::vector<std::string> cells = {csv_number(e.total()), csv_number(e.weights_only())};
  if (!by_level) return cells;
  for (Level l : kAllLevels) cells.push_back(csv_number(e.level(l)));
  cells.push_back(csv_number(e.mac));
  return cells;
}

namespace {

// One row of map's table and CSV reports: a layer of a part, or the total (mapping null).
struct MapRow {
  std::string part, name, kind;
  const Mapping* mapping = nullptr;  // null for post-processing layers and the total
  bool total = false;
  AccessCounts counts;
  Energy energy, dense_energy;  // dense: the 16-bit dense figures, or the energy itself without them
  Physical physical;
};

// The per-layer walk both map reports share, ending in the total row.
std::vector<MapRow> map_rows(const ArchSpec& arch, const std::vector<MappedPart>& parts) {
  std::vector<MapRow> rows;
  MapRow total;
  total.part = "all";
  total.name = total.kind = "total";
  total.total = true;
  total.physical = map_physical_total(arch, parts);
  for (const auto& part : parts) {
    for (const auto& l : part.result.layers)
      rows.push_back({part.label, l.name, to_string(l.kind), l.on_array ? &l.mapping : nullptr, false, l.cost.counts,
                      l.energy, l.has_dense ? l.dense_energy : l.energy, layer_physical(l, arch, part.result.batch)});
    total.counts += part.result.totals;
    total.energy += part.result.energy;
    total.dense_energy += part.result.has_dense ? part.result.dense_energy : part.result.energy;
  }
  rows.push_back(total);
  return rows;
}

bool any_dense(const std::vector<MappedPart>& parts) {
  for (const auto& part : parts)
    if (part.result.has_dense) return true;
  return false;
}

}  // namespace

Table map_report_csv(const ArchSpec& arch, const std::vector<MappedPart>& parts) {
  bool multi = parts.size() > 1, dense = any_dense(parts);
  std::vector<std::string> header;
  if (multi) header.push_back("part");
  for (const char* h : {"layer", "kind"}) header.push_back(h);
  for (const auto& h : mapping_csv_header()) header.push_back(h);
  for (const char* h : {"active_pes", "utilization", "cycles"}) header.push_back(h);
  for (const auto& h : energy_csv_header("")) header.push_back(h);
  if (dense)
    for (const auto& h : energy_csv_header("dense16_")) header.push_back(h);
  for (const auto& h : physical_header(arch, true)) header.push_back(h);
  Table table(header);
  for (const MapRow& r : map_rows(arch, parts)) {
    std::vector<std::string> row;
    if (multi) row.push_back(r.part);
    row.push_back(r.name);
    row.push_back(r.kind);
    for (auto& cell : mapping_csv_cells(r.mapping)) row.push_back(cell);
    row.push_back(std::to_string(r.counts.active_pes));
    row.push_back(csv_number(utilization(r.counts, arch)));
    row.push_back(std::to_string(r.counts.cycles));
    for (auto& cell : energy_csv_cells(r.energy, true)) row.push_back(cell);
    if (dense)
      for (auto& cell : energy_csv_cells(r.dense_energy, false)) row.push_back(cell);
    for (const auto& cell : physical_cells(r.physical, true)) row.push_back(cell);
    table.add_row(row);
  }
  return table;
}

Table map_report_table(const ArchSpec& arch, const std::vector<MappedPart>& parts) {
  bool multi = parts.size() > 1, dense = any_dense(parts);
  std::vector<std::string> header = {"layer", "kind", "m n e p q r t", "PEs", "util", "cycles", "energy",
                                     "weights-only", "DRAM", "GLB", "array", "RF", "MAC"};
  // With real data, the same mappings counted dense at 16 bits, side by side.
  if (dense) header.insert(header.begin() + 8, {"dense-16 energy", "dense-16 w-only"});
  if (multi) header.insert(header.begin(), "part");
  // The physical figures after the normalized ones (which stay as they were).
  for (const auto& h : physical_header(arch, false)) header.push_back(h);
  Table table(header);
  auto share = [](double part, double whole) { return whole > 0 ? fmt::format("{:.1f}%", 100 * part / whole) : "-"; };
  for (const MapRow& r : map_rows(arch, parts)) {
    const Energy& e = r.energy;
    std::string mapping = r.mapping ? mapping_cell(*r.mapping) : r.total ? "" : "(post-processing)";
    std::vector<std::string> row = {r.name,
                                    r.total ? "" : r.kind,
                                    mapping,
                                    std::to_string(r.counts.active_pes),
                                    fmt::format("{:.1f}%", 100 * utilization(r.counts, arch)),
                                    std::to_string(r.counts.cycles),
                                    format_energy(e.total()),
                                    format_energy(e.weights_only()),
                                    share(e.level(Level::DRAM), e.total()),
                                    share(e.level(Level::GLB), e.total()),
                                    share(e.level(Level::Array), e.total()),
                                    share(e.level(Level::RF), e.total()),
                                    share(e.mac, e.total())};
    if (dense)
      row.insert(row.begin() + 8,
                 {format_energy(r.dense_energy.total()), format_energy(r.dense_energy.weights_only())});
    if (multi) row.insert(row.begin(), r.part);
    for (const auto& cell : physical_cells(r.physical, false)) row.push_back(cell);
    if (r.total) table.add_rule();
    table.add_row(row);
  }
  return table;
}

}  // namespace rowsim
