#include "models/arch/arch_spec.hpp"

#include "models/arch/tech_table.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/limits.hpp"
#include "workloads/util/yaml_reader.hpp"

namespace rowsim {

double EnergyTable::scale(int bits) const {
  if (linear_bit_scaling) return bits / 16.0;
  auto it = bit_scale.find(bits);
  if (it == bit_scale.end()) {
    std::string have;
    for (const auto& [b, s] : bit_scale) have += (have.empty() ? "" : ", ") + std::to_string(b);
    fail("energy.bit_scaling has no entry for {}-bit words (it lists: {})", bits, have);
  }
  return it->second;
}

int64_t ArchSpec::storage_bytes() const {
  return int64_t(glb_kb) * 1024 + int64_t(pes()) * (spad_filter + spad_ifmap + spad_psum) * word_bytes();
}

const char* to_string(DramModel model) { return model == DramModel::RowBuffer ? "row_buffer" : "fixed"; }

namespace {

int int_field(const YamlNode& parent, const std::string& key, int64_t min, int64_t max) {
  return static_cast<int>(parent.int_at(key, min, max));
}

}  // namespace

ArchSpec parse_arch_spec(const std::string& yaml_text, const std::string& origin) {
  YamlReader reader = YamlReader::from_string(yaml_text, origin);
  YamlNode root = reader.root();
  root.only_keys({"name", "word_bits", "clock_mhz", "pe_array", "spad", "glb", "noc", "dram", "energy", "features"});
  ArchSpec spec;
  spec.source = origin;
  spec.name = root.string_at("name");
  spec.word_bits = int_field(root, "word_bits", 2, 64);
  spec.clock_mhz = root.double_at("clock_mhz", 1e-3, 1e6);

  YamlNode array = root.require("pe_array");
  array.only_keys({"rows", "cols"});
  spec.pe_rows = int_field(array, "rows", 1, limit(Limit::ArraySide));
  spec.pe_cols = int_field(array, "cols", 1, limit(Limit::ArraySide));

  // Every mapping needs at least one word of each spad; below that no layer can run.
  YamlNode spad = root.require("spad");
  spad.only_keys({"filter", "ifmap", "psum"});
  spec.spad_filter = int_field(spad, "filter", 1, 1 << 20);
  spec.spad_ifmap = int_field(spad, "ifmap", 1, 1 << 20);
  spec.spad_psum = int_field(spad, "psum", 1, 1 << 20);

  YamlNode glb = root.require("glb");
  glb.only_keys({"size_kb", "banks", "filter_kb"});
  spec.glb_kb = int_field(glb, "size_kb", 1, 1 << 20);
  spec.glb_banks = int_field(glb, "banks", 1, 1 << 16);
  spec.glb_filter_kb = int_field(glb, "filter_kb", 0, 1 << 20);
  if (spec.glb_kb % spec.glb_banks != 0)
    glb.require("banks").fail(
        fmt::format("got {}, expected a bank count that divides size_kb = {} into whole KiB banks", spec.glb_banks,
                    spec.glb_kb));
  if (spec.glb_filter_kb >= spec.glb_kb)
    glb.require("filter_kb").fail(fmt::format(
        "got {}, expected less than size_kb = {} so that ifmaps and psums keep some space (0 = shared pool)",
        spec.glb_filter_kb, spec.glb_kb));
  int bank_kb = spec.glb_kb / spec.glb_banks;
  if (spec.glb_filter_kb % bank_kb != 0)
    glb.require("filter_kb").fail(
        fmt::format("got {}, expected a whole number of {} KiB banks", spec.glb_filter_kb, bank_kb));

  YamlNode noc = root.require("noc");
  noc.only_keys({"filter_bus_bits", "ifmap_bus_bits", "psum_bus_bits"});
  auto bus_bits = [&](const char* key) {
    int bits = int_field(noc, key, 1, 4096);
    if (bits < spec.word_bits)
      noc.require(key).fail(
          fmt::format("got {}, expected at least word_bits = {} (one word per cycle)", bits, spec.word_bits));
    return bits;
  };
  spec.filter_bus_bits = bus_bits("filter_bus_bits");
  spec.ifmap_bus_bits = bus_bits("ifmap_bus_bits");
  spec.psum_bus_bits = bus_bits("psum_bus_bits");

  YamlNode dram = root.require("dram");
  dram.only_keys({"bandwidth_words_per_cycle", "latency_cycles", "model", "row_buffer"});
  spec.dram_words_per_cycle = dram.double_at("bandwidth_words_per_cycle", 1e-6, 1e6);
  spec.dram_latency_cycles = int_field(dram, "latency_cycles", 0, 1 << 20);
  // The model is optional: a spec without it keeps the fixed-latency link every spec had.
  if (auto model = dram.optional("model"))
    spec.dram_model = model->as_choice({"fixed", "row_buffer"}) == "row_buffer" ? DramModel::RowBuffer : DramModel::Fixed;
  if (spec.dram_model == DramModel::RowBuffer) {
    YamlNode rows = dram.require("row_buffer");
    rows.only_keys({"banks", "row_words", "miss_cycles"});
    spec.dram_banks = int_field(rows, "banks", 1, 1 << 10);
    spec.dram_row_words = int_field(rows, "row_words", 1, 1 << 24);
    spec.dram_row_miss_cycles = int_field(rows, "miss_cycles", 0, 1 << 16);
  } else if (dram.has("row_buffer")) {
    dram.require("row_buffer").fail("given, but dram.model is fixed; expected it only with model: row_buffer");
  }

  YamlNode energy = root.require("energy");
  energy.only_keys({"model", "technology", "dram_type", "dram", "mac", "glb", "array", "rf", "bit_scaling"});
  spec.energy.mac = energy.double_at("mac", 0, 1e9);
  spec.energy.dram = energy.double_at("dram", 0, 1e9);
  // energy.model absent = normalized. The technology model adds a technology table and a DRAM
  // type; the normalized numbers above stay for the paper's normalized view.
  if (auto model = energy.optional("model"))
    spec.energy_model = model->as_choice({"normalized", "technology"}) == "technology" ? EnergyModel::Technology
                                                                                       : EnergyModel::Normalized;
  if (spec.energy_model == EnergyModel::Technology) {
    YamlNode tech = energy.require("technology");
    spec.technology = tech.as_string();
    try {
      spec.tech = std::make_shared<const TechTable>(load_tech_table(spec.technology, origin));
    } catch (const UserError& e) {
      tech.fail(fmt::format("got '{}', which does not load: {}", spec.technology, e.what()));
    }
    YamlNode dram_type = energy.require("dram_type");
    spec.dram_type = dram_type.as_string();
    if (!spec.tech->dram.count(spec.dram_type))
      dram_type.fail(fmt::format("got '{}', expected a DRAM type that technology {} lists: {}", spec.dram_type,
                                 spec.technology, spec.tech->dram_types()));
  } else {
    for (const char* key : {"technology", "dram_type"})
      if (auto given = energy.optional(key))
        given->fail("given with the normalized model; set energy.model: technology to use a technology table");
  }
  spec.energy.glb = energy.double_at("glb", 0, 1e9);
  spec.energy.array = energy.double_at("array", 0, 1e9);
  spec.energy.rf = energy.double_at("rf", 0, 1e9);
  YamlNode scaling = energy.require("bit_scaling");
  if (scaling.is_map()) {
    spec.energy.linear_bit_scaling = false;
    for (const auto& key : scaling.keys()) {
      YamlNode entry = scaling.require(key);
      size_t used = 0;
      int bits = 0;
      try {
        bits = std::stoi(key, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != key.size() || bits < 1 || bits > 64)
        entry.fail(fmt::format("key '{}' is not a bit width; expected whole numbers 1..64 mapped to scale factors", key));
      spec.energy.bit_scale[bits] = entry.as_double(0, 1e3);
    }
    if (spec.energy.bit_scale.empty()) scaling.fail("the table is empty; expected bit widths mapped to scale factors");
  } else {
    std::string mode = scaling.as_choice({"linear"});
    spec.energy.linear_bit_scaling = mode == "linear";
  }

  YamlNode features = root.require("features");
  features.only_keys({"zero_gating", "rlc_dram"});
  spec.zero_gating = features.bool_at("zero_gating");
  spec.rlc_dram = features.bool_at("rlc_dram");
  return spec;
}

std::string arch_spec_text(const std::string& path_or_name, std::string* origin) {
  const auto& embedded = embedded_arch_specs();
  auto it = embedded.find(path_or_name);
  if (it != embedded.end() && !file_exists(path_or_name)) {
    if (origin) *origin = "<embedded " + path_or_name + ".yaml>";
    return it->second;
  }
  if (!file_exists(path_or_name)) {
    std::string names;
    for (const auto& [name, text] : embedded) names += (names.empty() ? "" : ", ") + name;
    fail("{}: no such file (embedded specs: {})", path_or_name, names);
  }
  if (origin) *origin = path_or_name;
  return read_file(path_or_name);
}

ArchSpec load_arch_spec(const std::string& path_or_name) {
  std::string origin;
  std::string text = arch_spec_text(path_or_name, &origin);
  return parse_arch_spec(text, origin);
}

std::string arch_spec_to_yaml(const ArchSpec& s) {
  std::string scaling;
  if (s.energy.linear_bit_scaling) {
    scaling = "linear";
  } else {
    for (const auto& [bits, factor] : s.energy.bit_scale)
      scaling += fmt::format("{}{}: {}", scaling.empty() ? "{" : ", ", bits, factor);
    scaling += "}";
  }
  std::string energy_head;
  if (s.energy_model == EnergyModel::Technology)
    energy_head = fmt::format("  model: technology\n  technology: {}          # node {}, {}\n  dram_type: {}       # {} pJ/bit\n",
                              s.technology, s.tech->node, s.tech->origin, s.dram_type,
                              s.tech->dram.at(s.dram_type).pj_per_bit);
  std::string dram_model;
  if (s.dram_model == DramModel::RowBuffer)
    dram_model = fmt::format("  model: row_buffer\n  row_buffer:\n    banks: {}\n    row_words: {}\n    miss_cycles: {}\n",
                             s.dram_banks, s.dram_row_words, s.dram_row_miss_cycles);
  return fmt::format(
      "# resolved from {}\n"
      "name: {}\n"
      "word_bits: {}\n"
      "clock_mhz: {}\n"
      "pe_array:\n  rows: {}\n  cols: {}          # {} PEs\n"
      "spad:\n  filter: {}\n  ifmap: {}\n  psum: {}          # words per PE ({} bytes per PE)\n"
      "glb:\n  size_kb: {}\n  banks: {}          # {} KiB each\n  filter_kb: {}      # {}\n"
      "noc:\n  filter_bus_bits: {}   # {} words/cycle\n  ifmap_bus_bits: {}    # {} words/cycle\n"
      "  psum_bus_bits: {}     # {} words/cycle\n"
      "dram:\n  bandwidth_words_per_cycle: {}\n  latency_cycles: {}\n{}"
      "energy:\n{}  mac: {}\n  dram: {}\n  glb: {}\n  array: {}\n  rf: {}\n  bit_scaling: {}\n"
      "features:\n  zero_gating: {}\n  rlc_dram: {}\n"
      "# storage (GLB + spads): {} bytes\n",
      s.source, s.name, s.word_bits, s.clock_mhz, s.pe_rows, s.pe_cols, s.pes(), s.spad_filter, s.spad_ifmap,
      s.spad_psum, (s.spad_filter + s.spad_ifmap + s.spad_psum) * s.word_bytes(), s.glb_kb, s.glb_banks,
      s.glb_kb / s.glb_banks, s.glb_filter_kb,
      s.glb_shared() ? std::string("shared: one pool for all data types")
                     : fmt::format("filters; {} KiB for ifmaps and psums", s.glb_kb - s.glb_filter_kb),
      s.filter_bus_bits, s.filter_bus_words(), s.ifmap_bus_bits, s.ifmap_bus_words(), s.psum_bus_bits,
      s.psum_bus_words(), s.dram_words_per_cycle, s.dram_latency_cycles, dram_model, energy_head, s.energy.mac, s.energy.dram, s.energy.glb,
      s.energy.array, s.energy.rf, scaling, s.zero_gating, s.rlc_dram, s.storage_bytes());
}

}  // namespace rowsim
