// SGD with momentum and weight decay (PyTorch's formulation: v = mu*v + g + wd*w; w -= lr*v),
// and the learning-rate schedules.
#pragma once
#include <string>
#include <vector>

#include "workloads/train/model.hpp"

namespace rowsim::train {

enum class Schedule { Cosine, Step, Constant };
Schedule parse_schedule(const std::string& text);  // UserError names the schedule and the text
const char* to_string(Schedule s);

// Learning rate at `step` of `total` steps: cosine decays from lr to 0; step multiplies by 0.1
// after 50% and 75% of the steps; constant keeps lr.
double learning_rate(Schedule s, double lr, long step, long total);

void sgd_step(ThreadPool& pool, std::vector<Param>& params, double lr, double momentum, double weight_decay);

}  // namespace rowsim::train
