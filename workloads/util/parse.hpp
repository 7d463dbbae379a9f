// Reading a whole string as a number, for every text field rowsim parses by hand (YAML scalars,
// metadata, table entries, sweep values): no trailing characters, no NaN or infinity.
#pragma once
#include <cmath>
#include <stdexcept>
#include <string>

namespace rowsim {

inline bool parse_number(const std::string& s, double& value) {
  size_t used = 0;
  try {
    value = std::stod(s, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == s.size() && std::isfinite(value);
}

}  // namespace rowsim
