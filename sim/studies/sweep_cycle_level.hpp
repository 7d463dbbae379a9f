// Cycle-level sweep points: each point's networks run through the SystemC model (seeded random
// data), so the row's cycles include stalls. SystemC allows one kernel per process, so points run
// one after another and each simulation forks `jobs` worker processes for its layers.
#pragma once
#include "sim/studies/sweep.hpp"

namespace rowsim {

PointEvaluator cycle_level_evaluator(int jobs);

}  // namespace rowsim
