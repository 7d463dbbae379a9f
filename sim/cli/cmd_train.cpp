// rowsim train: trains a zoo or --net-file network with rowsim's own trainer (no PyTorch) and
// writes inference weights as safetensors (docs/training.md, docs/weights-format.md).
#include <cstdio>

#include <fmt/format.h>

#include "sim/cli/train_options.hpp"
#include "workloads/net_file.hpp"
#include "workloads/train/trainer.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/zoo.hpp"

namespace rowsim::cli {

int cmd_train(const Args& args) {
  po::options_description options("rowsim train options");
  add_network_options(options, false);
  add_data_options(options);
  options.add_options()("epochs", arg<int64_t>("N", 10), "training epochs")(
      "batch", arg<int64_t>("N", 128), "images per mini-batch")(
      "lr", arg<double>("RATE", 0.05), "peak learning rate")(
      "momentum", arg<double>("M", 0.9), "SGD momentum")(
      "weight-decay", arg<double>("L2", 5e-4), "L2 weight decay on conv and FC weights")(
      "schedule", arg<std::string>("cosine|step|constant", "cosine"), "learning-rate schedule: cosine, step, constant")(
      "augment", arg<std::string>("on|off|auto", "auto"),
      "random crop (pad 4) + horizontal flip: on, off, or auto (on for classes, off for the gate)")(
      "test-limit", arg<int64_t>("N", 0), "evaluate on the first N test images only (0 = all)")(
      "blas-threads", arg<int64_t>("N", 1), "OpenBLAS threads per GEMM (see docs/training.md)")(
      "dtype", arg<std::string>("f32|f16", "f32"), "exported weight type: f32 or f16")(
      "checkpoint", arg<std::string>("FILE"), "checkpoint file (default: OUT with .ckpt.safetensors)")(
      "resume", po::bool_switch(), "continue from the checkpoint if there is one")(
      "out,o", arg<std::string>("FILE"), "trained weights (safetensors)");
  po::options_description hidden;
  hidden.add_options()("stop-after-epoch", po::value<int64_t>()->default_value(0),
                       "stop after this epoch as if killed (for testing --resume)");
  po::variables_map vm;
  if (!parse_command_line(
          "usage: rowsim train --net NAME [--width W] | --net-file F  --dataset fashion-mnist|cifar100|synthetic\n"
          "         [--data-dir D] [--distortion none|noise|blur|occlusion] [--task classes|gate] [--epochs N]\n"
          "         [--batch N] [--lr X] [--seed S] [--limit N] [--resume] -o FILE.safetensors\n\n"
          "examples:\n"
          "  rowsim train --net gate --dataset fashion-mnist --distortion noise --task gate -o gate-noise.safetensors\n"
          "  rowsim train --net vgg16 --width 0.25 --dataset fashion-mnist --epochs 3 -o vgg16-0.25.safetensors",
          options, args, vm, nullptr, &hidden))
    return 0;
  if (!vm.count("out")) fail("give -o FILE.safetensors for the trained weights");
  train::TrainConfig config;
  train::TaskSpec defaults;
  config.data = resolve_data_options(vm, defaults, false);
  config.epochs = int(int_option(vm, "epochs", 1, 100000));
  config.batch = int(int_option(vm, "batch", 2, 65536));
  config.lr = double_option(vm, "lr", 0.0, 100.0, true);
  config.momentum = double_option(vm, "momentum", 0.0, 0.999);
  config.weight_decay = double_option(vm, "weight-decay", 0.0, 1.0);
  config.schedule = for_flag("schedule", [&] { return train::parse_schedule(vm["schedule"].as<std::string>()); });
  std::string augment = vm["augment"].as<std::string>();
  if (augment == "auto")
    config.augment = config.data.task == train::Task::Classes;
  else if (augment == "on" || augment == "off")
    config.augment = augment == "on";
  else
    fail("--augment {}: expected on, off or auto", augment);
  config.threads = int(int_option(vm, "threads", 1, 64));
  config.blas_threads = int(int_option(vm, "blas-threads", 1, 64));
  config.test_limit = size_t(int_option(vm, "test-limit", 0, INT64_MAX));
  std::string dtype = vm["dtype"].as<std::string>();
  if (dtype != "f32" && dtype != "f16") fail("--dtype {}: expected f32 or f16", dtype);
  config.export_dtype = dtype == "f16" ? DType::F16 : DType::F32;
  config.output = vm["out"].as<std::string>();
  if (vm.count("checkpoint")) config.checkpoint = vm["checkpoint"].as<std::string>();
  // Before any training: a bad -o must not cost an hour of it.
  for_flag("out", [&] { check_writable(config.output); });
  if (!config.checkpoint.empty()) for_flag("checkpoint", [&] { check_writable(config.checkpoint); });
  config.resume = vm["resume"].as<bool>();
  config.stop_after_epoch = int(int_option(vm, "stop-after-epoch", 0, 100000));

  train::NetworkSource source;
  bool has_net = vm.count("net") > 0, has_file = vm.count("net-file") > 0;
  if (has_net == has_file) fail("give exactly one of --net NAME or --net-file FILE");
  int classes = train::task_classes(config.data);
  if (has_file) {
    if (vm.count("width")) fail("--width scales zoo networks only; write the channel counts into the --net-file");
    source.net_file = vm["net-file"].as<std::string>();
    source.net = load_network_file(source.net_file);
    source.name = source.net.name;
  } else {
    source.name = vm["net"].as<std::string>();
    source.width = vm.count("width") ? vm["width"].as<double>() : 1.0;
    source.net = zoo_network(source.name, source.width, classes);
  }
  auto result = train::train(source, config, [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
  });
  return result.finished || config.stop_after_epoch > 0 ? 0 : 1;
}

}  // namespace rowsim::cli
