// What a sleeping process waits for, when part of it is traffic on a primitive channel.
//
// A channel's events (a word written, a slot freed, a credit returned) are notified only while a
// process waits on them: a delta notification nobody waits for still costs the kernel a trigger
// and often a delta cycle of its own, and most cycles nobody does (a module that acts every cycle
// waits for the next edge instead). A process arms the events it is about to wait on in the
// evaluation phase in which it starts waiting; the update phase that would notify them comes after,
// so it misses nothing a plain event would have woken it for.
#pragma once
#include <vector>

#include <systemc>

namespace rowsim::hw {

class WatchedEvent {
public:
  // Arms the event for a process about to wait on it, and returns it (for a thread's wait()).
  const sc_core::sc_event& armed() const {
    watched_ = true;
    return event_;
  }
  // From the owning channel's update(): wakes the waiters, if any, in the next delta.
  void notify() {
    if (!watched_) return;
    watched_ = false;
    event_.notify(sc_core::SC_ZERO_TIME);
  }
  // A notification `delay` ahead, whether or not a process waits now: one may start waiting before
  // it is due.
  void notify_after(const sc_core::sc_time& delay) {
    watched_ = false;
    event_.notify(delay);
  }

private:
  sc_core::sc_event event_;
  mutable bool watched_ = false;  // a process may be waiting (it is cleared when notified)
};

// The events a clocked method sleeps on (Clocked::sleep arms the watched ones each time). Built
// once: next_trigger keeps a pointer to the list it waits on.
class WakeList {
public:
  void add(const sc_core::sc_event& e) { events_ |= e; }
  void add(const WatchedEvent& e) {
    events_ |= e.armed();
    watched_.push_back(&e);
  }
  const sc_core::sc_event_or_list& armed() const {
    for (const WatchedEvent* e : watched_) e->armed();
    return events_;
  }

private:
  sc_core::sc_event_or_list events_;
  std::vector<const WatchedEvent*> watched_;
};

}  // namespace rowsim::hw
