// The clocked base of every SystemC module of the model: one place that knows the clock period,
// turns SystemC time into a cycle number, and aligns a process to a clock edge.
//
// Time only ever advances to clock edges (every wait and next_trigger below is a whole number of
// periods), so the cycle number is exact. A clocked SC_METHOD acts once per edge it is scheduled
// for; woken by an event instead (a bus word, a credit, a DMA arrival), it acts at the next edge,
// which is what a register clocked by the same edge would see.
#pragma once
#include <cstdint>

#include <systemc>

#include "models/hw/wake.hpp"

namespace rowsim::hw {

// What the clocked modules of one accelerator share.
struct ClockDomain {
  // Notified one period ahead by the modules that act at the next edge, so that they cost the
  // kernel one timed notification per cycle instead of one per module.
  sc_core::sc_event next_edge{"next_edge"};
  int64_t next_edge_cycle = -1;  // the cycle next_edge was last notified for
  // Clocked methods act every cycle instead of sleeping, and their ports send no word ahead of its
  // cycle (tests/hw_order: sleeping and sending ahead only skip cycles in which a module would
  // change nothing, so no result may differ).
  bool never_sleep = false;
};

class Clocked : public sc_core::sc_module {
public:
  // One simulated cycle is 1 ns of SystemC time (the clock rate itself only matters to reports).
  static const sc_core::sc_time& period() {
    static const sc_core::sc_time p(1, sc_core::SC_NS);
    return p;
  }
  static int64_t cycle() { return int64_t(sc_core::sc_time_stamp().value() / period().value()); }

protected:
  Clocked(sc_core::sc_module_name name, ClockDomain& clock) : sc_core::sc_module(name), clock_(clock) {}

  // Threads: resume at the edge of `target` (now if it is not in the future).
  void wait_until_cycle(int64_t target) {
    const int64_t now = cycle();
    if (target > now) wait(period() * double(target - now));
  }

  // The edge a clocked SC_METHOD acts at: the method must be statically sensitive to it
  // (`sensitive << next_edge()`), since acting again next cycle returns to static sensitivity, which
  // costs the kernel less than a dynamic wait on the same event.
  const sc_core::sc_event& next_edge() const { return clock_.next_edge; }
  // The module's one clocked SC_METHOD. Call due() first: false means the method was woken by an
  // event in a cycle it was not scheduled for, and it has been re-triggered for the next edge.
  bool due() {
    const int64_t now = cycle();
    if (now == scheduled_) return true;
    act_next(now);
    return false;
  }
  // Ports may send words ahead of their cycles (ClockDomain::never_sleep is off).
  bool may_send_ahead() const { return !clock_.never_sleep; }
  // After due() returned true: the cycle being acted in (without asking the kernel again).
  int64_t acting_cycle() const { return scheduled_; }
  // After due() returned true: act again at the next edge.
  void next_cycle() { act_next(scheduled_); }
  // Sleep until one of `events` (then act at the edge after it).
  void sleep(const WakeList& events) {
    if (clock_.never_sleep) return next_cycle();
    scheduled_ = -1;
    next_trigger(events.armed());
  }
  // Sleep until the edge of `target` or until one of `events`, whichever comes first.
  void sleep_until(int64_t target, const WakeList& events) {
    if (clock_.never_sleep) return next_cycle();
    scheduled_ = target;
    next_trigger(period() * double(target - cycle()), events.armed());
  }
  // Idle (between passes): wait for `start` and act at the edge after it.
  void idle_until(const sc_core::sc_event& start) {
    scheduled_ = -1;
    next_trigger(start);
  }

private:
  // Act at the next edge after `now`, the cycle running.
  void act_next(int64_t now) {
    scheduled_ = now + 1;
    if (clock_.next_edge_cycle != scheduled_) {  // another module may have notified it this cycle
      clock_.next_edge.notify(period());
      clock_.next_edge_cycle = scheduled_;
    }
    next_trigger();  // static sensitivity: next_edge()
  }
  ClockDomain& clock_;
  int64_t scheduled_ = -1;  // the edge the clocked method is scheduled to act at (-1: none)
};

}  // namespace rowsim::hw
