// A bounded FIFO between two blocks with registered semantics, like sc_fifo: a word written in
// cycle t is readable from cycle t+1, and a slot freed in cycle t is writable from cycle t+1, so
// the result never depends on the order processes run within a cycle. Unlike sc_fifo its capacity
// is set per layer from the ArchSpec (the modules are built once per process).
#pragma once
#include <cstddef>
#include <stdexcept>
#include <vector>

#include <systemc>

namespace rowsim::hw {

template <typename T>
class BoundedChannel : public sc_core::sc_prim_channel {
public:
  explicit BoundedChannel(const char* name) : sc_core::sc_prim_channel(name) {}

  // Empties the channel; only between layers.
  void reset(size_t capacity) {
    if (capacity == 0) throw std::logic_error("BoundedChannel: zero capacity");
    buf_.assign(capacity, T{});
    ri_ = wi_ = readable_ = read_ = written_ = 0;
  }
  size_t capacity() const { return buf_.size(); }

  // Consumer side.
  size_t available() const { return readable_ - read_; }
  const T& front() const { return buf_[ri_]; }
  void pop() {
    ri_ = ri_ + 1 == buf_.size() ? 0 : ri_ + 1;
    ++read_;
    request_update();
  }
  // Producer side.
  size_t space() const { return buf_.size() - readable_ - written_; }
  void push(const T& v) {
    buf_[wi_] = v;
    wi_ = wi_ + 1 == buf_.size() ? 0 : wi_ + 1;
    ++written_;
    request_update();
  }
  bool empty_now() const { return readable_ == 0 && written_ == 0; }

  const sc_core::sc_event& written_event() const { return written_event_; }
  const sc_core::sc_event& read_event() const { return read_event_; }

private:
  void update() override {
    readable_ = readable_ - read_ + written_;
    if (read_) read_event_.notify(sc_core::SC_ZERO_TIME);
    if (written_) written_event_.notify(sc_core::SC_ZERO_TIME);
    read_ = written_ = 0;
  }

  std::vector<T> buf_;
  size_t ri_ = 0, wi_ = 0, readable_ = 0, read_ = 0, written_ = 0;
  sc_core::sc_event written_event_, read_event_;
};

}  // namespace rowsim::hw
