// The image sets a training or evaluation run uses: a dataset split, distorted as asked, labelled
// for the task (the dataset's classes, or clean-vs-distorted for the gate).
#pragma once
#include <cstdint>
#include <string>

#include "workloads/distortions.hpp"

namespace rowsim::train {

enum class Task { Classes, Gate };
Task parse_task(const std::string& text);  // UserError names the task and the text
const char* to_string(Task t);

struct TaskSpec {
  std::string dataset = "fashion-mnist";
  std::string data_dir;
  Distortion distortion;
  Task task = Task::Classes;
  Ratio ratio;  // clean:distorted; see default_ratio
  uint64_t seed = 1;
  size_t limit = 0;  // first N images of the split (0 = all)
  std::string cache_dir;
};

// The gate sees clean and distorted images 1:1; a classifier with a distortion sees only
// distorted images (0:1), without one only clean ones.
Ratio default_ratio(Task task, const Distortion& d);
// Validates the combination (the gate needs a distortion) and builds the set.
MixedSet load_task_set(const TaskSpec& spec, Split split);
int task_classes(const TaskSpec& spec);

}  // namespace rowsim::train
