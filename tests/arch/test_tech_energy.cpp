// The technology energy model (issue 15): tables parse and refuse mistakes naming file, key and
// value; the normalized model is untouched; pJ x accesses sum to every total; larger storage never
// costs less per access; area grows with every size field; leakage = power x time.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "models/arch/arch_spec.hpp"
#include "models/arch/energy.hpp"
#include "models/arch/tech_energy.hpp"
#include "models/arch/tech_table.hpp"
#include "workloads/util/error.hpp"

using namespace rowsim;

namespace {

std::string replace(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string tech_text(const std::string& node = "65nm") { return embedded_tech_tables().at(node); }

std::string tech_error(const std::string& text) {
  try {
    parse_tech_table(text, "bad-tech.yaml");
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

std::string arch_error(const std::string& text) {
  try {
    parse_arch_spec(text, "bad.yaml");
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

ArchSpec tech_spec() { return load_arch_spec("eyeriss-65nm"); }

// A spec edited field by field (sizes), re-parsed so that validation still applies.
ArchSpec edited(const std::string& from, const std::string& to) {
  return parse_arch_spec(replace(arch_spec_text("eyeriss-65nm"), from, to), "edited.yaml");
}

AccessCounts some_counts() {
  AccessCounts c;
  int64_t v = 7;
  for (Level l : kAllLevels)
    for (Data d : kAllData) {
      c.at(l, d).reads = v;
      c.at(l, d).writes = v / 3;
      v = v * 13 % 100003 + 11;
    }
  c.macs = 123456789;
  c.cycles = 987654;
  return c;
}

}  // namespace

TEST_CASE("The shipped technology tables load with their published anchors", "[arch][tech]") {
  TechTable t65 = load_tech_table("65nm");
  CHECK(t65.node == "65nm");
  // Horowitz 45 nm 16b MAC 0.842 pJ x (65/45)(1.0/0.9)^2.
  CHECK(t65.mac.energy_at(16) == Approx(1.5018).epsilon(1e-4));
  // Eyeriss ISCA 2016: RF 0.5 kB = 1 MAC.
  CHECK(t65.regfile.energy_at(512) == Approx(t65.mac.energy_at(16)).epsilon(1e-4));
  CHECK(t65.dram.at("LPDDR4").pj_per_bit == 8);
  CHECK(t65.dram.at("HBM2").pj_per_bit == Approx(3.9));
  // Units are converted: 0.0747 mm2 in the file = 74700 um2.
  CHECK(t65.sram.points[0].area == Approx(74700));
  TechTable t16 = load_tech_table("16nm");
  CHECK(t16.node == "16nm");
  for (const TechPoint& p : t65.mac.points) CHECK_FALSE(p.source.empty());
}

TEST_CASE("The normalized model is unchanged: same spec text, same numbers, same arch show", "[arch][tech]") {
  ArchSpec s = load_arch_spec("eyeriss");
  CHECK(s.energy_model == EnergyModel::Normalized);
  CHECK_FALSE(s.tech);
  std::string shown = arch_spec_to_yaml(s);
  CHECK(shown.find("model:") == std::string::npos);
  CHECK(shown.find("technology") == std::string::npos);
  CHECK(tech_summary_yaml(s, DataBits::uniform(16)).empty());
  // An explicit `model: normalized` is the same spec, shown byte for byte the same.
  ArchSpec explicit_normalized = parse_arch_spec(
      replace(arch_spec_text("eyeriss"), "  mac: 1\n", "  model: normalized\n  mac: 1\n"), s.source);
  CHECK(arch_spec_to_yaml(explicit_normalized) == shown);
  // The paper's 200/6/2/1, 16-bit words, MAC = 1: one access of each kind of each data word.
  AccessCounts c;
  for (Level l : kAllLevels)
    for (Data d : {Data::Weight, Data::Ifmap, Data::Psum}) c.at(l, d).reads = 1;
  c.macs = 10;
  Energy e = compute_energy(c, s.energy, DataBits::uniform(16));
  CHECK(e.total() == 3 * (200 + 6 + 2 + 1) + 10);
  CHECK(e.weights_only() == 209);
  // The technology model refuses a normalized spec rather than guessing a table.
  CHECK_THROWS_AS(TechRates(s, DataBits::uniform(16)), UserError);
}

TEST_CASE("Technology spec: pJ x accesses sums to every total", "[arch][tech]") {
  ArchSpec s = tech_spec();
  REQUIRE(s.energy_model == EnergyModel::Technology);
  for (DataBits bits : {DataBits::uniform(16), DataBits{12, 16, 16}, DataBits{8, 8, 16}}) {
    AccessCounts c = some_counts();
    TechRates r(s, bits);
    TechEnergy e = compute_tech_energy(c, s, bits, c.cycles);
    double sum = 0;
    for (Level l : kAllLevels) {
      double level_sum = 0;
      for (Data d : kAllData) {
        double expected = double(c.at(l, d).total()) * r.per_access(l, d);
        CHECK(e.dynamic.access[int(l)][int(d)] == expected);
        level_sum += expected;
      }
      CHECK(e.dynamic.level(l) == Approx(level_sum).epsilon(1e-12));
      sum += level_sum;
    }
    CHECK(e.dynamic.mac == double(c.macs) * r.mac);
    CHECK(e.total() == Approx(sum + e.dynamic.mac + e.leakage).epsilon(1e-12));
    // Rates follow the bit widths: a 12-bit weight costs 12/16 of a 16-bit one off the MAC.
    if (bits.weight == 12) {
      TechRates r16(s, DataBits::uniform(16));
      for (Level l : kAllLevels)
        CHECK(r.per_access(l, Data::Weight) == Approx(r16.per_access(l, Data::Weight) * 12 / 16));
    }
  }
}

TEST_CASE("Technology rates of the Eyeriss 65 nm spec follow the table", "[arch][tech]") {
  ArchSpec s = tech_spec();
  TechRates r(s, DataBits::uniform(16));
  CHECK(r.mac == Approx(1.5018).epsilon(1e-4));
  CHECK(r.per_access(Level::DRAM, Data::Weight) == Approx(8.0 * 16));
  CHECK(r.per_access(Level::DRAM, Data::Index) == Approx(8.0));
  // Each spad is priced at its own capacity: the 448 B filter spad costs more than the 24 B ifmap one.
  CHECK(r.per_access(Level::RF, Data::Weight) > r.per_access(Level::RF, Data::Ifmap));
  CHECK(r.per_access(Level::RF, Data::Psum) > r.per_access(Level::RF, Data::Ifmap));
  // Ordering of the hierarchy: DRAM > GLB > RF of the largest spad.
  CHECK(r.per_access(Level::DRAM, Data::Ifmap) > r.per_access(Level::GLB, Data::Ifmap));
  CHECK(r.per_access(Level::GLB, Data::Ifmap) > r.per_access(Level::RF, Data::Ifmap));
  // The same chip at 16 nm costs less on chip; DRAM per bit does not depend on the node.
  ArchSpec s16 = edited("technology: 65nm", "technology: 16nm");
  TechRates r16(s16, DataBits::uniform(16));
  for (Level l : {Level::GLB, Level::Array, Level::RF}) CHECK(r16.per_access(l, Data::Psum) < r.per_access(l, Data::Psum));
  CHECK(r16.per_access(Level::DRAM, Data::Psum) == r.per_access(Level::DRAM, Data::Psum));
  CHECK(r16.mac < r.mac);
  CHECK(r16.area.total() < r.area.total());
}

TEST_CASE("A larger SRAM or register file never costs less per access", "[arch][tech]") {
  for (const char* node : {"65nm", "16nm"}) {
    TechTable t = load_tech_table(node);
    double prev_rf = 0, prev_sram = 0, prev_rf_area = 0, prev_sram_area = 0;
    for (double bytes = 1; bytes <= 64.0 * 1024 * 1024; bytes *= 1.5) {
      double rf = t.regfile.energy_at(bytes), sram = t.sram.energy_at(bytes);
      CHECK(rf > 0);
      CHECK(rf >= prev_rf);
      CHECK(sram >= prev_sram);
      CHECK(t.regfile.area_at(bytes) >= prev_rf_area);
      CHECK(t.sram.area_at(bytes) >= prev_sram_area);
      prev_rf = rf, prev_sram = sram, prev_rf_area = t.regfile.area_at(bytes), prev_sram_area = t.sram.area_at(bytes);
    }
    double prev_mac = 0;
    for (int bits = 1; bits <= 64; ++bits) {
      CHECK(t.mac.energy_at(bits) >= prev_mac);
      prev_mac = t.mac.energy_at(bits);
    }
  }
  // Through the arch spec: growing the GLB (same banks) or a spad never lowers its rate.
  double prev_glb = 0;
  for (int kb : {27, 54, 108, 216, 432, 864}) {
    // 27 banks throughout; filter_kb 0 (shared pool) so that every size divides into whole banks.
    std::string text = replace(arch_spec_text("eyeriss-65nm"), "filter_kb: 8", "filter_kb: 0");
    ArchSpec s = parse_arch_spec(replace(text, "size_kb: 108", fmt::format("size_kb: {}", kb)), "edited.yaml");
    double glb = TechRates(s, DataBits::uniform(16)).per_access(Level::GLB, Data::Ifmap);
    CHECK(glb >= prev_glb);
    prev_glb = glb;
  }
  double prev_rf = 0;
  for (int words : {1, 4, 12, 48, 200, 1000}) {
    double rf = TechRates(edited("ifmap: 12", fmt::format("ifmap: {}", words)), DataBits::uniform(16))
                    .per_access(Level::RF, Data::Ifmap);
    CHECK(rf >= prev_rf);
    prev_rf = rf;
  }
}

TEST_CASE("Area grows with every size field", "[arch][tech]") {
  ArchSpec base = tech_spec();
  AreaBreakdown a = TechRates(base, DataBits::uniform(16)).area;
  CHECK(a.total() == Approx(a.pe_array + a.glb + a.noc));
  CHECK(a.pe_array == Approx(a.pe() * 168));
  struct Edit {
    const char *from, *to;
  };
  for (Edit e : {Edit{"rows: 12", "rows: 13"}, Edit{"cols: 14", "cols: 15"}, Edit{"filter: 224", "filter: 225"},
                 Edit{"ifmap: 12", "ifmap: 13"}, Edit{"psum: 24", "psum: 25"}, Edit{"size_kb: 108", "size_kb: 216"},
                 Edit{"filter_bus_bits: 64", "filter_bus_bits: 128"}}) {
    INFO(e.from << " -> " << e.to);
    AreaBreakdown bigger = TechRates(edited(e.from, e.to), DataBits::uniform(16)).area;
    CHECK(bigger.total() > a.total());
  }
}

TEST_CASE("Leakage energy is leakage power x run time", "[arch][tech]") {
  ArchSpec s = tech_spec();
  TechRates r(s, DataBits::uniform(16));
  CHECK(r.leakage_mw == Approx(s.tech->leakage_mw_per_mm2 * r.area.total()));
  REQUIRE(r.leakage_mw > 0);
  // 200e6 cycles at 200 MHz = 1 s: P mW x 1 s = P mJ = P x 1e9 pJ.
  CHECK(r.leakage_pj(200'000'000) == Approx(r.leakage_mw * 1e9));
  AccessCounts c = some_counts();
  TechEnergy e = compute_tech_energy(c, s, DataBits::uniform(16), 4000);
  CHECK(e.leakage == Approx(r.leakage_mw * 1e-3 * (4000 / 200e6) * 1e12));
  CHECK(compute_tech_energy(c, s, DataBits::uniform(16), 8000).leakage == Approx(2 * e.leakage));
}

TEST_CASE("Bad technology tables are refused naming file, key and value", "[arch][tech][errors]") {
  std::string good = tech_text();
  REQUIRE(tech_error(good) == "no error");
  REQUIRE(tech_error(tech_text("16nm")) == "no error");
  // Negative energy.
  std::string e = tech_error(replace(good, "energy: 1.5018 pJ, area: 2217.9 um2", "energy: -1.5 pJ, area: 2217.9 um2"));
  CHECK_THAT(e, Catch::StartsWith("bad-tech.yaml:") && Catch::Contains("mac.points[1].energy") &&
                    Catch::Contains("'-1.5 pJ'") && Catch::Contains("greater than 0"));
  // Unknown unit.
  e = tech_error(replace(good, "energy: 1.5018 pJ, area: 2217.9 um2", "energy: 1.5018 pj, area: 2217.9 um2"));
  CHECK_THAT(e, Catch::Contains("mac.points[1].energy") && Catch::Contains("unknown unit 'pj'") &&
                    Catch::Contains("pJ, fJ"));
  e = tech_error(replace(good, "density: 0.2 mW/mm2", "density: 0.2 mW/cm2"));
  CHECK_THAT(e, Catch::Contains("leakage.density") && Catch::Contains("'0.2 mW/cm2'") && Catch::Contains("mW/mm2"));
  // A number without a unit.
  e = tech_error(replace(good, "energy: 0.3254 pJ/bit/mm", "energy: 0.3254"));
  CHECK_THAT(e, Catch::Contains("wire.energy") && Catch::Contains("without a unit"));
  // Missing entry.
  e = tech_error(replace(good, "  pitch: 0.21 um\n", ""));
  CHECK_THAT(e, Catch::Contains("bad-tech.yaml") && Catch::Contains("wire") && Catch::Contains("missing required key 'pitch'"));
  auto leak_at = good.find("leakage:");
  auto dram_at = good.find("dram:");
  e = tech_error(good.substr(0, leak_at) + good.substr(dram_at));
  CHECK_THAT(e, Catch::Contains("missing required key 'leakage'"));
  // Unknown key, with a hint.
  e = tech_error(replace(good, "  pitch: 0.21 um\n", "  pich: 0.21 um\n"));
  CHECK_THAT(e, Catch::Contains("wire.pich") && Catch::Contains("did you mean 'pitch'"));
  // An entry without a source, or with an empty one.
  e = tech_error(replace(good, "  LPDDR4: {energy: 8 pJ/bit, source:", "  LPDDR4: {energy: 8 pJ/bit, note:"));
  CHECK_THAT(e, Catch::Contains("dram.LPDDR4.note") && Catch::Contains("unknown key"));
  e = tech_error(replace(good, "{energy: 8 pJ/bit, source: \"Accelergy CACTI plug-in (cacti_wrapper.py, DRAM_estimate_energy): LPDDR4 8 pJ/bit ('public data')\"}",
                         "{energy: 8 pJ/bit}"));
  CHECK_THAT(e, Catch::Contains("dram.LPDDR4") && Catch::Contains("missing required key 'source'"));
  e = tech_error(replace(good, "{energy: 8 pJ/bit, source: \"Accelergy CACTI plug-in (cacti_wrapper.py, DRAM_estimate_energy): LPDDR4 8 pJ/bit ('public data')\"}",
                         "{energy: 8 pJ/bit, source: \" \"}"));
  CHECK_THAT(e, Catch::Contains("dram.LPDDR4.source") && Catch::Contains("the source is empty"));
  // Points out of order, or a larger storage cheaper than a smaller one.
  e = tech_error(replace(good, "{bytes: 128, energy: 0.7509 pJ", "{bytes: 128, energy: 0.3 pJ"));
  CHECK_THAT(e, Catch::Contains("regfile.points[1].energy") && Catch::Contains("never costs less"));
  e = tech_error(replace(good, "{bytes: 128, energy", "{bytes: 16, energy"));
  CHECK_THAT(e, Catch::Contains("regfile.points[1].bytes") && Catch::Contains("got 16"));
}

TEST_CASE("Arch spec technology mistakes name the key and the choices", "[arch][tech][errors]") {
  std::string good = arch_spec_text("eyeriss-65nm");
  REQUIRE(arch_error(good) == "no error");
  std::string e = arch_error(replace(good, "technology: 65nm", "technology: 3nm"));
  CHECK_THAT(e, Catch::StartsWith("bad.yaml:") && Catch::Contains("energy.technology: got '3nm'") &&
                    Catch::Contains("16nm, 65nm"));
  e = arch_error(replace(good, "dram_type: LPDDR4", "dram_type: DDR9"));
  CHECK_THAT(e, Catch::Contains("energy.dram_type: got 'DDR9'") && Catch::Contains("LPDDR4"));
  e = arch_error(replace(good, "model: technology", "model: physical"));
  CHECK_THAT(e, Catch::Contains("energy.model: got 'physical'") && Catch::Contains("normalized, technology"));
  e = arch_error(replace(good, "  dram_type: LPDDR4", ""));
  CHECK_THAT(e, Catch::Contains("missing required key 'dram_type'"));
  // Technology keys with the normalized model are mistakes, not silently ignored.
  e = arch_error(replace(good, "model: technology", "model: normalized"));
  CHECK_THAT(e, Catch::Contains("energy.technology") && Catch::Contains("normalized model"));
  // A table with a mistake, named by path: both files appear in the message.
  std::string path = "tech-test-bad.yaml";
  {
    std::ofstream out(path);
    out << replace(tech_text(), "energy: 1.5018 pJ, area: 2217.9 um2", "energy: -1 pJ, area: 2217.9 um2");
  }
  e = arch_error(replace(good, "technology: 65nm", "technology: " + path));
  CHECK_THAT(e, Catch::Contains("energy.technology") && Catch::Contains("tech-test-bad.yaml:") &&
                    Catch::Contains("mac.points[1].energy") && Catch::Contains("'-1 pJ'"));
  // A good table by path works like the embedded one.
  {
    std::ofstream out(path);
    out << tech_text();
  }
  ArchSpec by_path = parse_arch_spec(replace(good, "technology: 65nm", "technology: " + path), "x.yaml");
  CHECK(TechRates(by_path, DataBits::uniform(16)).mac == TechRates(tech_spec(), DataBits::uniform(16)).mac);
  std::remove(path.c_str());
}

TEST_CASE("arch show of a technology spec adds rates and area; the spec part is unchanged", "[arch][tech]") {
  ArchSpec s = tech_spec();
  std::string shown = arch_spec_to_yaml(s);
  CHECK(shown.find("model: technology") != std::string::npos);
  CHECK(shown.find("dram_type: LPDDR4") != std::string::npos);
  std::string summary = tech_summary_yaml(s, DataBits::uniform(16));
  CHECK(summary.find("technology_rates_pj:") != std::string::npos);
  CHECK(summary.find("technology_area_mm2:") != std::string::npos);
  CHECK(summary.find("  dram: {weight: 128,") != std::string::npos);
}
