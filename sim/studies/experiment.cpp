#include "sim/studies/experiment.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "workloads/distortions.hpp"
#include "workloads/net_file.hpp"
#include "workloads/util/data_dir.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/yaml_reader.hpp"
#include "workloads/zoo.hpp"

namespace rowsim {

// Two decimals as the paper writes widths (0.50), more only when the width needs them (0.125).
std::string width_label(double width) {
  std::string two = fmt::format("{:.2f}", width);
  return std::stod(two) == width ? two : fmt::format("{:g}", width);
}

ExperimentNetwork zoo_network_entry(const std::string& net, double width) {
  ExperimentNetwork n;
  n.label = net == "gate" ? "gate" : width_label(width) + "-" + net;
  n.net = net;
  n.width = width;
  return n;
}

namespace {

// A file the experiment reads: resolved, and checked to exist so a missing one is named with the
// line that gave it and what it was relative to, before any work starts.
std::string resolve_file(const ExperimentText& base, const YamlNode& node) {
  std::string given = node.as_string();
  std::string resolved = base.resolve(given);
  if (!file_exists(resolved)) {
    if (resolved == given) node.fail(fmt::format("{}: no such file", given));
    node.fail(fmt::format("'{}' resolved to {} (relative to {}): no such file", given, resolved, base.dir_description()));
  }
  return resolved;
}

std::vector<double> widths_of(const YamlNode& node) {
  std::vector<double> widths;
  for (const auto& w : node.elements()) widths.push_back(w.as_double(1e-6, 4));
  if (widths.empty()) node.fail("the list is empty; expected at least one width");
  return widths;
}

// A network file named at `node`: loaded now, so a missing or bad file is an error naming the
// experiment file and the key before any work starts.
ExperimentNetwork file_entry(const YamlNode& node, const ExperimentText& base, const std::string& label) {
  ExperimentNetwork n;
  n.label = label;
  n.file_shown = node.as_string();
  n.file = resolve_file(base, node);
  node.checked([&] { return load_network_file(n.file); });
  return n;
}

ExperimentFamily load_family(const YamlNode& f, const ExperimentText& base) {
  ExperimentFamily family;
  if (f.has("net")) {
    f.only_keys({"net", "baseline_width", "widths"});
    family.net = family.name = f.string_at("net");
    f.require("net").checked([&] { return zoo_network(family.net); });
    family.baseline_width = f.double_at("baseline_width", 1e-6, 4);
    family.widths = widths_of(f.require("widths"));
    family.baseline = zoo_network_entry(family.net, family.baseline_width);
    for (double w : family.widths) family.dedicated.push_back(zoo_network_entry(family.net, w));
    return family;
  }
  if (!f.has("name"))
    f.fail("a family needs 'net' (a zoo network with baseline_width and widths) or 'name' with baseline_file and "
           "dedicated_files");
  f.only_keys({"name", "baseline_file", "dedicated_files"});
  family.name = f.string_at("name");
  if (is_zoo_network(family.name))
    f.require("name").fail(fmt::format("'{}' is a zoo network; give a family of files another name", family.name));
  family.baseline = file_entry(f.require("baseline_file"), base, family.name + ":baseline");
  YamlNode files = f.require("dedicated_files");
  if (!files.is_map()) files.fail("expected a map from a name to a network file, e.g. {half: half.onnx}");
  for (const auto& key : files.keys())
    family.dedicated.push_back(file_entry(files.require(key), base, family.name + ":" + key));
  if (family.dedicated.empty()) files.fail("the map is empty; expected at least one dedicated network file");
  return family;
}

}  // namespace

const char* to_string(FigureKind kind) {
  switch (kind) {
    case FigureKind::GateShare: return "gate_share";
    case FigureKind::Reduction: return "reduction";
    case FigureKind::PrunedShare: return "pruned_share";
  }
  return "?";
}

const ExperimentNetwork* ExperimentFamily::dedicated_named(const std::string& key) const {
  for (const auto& d : dedicated)
    if (d.label == name + ":" + key) return &d;
  return nullptr;
}

const ExperimentFamily* Experiment::family(const std::string& name) const {
  for (const auto& f : families)
    if (f.name == name) return &f;
  return nullptr;
}

std::string Experiment::shown_path(const std::string& path) const {
  if (path.empty() || !std::filesystem::path(path).is_absolute() || base_dir.empty()) return path;
  std::filesystem::path base = std::filesystem::absolute(base_dir).lexically_normal();
  std::filesystem::path rel = std::filesystem::path(path).lexically_normal().lexically_relative(base);
  return rel.empty() ? path : rel.string();
}

ExperimentText read_experiment_text(const std::string& path_or_name) {
  ExperimentText source;
  const auto& embedded = embedded_experiments();
  auto it = embedded.find(path_or_name);
  if (it != embedded.end() && !file_exists(path_or_name)) {
    source.text = it->second;
    source.origin = "<embedded " + path_or_name + ".yaml>";
    return source;
  }
  if (!file_exists(path_or_name)) {
    std::string names;
    for (const auto& [name, body] : embedded) names += (names.empty() ? "" : ", ") + name;
    fail("{}: no such file (embedded experiment files: {})", path_or_name, names);
  }
  source.text = read_file(path_or_name);
  source.origin = path_or_name;
  source.file = path_or_name;
  return source;
}

std::string ExperimentText::dir() const {
  if (file.empty()) return data_dir().path + "/configs/experiments";
  return std::filesystem::path(file).parent_path().string();
}

std::string ExperimentText::dir_description() const {
  if (!file.empty()) return "the experiment file " + file;
  const DataDir& data = data_dir();
  return fmt::format("configs/experiments in the data directory {}, found as {}", data.path, data.origin);
}

std::string ExperimentText::resolve(const std::string& path) const {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(dir()) / path).lexically_normal().string();
}

Experiment load_experiment(const std::string& path_or_name) {
  ExperimentText base = read_experiment_text(path_or_name);
  YamlReader reader = YamlReader::from_string(base.text, base.origin);
  YamlNode root = reader.root();
  root.only_keys(
      {"name", "arch", "batch", "mapping", "dataset", "families", "distortions", "pruning", "accuracy", "paper"});
  Experiment x;
  x.source = base.origin;
  x.base_dir = base.dir();
  x.name = root.string_at("name");
  x.arch = root.string_at("arch");
  if (!x.arch.empty() && x.arch.find('/') != std::string::npos) x.arch = base.resolve(x.arch);
  x.batch = int(root.int_at("batch", 1, 1 << 16));

  YamlNode mapping = root.require("mapping");
  mapping.only_keys({"objective", "energy_slack"});
  x.search.objective = parse_objective(mapping.require("objective").as_choice({"energy", "cycles", "edp"}));
  x.search.energy_slack = mapping.double_at("energy_slack", 0, 10);

  YamlNode data = root.require("dataset");
  data.only_keys({"name", "data_dir", "images", "ratio", "seed"});
  x.dataset = data.require("name").as_choice({"fashion-mnist", "cifar100", "synthetic"});
  if (data.has("data_dir")) x.data_dir = base.resolve(data.string_at("data_dir"));
  x.images = int(data.int_at("images", 1, 1000000));
  YamlNode ratio_node = data.require("ratio");
  std::string ratio_text = ratio_node.as_string();
  Ratio ratio = ratio_node.checked([&] { return parse_ratio(ratio_text); });
  x.ratio_clean = ratio.clean;
  x.ratio_distorted = ratio.distorted;
  x.seed = uint64_t(data.int_at("seed", 0, int64_t(1) << 40));

  for (const auto& f : root.require("families").elements()) {
    ExperimentFamily family = load_family(f, base);
    if (x.family(family.name)) f.fail(fmt::format("family '{}' is given twice", family.name));
    x.families.push_back(family);
  }
  auto zoo_family = [&](const std::string& name, const YamlNode& node) {
    const ExperimentFamily* fam = x.family(name);
    if (!fam) node.fail(fmt::format("'{}' is not one of the experiment's families", name));
    if (fam->net.empty()) node.fail(fmt::format("'{}' is a family of network files; this names zoo families only", name));
    return fam;
  };

  for (const auto& d : root.require("distortions").elements()) {
    d.only_keys({"name", "degree", "gate_weights", "selective_width", "selective_file"});
    ExperimentDistortion distortion;
    distortion.name = d.require("name").as_choice({"noise", "blur", "occlusion"});
    if (auto degree = d.optional("degree")) {
      distortion.degree = degree->as_double(1e-6, 1e6);
      degree->checked([&] { return parse_distortion(distortion.name, distortion.degree); });  // the kind's limits
    }
    distortion.gate_weights = resolve_file(base, d.require("gate_weights"));
    if (!d.has("selective_width") && !d.has("selective_file"))
      d.fail("give selective_width (zoo families: the dedicated width) or selective_file (file families: the name "
             "of a dedicated file)");
    if (auto widths = d.optional("selective_width"))
      for (const auto& net : widths->keys()) {
        const ExperimentFamily* fam = zoo_family(net, widths->require(net));
        distortion.selective[net] = zoo_network_entry(fam->net, widths->double_at(net, 1e-6, 4));
      }
    if (auto files = d.optional("selective_file"))
      for (const auto& name : files->keys()) {
        YamlNode node = files->require(name);
        const ExperimentFamily* fam = x.family(name);
        if (!fam) node.fail(fmt::format("'{}' is not one of the experiment's families", name));
        if (!fam->net.empty()) node.fail(fmt::format("'{}' is a zoo family; give its width under selective_width", name));
        const ExperimentNetwork* ded = fam->dedicated_named(node.as_string());
        if (!ded) node.fail(fmt::format("'{}' is not one of family {}'s dedicated_files", node.as_string(), name));
        distortion.selective[name] = *ded;
      }
    x.distortions.push_back(distortion);
  }

  if (auto p = root.optional("pruning")) {
    p->only_keys({"net", "width", "weights", "bits"});
    x.pruning.enabled = true;
    x.pruning.net = p->string_at("net");
    zoo_family(x.pruning.net, p->require("net"));
    x.pruning.width = p->double_at("width", 1e-6, 4);
    x.pruning.weights = p->has("weights") ? resolve_file(base, p->require("weights")) : "";
    for (const auto& b : p->require("bits").elements()) x.pruning.bits.push_back(int(b.as_int(2, 16)));
  }

  if (auto a = root.optional("accuracy")) {
    a->only_keys({"images", "ratios", "clean", "distortions"});
    x.accuracy.enabled = true;
    x.accuracy.images = int(a->int_at("images", 1, 1000000));
    for (const auto& r : a->require("ratios").elements()) {
      std::string text = r.as_string();
      r.checked([&] { return parse_ratio(text); });
      x.accuracy.ratios.push_back(r.as_string());
    }
    x.accuracy.clean = resolve_file(base, a->require("clean"));
    YamlNode ds = a->require("distortions");
    for (const auto& name : ds.keys()) {
      YamlNode d = ds.require(name);
      d.only_keys({"degrees", "dedicated", "baseline"});
      AccuracyDistortion ad;
      ad.name = name;
      bool known = false;
      for (const auto& dist : x.distortions) known = known || dist.name == name;
      if (!known) d.fail(fmt::format("'{}' is not one of the experiment's distortions", name));
      for (const auto& v : d.require("degrees").elements()) {
        ad.degrees.push_back(v.as_double(1e-6, 1e6));
        v.checked([&] { return parse_distortion(name, ad.degrees.back()); });
      }
      ad.dedicated = resolve_file(base, d.require("dedicated"));
      ad.baseline = resolve_file(base, d.require("baseline"));
      x.accuracy.distortions.push_back(ad);
    }
  }

  if (auto paper = root.optional("paper")) {
    for (const auto& f : paper->elements()) {
      f.only_keys({"figure", "quantity", "kind", "net", "width", "distortion", "bits", "value"});
      PaperFigure fig;
      fig.figure = f.string_at("figure");
      fig.quantity = f.string_at("quantity");
      std::string kind = f.require("kind").as_choice({"gate_share", "reduction", "pruned_share"});
      fig.kind = kind == "gate_share" ? FigureKind::GateShare
                 : kind == "reduction" ? FigureKind::Reduction
                                       : FigureKind::PrunedShare;
      fig.net = f.string_at("net");
      zoo_family(fig.net, f.require("net"));
      if (f.has("width")) fig.width = f.double_at("width", 1e-6, 4);
      if (f.has("distortion")) fig.distortion = f.string_at("distortion");
      if (f.has("bits")) fig.bits = int(f.int_at("bits", 2, 16));
      fig.value = f.require("value").as_positive_double();
      if (fig.kind != FigureKind::GateShare && fig.width == 0) f.fail(fmt::format("a {} figure needs a width", kind));
      if (fig.kind == FigureKind::PrunedShare && !x.pruning.enabled) f.fail("a pruned_share figure needs a pruning section");
      x.paper.push_back(fig);
    }
  }
  return x;
}

}  // namespace rowsim
