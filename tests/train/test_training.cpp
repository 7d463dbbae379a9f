// The training loop: it learns a synthetic task, a run resumed from a checkpoint equals an
// uninterrupted one bit for bit, the exported (batch-norm folded) weights compute what the
// trained model computes, and `rowsim train` / `rowsim eval` reject bad input clearly.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/run_command.hpp"
#include "workloads/train/batch.hpp"
#include "workloads/train/trainer.hpp"
#include "workloads/util/error.hpp"
#include "workloads/zoo.hpp"

using namespace rowsim;
using namespace rowsim::train;

namespace {

std::string temp_dir(const std::string& name) {
  std::string dir = "/tmp/rowsim_test_" + name + "_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

NetworkSource small_gate(int classes) {
  NetworkSource s;
  s.name = "gate";
  s.width = 0.25;
  s.net = zoo_network("gate", 0.25, classes);
  return s;
}

TrainConfig synthetic_config(const std::string& out, int epochs) {
  TrainConfig c;
  c.data.dataset = "synthetic";
  c.data.limit = 600;
  c.data.seed = 3;
  c.data.ratio = default_ratio(c.data.task, c.data.distortion);
  c.test_limit = 300;
  c.epochs = epochs;
  c.batch = 32;
  c.lr = 0.05;
  c.output = out;
  return c;
}

void quiet(const std::string&) {}

}  // namespace

TEST_CASE("training learns a synthetic task and exports folded weights that agree", "[train][e2e]") {
  std::string dir = temp_dir("learn");
  TrainConfig c = synthetic_config(dir + "/w.safetensors", 3);
  TrainResult r = train::train(small_gate(10), c, quiet);
  REQUIRE(r.finished);
  REQUIRE(r.epochs.size() == 3);
  CHECK(r.epochs.back().loss < r.epochs.front().loss);
  CHECK(r.test_top1 > 0.9);  // chance is 0.1
  SafeTensors f = read_safetensors(c.output);
  CHECK(f.meta("format") == "rowsim-weights");
  CHECK(f.meta("network") == "gate");
  CHECK(f.meta("bits") == "32");
  CHECK(std::stod(f.meta("accuracy")) == Approx(r.test_top1));
  // Folded: conv weights and biases only, no batch-norm tensors.
  CHECK(f.find("conv1.weight"));
  CHECK(f.find("conv1.bias"));
  CHECK_FALSE(f.find("conv1.bn.weight"));
  CHECK(f.find("fc2.weight")->shape == std::vector<int64_t>{10, 64});

  // The checkpoint's training-form model and the exported folded model give the same logits.
  Model trained(small_gate(10).net, 1);
  trained.load_state(read_safetensors(default_checkpoint_path(c.output)), "ckpt");
  Model folded(small_gate(10).net, f, c.output);
  ThreadPool pool(2);
  Dataset d = make_synthetic(Split::Test, 16);
  Tensor input;
  std::vector<int32_t> labels;
  std::vector<uint32_t> order(16);
  for (uint32_t i = 0; i < 16; ++i) order[i] = i;
  make_batch(pool, d, order, 0, 16, false, 0, 0, input, labels);
  Tensor a = trained.forward(pool, input, false);
  const Tensor& b = folded.forward(pool, input, false);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(a.v[i] == Approx(b.v[i]).margin(1e-4).epsilon(1e-4));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a run resumed after a kill equals the uninterrupted run bit for bit", "[train][resume]") {
  std::string dir = temp_dir("resume");
  TrainConfig whole = synthetic_config(dir + "/whole.safetensors", 3);
  whole.data.limit = 200;
  train::train(small_gate(10), whole, quiet);

  TrainConfig part = whole;
  part.output = dir + "/part.safetensors";
  part.stop_after_epoch = 1;
  TrainResult stopped = train::train(small_gate(10), part, quiet);
  CHECK_FALSE(stopped.finished);
  CHECK_FALSE(std::filesystem::exists(part.output));
  part.stop_after_epoch = 0;
  part.resume = true;
  TrainResult resumed = train::train(small_gate(10), part, quiet);
  REQUIRE(resumed.finished);
  REQUIRE(resumed.epochs.size() == 3);

  SafeTensors a = read_safetensors(whole.output), b = read_safetensors(part.output);
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    INFO(a.tensors[i].first);
    CHECK(a.tensors[i].first == b.tensors[i].first);
    CHECK(a.tensors[i].second.bytes == b.tensors[i].second.bytes);
  }
  CHECK(a.meta("accuracy") == b.meta("accuracy"));
  // The checkpoints (weights, batch-norm statistics, momentum) are identical too.
  SafeTensors ca = read_safetensors(default_checkpoint_path(whole.output));
  SafeTensors cb = read_safetensors(default_checkpoint_path(part.output));
  for (size_t i = 0; i < ca.tensors.size(); ++i) CHECK(ca.tensors[i].second.bytes == cb.tensors[i].second.bytes);

  // Resuming with different settings is refused, naming the setting.
  TrainConfig other = part;
  other.lr = 0.1;
  CHECK_THROWS_WITH(train::train(small_gate(10), other, quiet), Catch::Contains("lr") && Catch::Contains("0.1"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("resuming refuses a checkpoint holding a non-finite value or a damaged epoch count", "[train][resume][errors]") {
  std::string dir = temp_dir("bad_ckpt");
  TrainConfig c = synthetic_config(dir + "/w.safetensors", 2);
  c.data.limit = 100;
  c.test_limit = 50;
  c.stop_after_epoch = 1;
  REQUIRE_FALSE(train::train(small_gate(10), c, quiet).finished);
  const std::string ckpt_path = default_checkpoint_path(c.output);
  const SafeTensors good = read_safetensors(ckpt_path);
  c.stop_after_epoch = 0;
  c.resume = true;
  c.checkpoint = dir + "/damaged.safetensors";

  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    SafeTensors damaged = good;
    const std::string name = "conv2.weight.momentum";
    auto it = std::find_if(damaged.tensors.begin(), damaged.tensors.end(), [&](const auto& t) { return t.first == name; });
    REQUIRE(it != damaged.tensors.end());
    std::vector<float> values = it->second.to_floats();
    values[values.size() / 2] = bad;
    it->second = TensorData::from_floats(values, it->second.shape);
    write_safetensors(c.checkpoint, damaged);
    CHECK_THROWS_WITH(train::train(small_gate(10), c, quiet),
                      Catch::Contains(c.checkpoint) && Catch::Contains("'" + name + "'") && Catch::Contains("non-finite"));
  }
  SafeTensors damaged = good;
  damaged.metadata["epoch"] = "one";
  write_safetensors(c.checkpoint, damaged);
  CHECK_THROWS_WITH(train::train(small_gate(10), c, quiet), Catch::Contains(c.checkpoint) && Catch::Contains("epoch 'one'"));
  // The undamaged checkpoint resumes.
  write_safetensors(c.checkpoint, good);
  CHECK(train::train(small_gate(10), c, quiet).finished);
  std::filesystem::remove_all(dir);
}

TEST_CASE("rowsim train and eval on the command line, and their errors", "[train][cli]") {
  std::string dir = temp_dir("cli");
  std::string out = dir + "/g.safetensors";
  auto r = run_rowsim("train --net gate --width 0.25 --dataset synthetic --distortion blur --task gate --limit 200 "
                      "--test-limit 100 --epochs 1 --batch 32 --dtype f16 -o " + out);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("epoch 1/1"));
  r = run_rowsim("eval --weights " + out + " --limit 100 --format json");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["task"] == "gate");
  CHECK(j["distortion"] == "blur");
  CHECK(j["images"] == 100);
  CHECK(j["top1"].get<double>() >= 0.0);
  CHECK(j["top1"].get<double>() <= 1.0);
  CHECK(j["routing"]["clean_images"].get<int>() + j["routing"]["distorted_images"].get<int>() == 100);
  CHECK(read_safetensors(out).get("conv1.weight", out).dtype == DType::F16);

  // A gate trained over a range of degrees records the range, and eval uses it by default.
  std::string ranged = dir + "/ranged.safetensors";
  r = run_rowsim("train --net gate --width 0.25 --dataset synthetic --distortion blur --degree 0.5:2 --task gate "
                 "--limit 200 --test-limit 100 --epochs 1 --batch 32 -o " + ranged);
  REQUIRE(r.exit_code == 0);
  r = run_rowsim("eval --weights " + ranged + " --limit 100 --format json");
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out)["distortion_params"] == "sigma=0.5:2");

  // The same file with one weight NaN: the float path refuses it as map, simulate and the
  // fixed-point path do, instead of reporting an accuracy.
  std::string nan_weights = dir + "/nan.safetensors";
  {
    SafeTensors w = read_safetensors(out);
    TensorData& t = w.tensors[0].second;
    std::vector<float> v = t.to_floats();
    v[1] = std::numeric_limits<float>::quiet_NaN();
    t = TensorData::from_floats(v, t.shape, t.dtype);
    write_safetensors(nan_weights, w);
  }

  struct Bad {
    std::string args, message;
  };
  std::vector<Bad> bad = {
      {"train --net gate --dataset synthetic", "-o FILE"},
      {"train --net gate --dataset mnist -o x.safetensors", "--dataset: dataset 'mnist'"},
      {"train --net gate --dataset synthetic --epochs 0 -o x.safetensors", "--epochs 0"},
      {"train --net gate --dataset synthetic --lr -1 -o x.safetensors", "--lr -1"},
      {"train --net gate --dataset synthetic --batch 1 -o x.safetensors", "--batch 1"},
      {"train --net gate --dataset synthetic --task gate -o x.safetensors", "give --distortion"},
      {"train --net gate --dataset synthetic --distortion fog -o x.safetensors", "--distortion: distortion 'fog'"},
      {"train --net gate --dataset synthetic --ratio 2 --distortion noise -o x.safetensors", "--ratio: ratio '2'"},
      {"train --net gate --dataset synthetic --dtype f8 -o x.safetensors", "--dtype f8"},
      {"train --net gate --dataset synthetic --distortion noise --degree 0.5:0.1 -o x.safetensors",
       "--degree: degree '0.5:0.1': the range's minimum 0.5 is above its maximum 0.1"},
      {"train --net gate --dataset synthetic --distortion noise --degree=-0.2:0.1 -o x.safetensors",
       "--degree: degree '-0.2:0.1': degree -0.2 is not positive"},
      {"train --net gate --dataset synthetic --distortion noise --degree '' -o x.safetensors", "--degree ''"},
      {"train --net gate --dataset synthetic --distortion occlusion --degree 8,,16 -o x.safetensors",
       "--degree: degree '8,,16': an empty degree"},
      {"train --net gate --dataset synthetic --degree 0.1:0.2 -o x.safetensors", "needs a distortion"},
      {"train --net gate --dataset cifar100 -o x.safetensors", "needs --data-dir"},
      {"train --net gate --dataset fashion-mnist --data-dir /no/such -o x.safetensors", "/no/such"},
      {"eval", "--weights FILE"},
      {"eval --weights /no/such.safetensors", "/no/such.safetensors"},
      {"eval --weights " + out + " --task classes", "needs 10"},
      {"eval --weights " + out + " --format xml", "--format xml"},
      {"eval --weights " + nan_weights + " --limit 100", "holds a non-finite value"},
  };
  for (const auto& b : bad) {
    INFO("rowsim " << b.args);
    r = run_rowsim(b.args);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(b.message));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a --net-file network trains, exports an unfoldable batch-norm as scale/shift, and evaluates",
          "[train][cli][netfile]") {
  std::string dir = temp_dir("netfile");
  std::string yaml = dir + "/mine.yaml";
  std::FILE* f = std::fopen(yaml.c_str(), "w");
  REQUIRE(f);
  std::fputs(R"(name: mine
input: {channels: 3, height: 32, width: 32}
classes: 10
layers:
  - {name: c1, type: conv, out_channels: 8, kernel: 3, pad: 1, stride: 2}
  - {name: c1.bn, type: batchnorm}
  - {name: r1, type: relu}
  - {name: p1, type: maxpool, kernel: 2}
  - {name: p1.bn, type: batchnorm}
  - {name: c2, type: conv, out_channels: 8, kernel: 3, pad: 1}
  - {name: sum, type: add, inputs: [p1.bn, c2]}
  - {name: gap, type: avgpool, kernel: 8}
  - {name: fc, type: fc, out_features: 10}
)", f);
  std::fclose(f);
  std::string out = dir + "/mine.safetensors";
  auto r = run_rowsim("train --net-file " + yaml + " --dataset synthetic --limit 300 --test-limit 100 --epochs 2 "
                      "--batch 25 -o " + out);
  REQUIRE(r.exit_code == 0);
  SafeTensors w = read_safetensors(out);
  CHECK(w.meta("network") == "mine");
  CHECK(w.meta("net_file") == yaml);
  CHECK(w.find("c1.bias"));           // c1.bn folded into c1
  CHECK_FALSE(w.find("c1.bn.weight"));
  CHECK(w.find("p1.bn.weight"));      // after a pool: kept as a per-channel scale and shift
  CHECK(w.find("p1.bn.bias"));
  r = run_rowsim("eval --weights " + out + " --limit 100 --format json");  // the split the metadata used
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["images"] == 100);
  CHECK(j["top1"].get<double>() == Approx(std::stod(w.meta("accuracy"))).margin(1e-9));
  r = run_rowsim("train --net-file " + yaml + " --width 0.5 --dataset synthetic -o " + out);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--width"));
  r = run_rowsim("train --net alexnet --dataset synthetic -o " + out);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("3x227x227"));
  std::filesystem::remove_all(dir);
}
