// Validated reading of YAML files into plain structs. Every error names the file, the line, the
// key path, the offending value and what was expected; unknown keys are errors, so a typo never
// falls back to a default silently.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "workloads/util/error.hpp"

namespace rowsim {

class YamlReader;

// A node together with its key path, so that errors can say where they are.
class YamlNode {
public:
  YamlNode(const YamlReader* reader, YAML::Node node, std::string path)
      : reader_(reader), node_(std::move(node)), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  const YAML::Node& raw() const { return node_; }
  bool is_map() const { return node_.IsMap(); }
  bool is_sequence() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }

  // Map access. require() fails when the key is missing; optional() returns nothing.
  YamlNode require(const std::string& key) const;
  std::optional<YamlNode> optional(const std::string& key) const;
  bool has(const std::string& key) const;
  // Fails on any key outside `allowed`, naming the closest allowed key.
  void only_keys(std::initializer_list<const char*> allowed) const;
  void only_keys(const std::vector<std::string>& allowed) const;
  std::vector<std::string> keys() const;

  // Sequence access.
  std::vector<YamlNode> elements() const;

  // Scalars with range checks. Bounds are inclusive.
  int64_t as_int(int64_t min, int64_t max) const;
  double as_double(double min, double max) const;
  // A number strictly greater than min_exclusive.
  double as_positive_double() const;
  bool as_bool() const;
  std::string as_string() const;
  std::string as_choice(std::initializer_list<const char*> choices) const;

  // Convenience: required scalars under a key.
  int64_t int_at(const std::string& key, int64_t min, int64_t max) const { return require(key).as_int(min, max); }
  double double_at(const std::string& key, double min, double max) const { return require(key).as_double(min, max); }
  std::string string_at(const std::string& key) const { return require(key).as_string(); }
  bool bool_at(const std::string& key) const { return require(key).as_bool(); }

  [[noreturn]] void fail(const std::string& what) const;
  // Runs `f` (a parser of this node's value from the layers below); a UserError from it is
  // re-raised naming this file, line and key, as fail() does.
  template <class F>
  auto checked(F&& f) const -> decltype(f()) {
    try {
      return f();
    } catch (const UserError& e) {
      fail(e.what());
    }
  }
  // The value as written, for messages.
  std::string text() const;
  int line() const;

private:
  void expect_map() const;
  // A mapping's key as a name; a key that is itself a list or mapping is an error.
  std::string key_name(const YAML::Node& key) const;
  const YamlReader* reader_;
  YAML::Node node_;
  std::string path_;
};

// Owns the parsed document and the name to blame in messages.
class YamlReader {
public:
  // Reads and parses a file; a missing file or a syntax error is a UserError naming it.
  static YamlReader from_file(const std::string& path);
  // Parses text; `origin` names it in messages (e.g. "<embedded eyeriss.yaml>"). Text with control
  // bytes (a binary file) and a key given twice in one mapping are errors, as a syntax error is.
  static YamlReader from_string(const std::string& text, const std::string& origin);

  YamlNode root() const;
  const std::string& origin() const { return origin_; }

private:
  YamlReader(YAML::Node root, std::string origin) : root_(std::move(root)), origin_(std::move(origin)) {}
  YAML::Node root_;
  std::string origin_;
};

// Closest candidate by edit distance, for "did you mean" hints; empty when nothing is close.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace rowsim
