// The primitive channels the blocks share state through. Each has update semantics: what one
// process writes in a delta cycle another sees from the next delta, so the result never depends
// on the order the kernel runs the processes of one delta.
//
// A bounded FIFO between two blocks with registered semantics, like sc_fifo: a word written in
// cycle t is readable from cycle t+1, and a slot freed in cycle t is writable from cycle t+1, so
// the result never depends on the order processes run within a cycle. Unlike sc_fifo its capacity
// is set per layer from the ArchSpec (the modules are built once per process).
#pragma once
#include "workloads/util/failure.hpp"
#include <cstddef>
#include <stdexcept>
#include <vector>

#include <systemc>

#include "models/hw/chain_set.hpp"
#include "models/hw/clocked.hpp"
#include "models/hw/wake.hpp"

namespace rowsim::hw {

template <typename T>
class BoundedChannel : public sc_core::sc_prim_channel {
public:
  explicit BoundedChannel(const char* name) : sc_core::sc_prim_channel(name) {}

  // Empties the channel; only between layers.
  void reset(size_t capacity) {
    if (capacity == 0) panic("{}: capacity 0, expected at least one word", name());
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

  // Words became readable; slots became free (models/hw/wake.hpp: notified only while waited on).
  const WatchedEvent& written_event() const { return written_event_; }
  const WatchedEvent& read_event() const { return read_event_; }

private:
  void update() override {
    readable_ = readable_ - read_ + written_;
    if (read_) read_event_.notify();
    if (written_) written_event_.notify();
    read_ = written_ = 0;
  }

  std::vector<T> buf_;
  size_t ri_ = 0, wi_ = 0, readable_ = 0, read_ = 0, written_ = 0;
  WatchedEvent written_event_, read_event_;
};

// The GIN's ifmap bus: a BoundedChannel whose reader may grant words ahead. At a pass's start the
// reader grants, per tag, how many of the pass's words it takes in the cycle after they are on the
// bus whatever happens meanwhile (the tag's PEs have room for them before any computes). The writer
// sends the pass's leading granted words ahead of time, stamped with their bus cycle (as on the
// FillBus), and acts again only in a cycle it has not sent ahead. The reader takes a granted word in
// the cycle after its stamp, or, while taking it later changes nothing (its PEs do not compute
// during a weight fill), the next time it acts. A granted word holds its bus slot in its cycle and
// the next, as a word read at once does, so space() is what the writer would see without grants.
template <typename T>
class GrantedBus : public BoundedChannel<T> {
public:
  explicit GrantedBus(const char* name) : BoundedChannel<T>(name) {}

  // Empties the bus and withdraws every grant; only between layers.
  void reset(size_t capacity) {
    BoundedChannel<T>::reset(capacity);
    grants_.clear();
    ahead_.clear();
    first_ = 0;
  }

  // Reader, at a pass's start (every earlier word taken): words of tag t granted: per_tag[t].
  void grant(const std::vector<int>& per_tag) {
    if (first_ != ahead_.size())
      panic("{}: {} granted words untaken at a new pass, expected none", this->name(), ahead_.size() - first_);
    grants_ = per_tag;
    ahead_.clear();
    first_ = 0;
  }
  // Writer: how many more words of `tag` are granted.
  int grants_left(int tag) const { return size_t(tag) < grants_.size() ? grants_[size_t(tag)] : 0; }
  bool granted(int tag) const { return grants_left(tag) > 0; }
  // Writer: a granted word, on the bus in `cycle` (the writer's cycle or a later one, in order).
  // The reader is woken in the word's cycle (and acts in the next) when no earlier granted word is
  // waiting for it; otherwise it learns of this one when it takes that one (next_ahead()).
  void push_ahead(const T& v, int64_t cycle) {
    if (!granted(v.tag)) panic("{}: word of tag {} sent ahead without a grant", this->name(), v.tag);
    --grants_[size_t(v.tag)];
    if (first_ == ahead_.size()) ahead_event_.notify_after(Clocked::period() * double(cycle - Clocked::cycle()));
    ahead_.push_back({v, cycle});
  }
  const WatchedEvent& ahead_event() const { return ahead_event_; }
  // Reader: the next granted word not yet taken was on the bus before `now`.
  bool ahead_due(int64_t now) const { return first_ < ahead_.size() && ahead_[first_].cycle < now; }
  const T& ahead_front() const { return ahead_[first_].word; }
  void pop_ahead() { ++first_; }
  // Reader: the cycle the next granted word not yet taken may be read in (-1: none).
  int64_t next_ahead() const { return first_ < ahead_.size() ? ahead_[first_].cycle + 1 : -1; }
  // Writer, in cycle `now`: free slots, less those granted words hold (sent in this cycle or the last).
  size_t space(int64_t now) const {
    size_t held = 0;
    for (size_t i = ahead_.size(); i > 0 && ahead_[i - 1].cycle >= now - 1; --i) ++held;
    const size_t free = BoundedChannel<T>::space();
    return free > held ? free - held : 0;
  }

private:
  struct Stamped {
    T word;
    int64_t cycle;
  };
  std::vector<int> grants_;
  std::vector<Stamped> ahead_;  // this pass's granted words, in order; [0, first_) taken
  size_t first_ = 0;
  WatchedEvent ahead_event_;
};

// The GIN's filter bus: at most the bus width of words per cycle (the writer's limit), with no
// buffer limit. The array takes every filter word that has arrived whenever it acts, and no PE
// reads its filter spad before the fill is complete, so a buffer of two bus widths emptied every
// cycle could never fill; the words can as well wait here until the array next acts for another
// reason. For the same reason the writer may send a word ahead of the cycle it is on the bus in
// (GlobalBuffer::send_weights): each word carries its bus cycle, and what the reader sees is only
// the fill's completion, from the cycle after its last word's (complete()), which `filled_event`
// announces in that cycle.
template <typename T>
class FillBus : public sc_core::sc_prim_channel {
public:
  explicit FillBus(const char* name) : sc_core::sc_prim_channel(name) {}

  // A new fill of `words` words; the last one's (every earlier word has been read).
  void expect(int64_t words) {
    if (available() != 0 || written_ != 0)
      panic("{}: {} words unread at a new fill, expected the last fill to be read", name(), available() + written_);
    buf_.clear();
    ri_ = readable_ = 0;
    expected_ = words;
    last_cycle_ = -1;
  }
  // Reader side: words written in earlier delta cycles, their bus cycle past or not.
  size_t available() const { return readable_ - ri_; }
  const T& front() const { return buf_[ri_]; }
  void pop() { ++ri_; }
  // In cycle `now`: every word of the fill has been read and was on the bus before `now`.
  bool complete(int64_t now) const { return int64_t(ri_) == expected_ && now > last_cycle_; }
  // The cycle the fill is complete from, once its words are all written (-1 before).
  int64_t complete_at() const { return int64_t(readable_) == expected_ ? last_cycle_ + 1 : -1; }
  // Writer side: the n words at `words`, all on the bus in `cycle` (the writer's cycle or a later
  // one, in order; no words: nothing changes).
  void push(const T* words, size_t n, int64_t cycle) {
    if (n == 0) return;
    buf_.insert(buf_.end(), words, words + n);
    last_cycle_ = cycle;
    written_ += n;
    request_update();
  }
  // The fill's last word became readable (models/hw/wake.hpp: notified only while waited on).
  const WatchedEvent& filled_event() const { return filled_event_; }

private:
  void update() override {  // requested by push() only
    readable_ += written_;
    written_ = 0;
    if (int64_t(readable_) > expected_)
      panic("{}: {} words pushed to a fill of {}, expected no more than the fill announced", name(), readable_,
            expected_);
    if (int64_t(readable_) < expected_) return;
    // Complete from the cycle after the last word's: a reader woken in that word's cycle acts in the
    // next (Clocked::due).
    const int64_t ahead = last_cycle_ - Clocked::cycle();
    if (ahead <= 0) filled_event_.notify();
    else filled_event_.notify_after(Clocked::period() * double(ahead));
  }

  std::vector<T> buf_;  // this fill's words
  size_t ri_ = 0, readable_ = 0, written_ = 0;
  int64_t expected_ = 0, last_cycle_ = -1;
  WatchedEvent filled_event_;
};

// Credits for the small psum buffers at the chain heads (models/hw/noc.hpp). The GLB takes one
// when it sends a psum to a chain; the PE array gives one back when the chain head consumes a psum.
// A returned credit counts from the next delta: the GLB, which acts at clock edges, uses it the
// cycle after it was returned.
class PsumCredits : public sc_core::sc_prim_channel {
public:
  explicit PsumCredits(const char* name) : sc_core::sc_prim_channel(name) {}

  void reset(int chains, int depth) {
    credits_.assign(size_t(chains), depth);
    returned_.clear();
    with_credit_.reset(chains, depth > 0);
  }
  const ChainSet& with_credit() const { return with_credit_; }
  void take(int chain) {
    if (credits_[size_t(chain)] == 0) panic("{}: chain {} has no credit, expected a check first", name(), chain);
    if (--credits_[size_t(chain)] == 0) with_credit_.erase(chain);
  }
  void give(int chain) {
    returned_.push_back(chain);
    request_update();
  }
  const WatchedEvent& returned_event() const { return returned_event_; }

private:
  void update() override {
    for (int c : returned_)
      if (credits_[size_t(c)]++ == 0) with_credit_.insert(c);
    returned_.clear();
    returned_event_.notify();
  }

  std::vector<int> credits_;   // per chain: free slots not yet claimed by a word in flight
  std::vector<int> returned_;  // chains given a credit in this delta
  ChainSet with_credit_;  // the chains whose credits are not 0
  WatchedEvent returned_event_;
};

}  // namespace rowsim::hw
