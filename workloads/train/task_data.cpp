#include "workloads/train/task_data.hpp"

#include "workloads/util/error.hpp"

namespace rowsim::train {

Task parse_task(const std::string& text) {
  if (text == "classes") return Task::Classes;
  if (text == "gate") return Task::Gate;
  fail("task '{}': expected classes or gate", text);
}

const char* to_string(Task t) { return t == Task::Gate ? "gate" : "classes"; }

Ratio default_ratio(Task task, const Distortion& d) {
  if (task == Task::Gate) return {1, 1};
  return d.kind == DistortionKind::None ? Ratio{1, 0} : Ratio{0, 1};
}

int task_classes(const TaskSpec& spec) {
  return spec.task == Task::Gate ? 2 : dataset_classes(spec.dataset);
}

MixedSet load_task_set(const TaskSpec& spec, Split split) {
  if (spec.task == Task::Gate && spec.distortion.kind == DistortionKind::None)
    fail("the gate task learns clean vs distorted images: it needs a distortion (noise, blur or occlusion)");
  if (spec.task == Task::Gate && (spec.ratio.clean == 0 || spec.ratio.distorted == 0))
    fail("ratio '{}': the gate task needs both clean and distorted images", spec.ratio.str());
  Dataset clean = load_dataset(spec.dataset, split, spec.data_dir, spec.limit);
  return cached_mixed_set(std::move(clean), spec.distortion, spec.ratio, spec.seed, split, spec.task == Task::Gate,
                          spec.cache_dir);
}

}  // namespace rowsim::train
