#include "sim/cli/train_options.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "workloads/util/error.hpp"

namespace rowsim::cli {

void add_data_options(po::options_description& options) {
  options.add_options()("dataset", arg<std::string>("NAME"), "fashion-mnist, cifar100 or synthetic")(
      "data-dir", arg<std::string>("DIR"),
      "dataset folder (default for fashion-mnist: /usr/share/datasets/fashion-mnist; required for cifar100)")(
      "distortion", arg<std::string>("NAME"), "none, noise, blur or occlusion")(
      "degree", arg<std::string>("X|LO:HI|A,B,..."),
      "distortion degree: noise/blur sigma (0.25 / 1.0), occlusion block side (16); a range LO:HI or a list "
      "A,B,... draws one degree per image")(
      "task", arg<std::string>("classes|gate"), "classes (the dataset's labels) or gate (clean vs distorted)")(
      "ratio", arg<std::string>("C:D"), "clean:distorted mix, e.g. 1:1 (default 1:1 for the gate, 0:1 for classes)")(
      "seed", arg<int64_t>("S"), "random seed for distortions, shuffling, augmentation and initialisation")(
      "limit", arg<int64_t>("N"), "use only the first N images of the split")(
      "cache-dir", arg<std::string>("DIR"), "keep generated distorted sets here and reuse them")(
      "threads", arg<int64_t>("N", 2), "worker threads");
}

int64_t int_option(const po::variables_map& vm, const std::string& name, int64_t min, int64_t max) {
  int64_t v = vm[name].as<int64_t>();
  if (v < min || v > max) fail("--{} {}: expected a whole number from {} to {}", name, v, min, max);
  return v;
}

double double_option(const po::variables_map& vm, const std::string& name, double min, double max,
                     bool min_exclusive) {
  double v = vm[name].as<double>();
  if (!std::isfinite(v) || v < min || v > max || (min_exclusive && v == min))
    fail("--{} {}: expected a number {} {} and at most {}", name, v, min_exclusive ? "above" : "from", min, max);
  return v;
}

train::TaskSpec resolve_data_options(const po::variables_map& vm, const train::TaskSpec& defaults,
                                     bool ratio_from_defaults) {
  train::TaskSpec s = defaults;
  if (vm.count("dataset")) {
    s.dataset = vm["dataset"].as<std::string>();
    for_flag("dataset", [&] { return dataset_classes(s.dataset); });  // validates
    if (!vm.count("data-dir")) s.data_dir.clear();
  }
  if (vm.count("data-dir")) s.data_dir = vm["data-dir"].as<std::string>();
  if (vm.count("dataset") && s.dataset == "cifar100" && s.data_dir.empty())
    fail("--dataset cifar100 needs --data-dir pointing at the CIFAR-100 binary version (train.bin, test.bin)");
  bool distortion_given = vm.count("distortion") || vm.count("degree");
  if (distortion_given) {
    std::string name = vm.count("distortion") ? vm["distortion"].as<std::string>() : s.distortion.name();
    if (vm.count("degree") && vm["degree"].as<std::string>().empty())
      fail("--degree '': expected a degree X, a range LO:HI or a list A,B,...");
    if (vm.count("distortion")) for_flag("distortion", [&] { return parse_distortion(name); });
    s.distortion = for_flag("degree", [&] {
      return parse_distortion(name, vm.count("degree") ? vm["degree"].as<std::string>() : "");
    });
  }
  bool task_given = vm.count("task") > 0;
  if (task_given) s.task = for_flag("task", [&] { return train::parse_task(vm["task"].as<std::string>()); });
  if (task_given && s.task == train::Task::Gate && s.distortion.kind == DistortionKind::None)
    fail("--task gate learns clean vs distorted: give --distortion noise, blur or occlusion");
  if (vm.count("ratio")) {
    s.ratio = for_flag("ratio", [&] { return parse_ratio(vm["ratio"].as<std::string>()); });
    if (s.distortion.kind == DistortionKind::None && s.ratio.distorted > 0)
      fail("--ratio {} mixes in distorted images: give --distortion noise, blur or occlusion", s.ratio.str());
    if (s.task == train::Task::Gate && (s.ratio.clean == 0 || s.ratio.distorted == 0))
      fail("--ratio {}: the gate needs both clean and distorted images", s.ratio.str());
  } else if (!ratio_from_defaults || distortion_given || task_given) {
    s.ratio = train::default_ratio(s.task, s.distortion);
  }
  if (vm.count("seed")) s.seed = uint64_t(int_option(vm, "seed", 0, INT64_MAX));
  if (vm.count("limit")) s.limit = size_t(int_option(vm, "limit", 0, INT64_MAX));
  if (vm.count("cache-dir")) s.cache_dir = vm["cache-dir"].as<std::string>();
  return s;
}

train::TaskSpec data_defaults_from(const SafeTensors& file, const WeightsInfo& info, const std::string& path) {
  train::TaskSpec defaults;
  if (!info.dataset.empty()) defaults.dataset = info.dataset;
  defaults.distortion = with_context(path + " metadata 'distortion_params'", [&] {
    return distortion_from_params(info.distortion, info.distortion_params);
  });
  defaults.task = with_context(path + " metadata 'task'", [&] { return train::parse_task(info.task); });
  defaults.ratio = info.ratio.empty()
                       ? train::default_ratio(defaults.task, defaults.distortion)
                       : with_context(path + " metadata 'ratio'", [&] { return parse_ratio(info.ratio); });
  auto training = nlohmann::json::parse(file.meta("training", "{}"), nullptr, false);
  if (training.is_object() && training.contains("seed") && training["seed"].is_number_unsigned())
    defaults.seed = training["seed"].get<uint64_t>();
  return defaults;
}

}  // namespace rowsim::cli
