#include "workloads/stats.hpp"

#include <fmt/format.h>

namespace rowsim {

void StatsTotals::add(const Layer& layer, int batch) {
  weights += layer.weights();
  biases += layer.biases();
  macs += layer.macs() * batch;
  macs_paper += layer.macs_paper() * batch;
}

WorkloadStats compute_stats(std::string name, double width, int batch, std::vector<NetworkPart> parts) {
  WorkloadStats stats;
  stats.name = std::move(name);
  stats.width = width;
  stats.batch = batch;
  stats.parts = std::move(parts);
  for (const auto& part : stats.parts) {
    StatsTotals t;
    for (const auto& layer : part.network->layers) t.add(layer, batch);
    stats.part_totals.push_back(t);
    stats.totals.weights += t.weights;
    stats.totals.biases += t.biases;
    stats.totals.macs += t.macs;
    stats.totals.macs_paper += t.macs_paper;
  }
  return stats;
}

namespace {
nlohmann::json totals_json(const StatsTotals& t) {
  return {{"weights", t.weights}, {"biases", t.biases}, {"macs", t.macs}, {"macs_paper", t.macs_paper}};
}
}  // namespace

nlohmann::json stats_to_json(const WorkloadStats& stats) {
  nlohmann::json layers = nlohmann::json::array();
  nlohmann::json parts = nlohmann::json::array();
  for (size_t p = 0; p < stats.parts.size(); ++p) {
    const auto& part = stats.parts[p];
    for (const auto& l : part.network->layers) {
      layers.push_back({{"part", part.label},
                        {"name", l.name},
                        {"kind", to_string(l.kind)},
                        {"input", {l.in.c, l.in.h, l.in.w}},
                        {"output", {l.out.c, l.out.h, l.out.w}},
                        {"weights", l.weights()},
                        {"biases", l.biases()},
                        {"macs", l.macs() * stats.batch},
                        {"macs_paper", l.macs_paper() * stats.batch}});
    }
    nlohmann::json entry = totals_json(stats.part_totals[p]);
    entry["part"] = part.label;
    entry["network"] = part.network->name;
    entry["width"] = part.network->width;
    parts.push_back(entry);
  }
  nlohmann::json out = {{"network", stats.name}, {"width", stats.width}, {"batch", stats.batch},
                        {"layers", layers},      {"totals", totals_json(stats.totals)}};
  if (stats.parts.size() > 1) out["parts"] = parts;
  return out;
}

Table stats_to_table(const WorkloadStats& stats) {
  bool multi = stats.parts.size() > 1;
  std::vector<std::string> header = {"layer", "kind", "input", "output", "weights", "biases", "macs", "macs_paper"};
  if (multi) header.insert(header.begin(), "part");
  Table table(header);
  auto row_of = [&](const std::string& part, std::vector<std::string> cells) {
    if (multi) cells.insert(cells.begin(), part);
    table.add_row(std::move(cells));
  };
  for (size_t p = 0; p < stats.parts.size(); ++p) {
    const auto& part = stats.parts[p];
    for (const auto& l : part.network->layers) {
      row_of(part.label, {l.name, to_string(l.kind), l.in.str(), l.out.str(), std::to_string(l.weights()),
                          std::to_string(l.biases()), std::to_string(l.macs() * stats.batch),
                          std::to_string(l.macs_paper() * stats.batch)});
    }
    if (multi) {
      const auto& t = stats.part_totals[p];
      table.add_rule();
      row_of(part.label, {"subtotal", "", "", "", std::to_string(t.weights), std::to_string(t.biases),
                          std::to_string(t.macs), std::to_string(t.macs_paper)});
      table.add_rule();
    }
  }
  const auto& t = stats.totals;
  if (!multi) table.add_rule();
  row_of("all", {"total", "", "", "", std::to_string(t.weights), std::to_string(t.biases), std::to_string(t.macs),
                 std::to_string(t.macs_paper)});
  row_of("all", {"total (paper rounding)", "", "", "", paper_rounding(t.weights), "", paper_rounding(t.macs),
                 paper_rounding(t.macs_paper)});
  return table;
}

std::string paper_rounding(int64_t value) {
  if (value >= 1'000'000'000) return fmt::format("{:.1f}G", value / 1e9);
  if (value >= 1'000'000) return fmt::format("{:.1f}M", value / 1e6);
  if (value >= 1'000) return fmt::format("{:.1f}K", value / 1e3);
  return std::to_string(value);
}

}  // namespace rowsim
