// Cycle-level sweep points: each point's networks run through the SystemC model (seeded random
// data), so the row's cycles include stalls. SystemC allows one kernel per process, so points run
// one after another in `sim` (the process's model, which must outlive the evaluator) and each
// simulation forks `jobs` worker processes for its layers.
#pragma once
#include "models/hw/simulate.hpp"
#include "sim/studies/sweep.hpp"

namespace rowsim {

PointEvaluator cycle_level_evaluator(hw::Simulator& sim, int jobs);

}  // namespace rowsim
