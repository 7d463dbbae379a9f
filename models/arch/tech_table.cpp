#include "models/arch/tech_table.hpp"

#include <cmath>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/parse.hpp"
#include "workloads/util/yaml_reader.hpp"

namespace rowsim {
namespace {

// What a quantity measures, its unit strings and their factors to the canonical unit.
struct Dimension {
  const char* what;
  std::vector<std::pair<const char*, double>> units;  // first = canonical
};

const Dimension kEnergy{"an energy", {{"pJ", 1.0}, {"fJ", 1e-3}, {"aJ", 1e-6}, {"nJ", 1e3}}};
const Dimension kArea{"an area", {{"um2", 1.0}, {"mm2", 1e6}, {"nm2", 1e-6}}};
const Dimension kEnergyPerBit{"an energy per bit", {{"pJ/bit", 1.0}, {"fJ/bit", 1e-3}, {"nJ/bit", 1e3}}};
const Dimension kWireEnergy{"a wire energy per bit and length",
                            {{"pJ/bit/mm", 1.0}, {"fJ/bit/mm", 1e-3}, {"fJ/bit/um", 1.0}, {"pJ/bit/um", 1e3}}};
const Dimension kLength{"a length", {{"um", 1.0}, {"nm", 1e-3}, {"mm", 1e3}}};
const Dimension kPowerDensity{"a power density",
                              {{"mW/mm2", 1.0}, {"uW/mm2", 1e-3}, {"W/mm2", 1e3}, {"nW/um2", 1.0}, {"pW/um2", 1e-3}}};

// "1.5 pJ" -> 1.5 in the canonical unit. Refuses a missing unit, an unknown unit and a value
// that is not positive (every table entry is a magnitude; zero would break log interpolation).
double quantity(const YamlNode& node, const Dimension& dim) {
  std::string units;
  for (const auto& [u, f] : dim.units) units += (units.empty() ? "" : ", ") + std::string(u);
  if (!node.is_scalar())
    node.fail(fmt::format("got {}, expected {}: a number and a unit ({})", node.text(), dim.what, units));
  std::string text = node.as_string();
  std::istringstream in(text);
  std::string number, unit, extra;
  in >> number >> unit >> extra;
  double value = 0;
  if (!parse_number(number, value))
    node.fail(fmt::format("got '{}', expected {}: a number and a unit ({})", text, dim.what, units));
  if (unit.empty())
    node.fail(fmt::format("got '{}' without a unit, expected {} in one of: {}", text, dim.what, units));
  if (!extra.empty())
    node.fail(fmt::format("got '{}', expected {}: one number and one unit ({})", text, dim.what, units));
  double factor = 0;
  for (const auto& [u, f] : dim.units)
    if (unit == u) factor = f;
  if (factor == 0)
    node.fail(fmt::format("got '{}': unknown unit '{}', expected {} in one of: {}", text, unit, dim.what, units));
  if (value <= 0)
    node.fail(fmt::format("got '{}', expected {} greater than 0 (table entries are magnitudes)", text, dim.what));
  return value * factor;
}

std::string source_at(const YamlNode& entry) {
  YamlNode node = entry.require("source");
  std::string s = node.as_string();
  if (s.find_first_not_of(" \t\n") == std::string::npos)
    node.fail("the source is empty; expected the publication (and table/figure) or the derivation");
  return s;
}

// A list of points under `key`: each {<x_key>: number, energy, area, source}.
TechCurve curve(const YamlNode& parent, const char* points_key, const char* x_key, double x_min, double x_max) {
  YamlNode list = parent.require(points_key);
  TechCurve c;
  for (const YamlNode& p : list.elements()) {
    p.only_keys({x_key, "energy", "area", "source"});
    TechPoint point;
    point.x = p.double_at(x_key, x_min, x_max);
    point.energy = quantity(p.require("energy"), kEnergy);
    point.area = quantity(p.require("area"), kArea);
    point.source = source_at(p);
    if (!c.points.empty()) {
      const TechPoint& prev = c.points.back();
      if (point.x <= prev.x)
        p.require(x_key).fail(fmt::format("got {}, expected points in increasing {} (the previous point has {})",
                                          point.x, x_key, prev.x));
      if (point.energy < prev.energy)
        p.require("energy").fail(fmt::format(
            "got {} pJ, expected at least the previous point's {} pJ: a larger {} never costs less per access",
            point.energy, prev.energy, x_key));
      if (point.area < prev.area)
        p.require("area").fail(fmt::format("got {} um2, expected at least the previous point's {} um2", point.area,
                                           prev.area));
    }
    c.points.push_back(point);
  }
  if (c.points.size() < 2) list.fail(fmt::format("got {} point(s), expected at least 2 to interpolate", c.points.size()));
  return c;
}

double loglog(const std::vector<TechPoint>& pts, double x, double TechPoint::*field) {
  size_t i = 1;
  while (i + 1 < pts.size() && x > pts[i].x) ++i;
  const TechPoint& a = pts[i - 1];
  const TechPoint& b = pts[i];
  double slope = std::log(b.*field / a.*field) / std::log(b.x / a.x);
  return a.*field * std::pow(x / a.x, slope);
}

}  // namespace

double TechCurve::energy_at(double x) const { return loglog(points, x, &TechPoint::energy); }
double TechCurve::area_at(double x) const { return loglog(points, x, &TechPoint::area); }

std::string TechTable::dram_types() const {
  std::string s;
  for (const auto& [name, d] : dram) s += (s.empty() ? "" : ", ") + name;
  return s;
}

TechTable parse_tech_table(const std::string& yaml_text, const std::string& origin) {
  YamlReader reader = YamlReader::from_string(yaml_text, origin);
  YamlNode root = reader.root();
  root.only_keys({"node", "description", "mac", "regfile", "sram", "wire", "leakage", "dram"});
  TechTable t;
  t.origin = origin;
  t.node = root.string_at("node");
  if (auto d = root.optional("description")) t.description = d->as_string();

  YamlNode mac = root.require("mac");
  mac.only_keys({"points"});
  t.mac = curve(mac, "points", "bits", 1, 128);

  YamlNode rf = root.require("regfile");
  rf.only_keys({"width_bits", "points"});
  t.regfile_width_bits = static_cast<int>(rf.int_at("width_bits", 1, 4096));
  t.regfile = curve(rf, "points", "bytes", 1, 1e12);

  YamlNode sram = root.require("sram");
  sram.only_keys({"width_bits", "points"});
  t.sram_width_bits = static_cast<int>(sram.int_at("width_bits", 1, 4096));
  t.sram = curve(sram, "points", "bytes", 1, 1e12);

  YamlNode wire = root.require("wire");
  wire.only_keys({"energy", "pitch", "source"});
  t.wire_pj_per_bit_mm = quantity(wire.require("energy"), kWireEnergy);
  t.wire_pitch_um = quantity(wire.require("pitch"), kLength);
  t.wire_source = source_at(wire);

  YamlNode leak = root.require("leakage");
  leak.only_keys({"density", "source"});
  t.leakage_mw_per_mm2 = quantity(leak.require("density"), kPowerDensity);
  t.leakage_source = source_at(leak);

  YamlNode dram = root.require("dram");
  for (const std::string& type : dram.keys()) {
    YamlNode entry = dram.require(type);
    entry.only_keys({"energy", "source"});
    TechTable::Dram d;
    d.pj_per_bit = quantity(entry.require("energy"), kEnergyPerBit);
    d.source = source_at(entry);
    t.dram[type] = d;
  }
  if (t.dram.empty()) dram.fail("the table is empty; expected DRAM types mapped to {energy, source}");
  return t;
}

TechTable load_tech_table(const std::string& name_or_path, const std::string& relative_to) {
  const auto& embedded = embedded_tech_tables();
  auto it = embedded.find(name_or_path);
  TechTable t;
  if (it != embedded.end() && !file_exists(name_or_path)) {
    t = parse_tech_table(it->second, "<embedded " + name_or_path + ".yaml>");
  } else {
    std::string path = name_or_path;
    if (!file_exists(path) && !relative_to.empty() && !path.empty() && path[0] != '/') {
      auto slash = relative_to.find_last_of('/');
      if (slash != std::string::npos) {
        std::string beside = relative_to.substr(0, slash + 1) + path;
        if (file_exists(beside)) path = beside;
      }
    }
    if (!file_exists(path)) {
      std::string names;
      for (const auto& [name, text] : embedded) names += (names.empty() ? "" : ", ") + name;
      fail("{}: no such technology file (embedded technologies: {})", name_or_path, names);
    }
    t = parse_tech_table(read_file(path), path);
  }
  t.name = name_or_path;
  return t;
}

}  // namespace rowsim
