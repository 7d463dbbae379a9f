// Eyeriss's run-length code as the DMA produces and consumes it, value by value: each nonzero, with
// the run of up to 31 zeros before it, is one (5-bit run, 16-bit level) pair; a 32nd zero closes a
// pair of its own (run 31, level 0), as does a trailing run; three pairs fill a 64-bit word (four
// 16-bit words). Over a whole stream it gives mapper/layer_data.hpp's rlc_words(); the prefix
// counts say how many words of a stream must cross the link before, or can leave after, a value.
#pragma once
#include <cstdint>

namespace rowsim::hw {

class RlcStream {
public:
  void push(int16_t v) {
    if (v == 0 && run_ < 31) {
      ++run_;
      return;
    }
    ++pairs_;
    run_ = 0;
  }
  // Words a decoder must have received to know every value pushed so far: a pending zero run is
  // resolved by the next pair, whatever it is.
  int64_t words_to_decode() const { return words(pairs_ + (run_ > 0)); }
  // Words an encoder can have sent: only whole 64-bit words, until the stream ends.
  int64_t words_complete() const { return 4 * (pairs_ / 3); }
  // The whole stream, flushed.
  int64_t words_total() const { return words_to_decode(); }

private:
  static int64_t words(int64_t pairs) { return 4 * ((pairs + 2) / 3); }
  int64_t pairs_ = 0;
  int run_ = 0;
};

}  // namespace rowsim::hw
