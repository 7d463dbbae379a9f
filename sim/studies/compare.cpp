#include "sim/studies/compare.hpp"

#include <cmath>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "mapper/network_mapper.hpp"
#include "sim/driver/network_data.hpp"
#include "sim/driver/network_values.hpp"
#include "sim/driver/simulate_runner.hpp"
#include "sim/report/report.hpp"
#include "sim/report/simulate_report.hpp"
#include "sim/studies/accuracy.hpp"
#include "sim/studies/compare_report.hpp"
#include "workloads/datasets.hpp"
#include "workloads/distortions.hpp"
#include "workloads/net_file.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/failure.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/progress.hpp"
#include "workloads/weights_file.hpp"
#include "workloads/zoo.hpp"

namespace rowsim {

double Routing::accuracy() const {
  return images > 0 ? double(clean_to_clean + distorted_to_distorted) / double(images) : 0.0;
}

const NetworkCost& CompareResult::network(const std::string& label) const {
  for (const auto& n : networks)
    if (n.label == label) return n;
  fail("compare: no network {} was priced", label);  // a bug: every label comes from the experiment
}

namespace {

struct Context {
  const Experiment& x;
  const CompareOptions& options;
  ArchSpec arch;
  std::map<std::string, NetworkCost> costs;  // by label
};

Physical network_physical(const NetworkResult& r, const ArchSpec& arch) {
  Physical p;
  p.batch = r.batch;
  p.clock_mhz = arch.clock_mhz;
  for (const auto& l : r.layers) p += layer_physical(l, arch, r.batch);
  return p;
}

ExperimentNetwork gate_entry() { return zoo_network_entry("gate", 1.0); }

const NetworkCost& cost_of(Context& ctx, const ExperimentNetwork& entry) {
  auto it = ctx.costs.find(entry.label);
  if (it != ctx.costs.end()) return it->second;
  NetFileOptions file_options;
  file_options.batch = ctx.x.batch;
  Network net = entry.from_file() ? load_network_file(entry.file, file_options) : zoo_network(entry.net, entry.width);
  NetworkCost c;
  c.label = entry.label;
  c.net = entry.net;
  c.width = entry.width;
  c.file = entry.file_shown;
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
    if (!ctx.options.simulator) panic("compare: a cycle-level run without a Simulator, expected the caller's");
    SimulationResult r = simulate_network(*ctx.options.simulator, net, ctx.arch, so);
    if (!r.bit_exact || !r.counts_match)
      fail("cycle-level run of {}: bit_exact={} counts_match_analytical={}; simulate that network alone to see the "
           "layer that disagrees",
           entry.label, r.bit_exact, r.counts_match);
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
  return ctx.costs[entry.label] = c;
}

const NetworkCost& baseline_of(Context& ctx, const std::string& family) {
  return cost_of(ctx, ctx.x.family(family)->baseline);
}

// The selective dedicated network with pruned weights, stored compressed, quantized to `bits`:
// analytical counts with the file's actual zero weights. Feature maps count as dense (zero gating
// off), as for every other network in the comparison, so the share measures the weights' pruning
// and bit width alone; the input is the first test images.
const NetworkCost& pruned_cost(Context& ctx, int bits) {
  const ExperimentPruning& p = ctx.x.pruning;
  std::string label = fmt::format("{}-{} pruned {}-bit", width_label(p.width), p.net, bits);
  auto it = ctx.costs.find(label);
  if (it != ctx.costs.end()) return it->second;
  SafeTensors file = read_weights_file(p.weights);
  WeightsInfo info = weights_info(file, p.weights);
  if (info.network != p.net || std::fabs(info.width - p.width) > 1e-9)
    fail("{}: holds {} at width {}, the experiment's pruning section names {} at {}", p.weights, info.network,
         info.width, p.net, p.width);
  Network net = zoo_network(p.net, p.width, info.classes);
  Dataset images = with_context(ctx.x.source + ": dataset", [&] {
    return load_dataset(ctx.x.dataset, Split::Test, ctx.x.data_dir, size_t(ctx.x.batch));
  });
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
  return ctx.costs[label] = c;
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

Routing route(Context& ctx, const ExperimentDistortion& dist, const Dataset& test) {
  if (!file_exists(dist.gate_weights))
    fail("{}: the gate weights for distortion '{}' are missing (see docs/training.md to train them)", dist.gate_weights,
         dist.name);
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

// Why a figure differs from the paper by more than 10%, from the numbers of this run.
std::string explain(const PaperFigure& f, double rowsim_value, Context& ctx) {
  const NetworkCost& gate = cost_of(ctx, gate_entry());
  const NetworkCost& base = baseline_of(ctx, f.net);
  if (f.kind == FigureKind::GateShare || f.kind == FigureKind::Reduction) {
    double weight_ratio =
        f.kind == FigureKind::GateShare
            ? double(gate.weights) / double(base.weights)
            : double(base.weights) /
                  double(gate.weights + cost_of(ctx, zoo_network_entry(f.net, f.width)).weights);
    return fmt::format(
        "The paper's {} equals the weight-count ratio ({:.4g}): its energy is proportional to weights. rowsim counts "
        "eq. (3) in full, including a register-file read of the weight for every MAC: the gate performs {:.1f} MACs "
        "per weight (most of its weights sit in fc1, used once per image) against {:.1f} for {}, so a gate weight costs "
        "{:.0f} and a {} weight {:.0f} (units of a 16-bit MAC), giving {:.4g}.",
        f.value, weight_ratio, double(gate.macs) / double(gate.weights), double(base.macs) / double(base.weights),
        base.label, gate.energy.weights_only() / double(gate.weights), base.label,
        base.energy.weights_only() / double(base.weights), rowsim_value);
  }
  const NetworkCost& pruned = pruned_cost(ctx, f.bits);
  double index = 0;
  for (Level l : kAllLevels) index += pruned.energy.access[int(l)][int(Data::Index)];
  double weight_estimate = (double(gate.weights) + double(pruned.nonzero_weights) * f.bits / 16.0) / double(base.weights);
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

// The test images a run routes: the count asked for, never silently fewer.
Dataset test_images(const Experiment& x, int count, bool overridden) {
  Dataset test = with_context(x.source + ": dataset", [&] {
    return load_dataset(x.dataset, Split::Test, x.data_dir, size_t(count));
  });
  if (test.size() < size_t(count))
    fail("{}: {} test images asked for ({}), but the {} test split holds {}; ask for at most {}", x.source, count,
         overridden ? "the run's image count" : "dataset.images or accuracy.images", x.dataset, test.size(),
         test.size());
  return test;
}

FigureResult compare_figure(Context& ctx, const PaperFigure& f) {
  FigureResult out;
  out.figure = f;
  const NetworkCost& gate = cost_of(ctx, gate_entry());
  const NetworkCost& base = baseline_of(ctx, f.net);
  switch (f.kind) {
    case FigureKind::GateShare:
      out.rowsim = gate.energy.weights_only() / base.energy.weights_only();
      break;
    case FigureKind::Reduction:
      out.rowsim = base.energy.weights_only() /
                   (gate.energy.weights_only() +
                    cost_of(ctx, zoo_network_entry(f.net, f.width)).energy.weights_only());
      break;
    case FigureKind::PrunedShare:
      if (!file_exists(ctx.x.pruning.weights)) {
        out.why = "needs pruned weights (a pruning section with a weights file)";
        return out;
      }
      out.rowsim = (gate.energy.weights_only() + pruned_cost(ctx, f.bits).energy.weights_only()) /
                   base.energy.weights_only();
      break;
  }
  if (std::fabs(out.rel_error()) > 0.10) out.why = explain(f, *out.rowsim, ctx);
  return out;
}

PruningResult compute_pruning(Context& ctx) {
  const ExperimentPruning& p = ctx.x.pruning;
  PruningResult out;
  out.enabled = p.enabled;
  out.weights = ctx.x.shown_path(p.weights);
  if (!p.enabled || !file_exists(p.weights)) return out;
  out.computed = true;
  out.baseline = baseline_of(ctx, p.net);
  out.dense = cost_of(ctx, zoo_network_entry(p.net, p.width));
  const NetworkCost& gate = cost_of(ctx, gate_entry());
  for (int bits : p.bits) {
    PrunedRow row;
    row.bits = bits;
    row.pruned = pruned_cost(ctx, bits);
    row.selective = row.pruned.energy;
    row.selective += gate.energy;
    out.rows.push_back(row);
  }
  return out;
}

}  // namespace

// What a run needs before any work: the test images it asks for and every gate and classifier
// file, so bad input fails before the run directory is made.
void check_compare_inputs(const Experiment& x, const CompareOptions& options) {
  for (const auto& d : x.distortions)
    if (!file_exists(d.gate_weights))
      fail("{}: the gate weights for distortion '{}' are missing (see docs/training.md to train them)", d.gate_weights,
           d.name);
  int images = options.images > 0 ? options.images : x.images;
  if (x.accuracy.enabled) {
    images = std::max(images, options.images > 0 ? options.images : x.accuracy.images);
    for (const auto& ad : x.accuracy.distortions)
      for (const auto& file : {x.accuracy.clean, ad.dedicated, ad.baseline})
        if (!file_exists(file))
          fail("{}: the classifier for the accuracy figure is missing (docs/compression.md)", file);
  }
  test_images(x, images, options.images > 0);
}

CompareResult compute_compare(const Experiment& x, const CompareOptions& options) {
  Context ctx{x, options, load_arch_spec(x.arch), {}};
  CompareResult result;
  result.experiment = &x;
  result.arch = ctx.arch;
  result.cycle_level = options.cycle_level;
  result.images = options.images > 0 ? options.images : x.images;

  // Every network the experiment names, in its order (labels of unnamed zoo entries filled here).
  std::vector<ExperimentNetwork> nets = {gate_entry()};
  for (const auto& f : x.families) {
    nets.push_back(f.baseline);
    for (const auto& d : f.dedicated) nets.push_back(d);
  }
  for (const auto& d : x.distortions)
    for (const auto& [family, ded] : d.selective) nets.push_back(ded);
  {
    Progress progress("compare: costing networks", int64_t(nets.size()), "networks");
    int done = 0;
    for (const auto& n : nets) {
      const NetworkCost& c = cost_of(ctx, n);
      bool seen = false;
      for (const auto& r : result.networks) seen = seen || r.label == c.label;
      if (!seen) result.networks.push_back(c);
      progress.update(++done, n.label);
    }
  }
  result.gate = cost_of(ctx, gate_entry());

  Dataset test = test_images(x, result.images, options.images > 0);
  // Each stage below is an outer progress stage, so the steps inside it (a gate's reference pass,
  // a pruned network's mapping) stay quiet in a log.
  Progress routing("compare: routing images", int64_t(x.distortions.size()), "distortions");
  for (const auto& dist : x.distortions) {
    DistortionResult d;
    d.spec = dist;
    d.params = parse_distortion(dist.name, dist.degree).params();
    d.routing = route(ctx, dist, test);
    for (const auto& [family, ded] : dist.selective) {
      SelectiveCost s;
      s.family = family;
      s.baseline = baseline_of(ctx, family);
      // Both dedicated networks of a pair are alike, so every routed image costs the same.
      s.dedicated = cost_of(ctx, ded);
      s.energy = s.dedicated.energy;
      s.energy += result.gate.energy;
      s.pair = result.gate.physical;
      s.pair += s.dedicated.physical;
      d.selective.push_back(s);
    }
    result.distortions.push_back(d);
    routing.update(int64_t(result.distortions.size()), dist.name);
  }
  routing.finish();

  {
    Progress figures("compare: paper figures and pruned networks", 1, "stages");
    for (const auto& f : x.paper) result.figures.push_back(compare_figure(ctx, f));
    result.pruning = compute_pruning(ctx);
    figures.update(1);
  }

  if (x.accuracy.enabled) {
    Experiment capped = x;
    if (options.images > 0) capped.accuracy.images = options.images;
    result.accuracy = run_accuracy(capped, options.out_dir, options.jobs, result.accuracy_markdown);
  }
  return result;
}

nlohmann::json run_compare(const Experiment& x, const CompareOptions& options) {
  const std::filesystem::path dir(options.out_dir);
  make_directories(options.out_dir);
  const std::string marker = (dir / kIncompleteMarker).string();
  write_file_atomic(marker, "This rowsim compare run has not finished (it is running, or it was killed or failed): "
                            "the files here are partial. A finished run removes this file.\n");
  CompareResult result = compute_compare(x, options);
  nlohmann::json report = compare_json(result);
  write_file_atomic((dir / "report.json").string(), report.dump(2) + "\n");
  write_file_atomic((dir / "report.md").string(), compare_markdown(result));
  write_file_atomic((dir / "networks.csv").string(), networks_csv(result));
  write_file_atomic((dir / "selective.csv").string(), selective_csv(result));
  write_file_atomic((dir / "paper_comparison.csv").string(), paper_comparison_csv(result));
  write_compare_plots(options.out_dir, result);
  std::filesystem::remove(marker);
  return report;
}

}  // namespace rowsim
