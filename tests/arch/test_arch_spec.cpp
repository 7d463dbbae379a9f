// Architecture specs: the shipped specs load with the published numbers; every kind of mistake
// is an error naming the file, line, key path, value and expectation.
#include <catch2/catch.hpp>

#include "models/arch/arch_spec.hpp"
#include "models/arch/energy.hpp"
#include "workloads/util/error.hpp"

using namespace rowsim;

TEST_CASE("The embedded Eyeriss spec is the JSSC 2017 chip", "[arch]") {
  ArchSpec s = load_arch_spec("eyeriss");
  CHECK(s.pe_rows == 12);
  CHECK(s.pe_cols == 14);
  CHECK(s.spad_filter == 224);
  CHECK(s.spad_ifmap == 12);
  CHECK(s.spad_psum == 24);
  CHECK(s.glb_kb == 108);
  CHECK(s.glb_ifmap_psum_words() == 100 * 1024 / 2);
  CHECK(s.glb_filter_words() == 8 * 1024 / 2);
  CHECK(s.filter_bus_words() == 4);
  CHECK(s.ifmap_bus_words() == 1);
  CHECK(s.energy.dram == 200);
  CHECK(s.energy.glb == 6);
  CHECK(s.energy.array == 2);
  CHECK(s.energy.rf == 1);
  CHECK(s.energy.scale(12) == Approx(0.75));
}

TEST_CASE("The ISCA 2016 analysis spec: 256 PEs, 512 B of RF per PE, 128 KB shared buffer", "[arch]") {
  ArchSpec s = load_arch_spec("eyeriss-isca");
  CHECK(s.pes() == 256);
  CHECK((s.spad_filter + s.spad_ifmap + s.spad_psum) * s.word_bytes() == 512);
  CHECK(s.glb_kb == 128);
  CHECK(s.glb_shared());
}

namespace {
std::string eyeriss_text() { return arch_spec_text("eyeriss"); }

std::string replace(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string error_of(const std::string& text) {
  try {
    parse_arch_spec(text, "bad.yaml");
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("Arch spec mistakes name the file, line, key path, value and expectation", "[arch][errors]") {
  std::string good = eyeriss_text();
  REQUIRE(error_of(good) == "no error");
  // Zero array size: pe_array.rows is on line 8 of the shipped spec.
  std::string e = error_of(replace(good, "rows: 12", "rows: 0"));
  CHECK_THAT(e, Catch::StartsWith("bad.yaml:8: pe_array.rows: got 0, expected an integer in [1, 1024]"));
  // Wrong type.
  e = error_of(replace(good, "cols: 14", "cols: fourteen"));
  CHECK_THAT(e, Catch::Contains("pe_array.cols") && Catch::Contains("'fourteen'"));
  // Negative size.
  e = error_of(replace(good, "ifmap: 12", "ifmap: -3"));
  CHECK_THAT(e, Catch::Contains("spad.ifmap: got -3"));
  // A spad of zero words cannot hold any mapping.
  e = error_of(replace(good, "filter: 224", "filter: 0"));
  CHECK_THAT(e, Catch::Contains("spad.filter: got 0"));
  // Unknown (mistyped) key: never silently ignored.
  e = error_of(replace(good, "latency_cycles: 100", "latency_cycle: 100"));
  CHECK_THAT(e, Catch::Contains("dram.latency_cycle") && Catch::Contains("did you mean 'latency_cycles'"));
  // Missing key.
  e = error_of(replace(good, "  psum: 24\n", ""));
  CHECK_THAT(e, Catch::Contains("spad") && Catch::Contains("missing required key 'psum'"));
  // Impossible partition.
  e = error_of(replace(good, "filter_kb: 8", "filter_kb: 200"));
  CHECK_THAT(e, Catch::Contains("glb.filter_kb: got 200"));
  // Bus narrower than a word.
  e = error_of(replace(good, "ifmap_bus_bits: 16", "ifmap_bus_bits: 8"));
  CHECK_THAT(e, Catch::Contains("noc.ifmap_bus_bits") && Catch::Contains("at least word_bits"));
  // Bad choice.
  e = error_of(replace(good, "bit_scaling: linear", "bit_scaling: quadratic"));
  CHECK_THAT(e, Catch::Contains("energy.bit_scaling") && Catch::Contains("'quadratic'"));
  // Boolean typo.
  e = error_of(replace(good, "zero_gating: true", "zero_gating: yes please"));
  CHECK_THAT(e, Catch::Contains("features.zero_gating") && Catch::Contains("true or false"));
}

TEST_CASE("A missing arch file is named, with the embedded alternatives", "[arch][errors]") {
  CHECK_THROWS_WITH(load_arch_spec("/nope/arch.yaml"),
                    Catch::Contains("/nope/arch.yaml") && Catch::Contains("no such file") && Catch::Contains("eyeriss"));
}

TEST_CASE("A bit-width table replaces linear scaling", "[arch][energy]") {
  std::string text = replace(eyeriss_text(), "bit_scaling: linear", "bit_scaling: {16: 1.0, 8: 0.4}");
  ArchSpec s = parse_arch_spec(text, "table.yaml");
  CHECK(s.energy.scale(8) == Approx(0.4));
  CHECK_THROWS_WITH(s.energy.scale(12), Catch::Contains("no entry for 12-bit"));
}

TEST_CASE("Energy is counts times the table, scaled by bits per data type", "[energy]") {
  ArchSpec s = load_arch_spec("eyeriss");
  AccessCounts c;
  c.at(Level::DRAM, Data::Weight).reads = 10;
  c.at(Level::GLB, Data::Weight).reads = 20;
  c.at(Level::GLB, Data::Weight).writes = 10;
  c.at(Level::RF, Data::Ifmap).reads = 100;
  c.macs = 100;
  DataBits bits{12, 16, 16};
  Energy e = compute_energy(c, s.energy, bits);
  // Weights at 12 bits cost 12/16 at every level: (10*200 + 30*6) * 0.75.
  CHECK(e.weights_only() == Approx((10 * 200 + 30 * 6) * 0.75));
  CHECK(e.level(Level::RF) == Approx(100));
  CHECK(e.total() == Approx((10 * 200 + 30 * 6) * 0.75 + 100 + 100));
  ReuseFactors r = reuse_factors(c, Data::Weight);
  CHECK(r.a == 10);
  CHECK(r.b == Approx(3.0));
}
