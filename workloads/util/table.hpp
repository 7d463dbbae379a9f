// A small table of strings that renders as aligned text or CSV, so every command offers the same
// `--format table|csv` without its own printing code.
#pragma once
#include <string>
#include <vector>

namespace rowsim {

class Table {
public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add_row(std::vector<std::string> row);
  // A horizontal rule before the next row (text output only), e.g. before totals.
  void add_rule();
  std::string to_text() const;
  std::string to_csv() const;
  // A GitHub / CommonMark table: '|' in cells escaped, numeric columns right-aligned, rules dropped.
  std::string to_markdown() const;
  size_t rows() const { return rows_.size(); }

private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<size_t> rules_before_;
};

std::string csv_escape(const std::string& field);

}  // namespace rowsim
