#include "workloads/train/optimizer.hpp"

#include <cmath>

#include "workloads/util/error.hpp"

namespace rowsim::train {

Schedule parse_schedule(const std::string& text) {
  if (text == "cosine") return Schedule::Cosine;
  if (text == "step") return Schedule::Step;
  if (text == "constant") return Schedule::Constant;
  fail("learning-rate schedule '{}': expected cosine, step or constant", text);
}

const char* to_string(Schedule s) {
  switch (s) {
    case Schedule::Cosine: return "cosine";
    case Schedule::Step: return "step";
    case Schedule::Constant: return "constant";
  }
  return "?";
}

double learning_rate(Schedule s, double lr, long step, long total) {
  if (total <= 0) return lr;
  double t = double(step) / double(total);
  switch (s) {
    case Schedule::Cosine: return lr * 0.5 * (1.0 + std::cos(M_PI * t));
    case Schedule::Step: return t < 0.5 ? lr : (t < 0.75 ? lr * 0.1 : lr * 0.01);
    case Schedule::Constant: return lr;
  }
  return lr;
}

void sgd_step(ThreadPool& pool, std::vector<Param>& params, double lr, double momentum, double weight_decay) {
  const float flr = float(lr), fmu = float(momentum), fwd = float(weight_decay);
  for (auto& p : params) {
    const float wd = p.decay ? fwd : 0.0f;
    auto update = [&](int, int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        float g = p.grad[size_t(i)] + wd * p.value[size_t(i)];
        float v = fmu * p.momentum[size_t(i)] + g;
        p.momentum[size_t(i)] = v;
        p.value[size_t(i)] -= flr * v;
      }
    };
    // Element-wise, so the split cannot change results; small tensors are not worth a dispatch.
    if (p.value.size() < 16384)
      update(0, 0, int64_t(p.value.size()));
    else
      pool.run(int64_t(p.value.size()), update);
  }
}

}  // namespace rowsim::train
