// The cycle ledger: attributes every cycle of the layer exactly once, to compute or to one stall
// cause. The PE array records the cycles it steps; the controller fills the gaps between passes.
// They never write it in the same delta cycle (the controller runs only while the array is idle).
#pragma once
#include <array>
#include <cstdint>

#include "models/hw/interfaces.hpp"

namespace rowsim::hw {

class CycleLedger : public LedgerIf {
public:
  void reset(int64_t start_cycle) {
    accounted_ = start_cycle;
    compute_ = 0;
    stalls_.fill(0);
  }
  void fill_until(int64_t until, Stall cause) override {
    if (until > accounted_) {
      stalls_[size_t(cause)] += until - accounted_;
      accounted_ = until;
    }
  }
  void cycle(int64_t at, bool mac, Stall cause) override {
    if (at <= accounted_) return;
    fill_until(at - 1, cause);
    if (mac) ++compute_;
    else ++stalls_[size_t(cause)];
    accounted_ = at;
  }
  int64_t accounted() const { return accounted_; }
  int64_t compute() const { return compute_; }
  int64_t stall(Stall s) const { return stalls_[size_t(s)]; }
  int64_t total_stalls() const {
    int64_t sum = 0;
    for (auto v : stalls_) sum += v;
    return sum;
  }

private:
  int64_t accounted_ = 0, compute_ = 0;
  std::array<int64_t, kStallCauses> stalls_{};
};

}  // namespace rowsim::hw
