// TechTable: the published energy and area figures of one technology node, read from
// configs/tech/*.yaml (compiled in, like the arch specs). Every entry carries its value with a
// unit written in the file and its source; the parser converts units and refuses a missing
// entry, a negative or zero value, an unknown unit, an unknown key or an entry without a source,
// naming the file, the key path and the value. docs/energy-model.md documents the model and
// every entry. This module only reads tables; tech_energy.hpp turns them into pJ per access.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace rowsim {

// Canonical units: energy pJ, area um^2, length um, DRAM energy pJ/bit, wire energy pJ/bit/mm,
// leakage power density mW/mm^2.
struct TechPoint {
  double x = 0;       // operand bits (MAC) or capacity in bytes (storage)
  double energy = 0;  // pJ per operation / per access of `width_bits`
  double area = 0;    // um^2 of one instance
  std::string source;
};

// A curve interpolated log-log between points (sorted by x, energy and area non-decreasing), and
// extrapolated beyond the ends along the end segments. At least two points.
struct TechCurve {
  std::vector<TechPoint> points;
  double energy_at(double x) const;
  double area_at(double x) const;
};

struct TechTable {
  std::string name;    // embedded name or path it was loaded from
  std::string origin;  // for messages
  std::string node;    // e.g. "65nm"
  std::string description;
  TechCurve mac;             // x = operand bits; energy of one multiply-accumulate
  TechCurve regfile;         // x = bytes; energy per access of regfile_width_bits
  int regfile_width_bits = 16;
  TechCurve sram;            // x = bytes; energy per access of sram_width_bits
  int sram_width_bits = 64;
  double wire_pj_per_bit_mm = 0;
  double wire_pitch_um = 0;  // routing pitch of one bus wire, for NoC area
  std::string wire_source;
  double leakage_mw_per_mm2 = 0;
  std::string leakage_source;
  struct Dram {
    double pj_per_bit = 0;
    std::string source;
  };
  std::map<std::string, Dram> dram;  // by DRAM type, e.g. "LPDDR4"

  std::string dram_types() const;  // "DDR3, GDDR5, ..." for messages
};

// Parses and validates a table; `origin` names the text in messages.
TechTable parse_tech_table(const std::string& yaml_text, const std::string& origin);
// An embedded node name ("65nm", "16nm") or a path. `relative_to`, when given, is a file whose
// directory is also searched for a relative path (an arch spec naming its table).
TechTable load_tech_table(const std::string& name_or_path, const std::string& relative_to = "");

// The embedded tables, compiled in from configs/tech so that rowsim runs from any directory.
const std::map<std::string, std::string>& embedded_tech_tables();

}  // namespace rowsim
