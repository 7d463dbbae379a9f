// User networks in YAML: a good file loads with inferred shapes; each kind of mistake is answered
// with a message naming the file, the key and the value.
#include <catch2/catch.hpp>

#include "workloads/net_file.hpp"
#include "workloads/util/error.hpp"

using namespace rowsim;

namespace {
const char* kGood = R"(
name: tiny
input: {channels: 3, height: 8, width: 8}
classes: 10
layers:
  - {name: c1, type: conv, out_channels: 4, kernel: 3, pad: 1}
  - {name: r1, type: relu}
  - {name: c2, type: conv, out_channels: 4, kernel: [1, 1]}
  - {name: sum, type: add, inputs: [r1, c2]}
  - {name: p1, type: maxpool, kernel: 2}
  - {name: fc, type: fc, out_features: 10}
)";
}  // namespace

TEST_CASE("A user network file loads and infers shapes", "[netfile]") {
  Network net = parse_network_yaml(kGood, "tiny.yaml");
  CHECK(net.layers.size() == 6);
  CHECK(net.layer("c1").out == Shape{4, 8, 8});
  CHECK(net.layer("p1").out == Shape{4, 4, 4});
  CHECK(net.layer("fc").weights() == 4 * 4 * 4 * 10);
  CHECK(net.layer("sum").input_ids == std::vector<int>{1, 2});
}

TEST_CASE("Network file mistakes name file, line, key and value", "[netfile][errors]") {
  auto error_of = [](const std::string& text) {
    try {
      parse_network_yaml(text, "my.yaml");
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string base = "name: n\ninput: {channels: 3, height: 8, width: 8}\nclasses: 2\nlayers:\n";
  // Mistyped value.
  std::string e = error_of(base + "  - {name: c, type: conv, out_channels: four, kernel: 3}\n");
  CHECK_THAT(e, Catch::Contains("my.yaml:5") && Catch::Contains("layers[0].out_channels") &&
                    Catch::Contains("'four'") && Catch::Contains("integer"));
  // Unknown key, with a suggestion.
  e = error_of(base + "  - {name: c, type: conv, out_chanels: 4, kernel: 3}\n");
  CHECK_THAT(e, Catch::Contains("layers[0].out_chanels") && Catch::Contains("did you mean 'out_channels'"));
  // Unknown layer type.
  e = error_of(base + "  - {name: c, type: convolution, out_channels: 4, kernel: 3}\n");
  CHECK_THAT(e, Catch::Contains("layers[0].type") && Catch::Contains("'convolution'") && Catch::Contains("conv, fc"));
  // Input from a layer that does not exist.
  e = error_of(base + "  - {name: c, type: conv, out_channels: 4, kernel: 3, inputs: [nope]}\n");
  CHECK_THAT(e, Catch::Contains("my.yaml") && Catch::Contains("'nope'"));
  // Kernel larger than the input.
  e = error_of(base + "  - {name: c, type: conv, out_channels: 4, kernel: 9}\n");
  CHECK_THAT(e, Catch::Contains("layer 'c'") && Catch::Contains("larger than its padded input"));
  // Malformed YAML.
  e = error_of("name: n\ninput: {channels: 3\nlayers: [\n");
  CHECK_THAT(e, Catch::Contains("my.yaml") && Catch::Contains("YAML syntax error"));
  // Zero and negative sizes.
  e = error_of("name: n\ninput: {channels: 0, height: 8, width: 8}\nclasses: 2\nlayers: []\n");
  CHECK_THAT(e, Catch::Contains("input.channels") && Catch::Contains("got 0"));
  // Missing required key.
  e = error_of("name: n\nclasses: 2\nlayers: []\n");
  CHECK_THAT(e, Catch::Contains("missing required key 'input'"));
  // Groups that do not divide.
  e = error_of(base + "  - {name: c, type: conv, out_channels: 4, kernel: 3, groups: 2}\n");
  CHECK_THAT(e, Catch::Contains("groups 2 must divide"));
}

TEST_CASE("A missing network file is named", "[netfile][errors]") {
  CHECK_THROWS_WITH(load_network_file("/nonexistent/net.yaml"), Catch::Contains("/nonexistent/net.yaml"));
}
