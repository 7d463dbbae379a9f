#include "sim/sweep.hpp"

#include <algorithm>
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
#include "sim/plot.hpp"
#include "workloads/net_file.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/progress.hpp"
#include "workloads/util/table.hpp"
#include "workloads/util/yaml_reader.hpp"
#include "workloads/zoo.hpp"

namespace rowsim {
namespace {

constexpr int64_t kMaxAxisValues = 100000;
constexpr int64_t kMaxPoints = 10000000;

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

bool parse_number(const std::string& s, double& value) {
  size_t used = 0;
  try {
    value = std::stod(s, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == s.size() && std::isfinite(value);
}

// Numbers stay numbers in the JSON results; anything else stays text.
nlohmann::json value_json(const std::string& text) {
  double v = 0;
  if (!parse_number(text, v)) return text;
  if (v == std::floor(v) && std::fabs(v) < 9e15) return static_cast<int64_t>(v);
  return v;
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
    fail("--shard {}: expected i/n with 0 <= i < n (e.g. 0/4 for the first of four shards)", text);
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
    if (count > kMaxAxisValues) fail("{}: {}: range '{}' has {} values; at most {}", where, key, t, count, kMaxAxisValues);
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
    n.label = fmt::format("{}{}@{}", selective ? "selective-" : "", net, width);
  }
  return n;
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
  YamlReader reader = YamlReader::from_file(path);
  YamlNode root = reader.root();
  root.only_keys({"arch", "networks", "set", "batch", "objective", "energy_slack", "cycle_level"});
  SweepSpec spec;
  spec.arch = root.string_at("arch");
  // A relative arch path is relative to the spec file.
  std::filesystem::path arch_path(spec.arch);
  if (arch_path.is_relative() && !embedded_arch_specs().count(spec.arch))
    spec.arch = (std::filesystem::path(path).parent_path() / arch_path).string();
  spec.batch = root.has("batch") ? int(root.int_at("batch", 1, 1 << 20)) : 1;
  if (root.has("objective")) spec.search.objective = parse_objective(root.require("objective").as_choice({"energy", "cycles", "edp"}));
  if (root.has("energy_slack")) spec.search.energy_slack = root.double_at("energy_slack", 0, 10);
  if (root.has("cycle_level")) spec.cycle_level = root.bool_at("cycle_level");
  YamlNode nets = root.require("networks");
  auto elements = nets.elements();
  if (elements.empty()) nets.fail("the list is empty; expected at least one network");
  for (const auto& n : elements) {
    n.only_keys({"net", "net_file", "width", "selective"});
    if (n.has("net") == n.has("net_file")) n.fail("give exactly one of 'net' (a zoo name) or 'net_file'");
    std::string file;
    if (n.has("net_file")) {
      file = n.string_at("net_file");
      if (std::filesystem::path(file).is_relative()) file = (std::filesystem::path(path).parent_path() / file).string();
    }
    try {
      spec.networks.push_back(make_sweep_network(n.has("net") ? n.string_at("net") : "", file,
                                                 n.has("width") ? n.double_at("width", 1e-6, 4) : 1.0,
                                                 n.has("selective") && n.bool_at("selective")));
    } catch (const UserError& e) {
      n.fail(e.what());
    }
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
      spec.axes.push_back(parse_axis(key, text, fmt::format("{}:{}: set", path, value.line())));
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
  if (spec.networks.empty()) fail("a sweep needs at least one network (--net or networks: in the spec)");
  spec.arch_text = arch_spec_text(spec.arch, &spec.arch_origin);
  parse_arch_spec(spec.arch_text, spec.arch_origin);
  YAML::Node root = YAML::Load(spec.arch_text);
  auto fields = scalar_fields(root, "");
  std::set<std::string> seen;
  for (const auto& axis : spec.axes) {
    if (!seen.insert(axis.key).second) fail("--set {}: the field is set twice", axis.key);
    std::vector<YAML::Node> keep;
    YAML::Node* field = find_field(root, axis.key, keep);
    if (!field || field->IsMap() || axis.key == "name") {
      std::string hint = closest_match(axis.key, fields);
      fail("--set {}: not a field of the arch spec {}{}", axis.key, spec.arch_origin,
           hint.empty() ? std::string("") : fmt::format(" (did you mean {}?)", hint));
    }
  }
  if (spec.points() > kMaxPoints) fail("the sweep has {} points; at most {}", spec.points(), kMaxPoints);
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

nlohmann::json sweep_row(const SweepSpec& spec, const SweepPoint& point, const ArchSpec& arch,
                         const AccessCounts* totals, const Energy* energy, const std::string& failure) {
  nlohmann::json row = {{"point", point.index}, {"network", spec.networks[point.network].label}};
  for (size_t a = 0; a < spec.axes.size(); ++a) row["arch"][spec.axes[a].key] = value_json(point.values[a]);
  row["pes"] = arch.pes();
  row["storage_bytes"] = arch.storage_bytes();
  if (!totals) {
    row["status"] = "infeasible";
    row["reason"] = failure;
    return row;
  }
  Energy per_image = energy->scaled(1.0 / spec.batch);
  row["status"] = "ok";
  row["energy_per_image"] = {{"total", per_image.total()},
                             {"weights_only", per_image.weights_only()},
                             {"dram", per_image.level(Level::DRAM)},
                             {"glb", per_image.level(Level::GLB)},
                             {"array", per_image.level(Level::Array)},
                             {"rf", per_image.level(Level::RF)},
                             {"mac", per_image.mac}};
  row["cycles"] = totals->cycles;
  row["utilization"] =
      totals->cycles > 0 ? double(totals->macs) / (double(arch.pes()) * double(totals->cycles)) : 0.0;
  return row;
}

nlohmann::json evaluate_point_analytical(const SweepSpec& spec, const SweepPoint& point) {
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

// Rows from every journal in a directory, by point. A torn last line (a kill mid-write) is
// ignored; its point simply runs again.
void read_journals(const std::string& dir, std::map<int64_t, nlohmann::json>& rows) {
  if (!std::filesystem::is_directory(dir)) return;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("points-", 0) == 0 && entry.path().extension() == ".jsonl") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      nlohmann::json row = nlohmann::json::parse(line, nullptr, false);
      if (row.is_discarded() || !row.contains("point")) continue;
      int64_t point = row["point"].get<int64_t>();
      auto it = rows.find(point);
      if (it != rows.end() && it->second != row)
        fail("{}: point {} appears twice with different results; the journals come from different runs", file, point);
      rows[point] = row;
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

void write_plots(const std::string& out_dir, const std::vector<nlohmann::json>& rows) {
  std::map<std::string, std::vector<const nlohmann::json*>> by_network;
  for (const auto& r : rows)
    if (r["status"] == "ok") by_network[r["network"].get<std::string>()].push_back(&r);
  if (by_network.empty()) return;
  LineChart pareto;
  pareto.title = "sweep: energy per image vs cycles (all points; lines: Pareto fronts)";
  pareto.xlabel = "cycles per batch";
  pareto.ylabel = "energy per image (units of one 16-bit MAC)";
  pareto.log_x = pareto.log_y = true;
  LineChart cycles_by_pes;
  cycles_by_pes.title = "sweep: fewest cycles at each PE count";
  cycles_by_pes.xlabel = "PEs";
  cycles_by_pes.ylabel = "cycles per batch";
  cycles_by_pes.log_y = true;
  LineChart by_pes;
  by_pes.title = "sweep: least energy per image at each PE count";
  by_pes.xlabel = "PEs";
  by_pes.ylabel = "energy per image (units of one 16-bit MAC)";
  by_pes.log_y = true;
  for (const auto& [name, points] : by_network) {
    LineSeries all{name, {}, {}, true};
    std::vector<std::pair<double, double>> xy;
    std::map<int64_t, double> least, fastest;
    for (const auto* r : points) {
      double cycles = (*r)["cycles"].get<double>(), energy = (*r)["energy_per_image"]["total"].get<double>();
      all.x.push_back(cycles);
      all.y.push_back(energy);
      xy.emplace_back(cycles, energy);
      int64_t pes = (*r)["pes"].get<int64_t>();
      auto it = least.find(pes);
      if (it == least.end() || energy < it->second) least[pes] = energy;
      auto ft = fastest.find(pes);
      if (ft == fastest.end() || cycles < ft->second) fastest[pes] = cycles;
    }
    std::sort(xy.begin(), xy.end());
    LineSeries front{name + " front", {}, {}, false};
    double best = std::numeric_limits<double>::infinity();
    for (const auto& [x, y] : xy)
      if (y < best) {
        best = y;
        front.x.push_back(x);
        front.y.push_back(y);
      }
    pareto.series.push_back(all);
    pareto.series.push_back(front);
    LineSeries curve{name, {}, {}, false};
    for (const auto& [pes, e] : least) {
      curve.x.push_back(double(pes));
      curve.y.push_back(e);
    }
    by_pes.series.push_back(curve);
    LineSeries speed{name, {}, {}, false};
    for (const auto& [pes, c] : fastest) {
      speed.x.push_back(double(pes));
      speed.y.push_back(c);
    }
    cycles_by_pes.series.push_back(speed);
  }
  write_line_chart((std::filesystem::path(out_dir) / "pareto.svg").string(), pareto);
  write_line_chart((std::filesystem::path(out_dir) / "energy_vs_pes.svg").string(), by_pes);
  write_line_chart((std::filesystem::path(out_dir) / "cycles_vs_pes.svg").string(), cycles_by_pes);
}

std::string number_cell(const nlohmann::json& v) {
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return fmt::format("{}", v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return "";
}

}  // namespace

int64_t run_sweep(const SweepSpec& spec, const SweepRunOptions& options, const PointEvaluator& evaluate) {
  make_directories(options.out_dir);
  std::string fingerprint = spec.fingerprint();
  nlohmann::json manifest = {{"fingerprint", fingerprint}, {"points", spec.points()}};
  for (const auto& a : spec.axes) manifest["axes"].push_back(a.key);
  for (const auto& n : spec.networks) manifest["networks"].push_back(n.label);
  if (file_exists(manifest_path(options.out_dir))) {
    nlohmann::json old = read_manifest(options.out_dir);
    if (old["fingerprint"] != fingerprint)
      fail("{}: holds a sweep of a different spec; choose another --out or delete it", options.out_dir);
  }
  std::map<int64_t, nlohmann::json> done;
  read_journals(options.out_dir, done);
  if (!done.empty() && !options.resume)
    fail("{}: holds {} finished points of this sweep; add --resume to continue it, or choose another --out",
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
        nlohmann::json row = evaluate(spec, sweep_point(spec, pending[k]));
        std::lock_guard<std::mutex> lock(mutex);
        append_line_durable(journal, row.dump());
        progress.update(++finished, row["network"].get<std::string>());
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
  std::map<int64_t, nlohmann::json> rows;
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
    for (const auto& [i, row] : rows) journal += row.dump() + "\n";
    write_file_atomic((std::filesystem::path(out_dir) / "points-merged.jsonl").string(), journal);
  }
  std::vector<nlohmann::json> ordered;
  for (const auto& [i, row] : rows) ordered.push_back(row);

  std::vector<std::string> axes;
  for (const auto& a : manifest["axes"]) axes.push_back(a.get<std::string>());
  std::vector<std::string> header = {"point", "network"};
  header.insert(header.end(), axes.begin(), axes.end());
  for (const char* h : {"pes", "storage_bytes", "status", "energy_total", "energy_weights_only", "energy_dram",
                        "energy_glb", "energy_array", "energy_rf", "energy_mac", "cycles", "utilization", "reason"})
    header.push_back(h);
  Table csv(header);
  for (const auto& r : ordered) {
    std::vector<std::string> cells = {std::to_string(r["point"].get<int64_t>()), r["network"].get<std::string>()};
    for (const auto& a : axes) cells.push_back(number_cell(r["arch"][a]));
    cells.push_back(number_cell(r["pes"]));
    cells.push_back(number_cell(r["storage_bytes"]));
    cells.push_back(r["status"].get<std::string>());
    bool ok = r["status"] == "ok";
    for (const char* e : {"total", "weights_only", "dram", "glb", "array", "rf", "mac"})
      cells.push_back(ok ? number_cell(r["energy_per_image"][e]) : "");
    cells.push_back(ok ? number_cell(r["cycles"]) : "");
    cells.push_back(ok ? number_cell(r["utilization"]) : "");
    cells.push_back(r.contains("reason") ? r["reason"].get<std::string>() : "");
    csv.add_row(cells);
  }
  write_file_atomic((std::filesystem::path(out_dir) / "results.csv").string(), csv.to_csv());
  nlohmann::json results = {{"points", points},
                             {"complete", int64_t(ordered.size()) == points},
                             {"energy_unit", "one 16-bit MAC, per image"},
                             {"rows", ordered}};
  write_file_atomic((std::filesystem::path(out_dir) / "results.json").string(), results.dump(2) + "\n");
  write_plots(out_dir, ordered);
  return int64_t(ordered.size());
}

}  // namespace rowsim
