#include "sim/studies/golden.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/ranges.h>

#include <fmt/format.h>
#include <unistd.h>

#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/yaml_reader.hpp"

namespace rowsim {

GoldenFile load_golden(const std::string& path) {
  YamlReader reader = YamlReader::from_file(path);
  YamlNode root = reader.root();
  root.only_keys({"description", "provenance", "command", "output", "tolerance", "values"});
  GoldenFile g;
  g.source = path;
  g.description = root.string_at("description");
  g.provenance = root.string_at("provenance");
  auto command = root.require("command");
  for (const auto& arg : command.elements()) g.command.push_back(arg.as_string());
  if (g.command.empty()) command.fail("the command is empty; expected rowsim arguments");
  if (g.command[0] == "check") command.fail("a golden file cannot run `rowsim check` itself");
  g.output = root.has("output") ? root.string_at("output") : "";
  g.tolerance = root.double_at("tolerance", 0, 1);
  for (const auto& v : root.require("values").elements()) {
    v.only_keys({"path", "expected", "tolerance", "note"});
    GoldenValue value;
    value.path = v.string_at("path");
    value.expected = v.double_at("expected", -1e300, 1e300);
    value.tolerance = v.has("tolerance") ? v.double_at("tolerance", 0, 1) : g.tolerance;
    value.note = v.has("note") ? v.string_at("note") : "";
    g.values.push_back(value);
  }
  return g;
}

double golden_lookup(const nlohmann::json& doc, const std::string& path) {
  const nlohmann::json* node = &doc;
  size_t i = 0;
  std::string walked;
  auto missing = [&](const std::string& step) -> double {
    fail("path '{}': '{}' not found after '{}'", path, step, walked.empty() ? "(top)" : walked);
  };
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string::npos) fail("path '{}': unclosed '['", path);
      std::string sel = path.substr(i + 1, close - i - 1);
      if (!node->is_array()) return missing("[" + sel + "]");
      size_t eq = sel.find('=');
      if (eq == std::string::npos) {
        size_t index = 0;
        try {
          index = std::stoul(sel);
        } catch (const std::exception&) {
          fail("path '{}': '[{}]' is neither an index nor key=value", path, sel);
        }
        if (index >= node->size()) return missing("[" + sel + "]");
        node = &(*node)[index];
      } else {
        std::string key = sel.substr(0, eq), want = sel.substr(eq + 1);
        const nlohmann::json* found = nullptr;
        for (const auto& item : *node)
          if (item.contains(key) && item[key].is_string() && item[key].get<std::string>() == want) {
            found = &item;
            break;
          }
        if (!found) return missing("[" + sel + "]");
        node = found;
      }
      walked += "[" + sel + "]";
      i = close + 1;
      continue;
    }
    size_t end = path.find_first_of(".[", i);
    std::string key = path.substr(i, end == std::string::npos ? std::string::npos : end - i);
    if (!node->is_object() || !node->contains(key)) return missing(key);
    node = &(*node)[key];
    walked += (walked.empty() ? "" : ".") + key;
    i = end == std::string::npos ? path.size() : end;
  }
  if (node->is_boolean()) return node->get<bool>() ? 1.0 : 0.0;
  if (!node->is_number()) fail("path '{}' holds {}, not a number", path, node->dump());
  return node->get<double>();
}

namespace {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// "{out}" is a fresh, empty temporary directory (the command's stdout and stderr go beside it),
// "{here}" the golden file's directory.
nlohmann::json run_document(const GoldenFile& g, const std::string& self) {
  std::string here = std::filesystem::absolute(g.source).parent_path().string();
  std::string dir = (std::filesystem::temp_directory_path() /
                     fmt::format("rowsim-check-{}-{}", ::getpid(), std::rand()))
                        .string();
  const std::string out = dir + "/out";
  make_directories(out);
  std::string cmd = "CI=1 " + shell_quote(self);
  for (const auto& arg : g.command) {
    std::string a = arg;
    for (size_t at; (at = a.find("{out}")) != std::string::npos;) a.replace(at, 5, out);
    for (size_t at; (at = a.find("{here}")) != std::string::npos;) a.replace(at, 6, here);
    cmd += " " + shell_quote(a);
  }
  cmd += " >" + shell_quote(dir + "/stdout") + " 2>" + shell_quote(dir + "/stderr");
  int status = std::system(cmd.c_str());
  std::string text = g.output.empty() ? read_file(dir + "/stdout")
                                      : (file_exists(out + "/" + g.output) ? read_file(out + "/" + g.output) : "");
  std::string err = read_file(dir + "/stderr");
  std::filesystem::remove_all(dir);
  if (status != 0) fail("{}: `rowsim {}` failed: {}", g.source, fmt::join(g.command, " "), err);
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded())
    fail("{}: `rowsim {}` did not produce JSON{}", g.source, fmt::join(g.command, " "),
         g.output.empty() ? " on stdout" : " in " + g.output);
  return doc;
}

}  // namespace

std::vector<GoldenResult> run_golden(const GoldenFile& g, const std::string& self) {
  nlohmann::json doc = run_document(g, self);
  std::vector<GoldenResult> results;
  for (const auto& v : g.values) {
    GoldenResult r;
    r.path = v.path;
    r.expected = v.expected;
    r.tolerance = v.tolerance;
    try {
      r.actual = golden_lookup(doc, v.path);
      double scale = std::max(std::fabs(v.expected), 1e-300);
      r.rel_diff = std::fabs(r.actual - v.expected) / scale;
      if (v.expected == 0) r.rel_diff = r.actual == 0 ? 0 : INFINITY;
      r.ok = r.rel_diff <= v.tolerance;
    } catch (const UserError& e) {
      r.error = e.what();
    }
    results.push_back(r);
  }
  return results;
}

void update_golden(const std::string& path, const GoldenFile& g, const std::string& self) {
  nlohmann::json doc = run_document(g, self);
  // Rewrite only the `expected:` numbers, line by line, so comments and layout survive review.
  std::string text = read_file(path), out;
  size_t next = 0;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t at = line.find("expected:");
    if (at != std::string::npos && line.find("path:") != std::string::npos && next < g.values.size()) {
      double actual = golden_lookup(doc, g.values[next].path);
      size_t end = line.find_first_of(",}", at);
      line = line.substr(0, at) + fmt::format("expected: {}", actual) + (end == std::string::npos ? "" : line.substr(end));
      ++next;
    }
    out += line + "\n";
  }
  if (next != g.values.size())
    fail("{}: an update rewrites one-line `- {{path: ..., expected: ...}}` entries; {} of {} were", path, next,
         g.values.size());
  write_file_atomic(path, out);
}

}  // namespace rowsim
