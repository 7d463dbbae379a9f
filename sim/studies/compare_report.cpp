#include "sim/studies/compare_report.hpp"

#include <cmath>
#include <filesystem>
#include <limits>

#include <fmt/format.h>

#include "sim/report/plot.hpp"
#include "sim/report/report.hpp"
#include "workloads/util/table.hpp"

namespace rowsim {
namespace {

const double kNone = std::numeric_limits<double>::quiet_NaN();

std::string fmt_energy(double v) { return fmt::format("{:.4g}", v); }
std::string fmt_pct(double v) { return fmt::format("{:.2f}%", 100 * v); }
std::string num(double v) { return fmt::format("{}", v); }  // CSV: full precision, no unit
std::string num(int64_t v) { return std::to_string(v); }

nlohmann::json energy_json(const Energy& e) {
  nlohmann::json weights_by_level;
  for (Level l : kAllLevels)
    weights_by_level[to_string(l)] = e.access[int(l)][int(Data::Weight)] + e.access[int(l)][int(Data::Index)];
  return {{"total", e.total()},
          {"weights_only", e.weights_only()},
          {"by_level",
           {{"dram", e.level(Level::DRAM)},
            {"glb", e.level(Level::GLB)},
            {"array", e.level(Level::Array)},
            {"rf", e.level(Level::RF)},
            {"mac", e.mac}}},
          {"weights_only_by_level", weights_by_level}};
}

nlohmann::json cost_json(const NetworkCost& c) {
  nlohmann::json j = {{"label", c.label},     {"net", c.net},           {"width", c.width},
                      {"weights", c.weights}, {"macs", c.macs},         {"macs_paper", c.macs_paper},
                      {"cycles", c.cycles},   {"source", c.source},     {"energy_per_image", energy_json(c.energy)},
                      {"physical", physical_to_json(c.physical, true)}};
  if (!c.file.empty()) j["file"] = c.file;
  return j;
}

// How a report names its experiment: an embedded name as is, a file by its name alone (paths in
// reports are relative, never this machine's).
std::string experiment_shown(const Experiment& x) {
  if (x.source.rfind("<embedded", 0) == 0) return x.source;
  return std::filesystem::path(x.source).filename().string();
}

}  // namespace

nlohmann::json compare_json(const CompareResult& r) {
  const Experiment& x = *r.experiment;
  nlohmann::json report;
  report["experiment"] = x.name;
  report["experiment_source"] = experiment_shown(x);
  report["arch"] = r.arch.name;
  report["batch"] = x.batch;
  report["images"] = r.images;
  report["energy_unit"] = "one 16-bit MAC, per image";
  report["views"] = {{"weights_only", "weight accesses at every level (the paper's data access energy)"},
                     {"total", "weights, ifmaps and psums at every level, plus MACs"}};
  report["cost_source"] = r.cycle_level ? "cycle-level (SystemC)" : "analytical";
  for (const auto& c : r.networks) report["networks"].push_back(cost_json(c));
  report["distortions"] = nlohmann::json::array();
  for (const auto& d : r.distortions) {
    const Routing& routing = d.routing;
    nlohmann::json j = {{"name", d.spec.name},
                        {"degree", d.params},
                        {"gate_weights", x.shown_path(d.spec.gate_weights)},
                        {"routing",
                         {{"images", routing.images},
                          {"distorted", routing.distorted},
                          {"clean_to_clean", routing.clean_to_clean},
                          {"clean_to_distorted", routing.clean_to_distorted},
                          {"distorted_to_clean", routing.distorted_to_clean},
                          {"distorted_to_distorted", routing.distorted_to_distorted},
                          {"accuracy", routing.accuracy()}}}};
    for (const auto& s : d.selective) {
      nlohmann::json entry = {{"family", s.family},
                              {"width", s.dedicated.file.empty() ? nlohmann::json(s.dedicated.width) : nullptr},
                              {"dedicated", s.dedicated.label},
                              {"energy_per_image", energy_json(s.energy)},
                              {"baseline_energy_per_image", energy_json(s.baseline.energy)},
                              {"reduction_weights_only", s.reduction_weights_only()},
                              {"reduction_total", s.reduction_total()},
                              {"latency_ms_per_image", s.pair.latency_ms_per_image()},
                              {"baseline_latency_ms_per_image", s.baseline.physical.latency_ms_per_image()}};
      if (s.pair.technology) {
        entry["pj_per_image"] = s.pair.energy_pj_per_image();
        entry["baseline_pj_per_image"] = s.baseline.physical.energy_pj_per_image();
        entry["reduction_pj"] = s.baseline.physical.energy_pj_per_image() / s.pair.energy_pj_per_image();
      }
      j["selective"].push_back(entry);
    }
    report["distortions"].push_back(j);
  }
  report["paper_comparison"] = nlohmann::json::array();
  for (const auto& f : r.figures) {
    nlohmann::json entry = {{"figure", f.figure.figure},
                            {"quantity", f.figure.quantity},
                            {"kind", to_string(f.figure.kind)},
                            {"paper", f.figure.value}};
    entry["rowsim"] = f.rowsim ? nlohmann::json(*f.rowsim) : nullptr;
    entry["rel_error"] = f.rowsim ? nlohmann::json(f.rel_error()) : nullptr;
    if (!f.why.empty()) entry["why"] = f.why;
    report["paper_comparison"].push_back(entry);
  }
  if (r.pruning.computed) {
    const PruningResult& p = r.pruning;
    nlohmann::json pj = {{"weights", p.weights}, {"network", p.dense.label}, {"bits", nlohmann::json::array()}};
    for (const auto& row : p.rows)
      pj["bits"].push_back({{"bits", row.bits},
                            {"nonzero_weights", row.pruned.nonzero_weights},
                            {"macs_performed", row.pruned.macs},
                            {"dedicated_energy_per_image", energy_json(row.pruned.energy)},
                            {"selective_energy_per_image", energy_json(row.selective)},
                            {"share_weights_only", row.selective.weights_only() / p.baseline.energy.weights_only()},
                            {"share_total", row.selective.total() / p.baseline.energy.total()}});
    report["pruning"] = pj;
  }
  if (!r.accuracy.is_null()) report["accuracy"] = r.accuracy;
  return report;
}

namespace {

Table comparison_table(const CompareResult& r) {
  Table t({"figure", "quantity", "paper", "rowsim", "rel. error"});
  for (const auto& f : r.figures) {
    if (f.rowsim)
      t.add_row({f.figure.figure, f.figure.quantity, fmt::format("{:.4g}", f.figure.value),
                 fmt::format("{:.4g}", *f.rowsim), fmt::format("{:+.1f}%", 100 * f.rel_error())});
    else
      t.add_row({f.figure.figure, f.figure.quantity, fmt::format("{:.4g}", f.figure.value), "-", "-"});
  }
  return t;
}

Table selective_table(const CompareResult& r) {
  Table t({"distortion", "family", "dedicated", "images", "routing accuracy", "baseline (weights-only)",
           "selective (weights-only)", "reduction (weights-only)", "reduction (total)"});
  for (const auto& d : r.distortions)
    for (const auto& s : d.selective)
      t.add_row({d.spec.name, s.family, s.dedicated.label, std::to_string(d.routing.images),
                 fmt_pct(d.routing.accuracy()), fmt_energy(s.baseline.energy.weights_only()),
                 fmt_energy(s.energy.weights_only()), fmt::format("{:.2f}x", s.reduction_weights_only()),
                 fmt::format("{:.2f}x", s.reduction_total())});
  return t;
}

Table networks_table(const CompareResult& r) {
  std::vector<std::string> header = {"network", "weights", "MACs", "MACs (eq. 2)", "weights-only energy",
                                     "total energy", "DRAM", "GLB", "array", "RF", "MAC", "cycles"};
  for (const auto& h : physical_header(r.arch, false)) header.push_back(h);
  Table t(header);
  for (const auto& c : r.networks) {
    std::vector<std::string> row = {c.file.empty() ? c.label : c.label + " (`" + c.file + "`)",
                                    std::to_string(c.weights), std::to_string(c.macs), std::to_string(c.macs_paper),
                                    fmt_energy(c.energy.weights_only()), fmt_energy(c.energy.total()),
                                    fmt_energy(c.energy.level(Level::DRAM)), fmt_energy(c.energy.level(Level::GLB)),
                                    fmt_energy(c.energy.level(Level::Array)), fmt_energy(c.energy.level(Level::RF)),
                                    fmt_energy(c.energy.mac), std::to_string(c.cycles)};
    for (const auto& cell : physical_cells(c.physical, false)) row.push_back(cell);
    t.add_row(row);
  }
  return t;
}

std::string pruning_markdown(const CompareResult& r) {
  const PruningResult& p = r.pruning;
  if (!p.enabled) return "";
  if (!p.computed) return fmt::format("Pruning: `{}` not found, so Fig. 4 is not computed.\n\n", p.weights);
  Table t({"network", "nonzero weights", "MACs performed", "weights-only energy", "share of baseline", "total energy",
           "share of baseline (total)"});
  const Energy& base = p.baseline.energy;
  auto row = [&](const std::string& name, int64_t nonzero, int64_t macs, const Energy& e) {
    t.add_row({name, std::to_string(nonzero), std::to_string(macs), fmt_energy(e.weights_only()),
               fmt_pct(e.weights_only() / base.weights_only()), fmt_energy(e.total()), fmt_pct(e.total() / base.total())});
  };
  row(p.baseline.label + " (baseline)", p.baseline.weights, p.baseline.macs, base);
  Energy dense = p.dense.energy;
  dense += r.gate.energy;
  row("selective " + p.dense.label, r.gate.weights + p.dense.weights, r.gate.macs + p.dense.macs, dense);
  for (const auto& pr : p.rows)
    row("selective " + pr.pruned.label, r.gate.weights + pr.pruned.nonzero_weights, r.gate.macs + pr.pruned.macs,
        pr.selective);
  return "## Pruning and quantization (Fig. 4)\n\nThe gate stays unpruned at 16 bits; the dedicated network's weights "
         "come from `" + p.weights + "`, stored compressed (nonzero values plus a one-bit-per-position bitmap, whose bits "
         "are counted), quantized to each width; feature maps count as dense, as for every network in this report, so "
         "the shares measure pruning and bit width alone.\n\n" + t.to_markdown() +
         "\n![Fig. 4 style: weights-only energy per image with pruning and quantization](fig4.svg)\n\n"
         "*Fig. 4 style: weights-only energy per image of the selective network, dense and pruned at each bit width, "
         "normalized to the baseline; the paper's values are the marked points.*\n\n";
}

}  // namespace

std::string compare_markdown(const CompareResult& r) {
  const Experiment& x = *r.experiment;
  std::string md = fmt::format(
      "# {}: baseline vs selective per-image energy\n\n"
      "Experiment `{}` on `{}` ({}x{} PEs), batch {}, mapping objective {} (slack {}); costs from the {} model. "
      "Energy is per image in units of one 16-bit MAC; *weights-only* is the paper's data access energy, *total* "
      "counts all data types at every level plus MACs.\n\n"
      "## The paper's figures beside rowsim's\n\n{}\n",
      x.name, experiment_shown(x), r.arch.name, r.arch.pe_rows, r.arch.pe_cols, x.batch,
      to_string(x.search.objective), x.search.energy_slack, r.cycle_level ? "cycle-level (SystemC)" : "analytical",
      comparison_table(r).to_markdown());
  std::string notes;
  for (const auto& f : r.figures)
    if (f.rowsim && !f.why.empty())
      notes += fmt::format("- **{} {}** ({:+.1f}%): {}\n", f.figure.figure, f.figure.quantity, 100 * f.rel_error(), f.why);
  if (!notes.empty()) md += "Where rowsim differs from the paper by more than 10%:\n\n" + notes + "\n";
  md += fmt::format(
      "## Selective scheme per distortion\n\nThe gate routes each image of a mixed test set ({} {} test images, "
      "clean:distorted {}:{}) in 16-bit fixed point; the selective cost is the gate plus the dedicated network the "
      "experiment picks for that distortion.\n\n",
      r.images, x.dataset, x.ratio_clean, x.ratio_distorted);
  md += selective_table(r).to_markdown() + "\n";
  for (const auto& f : x.families)
    md += fmt::format(
        "![Fig. 2 style: weights-only energy per image, {0}](fig2-{0}.svg)\n\n"
        "*Fig. 2 style ({0}): weights-only data access energy per image of the baseline and of each selective pair "
        "(gate below, dedicated network above), normalized to {1}; the paper's values are the marked points.*\n\n"
        "![All data types per image by level, {0}](energy-by-level-{0}.svg)\n\n"
        "*Energy per image by level, all data types, {0}, normalized to {1}'s total.*\n\n",
        f.name, f.baseline.label);
  md += pruning_markdown(r) + r.accuracy_markdown;
  md += "## Networks\n\n" + networks_table(r).to_markdown() + "\n";
  return md;
}

std::string networks_csv(const CompareResult& r) {
  std::vector<std::string> header = {"network", "net", "width", "file", "weights", "macs", "macs_eq2",
                                     "energy_weights_only_mac_units", "energy_total_mac_units",
                                     "energy_dram_mac_units", "energy_glb_mac_units", "energy_array_mac_units",
                                     "energy_rf_mac_units", "energy_macs_mac_units", "cycles_per_image"};
  for (const auto& h : physical_header(r.arch, true)) header.push_back(h);
  Table t(header);
  for (const auto& c : r.networks) {
    std::vector<std::string> row = {c.label,
                                    c.net,
                                    c.file.empty() ? num(c.width) : "",
                                    c.file,
                                    num(c.weights),
                                    num(c.macs),
                                    num(c.macs_paper),
                                    num(c.energy.weights_only()),
                                    num(c.energy.total()),
                                    num(c.energy.level(Level::DRAM)),
                                    num(c.energy.level(Level::GLB)),
                                    num(c.energy.level(Level::Array)),
                                    num(c.energy.level(Level::RF)),
                                    num(c.energy.mac),
                                    num(c.cycles)};
    for (const auto& cell : physical_cells(c.physical, true)) row.push_back(cell);
    t.add_row(row);
  }
  return t.to_csv();
}

std::string selective_csv(const CompareResult& r) {
  const bool tech = r.arch.energy_model == EnergyModel::Technology;
  std::vector<std::string> header = {"distortion", "family", "dedicated", "width", "images", "routing_accuracy",
                                     "baseline_weights_only_mac_units", "selective_weights_only_mac_units",
                                     "reduction_weights_only", "baseline_total_mac_units", "selective_total_mac_units",
                                     "reduction_total", "baseline_latency_ms_per_image", "selective_latency_ms_per_image"};
  if (tech)
    for (const char* h : {"baseline_pj_per_image", "selective_pj_per_image", "reduction_pj"}) header.push_back(h);
  Table t(header);
  for (const auto& d : r.distortions)
    for (const auto& s : d.selective) {
      std::vector<std::string> row = {d.spec.name,
                                      s.family,
                                      s.dedicated.label,
                                      s.dedicated.file.empty() ? num(s.dedicated.width) : "",
                                      num(d.routing.images),
                                      num(d.routing.accuracy()),
                                      num(s.baseline.energy.weights_only()),
                                      num(s.energy.weights_only()),
                                      num(s.reduction_weights_only()),
                                      num(s.baseline.energy.total()),
                                      num(s.energy.total()),
                                      num(s.reduction_total()),
                                      num(s.baseline.physical.latency_ms_per_image()),
                                      num(s.pair.latency_ms_per_image())};
      if (tech) {
        double base = s.baseline.physical.energy_pj_per_image(), pair = s.pair.energy_pj_per_image();
        for (double v : {base, pair, base / pair}) row.push_back(num(v));
      }
      t.add_row(row);
    }
  return t.to_csv();
}

std::string paper_comparison_csv(const CompareResult& r) {
  Table t({"figure", "quantity", "kind", "family", "width", "bits", "paper", "rowsim", "rel_error"});
  for (const auto& f : r.figures) {
    const PaperFigure& p = f.figure;
    t.add_row({p.figure, p.quantity, to_string(p.kind), p.net, p.kind == FigureKind::GateShare ? "" : num(p.width),
               p.kind == FigureKind::PrunedShare ? num(int64_t(p.bits)) : "", num(p.value),
               f.rowsim ? num(*f.rowsim) : "", f.rowsim ? num(f.rel_error()) : ""});
  }
  return t.to_csv();
}

namespace {

// The paper's value of a figure of `kind` for `family` (at `width`, `bits`), NaN when it has none.
double paper_value(const CompareResult& r, FigureKind kind, const std::string& family, double width, int bits = 0) {
  for (const auto& f : r.figures) {
    const PaperFigure& p = f.figure;
    if (p.kind != kind || p.net != family) continue;
    if (kind != FigureKind::GateShare && std::fabs(p.width - width) > 1e-9) continue;
    if (kind == FigureKind::PrunedShare && p.bits != bits) continue;
    return p.value;
  }
  return kNone;
}

void write_family_plots(const std::string& dir, const CompareResult& r, const ExperimentFamily& family) {
  const NetworkCost& base = r.network(family.baseline.label);
  const NetworkCost& gate = r.gate;
  BarChart fig2;
  fig2.title = fmt::format("Fig. 2 style: weights-only data access energy per image, {} (normalized to {})",
                           family.name, base.label);
  fig2.ylabel = "normalized energy";
  // The gate at the bottom of a selective bar, so the paper's gate share marks the gate's top.
  fig2.series = {{"rowsim: baseline network", {}, "#4c72b0"}, {"rowsim: gate", {}, "#c44e52"}, {"rowsim: dedicated network", {}, "#55a868"}};
  fig2.markers = {{"paper: selective total (1 / reduction)", {}, "#000000"}, {"paper: gate share", {}, "#7b3294"}};
  BarChart total;
  total.title = fmt::format("all data types per image by level, {} (normalized to {})", family.name, base.label);
  total.ylabel = "normalized energy";
  total.series = {{"DRAM", {}, "#d62728"}, {"GLB", {}, "#ff7f0e"}, {"array", {}, "#2ca02c"},
                  {"RF", {}, "#1f77b4"},   {"MAC", {}, "#7f7f7f"}};
  auto add_total = [&](const std::string& name, const Energy& e) {
    total.categories.push_back(name);
    double norm = base.energy.total();
    total.series[0].values.push_back(e.level(Level::DRAM) / norm);
    total.series[1].values.push_back(e.level(Level::GLB) / norm);
    total.series[2].values.push_back(e.level(Level::Array) / norm);
    total.series[3].values.push_back(e.level(Level::RF) / norm);
    total.series[4].values.push_back(e.mac / norm);
  };
  auto add_fig2 = [&](const std::string& name, double baseline, double gate_part, double dedicated, double paper_total,
                      double paper_gate) {
    fig2.categories.push_back(name);
    fig2.series[0].values.push_back(baseline);
    fig2.series[1].values.push_back(gate_part);
    fig2.series[2].values.push_back(dedicated);
    fig2.markers[0].values.push_back(paper_total);
    fig2.markers[1].values.push_back(paper_gate);
  };
  const double norm = base.energy.weights_only();
  add_fig2(base.label, 1.0, 0.0, 0.0, kNone, kNone);
  add_total(base.label, base.energy);
  for (const auto& d : family.dedicated) {
    const NetworkCost& ded = r.network(d.label);
    double reduction = d.from_file() ? kNone : paper_value(r, FigureKind::Reduction, family.name, d.width);
    add_fig2("selective " + ded.label, 0.0, gate.energy.weights_only() / norm, ded.energy.weights_only() / norm,
             1.0 / reduction, paper_value(r, FigureKind::GateShare, family.name, 0));
    Energy both = ded.energy;
    both += gate.energy;
    add_total("selective " + ded.label, both);
  }
  write_bar_chart((std::filesystem::path(dir) / ("fig2-" + family.name + ".svg")).string(), fig2);
  write_bar_chart((std::filesystem::path(dir) / ("energy-by-level-" + family.name + ".svg")).string(), total);
}

void write_pruning_plot(const std::string& dir, const CompareResult& r) {
  const PruningResult& p = r.pruning;
  const double norm = p.baseline.energy.weights_only();
  BarChart fig4;
  fig4.title = "Fig. 4 style: weights-only energy per image with pruning and quantization (normalized to " +
               p.baseline.label + ")";
  fig4.ylabel = "normalized energy";
  fig4.series = {{"rowsim: baseline network", {}, "#4c72b0"}, {"rowsim: gate", {}, "#c44e52"}, {"rowsim: dedicated network", {}, "#55a868"}};
  fig4.markers = {{"paper: pruned selective share", {}, "#000000"}};
  auto bar = [&](const std::string& name, double baseline, double gate_part, double dedicated, double paper) {
    fig4.categories.push_back(name);
    fig4.series[0].values.push_back(baseline / norm);
    fig4.series[1].values.push_back(gate_part / norm);
    fig4.series[2].values.push_back(dedicated / norm);
    fig4.markers[0].values.push_back(paper);
  };
  bar(p.baseline.label, norm, 0, 0, kNone);
  const double gate = r.gate.energy.weights_only();
  bar("selective " + p.dense.label, 0, gate, p.dense.energy.weights_only(), kNone);
  for (const auto& row : p.rows)
    bar(fmt::format("pruned {}-bit", row.bits), 0, gate, row.pruned.energy.weights_only(),
        paper_value(r, FigureKind::PrunedShare, p.dense.net, p.dense.width, row.bits));
  write_bar_chart((std::filesystem::path(dir) / "fig4.svg").string(), fig4);
}

}  // namespace

void write_compare_plots(const std::string& dir, const CompareResult& r) {
  for (const auto& family : r.experiment->families) write_family_plots(dir, r, family);
  if (r.pruning.computed) write_pruning_plot(dir, r);
}

}  // namespace rowsim
