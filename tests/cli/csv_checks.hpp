// CSV checks shared by the CLI tests: the files scripts read hold numbers only (issue 16).
#pragma once
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/cli/run_command.hpp"

// The rows of CSV text (quoted cells may hold commas).
inline std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) {
        cells.push_back(cell);
        cell.clear();
      } else
        cell += c;
    }
    cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

inline bool plain_number(const std::string& s) {
  if (s.empty()) return true;  // no value (e.g. a width for a network file)
  size_t used = 0;
  try {
    std::stod(s, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == s.size();
}

inline std::vector<std::vector<std::string>> read_csv(const std::string& path) { return parse_csv(slurp(path)); }

// Every cell of CSV `text` (read from `origin`) outside the named text columns is a plain number
// (no "13.98x", "100.00%") or empty (no value).
inline void check_csv_numbers_only(const std::string& text, const std::set<std::string>& text_columns,
                                   const std::string& origin) {
  auto rows = parse_csv(text);
  const std::string& path = origin;
  REQUIRE(rows.size() >= 2);
  for (size_t r = 1; r < rows.size(); ++r) {
    REQUIRE(rows[r].size() == rows[0].size());
    for (size_t c = 0; c < rows[r].size(); ++c) {
      if (text_columns.count(rows[0][c])) continue;
      INFO(path << " column " << rows[0][c] << " row " << r);
      CHECK(plain_number(rows[r][c]));
    }
  }
}

inline void check_numbers_only(const std::string& path, const std::set<std::string>& text_columns) {
  check_csv_numbers_only(slurp(path), text_columns, path);
}

