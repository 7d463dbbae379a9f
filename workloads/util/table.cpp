#include "workloads/util/table.hpp"

#include <algorithm>
#include <cassert>
#include <cctype>

namespace rowsim {
namespace {
bool looks_numeric(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' || c == 'e' || c == '%' ||
          c == 'x' || c == ','))
      return false;
  return true;
}
}  // namespace

void Table::add_row(std::vector<std::string> row) {
  assert(row.size() == header_.size());
  rows_.push_back(std::move(row));
}

void Table::add_rule() { rules_before_.push_back(rows_.size()); }

std::string Table::to_text() const {
  std::vector<size_t> width(header_.size());
  for (size_t c = 0; c < header_.size(); ++c) width[c] = header_[c].size();
  for (const auto& row : rows_)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  auto render = [&](const std::vector<std::string>& row, bool header) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string& cell = row[c];
      std::string pad(width[c] - cell.size(), ' ');
      // Numbers right-aligned, text left-aligned.
      bool right = !header && c > 0 && looks_numeric(cell);
      line += right ? pad + cell : cell + pad;
      if (c + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
  };
  size_t total = 0;
  for (size_t w : width) total += w + 2;
  std::string rule(total > 2 ? total - 2 : 0, '-');
  std::string out = render(header_, true) + rule + "\n";
  for (size_t r = 0; r < rows_.size(); ++r) {
    if (std::find(rules_before_.begin(), rules_before_.end(), r) != rules_before_.end()) out += rule + "\n";
    out += render(rows_[r], false);
  }
  return out;
}

std::string csv_escape(const std::string& field) {
  if (field.find_first_of(",\"\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Table::to_csv() const {
  auto render = [](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) line += (c ? "," : "") + csv_escape(row[c]);
    return line + "\n";
  };
  std::string out = render(header_);
  for (const auto& row : rows_) out += render(row);
  return out;
}

std::string Table::to_markdown() const {
  auto cell = [](const std::string& text) {
    std::string out;
    for (char c : text) {
      if (c == '|') out += '\\';
      out += c == '\n' ? ' ' : c;
    }
    return out;
  };
  auto render = [&](const std::vector<std::string>& row) {
    std::string line = "|";
    for (const auto& c : row) line += " " + cell(c) + " |";
    return line + "\n";
  };
  std::string out = render(header_) + "|";
  for (size_t c = 0; c < header_.size(); ++c) {
    bool numeric = c > 0 && !rows_.empty();
    for (const auto& row : rows_) numeric = numeric && (row[c].empty() || looks_numeric(row[c]));
    out += numeric ? " ---: |" : " --- |";
  }
  out += "\n";
  for (const auto& row : rows_) out += render(row);
  return out;
}

}  // namespace rowsim
