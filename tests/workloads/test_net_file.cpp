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

TEST_CASE("Layers larger than the mapper and models take are refused with the numbers and the limit",
          "[netfile][errors]") {
  auto error_of = [](const std::string& text) {
    try {
      parse_network_yaml(text, "big.yaml");
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // 2 x 33025 x 65026 = 2^32 + 4 features: an int cast made this FC layer's C = 4.
  std::string e = error_of(
      "name: big\ninput: {channels: 2, height: 33025, width: 65026}\nclasses: 10\n"
      "layers:\n  - {name: fc, type: fc, out_features: 10}\n");
  CHECK_THAT(e, Catch::Contains("big.yaml") && Catch::Contains("2x33025x65026") && Catch::Contains("4294967300") &&
                    Catch::Contains("2147483647"));
  // A conv whose output tensor is too large (4 x 30000 x 30000).
  e = error_of(
      "name: big\ninput: {channels: 1, height: 30000, width: 30000}\nclasses: 10\n"
      "layers:\n  - {name: c, type: conv, out_channels: 4, kernel: 3, pad: 1}\n");
  CHECK_THAT(e, Catch::Contains("big.yaml") && Catch::Contains("layer 'c'") && Catch::Contains("output") &&
                    Catch::Contains("3600000000") && Catch::Contains("2147483647"));
  // An FC layer whose weights are too many (65536 inputs x 65536 outputs).
  e = error_of(
      "name: big\ninput: {channels: 1, height: 256, width: 256}\nclasses: 10\n"
      "layers:\n  - {name: fc, type: fc, out_features: 65536}\n");
  CHECK_THAT(e, Catch::Contains("layer 'fc'") && Catch::Contains("weights") && Catch::Contains("4294967296") &&
                    Catch::Contains("2147483647"));
  // A conv whose tensors fit but whose MACs per image pass 2^40.
  e = error_of(
      "name: big\ninput: {channels: 8192, height: 256, width: 256}\nclasses: 10\n"
      "layers:\n  - {name: c, type: conv, out_channels: 16384, kernel: 3, pad: 1}\n");
  CHECK_THAT(e, Catch::Contains("layer 'c'") && Catch::Contains("MACs") && Catch::Contains("79164837199872") &&
                    Catch::Contains("1099511627776"));
  // The largest FC input that fits still maps to C = its feature count.
  Network ok = parse_network_yaml(
      "name: ok\ninput: {channels: 2, height: 32768, width: 32767}\nclasses: 2\n"
      "layers:\n  - {name: fc, type: fc, out_features: 1}\n",
      "ok.yaml");
  CHECK(conv_shape(ok.layer("fc"), 1).C == 2 * 32768 * 32767);
  CHECK(ok.layer("fc").in_channels_per_group() == 2 * 32768 * 32767);
}
