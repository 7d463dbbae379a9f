// YamlReader, the one parser behind every YAML file rowsim reads (arch specs, networks,
// experiments, mappings, sweep specs, goldens, technology tables): what it refuses and how it says so.
#include <string>

#include <catch2/catch.hpp>

#include "workloads/util/error.hpp"
#include "workloads/util/yaml_reader.hpp"

using rowsim::UserError;
using rowsim::YamlReader;

namespace {

std::string error_of(const std::string& text) {
  try {
    YamlReader::from_string(text, "f.yaml");
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a key given twice is an error naming both lines", "[yaml][errors]") {
  CHECK(error_of("a: 1\nb: 2\na: 3\n") == "f.yaml:3: duplicate key 'a' (first given on line 1)");
  SECTION("inside nested mappings and list elements") {
    CHECK(error_of("top:\n  x: 1\n  y: 2\n  x: 3\n") == "f.yaml:4: duplicate key 'x' (first given on line 2)");
    CHECK(error_of("list:\n  - {n: 1}\n  - n: 2\n    m: 3\n    n: 4\n") ==
          "f.yaml:5: duplicate key 'n' (first given on line 3)");
  }
  SECTION("equal keys in different mappings are fine, and aliases are walked once") {
    CHECK(error_of("a: {x: 1}\nb: {x: 2}\n").empty());
    CHECK(error_of("a: &m {x: 1, y: 2}\nb: *m\nc: [*m, *m]\n").empty());
  }
}

TEST_CASE("a binary file is not a YAML text file, and its bytes stay out of the message", "[yaml][errors]") {
  std::string binary("\x7f" "ELF\x02\x01\x01\0\0\0\x1b[2J", 14);
  std::string message = error_of(binary);
  CHECK(message == "f.yaml: not a YAML text file (control byte 0x7f at offset 0)");
  CHECK(error_of(std::string("a: 1\nb: \x1b[31m\n")) == "f.yaml: not a YAML text file (control byte 0x1b at offset 8)");
  SECTION("tabs, carriage returns and UTF-8 text are text") {
    CHECK(error_of("a: 1\r\nb: \"\t\"\r\nname: caf\xc3\xa9\n").empty());
  }
}

TEST_CASE("a key that is a list or a mapping is an error, not a crash", "[yaml][errors]") {
  // Found by fuzz_yaml_loaders in a mapping file ("? - x" makes a list the key); keys() threw
  // yaml-cpp's own exception, which no caller expected.
  const auto reader = YamlReader::from_string("c1: {m: 1}\n? - c2\n: {m: 2}\n", "f.yaml");
  try {
    reader.root().keys();
    FAIL("keys() accepted a list as a key");
  } catch (const UserError& e) {
    CHECK(std::string(e.what()) == "f.yaml:1: top level: keys must be plain names");
  }
  CHECK_THROWS_WITH(reader.root().only_keys({"c1"}), "f.yaml:1: top level: keys must be plain names");
}
