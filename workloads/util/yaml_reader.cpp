#include "workloads/util/yaml_reader.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/parse.hpp"

namespace rowsim {
namespace {

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string node_kind(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "nothing (null)";
  return fmt::format("'{}'", node.Scalar());
}

// A byte no YAML text holds: a control character other than tab, line feed and carriage return.
// Named by its offset, never echoed, so a binary file does not put raw bytes on the terminal.
void reject_binary(const std::string& text, const std::string& origin) {
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
      fail("{}: not a YAML text file (control byte 0x{:02x} at offset {})", origin, c, i);
  }
}

// yaml-cpp keeps the first of two equal keys and drops the other silently; rowsim refuses them.
// Each collection is visited once (by its place in the text), so aliases cannot multiply the walk.
void reject_duplicate_keys(const YAML::Node& root, const std::string& origin) {
  std::vector<YAML::Node> pending{root};
  std::set<int> visited;
  while (!pending.empty()) {
    YAML::Node node = pending.back();
    pending.pop_back();
    if (!node.IsMap() && !node.IsSequence()) continue;
    if (!visited.insert(node.Mark().pos).second) continue;
    if (node.IsSequence()) {
      for (const auto& child : node) pending.push_back(child);
      continue;
    }
    std::map<std::string, int> first_line;
    for (const auto& entry : node) {
      if (entry.first.IsScalar()) {
        int line = entry.first.Mark().line + 1;
        auto [it, fresh] = first_line.emplace(entry.first.Scalar(), line);
        if (!fresh) fail("{}:{}: duplicate key '{}' (first given on line {})", origin, line, it->first, it->second);
      }
      pending.push_back(entry.first);
      pending.push_back(entry.second);
    }
  }
}

}  // namespace

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const auto& candidate : candidates) {
    size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  // Only suggest when the typo is small relative to the word.
  return best_distance <= std::max<size_t>(2, word.size() / 3) ? best : std::string();
}

YamlReader YamlReader::from_file(const std::string& path) {
  return from_string(read_file(path), path);
}

YamlReader YamlReader::from_string(const std::string& text, const std::string& origin) {
  reject_binary(text, origin);
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsDefined() || root.IsNull()) fail("{}: the file is empty; expected a YAML mapping", origin);
    reject_duplicate_keys(root, origin);
    return YamlReader(root, origin);
  } catch (const YAML::ParserException& e) {
    fail("{}:{}:{}: YAML syntax error: {}", origin, e.mark.line + 1, e.mark.column + 1, e.msg);
  }
}

YamlNode YamlReader::root() const {
  YamlNode node(this, root_, "");
  return node;
}

int YamlNode::line() const { return node_.Mark().line + 1; }

std::string YamlNode::text() const { return node_kind(node_); }

void YamlNode::fail(const std::string& what) const {
  std::string where = path_.empty() ? std::string("top level") : path_;
  if (node_.Mark().is_null())
    rowsim::fail("{}: {}: {}", reader_->origin(), where, what);
  rowsim::fail("{}:{}: {}: {}", reader_->origin(), line(), where, what);
}

void YamlNode::expect_map() const {
  if (!node_.IsMap()) fail(fmt::format("got {}, expected a mapping of keys to values", text()));
}

bool YamlNode::has(const std::string& key) const {
  expect_map();
  return static_cast<bool>(node_[key]);
}

YamlNode YamlNode::require(const std::string& key) const {
  expect_map();
  YAML::Node child = node_[key];
  if (!child) {
    fail(fmt::format("missing required key '{}'", key));
  }
  return YamlNode(reader_, child, join_path(path_, key));
}

std::optional<YamlNode> YamlNode::optional(const std::string& key) const {
  expect_map();
  YAML::Node child = node_[key];
  if (!child) return std::nullopt;
  return YamlNode(reader_, child, join_path(path_, key));
}

std::vector<std::string> YamlNode::keys() const {
  expect_map();
  std::vector<std::string> result;
  for (const auto& entry : node_) result.push_back(key_name(entry.first));
  return result;
}

std::string YamlNode::key_name(const YAML::Node& key) const {
  if (!key.IsScalar()) fail("keys must be plain names");
  return key.Scalar();
}

void YamlNode::only_keys(std::initializer_list<const char*> allowed) const {
  only_keys(std::vector<std::string>(allowed.begin(), allowed.end()));
}

void YamlNode::only_keys(const std::vector<std::string>& allowed) const {
  expect_map();
  for (const auto& entry : node_) {
    std::string key = key_name(entry.first);
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string hint = closest_match(key, allowed);
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    YamlNode bad(reader_, entry.first, join_path(path_, key));
    bad.fail(hint.empty() ? fmt::format("unknown key; expected one of: {}", list)
                          : fmt::format("unknown key; did you mean '{}'? (expected one of: {})", hint, list));
  }
}

std::vector<YamlNode> YamlNode::elements() const {
  if (!node_.IsSequence()) fail(fmt::format("got {}, expected a list", text()));
  std::vector<YamlNode> result;
  size_t i = 0;
  for (const auto& child : node_) result.emplace_back(reader_, child, fmt::format("{}[{}]", path_, i++));
  return result;
}

int64_t YamlNode::as_int(int64_t min, int64_t max) const {
  if (!node_.IsScalar()) fail(fmt::format("got {}, expected an integer in [{}, {}]", text(), min, max));
  const std::string& s = node_.Scalar();
  size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(s, &used, 10);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size())
    fail(fmt::format("got '{}', expected an integer in [{}, {}]", s, min, max));
  if (value < min || value > max) fail(fmt::format("got {}, expected an integer in [{}, {}]", value, min, max));
  return value;
}

double YamlNode::as_double(double min, double max) const {
  if (!node_.IsScalar()) fail(fmt::format("got {}, expected a number in [{}, {}]", text(), min, max));
  const std::string& s = node_.Scalar();
  double value = 0;
  if (!parse_number(s, value)) fail(fmt::format("got '{}', expected a number in [{}, {}]", s, min, max));
  if (value < min || value > max) fail(fmt::format("got {}, expected a number in [{}, {}]", s, min, max));
  return value;
}

double YamlNode::as_positive_double() const {
  double value = as_double(-std::numeric_limits<double>::max(), std::numeric_limits<double>::max());
  if (value <= 0) fail(fmt::format("got {}, expected a number greater than 0", node_.Scalar()));
  return value;
}

bool YamlNode::as_bool() const {
  if (node_.IsScalar()) {
    const std::string& s = node_.Scalar();
    if (s == "true") return true;
    if (s == "false") return false;
  }
  fail(fmt::format("got {}, expected true or false", text()));
}

std::string YamlNode::as_string() const {
  if (!node_.IsScalar()) fail(fmt::format("got {}, expected a text value", text()));
  return node_.Scalar();
}

std::string YamlNode::as_choice(std::initializer_list<const char*> choices) const {
  std::string value = as_string();
  std::string list;
  for (const char* c : choices) {
    if (value == c) return value;
    list += (list.empty() ? "" : ", ") + std::string(c);
  }
  fail(fmt::format("got '{}', expected one of: {}", value, list));
}

}  // namespace rowsim
