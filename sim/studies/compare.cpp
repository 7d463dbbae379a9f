#include "sim/studies/compare.hpp"

#include <cmath>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "mapper/network_mapper.hpp"
#include "sim/driver/network_data.hpp"
#include "sim/driver/network_values.hpp"
#include "sim/studies/accuracy.hpp"
#include "workloads/weights_file.hpp"
#include "sim/report/plot.hpp"
#include "sim/report/report.hpp"
#include "sim/report/simulate_report.hpp"
#include "sim/driver/simulate_runner.hpp"
#include "workloads/datasets.hpp"
#include "workloads/distortions.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/progress.hpp"
#include "workloads/util/table.hpp"
#include "workloads/zoo.hpp"

namespace rowsim {

// Two decimals as the paper writes widths (0.50), more only when the width needs them (0.125).
std::string width_label(double width) {
  std::string two = fmt::format("{:.2f}", width);
  return std::stod(two) == width ? two : fmt::format("{:g}", width);
}

double Routing::accuracy() const {
  return images > 0 ? double(clean_to_clean + distorted_to_distorted) / double(images) : 0.0;
}

namespace {

struct Context {
  const Experiment& x;
  const CompareOptions& options;
  ArchSpec arch;
  std::map<std::string, NetworkCost> costs;  // by label
};

std::string network_label(const std::string& net, double width) { return width_label(width) + "-" + net; }

Physical network_physical(const NetworkResult& r, const ArchSpec& arch) {
  Physical p;
  p.batch = r.batch;
  p.clock_mhz = arch.clock_mhz;
  for (const auto& l : r.layers) p += layer_physical(l, arch, r.batch);
  return p;
}

NetworkCost cost_of(Context& ctx, const std::string& net_name, double width) {
  std::string label = net_name == "gate" ? "gate" : network_label(net_name, width);
  auto it = ctx.costs.find(label);
  if (it != ctx.costs.end()) return it->second;
  Network net = zoo_network(net_name, width);
  NetworkCost c;
  c.label = label;
  c.net = net_name;
  c.width = width;
  c.weights = c.nonzero_weights = net.total_weights();
  c.macs = net.total_macs();
  c.macs_paper = net.total_macs_paper();
  SearchOptions search = ctx.x.search;
  search.threads = ctx.options.jobs;
  search.bits = DataBits::uniform(ctx.arch.word_bits);
  const double per_image = 1.0 / ctx.x.batch;
  if (ctx.options.cycle_level) {
    SimulateOptions so;
    so.batch = ctx.x.batch;
    so.search = search;
    so.jobs = ctx.options.jobs;
    so.data.seed = ctx.x.seed;
    SimulationResult r = simulate_network(net, ctx.arch, so);
    if (!r.bit_exact || !r.counts_match)
      fail("cycle-level run of {}: bit_exact={} counts_match_analytical={}; run `rowsim simulate --net {} --width {}` "
           "for the layer that disagrees",
           label, r.bit_exact, r.counts_match, net_name, width);
    c.energy = r.energy.scaled(per_image);
    c.cycles = r.totals.cycles / ctx.x.batch;
    c.source = "cycle-level";
    c.physical = simulated_physical_total(r);
  } else {
    NetworkResult r = map_network(net, ctx.x.batch, ctx.arch, search);
    c.energy = r.energy.scaled(per_image);
    c.cycles = r.totals.cycles / ctx.x.batch;
    c.source = "analytical";
    c.physical = network_physical(r, ctx.arch);
  }
  ctx.costs[label] = c;
  return c;
}

// The selective dedicated network with pruned weights, stored compressed, quantized to `bits`:
// analytical counts with the file's actual zero weights. Feature maps count as dense (zero gating
// off), as for every other network in the comparison, so the share measures the weights' pruning
// and bit width alone; the input is the first test images.
NetworkCost pruned_cost(Context& ctx, int bits) {
  const ExperimentPruning& p = ctx.x.pruning;
  std::string label = fmt::format("{} pruned {}-bit", network_label(p.net, p.width), bits);
  auto it = ctx.costs.find(label);
  if (it != ctx.costs.end()) return it->second;
  if (!file_exists(p.weights))
    fail("{}: the pruned weights are missing (docs/training.md says how `rowsim prune` makes them)", p.weights);
  SafeTensors file = read_weights_file(p.weights);
  WeightsInfo info = weights_info(file, p.weights);
  if (info.network != p.net || std::fabs(info.width - p.width) > 1e-9)
    fail("{}: holds {} at width {}, the experiment's pruning section names {} at {}", p.weights, info.network,
         info.width, p.net, p.width);
  Network net = zoo_network(p.net, p.width, info.classes);
  Dataset images = load_dataset(ctx.x.dataset, Split::Test, ctx.x.data_dir, size_t(ctx.x.batch));
  FixedTensor input(ctx.x.batch, net.input, fmap_format(ctx.arch.word_bits));
  for (size_t i = 0; i < input.data.size(); ++i) input.data[i] = quantize(images.pixels[i], input.q);
  DataOptions o;
  o.batch = ctx.x.batch;
  o.word_bits = ctx.arch.word_bits;
  o.weight_bits = bits;
  o.weights_path = p.weights;
  o.input_tensor = &input;
  NetworkData data = prepare_network_data(net, o);
  ArchSpec dense_fmaps = ctx.arch;
  dense_fmaps.zero_gating = false;
  dense_fmaps.rlc_dram = false;
  NetworkValues values = network_values(net, data, dense_fmaps, /*compressed=*/true, p.weights);
  SearchOptions search = ctx.x.search;
  search.threads = ctx.options.jobs;
  NetworkResult r = map_network(net, ctx.x.batch, dense_fmaps, search, {}, &values);
  NetworkCost c;
  c.label = label;
  c.net = p.net;
  c.width = p.width;
  c.weights = net.total_weights();
  for (size_t i = 0; i < net.layers.size(); ++i)
    for (int16_t w : data.params[i].weights) c.nonzero_weights += w != 0;
  c.macs = r.totals.macs;  // performed: MACs with a zero weight skipped
  c.macs_paper = net.total_macs_paper();
  c.energy = r.energy.scaled(1.0 / ctx.x.batch);
  c.cycles = r.totals.cycles / ctx.x.batch;
  c.source = "analytical, pruned weights";
  c.physical = network_physical(r, dense_fmaps);
  ctx.costs[label] = c;
  return c;
}

// The gate's decision (0 clean, 1 distorted) for every image, in the accelerator's fixed-point
// arithmetic (the same reference layers the simulator is checked against).
std::vector<int> gate_decisions(const std::string& weights, const Dataset& images, int word_bits) {
  Network gate = zoo_network("gate");
  std::vector<int> decisions;
  const size_t chunk = 250;
  for (size_t start = 0; start < images.size(); start += chunk) {
    size_t n = std::min(chunk, images.size() - start);
    FixedTensor input(int(n), gate.input, fmap_format(word_bits));
    const int64_t per_image = gate.input.elements();
    for (size_t i = 0; i < n; ++i) {
      const float* px = images.image_data(start + i);
      for (int64_t k = 0; k < per_image; ++k) input.data[size_t(int64_t(i) * per_image + k)] = quantize(px[k], input.q);
    }
    DataOptions o;
    o.batch = int(n);
    o.word_bits = word_bits;
    o.weights_path = weights;
    o.input_tensor = &input;
    NetworkData d = prepare_network_data(gate, o);
    const FixedTensor& logits = d.outputs.back();
    for (size_t i = 0; i < n; ++i) decisions.push_back(logits.at(int(i), 1, 0, 0) > logits.at(int(i), 0, 0, 0) ? 1 : 0);
  }
  return decisions;
}

Routing route(Context& ctx, const ExperimentDistortion& dist) {
  if (!file_exists(dist.gate_weights))
    fail("{}: the gate weights for distortion '{}' are missing (see docs/training.md to train them)", dist.gate_weights,
         dist.name);
  int count = ctx.options.images > 0 ? ctx.options.images : ctx.x.images;
  Dataset test = load_dataset(ctx.x.dataset, Split::Test, ctx.x.data_dir, size_t(count));
  Distortion d = parse_distortion(dist.name, dist.degree);
  MixedSet mixed = make_mixed_set(test, d, Ratio{ctx.x.ratio_clean, ctx.x.ratio_distorted}, ctx.x.seed, Split::Test,
                                  /*gate_labels=*/true);
  std::vector<int> decision = gate_decisions(dist.gate_weights, mixed.data, ctx.arch.word_bits);
  Routing r;
  r.images = int64_t(mixed.data.size());
  for (size_t i = 0; i < mixed.data.size(); ++i) {
    bool distorted = mixed.distorted[i] != 0, routed_distorted = decision[i] == 1;
    r.distorted += distorted;
    if (distorted) (routed_distorted ? r.distorted_to_distorted : r.distorted_to_clean)++;
    else (routed_distorted ? r.clean_to_distorted : r.clean_to_clean)++;
  }
  return r;
}

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
  return {{"label", c.label},     {"net", c.net},           {"width", c.width},
          {"weights", c.weights}, {"macs", c.macs},         {"macs_paper", c.macs_paper},
          {"cycles", c.cycles},   {"source", c.source},     {"energy_per_image", energy_json(c.energy)},
          {"physical", physical_to_json(c.physical, true)}};
}

std::string fmt_energy(double v) { return fmt::format("{:.4g}", v); }
std::string fmt_pct(double v) { return fmt::format("{:.2f}%", 100 * v); }

// Why a figure differs from the paper by more than 10%, from the numbers of this run.
std::string explain(const PaperFigure& f, double rowsim_value, Context& ctx) {
  if (f.kind == "gate_share" || f.kind == "reduction") {
    NetworkCost gate = cost_of(ctx, "gate", 1.0);
    const ExperimentFamily* fam = nullptr;
    for (const auto& family : ctx.x.families)
      if (family.net == f.net) fam = &family;
    NetworkCost base = cost_of(ctx, f.net, fam->baseline_width);
    double weight_ratio = f.kind == "gate_share"
                              ? double(gate.weights) / double(base.weights)
                              : double(base.weights) / double(gate.weights + cost_of(ctx, f.net, f.width).weights);
    return fmt::format(
        "The paper's {} equals the weight-count ratio ({:.4g}): its energy is proportional to weights. rowsim counts "
        "eq. (3) in full, including a register-file read of the weight for every MAC: the gate performs {:.1f} MACs "
        "per weight (most of its weights sit in fc1, used once per image) against {:.1f} for {}, so a gate weight costs "
        "{:.0f} and a {} weight {:.0f} (units of a 16-bit MAC), giving {:.4g}.",
        f.value, weight_ratio, double(gate.macs) / double(gate.weights), double(base.macs) / double(base.weights),
        base.label, gate.energy.weights_only() / double(gate.weights), base.label,
        base.energy.weights_only() / double(base.weights), rowsim_value);
  }
  if (f.kind == "pruned_share") {
    NetworkCost gate = cost_of(ctx, "gate", 1.0), pruned = pruned_cost(ctx, f.bits);
    double baseline_width = 1.0;
    for (const auto& family : ctx.x.families)
      if (family.net == f.net) baseline_width = family.baseline_width;
    NetworkCost base = cost_of(ctx, f.net, baseline_width);
    double index = 0;
    for (Level l : kAllLevels) index += pruned.energy.access[int(l)][int(Data::Index)];
    double weight_estimate =
        (double(gate.weights) + double(pruned.nonzero_weights) * f.bits / 16.0) / double(base.weights);
    double without_index = rowsim_value - index / base.energy.weights_only();
    return fmt::format(
        "The paper's {} is close to a weight-count estimate, (gate weights + nonzero weights x {}/16) / baseline "
        "weights = {:.4g}, which leaves out where the zeros are. rowsim stores the pruned network compressed and "
        "counts its bitmap index (one bit per weight position, fetched with the weights from DRAM and GLB): {:.1f}% "
        "of the pruned network's weights-only energy. Without the index rowsim gives {:.4g} ({:+.1f}% from the "
        "paper).",
        f.value, f.bits, weight_estimate, 100 * index / pruned.energy.weights_only(), without_index,
        100 * (without_index - f.value) / f.value);
  }
  return "";
}

void write_plots(const std::string& dir, Context& ctx) {
  for (const auto& family : ctx.x.families) {
    NetworkCost base = cost_of(ctx, family.net, family.baseline_width);
    NetworkCost gate = cost_of(ctx, "gate", 1.0);
    BarChart fig2;
    fig2.title = fmt::format("Fig. 2 style: weights-only data access energy per image, {} (normalized to {})",
                             family.net, base.label);
    fig2.ylabel = "normalized energy";
    fig2.series = {{"baseline network", {}, "#4c72b0"}, {"dedicated network", {}, "#55a868"}, {"gate", {}, "#c44e52"}};
    BarChart total;
    total.title = fmt::format("all data types per image by level, {} (normalized to {})", family.net, base.label);
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
    double norm = base.energy.weights_only();
    fig2.categories.push_back(base.label);
    fig2.series[0].values.push_back(1.0);
    fig2.series[1].values.push_back(0.0);
    fig2.series[2].values.push_back(0.0);
    add_total(base.label, base.energy);
    for (double w : family.widths) {
      NetworkCost ded = cost_of(ctx, family.net, w);
      std::string name = "selective " + ded.label;
      fig2.categories.push_back(name);
      fig2.series[0].values.push_back(0.0);
      fig2.series[1].values.push_back(ded.energy.weights_only() / norm);
      fig2.series[2].values.push_back(gate.energy.weights_only() / norm);
      Energy both = ded.energy;
      both += gate.energy;
      add_total(name, both);
    }
    write_bar_chart((std::filesystem::path(dir) / ("fig2-" + family.net + ".svg")).string(), fig2);
    write_bar_chart((std::filesystem::path(dir) / ("energy-by-level-" + family.net + ".svg")).string(), total);
  }
}

}  // namespace

nlohmann::json run_compare(const Experiment& x, const CompareOptions& options) {
  Context ctx{x, options, load_arch_spec(x.arch), {}};
  const std::string& dir = options.out_dir;
  make_directories(dir);

  // Costs of every network the experiment names.
  std::vector<std::pair<std::string, double>> nets = {{"gate", 1.0}};
  for (const auto& f : x.families) {
    nets.emplace_back(f.net, f.baseline_width);
    for (double w : f.widths) nets.emplace_back(f.net, w);
  }
  {
    Progress progress("compare: costing networks", int64_t(nets.size()), "networks");
    int done = 0;
    for (const auto& [net, width] : nets) {
      cost_of(ctx, net, width);
      progress.update(++done, network_label(net, width));
    }
  }
  NetworkCost gate = cost_of(ctx, "gate", 1.0);

  nlohmann::json report;
  report["experiment"] = x.name;
  report["experiment_source"] = x.source;
  report["arch"] = ctx.arch.name;
  report["batch"] = x.batch;
  report["energy_unit"] = "one 16-bit MAC, per image";
  report["views"] = {{"weights_only", "weight accesses at every level (the paper's data access energy)"},
                     {"total", "weights, ifmaps and psums at every level, plus MACs"}};
  report["cost_source"] = options.cycle_level ? "cycle-level (SystemC)" : "analytical";
  for (const auto& [label, cost] : ctx.costs) report["networks"].push_back(cost_json(cost));

  // Routing and selective energy per distortion.
  Table selective({"distortion", "family", "width", "routing accuracy", "baseline (weights-only)",
                   "selective (weights-only)", "reduction (weights-only)", "reduction (total)"});
  for (const auto& dist : x.distortions) {
    Routing r = route(ctx, dist);
    nlohmann::json d = {{"name", dist.name},
                        {"degree", parse_distortion(dist.name, dist.degree).params()},
                        {"gate_weights", dist.gate_weights},
                        {"routing",
                         {{"images", r.images},
                          {"distorted", r.distorted},
                          {"clean_to_clean", r.clean_to_clean},
                          {"clean_to_distorted", r.clean_to_distorted},
                          {"distorted_to_clean", r.distorted_to_clean},
                          {"distorted_to_distorted", r.distorted_to_distorted},
                          {"accuracy", r.accuracy()}}}};
    for (const auto& [family, width] : dist.selective_width) {
      const ExperimentFamily* fam = nullptr;
      for (const auto& f : x.families)
        if (f.net == family) fam = &f;
      NetworkCost base = cost_of(ctx, family, fam->baseline_width), ded = cost_of(ctx, family, width);
      // Both dedicated networks of a pair have this width, so every routed image costs the same.
      Energy sel = ded.energy;
      sel += gate.energy;
      d["selective"].push_back({{"family", family},
                                {"width", width},
                                {"dedicated", ded.label},
                                {"energy_per_image", energy_json(sel)},
                                {"baseline_energy_per_image", energy_json(base.energy)},
                                {"reduction_weights_only", base.energy.weights_only() / sel.weights_only()},
                                {"reduction_total", base.energy.total() / sel.total()}});
      // Physical figures of the pair: the gate then the dedicated network, per image.
      Physical pair = gate.physical;
      pair += ded.physical;
      nlohmann::json& entry = d["selective"].back();
      entry["latency_ms_per_image"] = pair.latency_ms_per_image();
      entry["baseline_latency_ms_per_image"] = base.physical.latency_ms_per_image();
      if (pair.technology) {
        entry["pj_per_image"] = pair.energy_pj_per_image();
        entry["baseline_pj_per_image"] = base.physical.energy_pj_per_image();
        entry["reduction_pj"] = base.physical.energy_pj_per_image() / pair.energy_pj_per_image();
      }
      selective.add_row({dist.name, family, width_label(width), fmt_pct(r.accuracy()),
                         fmt_energy(base.energy.weights_only()), fmt_energy(sel.weights_only()),
                         fmt::format("{:.2f}x", base.energy.weights_only() / sel.weights_only()),
                         fmt::format("{:.2f}x", base.energy.total() / sel.total())});
    }
    report["distortions"].push_back(d);
  }

  // The paper's figures beside rowsim's.
  Table comparison({"figure", "quantity", "paper", "rowsim", "rel. error"});
  std::string notes;
  report["paper_comparison"] = nlohmann::json::array();
  for (const auto& f : x.paper) {
    nlohmann::json entry = {{"figure", f.figure}, {"quantity", f.quantity}, {"paper", f.value}};
    std::optional<double> value;
    const ExperimentFamily* fam = nullptr;
    for (const auto& family : x.families)
      if (family.net == f.net) fam = &family;
    NetworkCost base = cost_of(ctx, f.net, fam->baseline_width);
    if (f.kind == "gate_share") value = gate.energy.weights_only() / base.energy.weights_only();
    if (f.kind == "reduction")
      value = base.energy.weights_only() / (gate.energy.weights_only() + cost_of(ctx, f.net, f.width).energy.weights_only());
    if (f.kind == "pruned_share" && x.pruning.enabled && file_exists(x.pruning.weights))
      value = (gate.energy.weights_only() + pruned_cost(ctx, f.bits).energy.weights_only()) / base.energy.weights_only();
    if (value) {
      double rel = (*value - f.value) / f.value;
      entry["rowsim"] = *value;
      entry["rel_error"] = rel;
      comparison.add_row({f.figure, f.quantity, fmt::format("{:.4g}", f.value), fmt::format("{:.4g}", *value),
                          fmt::format("{:+.1f}%", 100 * rel)});
      if (std::fabs(rel) > 0.10) {
        std::string why = explain(f, *value, ctx);
        entry["why"] = why;
        notes += fmt::format("- **{} {}** ({:+.1f}%): {}\n", f.figure, f.quantity, 100 * rel, why);
      }
    } else {
      entry["rowsim"] = nullptr;
      entry["rel_error"] = nullptr;
      entry["why"] = "needs pruned weights (a pruning section with a weights file)";
      comparison.add_row({f.figure, f.quantity, fmt::format("{:.4g}", f.value), "-", "-"});
    }
    report["paper_comparison"].push_back(entry);
  }

  // Fig. 4: the selective network with pruned, quantized weights (the gate is never pruned).
  std::string pruning_md;
  if (x.pruning.enabled) {
    if (!file_exists(x.pruning.weights)) {
      pruning_md = fmt::format("Pruning: {} not found, so Fig. 4 is not computed.\n", x.pruning.weights);
    } else {
      double baseline_width = 1.0;
      for (const auto& f : x.families)
        if (f.net == x.pruning.net) baseline_width = f.baseline_width;
      NetworkCost base = cost_of(ctx, x.pruning.net, baseline_width), dense = cost_of(ctx, x.pruning.net, x.pruning.width);
      Table t({"network", "nonzero weights", "MACs performed", "weights-only energy", "share of baseline",
               "total energy", "share of baseline (total)"});
      auto row = [&](const std::string& name, int64_t nonzero, int64_t macs, const Energy& e) {
        t.add_row({name, std::to_string(nonzero), std::to_string(macs), fmt_energy(e.weights_only()),
                   fmt_pct(e.weights_only() / base.energy.weights_only()), fmt_energy(e.total()),
                   fmt_pct(e.total() / base.energy.total())});
      };
      row(base.label + " (baseline)", base.weights, base.macs, base.energy);
      Energy sel = dense.energy;
      sel += gate.energy;
      row("selective " + dense.label, gate.weights + dense.weights, gate.macs + dense.macs, sel);
      BarChart fig4;
      fig4.title = "Fig. 4 style: weights-only energy per image with pruning and quantization (normalized to " +
                   base.label + ")";
      fig4.ylabel = "normalized energy";
      fig4.series = {{"baseline network", {}, "#4c72b0"}, {"dedicated network", {}, "#55a868"}, {"gate", {}, "#c44e52"}};
      auto bar = [&](const std::string& name, double baseline, double dedicated, double gate_part) {
        fig4.categories.push_back(name);
        double norm = base.energy.weights_only();
        fig4.series[0].values.push_back(baseline / norm);
        fig4.series[1].values.push_back(dedicated / norm);
        fig4.series[2].values.push_back(gate_part / norm);
      };
      bar(base.label, base.energy.weights_only(), 0, 0);
      bar("selective " + dense.label, 0, dense.energy.weights_only(), gate.energy.weights_only());
      nlohmann::json pj = {{"weights", x.pruning.weights}, {"network", dense.label}, {"bits", nlohmann::json::array()}};
      for (int bits : x.pruning.bits) {
        NetworkCost pc = pruned_cost(ctx, bits);
        Energy both = pc.energy;
        both += gate.energy;
        row("selective " + pc.label, gate.weights + pc.nonzero_weights, gate.macs + pc.macs, both);
        bar(fmt::format("pruned {}-bit", bits), 0, pc.energy.weights_only(), gate.energy.weights_only());
        pj["bits"].push_back({{"bits", bits},
                              {"nonzero_weights", pc.nonzero_weights},
                              {"macs_performed", pc.macs},
                              {"dedicated_energy_per_image", energy_json(pc.energy)},
                              {"selective_energy_per_image", energy_json(both)},
                              {"share_weights_only", both.weights_only() / base.energy.weights_only()},
                              {"share_total", both.total() / base.energy.total()}});
      }
      report["pruning"] = pj;
      write_bar_chart((std::filesystem::path(dir) / "fig4.svg").string(), fig4);
      pruning_md = "## Pruning and quantization (Fig. 4)\n\nThe gate stays unpruned at 16 bits; the dedicated network's "
                   "weights come from `" + x.pruning.weights + "`, stored compressed (nonzero values plus a one-bit-per-"
                   "position bitmap, whose bits are counted), quantized to each width; feature maps count as dense, as for "
                   "every network in this report, so the shares measure pruning and bit width alone.\n\n```\n" + t.to_text() + "```\n\n";
    }
  }

  std::string accuracy_md;
  if (x.accuracy.enabled) {
    Experiment capped = x;
    if (options.images > 0) capped.accuracy.images = options.images;
    report["accuracy"] = run_accuracy(capped, dir, options.jobs, accuracy_md);
  }

  // Networks table (both views, by level).
  // With the physical figures after the normalized ones (text: rounded; CSV: full precision).
  auto networks_table = [&](bool csv) {
    std::vector<std::string> header = {"network", "weights", "MACs", "MACs (eq. 2)", "weights-only energy",
                                       "total energy", "DRAM", "GLB", "array", "RF", "MAC", "cycles"};
    for (const auto& h : physical_header(ctx.arch, csv)) header.push_back(h);
    Table t(header);
    for (const auto& [net, width] : nets) {
      NetworkCost c = cost_of(ctx, net, width);
      std::vector<std::string> row = {c.label, std::to_string(c.weights), std::to_string(c.macs),
                                      std::to_string(c.macs_paper), fmt_energy(c.energy.weights_only()),
                                      fmt_energy(c.energy.total()), fmt_energy(c.energy.level(Level::DRAM)),
                                      fmt_energy(c.energy.level(Level::GLB)), fmt_energy(c.energy.level(Level::Array)),
                                      fmt_energy(c.energy.level(Level::RF)), fmt_energy(c.energy.mac),
                                      std::to_string(c.cycles)};
      for (const auto& cell : physical_cells(c.physical, csv)) row.push_back(cell);
      t.add_row(row);
    }
    return t;
  };
  Table networks = networks_table(false);

  std::string md = fmt::format(
      "# {}: baseline vs selective per-image energy\n\n"
      "Experiment `{}` on `{}` ({}x{} PEs), batch {}, mapping objective {} (slack {}); costs from the {} model. "
      "Energy is per image in units of one 16-bit MAC; *weights-only* is the paper's data access energy, *total* "
      "counts all data types at every level plus MACs.\n\n"
      "## The paper's figures beside rowsim's\n\n{}\n",
      x.name, x.source, ctx.arch.name, ctx.arch.pe_rows, ctx.arch.pe_cols, x.batch, to_string(x.search.objective),
      x.search.energy_slack, options.cycle_level ? "cycle-level (SystemC)" : "analytical", comparison.to_text());
  if (!notes.empty()) md += "Where rowsim differs from the paper by more than 10%:\n\n" + notes + "\n";
  md += "## Selective scheme per distortion\n\nThe gate routes each image of a mixed test set (" +
        fmt::format("{} {} images, clean:distorted {}:{}", options.images > 0 ? options.images : x.images, x.dataset,
                    x.ratio_clean, x.ratio_distorted) +
        ") in 16-bit fixed point; the selective cost is the gate plus the dedicated network of the width the paper "
        "picks for that distortion.\n\n```\n" +
        selective.to_text() + "```\n\n" + pruning_md + accuracy_md + "## Networks\n\n```\n" + networks.to_text() + "```\n\n" +
        "Plots: `fig2-<family>.svg` (weights-only, normalized to the baseline, gate share visible), "
        "`energy-by-level-<family>.svg` (all data types by level).\n";

  write_file_atomic((std::filesystem::path(dir) / "report.json").string(), report.dump(2) + "\n");
  write_file_atomic((std::filesystem::path(dir) / "report.md").string(), md);
  write_file_atomic((std::filesystem::path(dir) / "networks.csv").string(), networks_table(true).to_csv());
  write_file_atomic((std::filesystem::path(dir) / "selective.csv").string(), selective.to_csv());
  write_file_atomic((std::filesystem::path(dir) / "paper_comparison.csv").string(), comparison.to_csv());
  write_plots(dir, ctx);
  return report;
}

}  // namespace rowsim
