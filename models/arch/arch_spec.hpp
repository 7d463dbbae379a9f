// ArchSpec: the accelerator as an architect describes it in configs/arch/*.yaml. Sizes are read at
// run time (nothing is fixed at compile time) and validated field by field; docs/arch-spec.md
// documents every field with its unit.
#pragma once
#include <map>
#include <memory>
#include <string>

#include <yaml-cpp/yaml.h>

namespace rowsim {

struct EnergyTable {
  // Energy of one access of one 16-bit word at each level, relative to one 16-bit MAC.
  double mac = 1, dram = 200, glb = 6, array = 2, rf = 1;
  // Access energy of a b-bit word = cost * scale(b). Linear: b/16. A table gives scale per width.
  bool linear_bit_scaling = true;
  std::map<int, double> bit_scale;  // used when !linear_bit_scaling
  double scale(int bits) const;     // throws UserError for a width the table lacks
};

struct TechTable;

// How accesses are priced. Normalized: the EnergyTable above (one 16-bit MAC = 1), the paper's
// 200/6/2/1. Technology: pJ from a technology table (configs/tech/*.yaml) as a function of each
// storage's capacity, width and banking, the NoC's wire length, the MAC width and the DRAM type
// (models/arch/tech_energy.hpp). The normalized table stays in the spec either way.
enum class EnergyModel { Normalized, Technology };

// How the SystemC model times a DRAM burst (models/hw/dram_link.hpp). Fixed: the link's bandwidth
// and a fixed latency. RowBuffer: the same, plus a row miss penalty whenever a burst opens a DRAM
// row its bank does not hold open. Counts are the same either way; only cycles differ.
enum class DramModel { Fixed, RowBuffer };
const char* to_string(DramModel model);

struct ArchSpec {
  std::string name;
  std::string source;  // file the spec came from, for messages
  int word_bits = 16;
  double clock_mhz = 200;
  int pe_rows = 0, pe_cols = 0;
  int spad_filter = 0, spad_ifmap = 0, spad_psum = 0;  // words per PE
  int glb_kb = 0, glb_banks = 0, glb_filter_kb = 0;    // filter_kb 0: one pool shared by all data
  int filter_bus_bits = 0, ifmap_bus_bits = 0, psum_bus_bits = 0;
  double dram_words_per_cycle = 0;
  int dram_latency_cycles = 0;
  DramModel dram_model = DramModel::Fixed;
  // RowBuffer only: banks, words per row (a row of one bank), link cycles a row miss costs
  // (precharge + activate).
  int dram_banks = 0, dram_row_words = 0, dram_row_miss_cycles = 0;
  EnergyTable energy;
  EnergyModel energy_model = EnergyModel::Normalized;
  std::string technology;                // energy.technology: embedded name or path
  std::string dram_type;                 // energy.dram: a type the technology table lists
  std::shared_ptr<const TechTable> tech;  // loaded and validated with the spec (Technology only)
  bool zero_gating = true;
  bool rlc_dram = false;

  int pes() const { return pe_rows * pe_cols; }
  int64_t word_bytes() const { return (word_bits + 7) / 8; }
  int64_t glb_words() const { return int64_t(glb_kb) * 1024 / word_bytes(); }
  bool glb_shared() const { return glb_filter_kb == 0; }
  int64_t glb_filter_words() const { return int64_t(glb_filter_kb) * 1024 / word_bytes(); }
  // Words for ifmaps and psums: the rest of the buffer, or all of it when shared.
  int64_t glb_ifmap_psum_words() const { return glb_words() - glb_filter_words(); }
  // Words each NoC bus moves per cycle (at least one).
  int filter_bus_words() const { return std::max(1, filter_bus_bits / word_bits); }
  int ifmap_bus_words() const { return std::max(1, ifmap_bus_bits / word_bits); }
  int psum_bus_words() const { return std::max(1, psum_bus_bits / word_bits); }
  int64_t storage_bytes() const;  // GLB plus all spads: the area proxy for sweeps
};

// Parses and validates a spec. `origin` names the text in messages.
ArchSpec parse_arch_spec(const std::string& yaml_text, const std::string& origin);
// A path, or the name of an embedded spec ("eyeriss", "eyeriss-isca").
ArchSpec load_arch_spec(const std::string& path_or_name);
// The YAML text behind load_arch_spec (for sweeps, which edit fields and re-parse).
std::string arch_spec_text(const std::string& path_or_name, std::string* origin = nullptr);
// Canonical YAML of a spec with derived values as comments (`rowsim arch show`).
std::string arch_spec_to_yaml(const ArchSpec& spec);

// The embedded specs, compiled in from configs/arch so that rowsim runs from any directory.
const std::map<std::string, std::string>& embedded_arch_specs();

}  // namespace rowsim
