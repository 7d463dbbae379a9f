// The post-processing unit on the write-out path: turns a final psum (full precision) into an ofmap
// value: bias added, rounded and saturated to the ofmap format once, ReLU when fused. Combinational
// (no process, no cycles of its own): the write engine calls it for each word it sends to DRAM.
#pragma once
#include <systemc>

#include "models/hw/interfaces.hpp"

namespace rowsim::hw {

class PostProcess : public sc_core::sc_module, public PostProcessIf {
public:
  explicit PostProcess(sc_core::sc_module_name name) : sc_core::sc_module(name), out("out") { out.bind(*this); }

  sc_core::sc_export<PostProcessIf> out;

  void begin_layer(const LayerJob& job) { job_ = &job; }

  int16_t ofmap_value(int64_t filter, int64_t psum) const override {
    if (job_->bias) psum += job_->bias[filter];
    const int16_t v = requantize(psum, job_->shift, job_->out_q);
    return job_->relu && v < 0 ? int16_t(0) : v;
  }

private:
  const LayerJob* job_ = nullptr;
};

}  // namespace rowsim::hw
