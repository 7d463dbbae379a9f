// Inputs every command shares: YAML files that are not what they should be (a key given twice, a
// directory, a binary file), a mistyped subcommand, outputs checked before long work, a weights
// file's class count, a golden file's broken value path, embedded sweep specs.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "tests/cli/run_command.hpp"

namespace {

std::string temp_dir(const std::string& name) {
  std::string dir = "/tmp/rowsim_inputs_" + name + "_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

const std::string kShipped = std::string(ROWSIM_SOURCE_DIR) + "/workloads/weights/";

// Each way rowsim reads a YAML file, as `rowsim ARGS` with FILE standing for the file.
const char* const kYamlReaders[] = {
    "arch show FILE",                                   // arch spec
    "workload stats --net-file FILE",                   // network
    "compare --experiment FILE",                        // experiment
    "map --net gate --mapping-file FILE",               // fixed mappings
    "sweep --spec FILE",                                // sweep spec
    "check --golden FILE",                              // golden
};

std::string with_file(std::string command, const std::string& file) {
  command.replace(command.find("FILE"), 4, file);
  return command;
}

}  // namespace

TEST_CASE("every YAML rowsim reads refuses a key given twice, naming both lines", "[cli][yaml][errors]") {
  std::string dir = temp_dir("dup");
  std::string file = dir + "/dup.yaml";
  std::ofstream(file) << "# a comment\nname: a\nbatch: 1\nname: b\n";
  for (const char* command : kYamlReaders) {
    INFO(command);
    auto r = run_rowsim(with_file(command, file));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(file + ":4: duplicate key 'name' (first given on line 2)"));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a directory or a binary file given as a YAML file says what it is", "[cli][yaml][errors]") {
  std::string dir = temp_dir("kinds");
  std::string binary = dir + "/weights.yaml";
  std::filesystem::copy_file(kShipped + "gate-noise.safetensors", binary);
  for (const char* command : kYamlReaders) {
    INFO(command);
    auto r = run_rowsim(with_file(command, dir));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(dir + ": not a regular file (a directory)"));
    r = run_rowsim(with_file(command, binary));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(binary + ": not a YAML text file"));
    // Nothing from the file's bytes reaches the terminal: the message is printable text.
    for (char c : r.err) CHECK((c == '\n' || (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f)));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a mistyped subcommand gets a suggestion", "[cli][errors]") {
  auto r = run_rowsim("comapre --images 10");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("unknown subcommand 'comapre'; did you mean 'compare'?"));
  r = run_rowsim("frobnicate");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("unknown subcommand 'frobnicate'") && !Catch::Contains("did you mean"));
}

TEST_CASE("train -o into a directory or an unwritable place fails before training", "[cli][train][errors]") {
  std::string dir = temp_dir("train_out");
  // Thousands of epochs: reaching the training loop would time the test out.
  std::string train = "train --net gate --dataset synthetic --epochs 100000 ";
  auto r = run_rowsim(train + "-o " + dir);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--out: " + dir + ": is a directory"));
  CHECK_THAT(r.err, !Catch::Contains("epoch"));
  r = run_rowsim(train + "--out /dev/null/gate.safetensors");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--out: /dev/null") && Catch::Contains("cannot create directory"));
  CHECK_THAT(r.err, !Catch::Contains("epoch"));
  // prune writes after retraining: the same check comes first.
  r = run_rowsim("prune --weights " + kShipped + "gate-noise.safetensors -o " + dir);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("is a directory"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("map --net with a weights file takes the file's class count", "[cli][map]") {
  // The shipped 0.125-VGG16s classify Fashion-MNIST: 10 classes, not the zoo's CIFAR-100 default.
  std::string weights = kShipped + "vgg16-0.125-clean.safetensors";
  auto r = run_rowsim("map --net vgg16 --width 0.125 --weights " + weights + " --format csv");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto by_file = run_rowsim("map --weights " + weights + " --format csv");
  REQUIRE(by_file.exit_code == 0);
  CHECK(r.out == by_file.out);
}

TEST_CASE("sweep --spec takes the embedded names it lists", "[cli][sweep]") {
  auto r = run_rowsim("sweep --spec no-such-spec");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("sweep-array-size"));
  // An embedded spec runs, its relative arch path (../arch/eyeriss-65nm.yaml) found in the data
  // directory; one shard of many keeps it to a point or two.
  std::string dir = temp_dir("spec");
  r = run_rowsim("sweep --spec sweep-tech-65nm --shard 0/1000 --out " + dir + "/embedded");
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(count_lines(dir + "/embedded/points-0of1000.jsonl") >= 1);
  std::ofstream(dir + "/tiny.yaml") << "arch: eyeriss\nnetworks:\n  - {net: gate}\nset:\n  pe_array.rows: [8]\n";
  r = run_rowsim("sweep --spec " + dir + "/tiny.yaml --out " + dir + "/out");
  INFO(r.err);
  CHECK(r.exit_code == 0);
  std::filesystem::remove_all(dir);
}

namespace {

// Sets ROWSIM_LIMITS for the rowsim processes a test starts (they inherit it), unset at the end.
struct LimitsEnv {
  explicit LimitsEnv(const std::string& spec) { ::setenv("ROWSIM_LIMITS", spec.c_str(), 1); }
  ~LimitsEnv() { ::unsetenv("ROWSIM_LIMITS"); }
};

}  // namespace

TEST_CASE("ROWSIM_LIMITS lowers a limit for every command, and a bad value is a clear error", "[cli][limits]") {
  std::string dir = temp_dir("limits");
  const std::string net = dir + "/tiny.yaml";
  std::ofstream(net) << "name: tiny\ninput: {channels: 3, height: 8, width: 8}\nclasses: 10\nlayers:\n"
                        "  - {name: c1, type: conv, out_channels: 4, kernel: 3, pad: 1}\n"
                        "  - {name: p1, type: maxpool, kernel: 2}\n"
                        "  - {name: fc, type: fc, out_features: 10}\n";
  const std::string command = "map --net-file " + net + " --format json";
  auto r = run_rowsim(command);  // the defaults accept it
  INFO(r.err);
  CHECK(r.exit_code == 0);
  {
    LimitsEnv env("tensor-elements=500");  // fc's weights are 4x4x4x10 = 640
    r = run_rowsim(command);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("layer 'fc'") && Catch::Contains("640 elements") &&
                          Catch::Contains("more than the 500") && Catch::Contains("limit tensor-elements") &&
                          Catch::Contains("ROWSIM_LIMITS"));
  }
  {
    LimitsEnv env("file-bytes=100");
    r = run_rowsim(command);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(net) && Catch::Contains("more than the cap of 100 bytes") &&
                          Catch::Contains("limit file-bytes"));
  }
  {
    LimitsEnv env("file-bytes=lots");
    r = run_rowsim(command);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("rowsim map: error: ROWSIM_LIMITS='file-bytes=lots'") &&
                          Catch::Contains("expected a whole number from 1 to"));
    CHECK(r.out.empty());
  }
  {
    LimitsEnv env("tensor-elements=4G");
    r = run_rowsim("arch show eyeriss");  // checked before any command runs, whether it needs the limit or not
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("tensor-elements=4G") && Catch::Contains("can be lowered, not raised"));
  }
  std::filesystem::remove_all(dir);
}
