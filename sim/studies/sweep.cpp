#include "sim/studies/sweep.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include "mapper/network_mapper.hpp"
#include "models/arch/arch_spec.hpp"
#include "sim/report/physical.hpp"
#include "sim/report/plot.hpp"
#include "sim/studies/experiment.hpp"
#include "workloads/net_file.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/limits.hpp"
#include "workloads/util/parse.hpp"
#include "workloads/util/progress.hpp"
#include "workloads/util/table.hpp"
#include "workloads/util/yaml_reader.hpp"
#include "workloads/zoo.hpp"

namespace rowsim {
namespace {


std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, sep)) parts.push_back(trim(item));
  if (!s.empty() && s.back() == sep) parts.push_back("");
  return parts;
}

YAML::Node* find_field(YAML::Node& root, const std::string& key, std::vector<YAML::Node>& keep) {
  keep.clear();
  keep.push_back(root);
  for (const auto& part : split(key, '.')) {
    YAML::Node& parent = keep.back();
    if (!parent.IsMap() || !parent[part]) return nullptr;
    keep.push_back(parent[part]);
  }
  return &keep.back();
}

std::vector<std::string> scalar_fields(const YAML::Node& node, const std::string& prefix) {
  std::vector<std::string> fields;
  for (const auto& entry : node) {
    std::string key = prefix.empty() ? entry.first.Scalar() : prefix + "." + entry.first.Scalar();
    if (entry.second.IsMap()) {
      auto sub = scalar_fields(entry.second, key);
      fields.insert(fields.end(), sub.begin(), sub.end());
    } else {
      fields.push_back(key);
    }
  }
  return fields;
}

std::string settings_text(const SweepSpec& spec, const SweepPoint& point) {
  std::string text;
  for (size_t a = 0; a < spec.axes.size(); ++a)
    text += fmt::format("{}{}={}", a ? ", " : "", spec.axes[a].key, point.values[a]);
  return text;
}

int64_t arch_combinations(const SweepSpec& spec) {
  int64_t n = 1;
  for (const auto& axis : spec.axes) n *= int64_t(axis.values.size());
  return n;
}

std::vector<std::pair<std::string, Network>> networks_of(const SweepNetwork& n) {
  std::vector<std::pair<std::string, Network>> parts;
  if (!n.net_file.empty()) {
    parts.emplace_back(n.label, load_network_file(n.net_file));
  } else if (n.selective) {
    parts.emplace_back("gate", zoo_network("gate", 1.0));
    parts.emplace_back("dedicated", zoo_network(n.net, n.width));
  } else {
    parts.emplace_back(n.label, zoo_network(n.net, n.width));
  }
  return parts;
}

}  // namespace

std::string Shard::name() const { return fmt::format("{}of{}", index, count); }

Shard parse_shard(const std::string& text) {
  auto parts = split(text, '/');
  Shard s;
  double i = 0, n = 0;
  if (parts.size() != 2 || !parse_number(parts[0], i) || !parse_number(parts[1], n) || i != std::floor(i) ||
      n != std::floor(n) || n < 1 || i < 0 || i >= n || n > 1e6)
    fail("shard '{}': expected i/n with 0 <= i < n (e.g. 0/4 for the first of four shards)", text);
  s.index = int(i);
  s.count = int(n);
  return s;
}

SweepAxis parse_axis(const std::string& key, const std::string& text, const std::string& where) {
  SweepAxis axis;
  axis.key = key;
  std::string t = trim(text);
  if (t.empty()) fail("{}: {}: no values given; expected start:stop:step, a,b,c or a value", where, key);
  if (t.find(':') != std::string::npos) {
    auto parts = split(t, ':');
    double start = 0, stop = 0, step = 0;
    if (parts.size() != 3 || !parse_number(parts[0], start) || !parse_number(parts[1], stop) ||
        !parse_number(parts[2], step))
      fail("{}: {}: range '{}' is not start:stop:step with numbers", where, key, t);
    if (step <= 0) fail("{}: {}: range '{}' has step {}; expected a step above 0", where, key, t, parts[2]);
    if (stop < start) fail("{}: {}: range '{}' stops before it starts", where, key, t);
    double count = std::floor((stop - start) / step + 1e-9) + 1;
    if (count > double(limit(Limit::SweepAxisValues)))
      fail("{}: {}: range '{}' has {} values; at most {} {}", where, key, t, count, limit(Limit::SweepAxisValues),
           limit_hint(Limit::SweepAxisValues));
    bool integral = start == std::floor(start) && step == std::floor(step);
    for (int64_t k = 0; k < int64_t(count); ++k) {
      double v = start + double(k) * step;
      axis.values.push_back(integral ? std::to_string(int64_t(v)) : fmt::format("{}", v));
    }
  } else {
    for (const auto& v : split(t, ',')) {
      if (v.empty()) fail("{}: {}: empty value in list '{}'", where, key, t);
      axis.values.push_back(v);
    }
  }
  return axis;
}

SweepNetwork make_sweep_network(const std::string& net, const std::string& net_file, double width, bool selective) {
  SweepNetwork n;
  n.net = net;
  n.net_file = net_file;
  n.width = width;
  n.selective = selective;
  if (!net_file.empty()) {
    n.label = load_network_file(net_file).name;
  } else {
    zoo_network(net, width);  // validates name and width now
    if (selective && net == "gate") fail("a selective pair needs a dedicated network, not the gate");
    n.label = fmt::format("{}{}@{}", selective ? "gate+" : "", net, width);
  }
  return n;
}

SweepNetwork parse_sweep_network(const std::string& text) {
  const std::string usage = "expected NET, NET@WIDTH or gate+NET@WIDTH, e.g. vgg16@0.25 or gate+vgg16@0.5";
  std::string name = trim(text);
  if (name.empty()) fail("'{}': no network named; {}", text, usage);
  bool selective = false;
  if (size_t plus = name.find('+'); plus != std::string::npos) {
    std::string first = name.substr(0, plus);
    if (first != "gate") fail("'{}': a selective pair starts with the gate ('{}' is not); {}", text, first, usage);
    selective = true;
    name = name.substr(plus + 1);
  }
  double width = 1.0;
  if (size_t at = name.find('@'); at != std::string::npos) {
    std::string w = name.substr(at + 1);
    if (!parse_number(w, width)) fail("'{}': the width '{}' is not a number; {}", text, w, usage);
    name = name.substr(0, at);
  }
  if (name.empty()) fail("'{}': no network named before the width; {}", text, usage);
  return with_context(fmt::format("'{}'", text), [&] { return make_sweep_network(name, "", width, selective); });
}

std::string SweepSpec::fingerprint() const {
  nlohmann::json j;
  j["arch_text"] = arch_text;
  for (const auto& a : axes) j["axes"].push_back({a.key, a.values});
  for (const auto& n : networks) j["networks"].push_back({n.label, n.net, n.net_file, n.width, n.selective});
  j["batch"] = batch;
  j["objective"] = to_string(search.objective);
  j["energy_slack"] = search.energy_slack;
  j["cycle_level"] = cycle_level;
  return j.dump();
}

int64_t SweepSpec::points() const { return arch_combinations(*this) * int64_t(networks.size()); }

SweepSpec load_sweep_spec(const std::string& path) {
  // A file, or an embedded name from configs/experiments (sweep-array-size).
  ExperimentText source = read_experiment_text(path);
  YamlReader reader = YamlReader::from_string(source.text, source.origin);
  YamlNode root = reader.root();
  root.only_keys({"arch", "networks", "set", "batch", "objective", "energy_slack", "cycle_level"});
  SweepSpec spec;
  spec.arch = root.string_at("arch");
  // A relative arch path is relative to the spec file.
  if (!embedded_arch_specs().count(spec.arch)) spec.arch = source.resolve(spec.arch);
  spec.batch = root.has("batch") ? int(root.int_at("batch", 1, limit(Limit::Batch))) : 1;
  if (root.has("objective")) spec.search.objective = parse_objective(root.require("objective").as_choice({"energy", "cycles", "edp"}));
  if (root.has("energy_slack")) spec.search.energy_slack = root.double_at("energy_slack", 0, 10);
  if (root.has("cycle_level")) spec.cycle_level = root.bool_at("cycle_level");
  YamlNode nets = root.require("networks");
  auto elements = nets.elements();
  if (elements.empty()) nets.fail("the list is empty; expected at least one network");
  for (const auto& n : elements) {
    if (n.is_scalar()) {
      std::string text = n.as_string();
      spec.networks.push_back(n.checked([&] { return parse_sweep_network(text); }));
      continue;
    }
    n.only_keys({"net", "net_file", "width", "selective"});
    if (n.has("net") == n.has("net_file")) n.fail("give exactly one of 'net' (a zoo name) or 'net_file'");
    std::string file;
    if (n.has("net_file")) {
      file = n.string_at("net_file");
      file = source.resolve(file);
    }
    std::string net = n.has("net") ? n.string_at("net") : "";
    double width = n.has("width") ? n.double_at("width", 1e-6, 4) : 1.0;
    bool selective = n.has("selective") && n.bool_at("selective");
    spec.networks.push_back(n.checked([&] { return make_sweep_network(net, file, width, selective); }));
  }
  if (auto set = root.optional("set")) {
    for (const auto& key : set->keys()) {
      YamlNode value = set->require(key);
      std::string text;
      if (value.is_sequence()) {
        for (const auto& v : value.elements()) text += (text.empty() ? "" : ",") + v.as_string();
      } else {
        text = value.as_string();
      }
      spec.axes.push_back(parse_axis(key, text, fmt::format("{}:{}: set", source.origin, value.line())));
    }
  }
  return spec;
}

SweepPoint sweep_point(const SweepSpec& spec, int64_t index) {
  SweepPoint p;
  p.index = index;
  p.network = size_t(index % int64_t(spec.networks.size()));
  int64_t combo = index / int64_t(spec.networks.size());
  p.values.resize(spec.axes.size());
  for (size_t a = spec.axes.size(); a-- > 0;) {
    int64_t n = int64_t(spec.axes[a].values.size());
    p.values[a] = spec.axes[a].values[size_t(combo % n)];
    combo /= n;
  }
  return p;
}

std::string point_arch_text(const SweepSpec& spec, const SweepPoint& point) {
  YAML::Node root = YAML::Load(spec.arch_text);
  std::vector<YAML::Node> keep;
  for (size_t a = 0; a < spec.axes.size(); ++a) {
    YAML::Node* field = find_field(root, spec.axes[a].key, keep);
    *field = point.values[a];
  }
  YAML::Emitter out;
  out << root;
  return out.c_str();
}

void validate_sweep(SweepSpec& spec) {
  if (spec.networks.empty()) fail("a sweep needs at least one network");
  spec.arch_text = arch_spec_text(spec.arch, &spec.arch_origin);
  parse_arch_spec(spec.arch_text, spec.arch_origin);
  YAML::Node root = YAML::Load(spec.arch_text);
  auto fields = scalar_fields(root, "");
  std::set<std::string> seen;
  for (const auto& axis : spec.axes) {
    if (!seen.insert(axis.key).second) fail("swept field {}: set twice", axis.key);
    std::vector<YAML::Node> keep;
    YAML::Node* field = find_field(root, axis.key, keep);
    if (!field || field->IsMap() || axis.key == "name") {
      std::string hint = closest_match(axis.key, fields);
      fail("swept field {}: not a field of the arch spec {}{}", axis.key, spec.arch_origin,
           hint.empty() ? std::string("") : fmt::format(" (did you mean {}?)", hint));
    }
  }
  if (spec.points() > limit(Limit::SweepPoints))
    fail("the sweep has {} points; at most {} {}", spec.points(), limit(Limit::SweepPoints),
         limit_hint(Limit::SweepPoints));
  // Every arch variant must be a valid spec before any work starts.
  for (int64_t combo = 0; combo < arch_combinations(spec); ++combo) {
    SweepPoint p = sweep_point(spec, combo * int64_t(spec.networks.size()));
    try {
      parse_arch_spec(point_arch_text(spec, p), spec.arch_origin);
    } catch (const UserError& e) {
      std::string message = e.what();
      // The line numbers refer to the generated variant; the key path and value are what matter.
      fail("sweep point with {}: invalid arch: {}", settings_text(spec, p), message);
    }
  }
}

ArchSpec sweep_point_arch(const SweepSpec& spec, const SweepPoint& point) {
  return parse_arch_spec(point_arch_text(spec, point), spec.arch_origin);
}

std::vector<std::pair<std::string, Network>> sweep_point_networks(const SweepSpec& spec, const SweepPoint& point) {
  return networks_of(spec.networks[point.network]);
}

SweepRow sweep_row(const SweepSpec& spec, const SweepPoint& point, const ArchSpec& arch, const AccessCounts* totals,
                   const Energy* energy, const std::string& failure) {
  SweepRow row;
  row.point = point.index;
  row.network = spec.networks[point.network].label;
  for (size_t a = 0; a < spec.axes.size(); ++a) row.arch.emplace_back(spec.axes[a].key, point.values[a]);
  row.pes = arch.pes();
  row.storage_bytes = arch.storage_bytes();
  if (arch.energy_model == EnergyModel::Technology) {
    AreaBreakdown a = TechRates(arch, DataBits::uniform(arch.word_bits)).area;
    row.area_mm2 = SweepRow::Area{a.pe_array, a.glb, a.noc, a.total()};
  }
  if (!totals) {
    row.reason = failure;
    return row;
  }
  Energy per_image = energy->scaled(1.0 / spec.batch);
  row.ok = true;
  row.energy_per_image = {per_image.total(),          per_image.weights_only(),    per_image.level(Level::DRAM),
                          per_image.level(Level::GLB), per_image.level(Level::Array), per_image.level(Level::RF),
                          per_image.mac};
  row.cycles = totals->cycles;
  row.utilization = utilization(*totals, arch);
  // Physical figures (sim/report/physical.hpp): uniform word bits, as the sweep maps with them.
  Physical p = physical_of(arch, *totals, DataBits::uniform(arch.word_bits), spec.batch, totals->cycles,
                           spec.cycle_level ? "simulated" : "analytical");
  row.cycles_source = p.cycles_source;
  row.latency_ms = p.latency_ms();
  row.latency_ms_per_image = p.latency_ms_per_image();
  row.frames_per_s = p.frames_per_s();
  if (p.technology) {
    double scale = 1.0 / spec.batch;
    row.pj_per_image = SweepRow::Picojoules{p.energy_pj() * scale,
                                            p.dynamic.level(Level::DRAM) * scale,
                                            p.dynamic.level(Level::GLB) * scale,
                                            p.dynamic.level(Level::Array) * scale,
                                            p.dynamic.level(Level::RF) * scale,
                                            p.dynamic.mac * scale,
                                            p.leakage_pj * scale};
    row.power_mw = p.power_mw();
    row.chip_power_mw = p.chip_power_mw();
    row.tops_per_w = p.tops_per_w();
  }
  return row;
}

SweepRow evaluate_point_analytical(const SweepSpec& spec, const SweepPoint& point) {
  ArchSpec arch = sweep_point_arch(spec, point);
  SearchOptions search = spec.search;
  search.threads = 1;  // points run in parallel instead
  search.bits = DataBits::uniform(arch.word_bits);
  AccessCounts totals;
  Energy energy;
  try {
    for (const auto& [label, net] : sweep_point_networks(spec, point)) {
      NetworkResult r = map_network(net, spec.batch, arch, search);
      totals += r.totals;
      energy += r.energy;
    }
  } catch (const UserError& e) {
    return sweep_row(spec, point, arch, nullptr, nullptr, e.what());
  }
  return sweep_row(spec, point, arch, &totals, &energy, "");
}

namespace {

std::string journal_path(const std::string& dir, const Shard& shard) {
  return (std::filesystem::path(dir) / ("points-" + shard.name() + ".jsonl")).string();
}
std::string manifest_path(const std::string& dir) { return (std::filesystem::path(dir) / "sweep.json").string(); }

// Rows from every journal in a directory, by point. Lines are appended whole, each with its
// newline, so a kill can leave only a torn last line (no newline after it): that one is dropped
// with a notice and its point counts as not done. Any other damaged line is refused, naming the
// file and line: resuming past it would rerun or lose a point silently.
void read_journals(const std::string& dir, std::map<int64_t, SweepRow>& rows) {
  if (!std::filesystem::is_directory(dir)) return;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("points-", 0) == 0 && entry.path().extension() == ".jsonl") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    const std::string text = read_file(file);
    int64_t line_number = 0;
    for (size_t begin = 0; begin < text.size();) {
      ++line_number;
      const size_t end = text.find('\n', begin);
      if (end == std::string::npos) {
        std::fprintf(stderr,
                     "sweep: notice: %s:%lld: dropping a torn last line (a run killed while writing it); its point "
                     "counts as not done\n",
                     file.c_str(), static_cast<long long>(line_number));
        break;
      }
      const std::string line = text.substr(begin, end - begin);
      begin = end + 1;
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      std::string damage;
      std::optional<SweepRow> row;
      if (j.is_discarded())
        damage = "not valid JSON";
      else
        row = SweepRow::from_json(j, damage);
      if (!row)
        fail("{}:{}: damaged journal line ({}); a killed run can only tear the last line, so this journal is not "
             "trusted. Delete the line to rerun its point, or the file to rerun its points",
             file, line_number, damage);
      auto it = rows.find(row->point);
      if (it != rows.end() && it->second.to_json() != j)
        fail("{}: point {} appears twice with different results; the journals come from different runs", file,
             row->point);
      rows[row->point] = *row;
    }
  }
}

nlohmann::json read_manifest(const std::string& dir) {
  std::string path = manifest_path(dir);
  if (!file_exists(path)) fail("{}: not a sweep output directory (no sweep.json)", dir);
  nlohmann::json j = nlohmann::json::parse(read_file(path), nullptr, false);
  if (j.is_discarded() || !j.contains("fingerprint") || !j.contains("points"))
    fail("{}: corrupt sweep manifest (expected JSON with fingerprint and points)", path);
  return j;
}

struct Objectives {
  double energy = 0, latency = 0;
  std::vector<double> area;
};

Objectives objectives_of(const SweepRow& r) {
  return {r.energy_objective(), r.latency_ms_per_image, r.area_objective()};
}

bool dominates(const Objectives& a, const Objectives& b) {
  bool better = false;
  auto cmp = [&](double x, double y) {
    if (x > y) return false;
    if (x < y) better = true;
    return true;
  };
  if (!cmp(a.energy, b.energy) || !cmp(a.latency, b.latency)) return false;
  for (size_t k = 0; k < a.area.size(); ++k)
    if (!cmp(a.area[k], b.area[k])) return false;
  return better;
}

// Indices (into `rows`) of the points no other point of the same network dominates.
std::vector<size_t> pareto_front(const std::vector<const SweepRow*>& rows) {
  std::vector<Objectives> obj;
  for (const auto* r : rows) obj.push_back(objectives_of(*r));
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Sorted by energy then latency, a point can only be dominated by one before it; comparing
  // against the front so far is enough.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (obj[a].energy != obj[b].energy) return obj[a].energy < obj[b].energy;
    if (obj[a].latency != obj[b].latency) return obj[a].latency < obj[b].latency;
    return obj[a].area < obj[b].area;
  });
  std::vector<size_t> front;
  for (size_t i : order) {
    bool dominated = false;
    for (size_t f : front)
      if (dominates(obj[f], obj[i])) {
        dominated = true;
        break;
      }
    if (!dominated) front.push_back(i);
  }
  std::sort(front.begin(), front.end());
  return front;
}

std::string file_label(const std::string& name) {
  std::string out;
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  return out;
}

std::map<std::string, std::vector<const SweepRow*>> ok_rows_by_network(const std::vector<SweepRow>& rows) {
  std::map<std::string, std::vector<const SweepRow*>> by_network;
  for (const auto& r : rows)
    if (r.ok) by_network[r.network].push_back(&r);
  return by_network;
}

// Per network: energy against latency (every point, the Pareto front over energy, latency and
// area, split by area when the front has few distinct areas), and the least energy and latency at
// each PE count.
void write_plots(const std::string& out_dir, const std::vector<SweepRow>& rows,
                 const std::map<std::string, std::vector<size_t>>& fronts) {
  for (const auto& [name, points] : ok_rows_by_network(rows)) {
    const std::string& network = name;  // a lambda cannot capture a structured binding before C++20
    bool tech = points.front()->pj_per_image.has_value();
    std::string energy_label = tech ? "energy per image (uJ, technology model)" : "energy per image (units of one 16-bit MAC)";
    const double escale = tech ? 1e-6 : 1.0;  // pJ to uJ on the plots
    std::string stem = (std::filesystem::path(out_dir) / file_label(name)).string();
    LineChart pareto;
    pareto.title = fmt::format("{}: energy vs latency; Pareto front over energy, latency and {}", name,
                               tech ? "area" : "PEs and storage");
    pareto.xlabel = "latency per image (ms)";
    pareto.ylabel = energy_label;
    LineSeries all{"all points", {}, {}, true, 0.5, "#b0b0b0"};
    for (const auto* r : points) {
      Objectives o = objectives_of(*r);
      all.x.push_back(o.latency);
      all.y.push_back(o.energy * escale);
    }
    pareto.series.push_back(all);
    const std::vector<size_t>& front = fronts.at(name);
    std::map<double, LineSeries> by_area;
    for (size_t i : front) {
      Objectives o = objectives_of(*points[i]);
      auto& series = by_area[o.area[0]];  // mm2, or PEs without the technology model
      series.points_only = true;
      series.point_size = 1.2;
      series.x.push_back(o.latency);
      series.y.push_back(o.energy * escale);
    }
    if (by_area.size() <= 8) {
      for (auto& [area, series] : by_area) {
        series.name = tech ? fmt::format("front, {:.3g} mm2", area) : fmt::format("front, {:.0f} PEs", area);
        // Along increasing latency, so each area's front reads as a line.
        std::vector<std::pair<double, double>> xy;
        for (size_t k = 0; k < series.x.size(); ++k) xy.emplace_back(series.x[k], series.y[k]);
        std::sort(xy.begin(), xy.end());
        series.x.clear();
        series.y.clear();
        for (const auto& [x, y] : xy) {
          series.x.push_back(x);
          series.y.push_back(y);
        }
        pareto.series.push_back(series);
      }
    } else {
      // Many areas: five groups of neighbouring areas, so the third objective still shows.
      std::vector<std::pair<double, LineSeries*>> areas;
      for (auto& [area, series] : by_area) areas.emplace_back(area, &series);
      const size_t groups = 5;
      for (size_t g = 0; g < groups; ++g) {
        size_t first = g * areas.size() / groups, last = (g + 1) * areas.size() / groups;
        if (first >= last) continue;
        LineSeries f{tech ? fmt::format("front, {:.3g}-{:.3g} mm2", areas[first].first, areas[last - 1].first)
                          : fmt::format("front, {:.0f}-{:.0f} PEs", areas[first].first, areas[last - 1].first),
                     {}, {}, true, 1.2};
        for (size_t k = first; k < last; ++k) {
          f.x.insert(f.x.end(), areas[k].second->x.begin(), areas[k].second->x.end());
          f.y.insert(f.y.end(), areas[k].second->y.begin(), areas[k].second->y.end());
        }
        pareto.series.push_back(f);
      }
    }
    write_line_chart(stem + "-pareto.svg", pareto);

    std::map<int64_t, double> least, fastest;
    for (const auto* r : points) {
      Objectives o = objectives_of(*r);
      int64_t pes = r->pes;
      auto it = least.find(pes);
      if (it == least.end() || o.energy * escale < it->second) least[pes] = o.energy * escale;
      auto ft = fastest.find(pes);
      if (ft == fastest.end() || o.latency < ft->second) fastest[pes] = o.latency;
    }
    // The best value at each PE count, one line per network and quantity.
    auto write_by_pes = [&](const std::string& file, const std::string& what, const std::string& ylabel, bool log_y,
                            const std::map<int64_t, double>& best) {
      LineChart chart;
      chart.title = network + ": " + what + " at each PE count";
      chart.xlabel = "PEs";
      chart.ylabel = ylabel;
      chart.log_y = log_y;
      LineSeries line{network, {}, {}, false};
      for (const auto& [pes, value] : best) {
        line.x.push_back(double(pes));
        line.y.push_back(value);
      }
      chart.series.push_back(line);
      write_line_chart(stem + file, chart);
    };
    write_by_pes("-energy_vs_pes.svg", "least energy per image", energy_label, false, least);
    write_by_pes("-latency_vs_pes.svg", "least latency per image", "latency per image (ms)", true, fastest);
  }
}

// Swept fields whose values changed no result: at every setting of the other fields and every
// network, all of the field's values give the same row (apart from the point number and settings).
std::vector<std::string> unused_fields(const std::vector<std::string>& axes, const std::vector<SweepRow>& rows) {
  std::vector<std::string> unused;
  for (const auto& axis : axes) {
    std::map<std::string, std::set<std::string>> values_by_group, results_by_group;
    for (const auto& r : rows) {
      std::string group = r.network;
      for (const auto& other : axes)
        if (other != axis) group += "|" + r.arch_value(other);
      values_by_group[group].insert(r.arch_value(axis));
      nlohmann::json result = r.to_json();
      result.erase("point");
      result.erase("arch");
      if (result.contains("reason")) result.erase("reason");  // names the point's settings
      results_by_group[group].insert(result.dump());
    }
    bool varied = false, changed = false;
    for (const auto& [group, values] : values_by_group) {
      varied = varied || values.size() > 1;
      changed = changed || results_by_group[group].size() > 1;
    }
    if (varied && !changed) unused.push_back(axis);
  }
  return unused;
}

std::string num(double v) { return fmt::format("{}", v); }
std::string num(int64_t v) { return std::to_string(v); }

// results.csv: one row per point, every value a plain number with its unit in the column name
// (energy per image in units of one 16-bit MAC, pJ, mm2, ms), text only in the naming columns
// (network, status, cycles_source, reason).
std::string results_csv(const std::vector<std::string>& axes, const std::vector<SweepRow>& rows) {
  bool tech = false;
  for (const auto& r : rows) tech = tech || r.area_mm2;
  std::vector<std::string> header = {"point", "network"};
  header.insert(header.end(), axes.begin(), axes.end());
  for (const char* h : {"pes", "storage_bytes", "status", "energy_total_mac_units", "energy_weights_only_mac_units",
                        "energy_dram_mac_units", "energy_glb_mac_units", "energy_array_mac_units",
                        "energy_rf_mac_units", "energy_macs_mac_units", "cycles", "utilization", "cycles_source",
                        "latency_ms", "latency_ms_per_image", "frames_per_s"})
    header.push_back(h);
  if (tech) {
    for (const char* f : {"total", "dram", "glb", "array", "rf", "mac", "leakage"})
      header.push_back(std::string("pj_per_image_") + f);
    for (const char* h : {"power_mw", "chip_power_mw", "tops_per_w"}) header.push_back(h);
    for (const char* f : {"pe_array", "glb", "noc", "total"}) header.push_back(std::string("area_mm2_") + f);
  }
  header.push_back("reason");
  Table csv(header);
  for (const auto& r : rows) {
    std::vector<std::string> cells = {num(r.point), r.network};
    for (const auto& a : axes) cells.push_back(r.arch_value(a));
    cells.push_back(num(r.pes));
    cells.push_back(num(r.storage_bytes));
    cells.push_back(r.ok ? "ok" : "infeasible");
    const auto& e = r.energy_per_image;
    for (double v : {e.total, e.weights_only, e.dram, e.glb, e.array, e.rf, e.mac}) cells.push_back(r.ok ? num(v) : "");
    cells.push_back(r.ok ? num(r.cycles) : "");
    cells.push_back(r.ok ? num(r.utilization) : "");
    cells.push_back(r.ok ? r.cycles_source : "");
    for (double v : {r.latency_ms, r.latency_ms_per_image, r.frames_per_s}) cells.push_back(r.ok ? num(v) : "");
    if (tech) {
      const bool pj = r.ok && r.pj_per_image;
      const SweepRow::Picojoules p = r.pj_per_image.value_or(SweepRow::Picojoules{});
      for (double v : {p.total, p.dram, p.glb, p.array, p.rf, p.mac, p.leakage}) cells.push_back(pj ? num(v) : "");
      for (double v : {r.power_mw, r.chip_power_mw, r.tops_per_w}) cells.push_back(pj ? num(v) : "");
      const SweepRow::Area a = r.area_mm2.value_or(SweepRow::Area{});
      for (double v : {a.pe_array, a.glb, a.noc, a.total}) cells.push_back(r.area_mm2 ? num(v) : "");
    }
    cells.push_back(r.reason);
    csv.add_row(cells);
  }
  return csv.to_csv();
}

// pareto.csv: each network's front; the energy column carries its unit (pJ with the technology
// model, else units of one 16-bit MAC).
std::string pareto_csv(const std::vector<std::string>& axes, const std::vector<SweepRow>& rows,
                       const std::map<std::string, std::vector<size_t>>& fronts) {
  bool tech = false;
  for (const auto& r : rows) tech = tech || r.area_mm2;
  std::vector<std::string> header = {"network", "point"};
  header.insert(header.end(), axes.begin(), axes.end());
  header.push_back(tech ? "energy_per_image_pj" : "energy_per_image_mac_units");
  for (const char* h : {"latency_ms_per_image", "frames_per_s"}) header.push_back(h);
  if (tech) {
    for (const char* h : {"power_mw", "tops_per_w", "area_mm2"}) header.push_back(h);
  } else {
    for (const char* h : {"pes", "storage_bytes"}) header.push_back(h);
  }
  Table csv(header);
  for (const auto& [name, points] : ok_rows_by_network(rows))
    for (size_t i : fronts.at(name)) {
      const SweepRow& r = *points[i];
      std::vector<std::string> cells = {name, num(r.point)};
      for (const auto& a : axes) cells.push_back(r.arch_value(a));
      cells.push_back(num(r.energy_objective()));
      cells.push_back(num(r.latency_ms_per_image));
      cells.push_back(num(r.frames_per_s));
      if (tech) {
        cells.push_back(num(r.power_mw));
        cells.push_back(num(r.tops_per_w));
        cells.push_back(r.area_mm2 ? num(r.area_mm2->total) : "");
      } else {
        cells.push_back(num(r.pes));
        cells.push_back(num(r.storage_bytes));
      }
      csv.add_row(cells);
    }
  return csv.to_csv();
}

// The points of `spec` that the journals in `out_dir` hold.
std::map<int64_t, SweepRow> finished_points(const SweepSpec& spec, const std::string& out_dir) {
  if (file_exists(manifest_path(out_dir)) && read_manifest(out_dir)["fingerprint"] != spec.fingerprint())
    fail("{}: holds a sweep of a different spec; choose another output directory or delete it", out_dir);
  std::map<int64_t, SweepRow> done;
  read_journals(out_dir, done);
  return done;
}

}  // namespace

size_t finished_sweep_points(const SweepSpec& spec, const std::string& out_dir) {
  return finished_points(spec, out_dir).size();
}

int64_t run_sweep(const SweepSpec& spec, const SweepRunOptions& options, const PointEvaluator& evaluate) {
  make_directories(options.out_dir);
  nlohmann::json manifest = {{"fingerprint", spec.fingerprint()}, {"points", spec.points()}};
  for (const auto& a : spec.axes) manifest["axes"].push_back(a.key);
  for (const auto& n : spec.networks) manifest["networks"].push_back(n.label);
  std::map<int64_t, SweepRow> done = finished_points(spec, options.out_dir);
  if (!done.empty() && !options.resume)
    fail("{}: holds {} finished points of this sweep; resume it to continue, or choose another output directory",
         options.out_dir, done.size());
  write_file_atomic(manifest_path(options.out_dir), manifest.dump(2) + "\n");

  // A kill can tear the journal's last line; cut it so that appends start on a fresh line.
  std::string journal = journal_path(options.out_dir, options.shard);
  if (file_exists(journal)) {
    std::string text = read_file(journal);
    if (!text.empty() && text.back() != '\n') write_file_atomic(journal, text.substr(0, text.rfind('\n') + 1));
  }
  std::vector<int64_t> pending;
  for (int64_t i = 0; i < spec.points(); ++i)
    if (options.shard.owns(i) && !done.count(i)) pending.push_back(i);
  std::mutex mutex;
  std::atomic<size_t> next{0};
  int64_t finished = 0;
  std::exception_ptr error;
  Progress progress("sweep", int64_t(pending.size()), "points");
  auto worker = [&] {
    for (;;) {
      size_t k = next.fetch_add(1);
      if (k >= pending.size()) return;
      try {
        SweepRow row = evaluate(spec, sweep_point(spec, pending[k]));
        std::lock_guard<std::mutex> lock(mutex);
        append_line_durable(journal, row.to_json().dump());
        progress.update(++finished, row.network);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
        next = pending.size();
      }
    }
  };
  int threads = std::max(1, std::min<int>(options.jobs, int(pending.size())));
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  progress.finish();
  if (error) std::rethrow_exception(error);
  if (options.write_results) write_sweep_results({options.out_dir}, options.out_dir);
  return finished;
}

int64_t write_sweep_results(const std::vector<std::string>& dirs, const std::string& out_dir) {
  if (dirs.empty()) fail("no sweep directories given");
  nlohmann::json manifest = read_manifest(dirs[0]);
  std::map<int64_t, SweepRow> rows;
  for (const auto& dir : dirs) {
    nlohmann::json m = read_manifest(dir);
    if (m["fingerprint"] != manifest["fingerprint"])
      fail("{} and {} hold sweeps of different specs; only shards of one sweep merge", dirs[0], dir);
    read_journals(dir, rows);
  }
  int64_t points = manifest["points"].get<int64_t>();
  bool merging = dirs.size() > 1 || dirs[0] != out_dir;
  if (merging) {
    std::vector<int64_t> missing;
    for (int64_t i = 0; i < points && missing.size() < 10; ++i)
      if (!rows.count(i)) missing.push_back(i);
    if (!missing.empty())
      fail("the merged sweep lacks {} of {} points (first missing: {}); is a shard missing or unfinished?",
           points - int64_t(rows.size()), points, fmt::join(missing, ", "));
    make_directories(out_dir);
    write_file_atomic(manifest_path(out_dir), manifest.dump(2) + "\n");
    std::string journal;
    for (const auto& [i, row] : rows) journal += row.to_json().dump() + "\n";
    write_file_atomic((std::filesystem::path(out_dir) / "points-merged.jsonl").string(), journal);
  }
  std::vector<SweepRow> ordered;
  for (const auto& [i, row] : rows) ordered.push_back(row);

  std::vector<std::string> axes;
  for (const auto& a : manifest["axes"]) axes.push_back(a.get<std::string>());
  write_file_atomic((std::filesystem::path(out_dir) / "results.csv").string(), results_csv(axes, ordered));
  // The Pareto front of each network over (energy, latency, area), beside the results.
  std::map<std::string, std::vector<size_t>> fronts;
  for (const auto& [name, points] : ok_rows_by_network(ordered)) fronts[name] = pareto_front(points);
  write_file_atomic((std::filesystem::path(out_dir) / "pareto.csv").string(), pareto_csv(axes, ordered, fronts));
  bool tech = false;
  for (const auto& r : ordered) tech = tech || r.area_mm2;
  nlohmann::json front_rows = nlohmann::json::array();
  for (const auto& [name, points] : ok_rows_by_network(ordered))
    for (size_t i : fronts[name]) front_rows.push_back(points[i]->to_json());
  nlohmann::json front_doc = {
      {"objectives", tech ? std::vector<std::string>{"pj_per_image.total", "latency_ms_per_image", "area_mm2.total"}
                          : std::vector<std::string>{"energy_per_image.total", "latency_ms_per_image", "pes",
                                                     "storage_bytes"}},
      {"minimised", true},
      {"rows", front_rows}};
  write_file_atomic((std::filesystem::path(out_dir) / "pareto.json").string(), front_doc.dump(2) + "\n");

  std::vector<std::string> unused = unused_fields(axes, ordered);
  for (const auto& field : unused)
    std::fprintf(stderr,
                 "sweep: warning: the swept field %s changed no result: every network gives the same energy, "
                 "cycles and area for each of its values (see docs/arch-spec.md for what each field changes)\n",
                 field.c_str());
  nlohmann::json rows_json = nlohmann::json::array();
  for (const auto& r : ordered) rows_json.push_back(r.to_json());
  nlohmann::json results = {{"points", points},
                             {"complete", int64_t(ordered.size()) == points},
                             {"energy_unit", "one 16-bit MAC, per image"},
                             {"unchanged_by", unused},
                             {"rows", rows_json}};
  write_file_atomic((std::filesystem::path(out_dir) / "results.json").string(), results.dump(2) + "\n");
  write_plots(out_dir, ordered, fronts);
  return int64_t(ordered.size());
}

}  // namespace rowsim
