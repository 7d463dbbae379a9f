// One processing element in plain C++ (no SystemC): a filter spad, an ifmap spad used as a sliding
// window, a psum spad and a MAC. The PE array steps every PE once per cycle.
//
// A PE runs the 1-D convolution primitive of row-stationary: one ifmap row against p filter rows
// for its q channels. For each image and ofmap column f it accumulates p psums over the window's
// S taps and q channels, in the order tap x, channel c, filter k, so that an ifmap word is reused
// for p consecutive MACs and the oldest window column is freed as soon as its last MAC is done.
// One MAC slot per cycle.
//
// Sparsity (docs/simulator.md): with compressed weights the PE expands the bitmap when its weights
// arrive and visits only stored (nonzero) weights, so a tap without one costs no cycle; with zero
// gating a MAC whose ifmap word is zero (padding included) keeps its cycle but reads no weight,
// does no MAC and leaves the psum alone. The arithmetic is unchanged: skipped products are zeros.
//
// Ifmap spad: a ring of `ifmap_cap` words filled in (image, position, channel) order. Padding
// positions are written as zeros by the NoC port (no bus cycle); real words arrive from the GIN.
// A skipped tap may free a column before its words arrive; they are then dead on arrival.
// Psum spad: p words accumulate the open window; finished windows wait there until their psums
// climb the chain. The next window takes entry k for filter k when its first MAC for k needs it
// (all p at the latest when it closes), so a window can start while the previous one's last psums
// are still leaving.
#pragma once
#include "workloads/util/failure.hpp"
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "models/hw/context.hpp"

namespace rowsim::hw {

// The finished psums of one PE's psum spad, waiting to climb the chain. Their values do not climb
// with them: the chain's n-th output is the sum of every PE's n-th finished psum (each PE finishes
// its psums in the chain's output order) and the n-th psum from the GLB, so a PE adds its n-th
// into the chain's n-th output sum when it finishes it, and the chain walk moves only counts.
struct PsumQueue {
  int size = 0;             // finished psums in the spad
  int64_t* sums = nullptr;  // the chain's output sums, from the one this PE finishes next
  // The window just closed added its n psums into sums[0, n).
  void push_window(int n) {
    sums += n;
    size += n;
  }
};

// One PE's open-window accumulators (acc, wide, done_macs below), p entries each, zero at a pass's
// start and cleared at each window's close.
struct WindowSums {
  int32_t* acc = nullptr;
  int64_t* wide = nullptr;
  int32_t* done_macs = nullptr;
};

// What all PEs of a pass share.
struct PeShared {
  int S = 1, U = 1, F = 1, nb = 1;
  int npos = 1;        // padded positions per row
  int win_stride = 1;  // position of window f, tap x = f * win_stride + x
  int ifmap_cap = 1, psum_cap = 1;
  const int* pos_col = nullptr;  // per position: real column index, -1 for padding
  bool skip_zero_weights = false;  // compressed weights: zero weights are not stored
  bool gate = false;               // zero ifmaps gate the MAC
  // Words a PE may accumulate in 32 bits before it adds them into its 64-bit sums: as many as the
  // layer's largest product magnitude allows without overflow (at least one).
  int narrow_words = 1;
};

class Pe {
public:
  // What one step did (flags; a step may close windows and then use its MAC slot or stall).
  enum Flags { kMac = 1, kWindow = 2, kSkipped = 4, kStallIfmap = 8, kStallPsum = 16, kWordEnds = 32, kBegun = 64 };

  // `queue`: the PE's psum queue, its sums pointing at its chain's first output sum.
  // `filter_spad`: p * q * S words, zero until the pass's weight fill writes them. Every PE of a
  // filter multicast group receives the same words, so the group's PEs share one copy.
  // `sums`: p zeroed entries of each of the window's sums (the array zeroes every PE's at once).
  void configure(const PeShared& g, int p, int q, bool row_is_padding, PsumQueue* queue, const int16_t* filter_spad,
                 const WindowSums& sums) {
    g_ = &g;
    p_ = p, q_ = q;
    S_ = g.S, U_ = g.U, F_ = g.F, nb_ = g.nb, win_stride_ = g.win_stride;
    cap_ = g.ifmap_cap, psum_cap_ = g.psum_cap;
    row_pad_ = row_is_padding;
    w_ = filter_spad;
    x_.resize(size_t(cap_));  // every entry is written (fill or padding) before it is read
    acc_ = sums.acc;
    wide_ = sums.wide;
    narrow_words_ = 0;
    nonzero_words_ = 0;
    // Usually a whole window fits 32 bits; then no word pays for the carry count.
    carries_ = int64_t(q) * g.S > g.narrow_words;
    done_macs_ = sums.done_macs;
    queue_ = queue;
    b_ = f_ = s_ = c_ = 0;
    j_ = n_ = 0;
    wp_ = nullptr;
    kp_ = nullptr;
    closing_ = false;
    base_ = 0;
    open_slots_ = 0;
    done_ = false;
    total_ = int64_t(nb_) * g.npos * q_;
    fill_idx_ = free_idx_ = 0;
    fill_slot_ = fill_pi_ = fill_c_ = fill_b_ = 0;
    macs_ = attempted_ = deliveries_ = psum_rf_ = 0;
    refill();
  }

  // After the fill, before the first MAC, with compressed weights: the weights to visit for each
  // (tap, channel), in filter order. They arrived as nonzero values only, so the bitmap is where
  // w_ is nonzero. A dense PE visits w_ as it is.
  void arm() {
    if (!g_->skip_zero_weights) return;
    start_.assign(size_t(q_) * S_ + 1, 0);
    ks_.clear();
    wv_.clear();
    stored_.assign(size_t(p_), 0);
    for (int word = 0; word < q_ * S_; ++word) {
      for (int k = 0; k < p_; ++k) {
        const int16_t v = w_[size_t(word) * p_ + k];
        if (v == 0) continue;
        ks_.push_back(k);
        wv_.push_back(v);
        ++stored_[size_t(k)];
      }
      start_[size_t(word) + 1] = int(ks_.size());
    }
  }

  // Ifmap spad. The next entry to fill is always a real word when there is room, because padding
  // entries are filled as soon as they are next.
  bool can_accept() const { return fill_idx_ < total_ && fill_idx_ - free_idx_ < cap_; }
  bool filled() const { return fill_idx_ == total_; }
  // Bus words the spad takes before it is full if no column is freed meanwhile (as configured, the
  // most it takes before the PE computes): the real entries among the next ones that fit.
  int words_before_full() const {
    if (row_pad_) return 0;
    int words = 0;
    for (int64_t e = fill_idx_; e < total_ && e - free_idx_ < cap_; ++e) words += g_->pos_col[(e / q_) % g_->npos] >= 0;
    return words;
  }
  void accept(const IfmapWord& w) {
    if (w.c_local != fill_c_ || w.col != g_->pos_col[fill_pi_] || w.b_local != fill_b_)
      panic("PE: ifmap word (channel {}, column {}, image {}) out of order, expected (channel {}, column {}, image {})",
            w.c_local, w.col, w.b_local, fill_c_, g_->pos_col[fill_pi_], fill_b_);
    x_[size_t(fill_slot_)] = w.value;
    advance_fill();
    ++deliveries_;
    refill();
  }

  bool done() const { return done_; }
  bool word_done() const { return j_ == n_; }


  int64_t dense_macs() const { return int64_t(nb_) * F_ * p_ * q_ * S_; }  // what a dense PE performs
  int64_t macs() const { return macs_; }            // performed (= spad weight reads)
  int64_t attempted() const { return attempted_; }  // visited taps (= spad ifmap reads)
  int64_t deliveries() const { return deliveries_; }  // ifmap words written, padding included
  int64_t psum_rf() const { return psum_rf_; }        // psum spad reads (= writes)

  // One cycle of the MAC datapath; returns Flags. Specialised per mode (the PE array picks it once
  // per cycle for all PEs) so that the dense datapath pays for none of the sparse bookkeeping.
  //
  // After this cycle's MAC, the MACs of the rest of the word whose psum entries fit now are done at
  // once and `ahead` says how many: they belong to the next `ahead` cycles, one per cycle, which
  // they would take anyway. Nothing outside the PE can stop them: the ifmap word is read at the
  // word's start, and psum entries only free up meanwhile (the chain pops them; the PE queues new
  // ones only when a word ends). With kWordEnds the word's last MAC is among them, and the array
  // calls finish_word() in that MAC's cycle, where step() would have ended the word.
  template <bool kSkip, bool kGate>
  int step(int& ahead) {
    ahead = 0;
    int flags = 0;
    while (j_ == n_) {  // begin the next (tap, channel) word, passing over those without weights
      const int word = s_ * q_ + c_;
      closing_ = s_ == S_ - 1 && c_ == q_ - 1;
      int n = p_;
      if (kSkip) {
        const int j0 = start_[size_t(word)];
        n = start_[size_t(word) + 1] - j0;
        if (n == 0) {
          if (closing_ && open_slots_ < p_ && !claim(p_)) return flags | kStallPsum;
          flags |= kSkipped;
          if (next_word<kSkip, kGate>()) {
            flags |= kWindow;
            if (done_) return flags;
          }
          continue;
        }
      }
      const int64_t e = base_ + int64_t(f_ * win_stride_ + s_) * q_ + c_;
      if (e >= fill_idx_) return flags | kStallIfmap;
      x_cur_ = x_[size_t(slot_of(e))];
      if (!kSkip && kGate) nonzero_words_ += x_cur_ != 0;
      if (kSkip) {
        const int j0 = start_[size_t(word)];
        wp_ = wv_.data() + j0;
        kp_ = ks_.data() + j0;
      } else {
        wp_ = w_ + size_t(word) * p_;
      }
      j_ = 0;
      n_ = n;
    }
    const int last = macs_that_fit<kSkip>();
    if (last == j_) return flags | kStallPsum;
    ahead = last - j_ - 1;
    macs<kSkip, kGate>(last);
    if (j_ < n_) return flags | kMac;
    if (!kSkip) ahead += more_words<kGate>();
    if (ahead > 0) return flags | kMac | kWordEnds;
    if (next_word<kSkip, kGate>()) flags |= kWindow;
    return flags | kMac;
  }
  // Dense, after a step's MAC: the word's next MAC needs a psum entry that only a psum leaving the
  // spad can free (every entry is claimed or queued).
  bool waits_for_entry() const { return j_ < n_ && open_slots_ == j_ && queue_->size + open_slots_ >= psum_cap_; }
  // Dense: a PE that stalled in the middle of a word for a psum entry (every entry is claimed or
  // queued) takes the entry a psum leaving its spad frees with the word's next MAC, in the cycle
  // the psum leaves, as step() would; each leaving psum frees one entry, so one MAC. True when
  // that MAC is the word's last (the array then calls finish_word() in this cycle).
  bool mac_on_freed_entry() {
    const int k = j_;
    ++open_slots_;
    acc_[size_t(k)] += int32_t(wp_[k]) * int32_t(x_cur_);
    return ++j_ == n_;
  }
  // The end of a word whose last MAC step() did ahead, in that MAC's cycle; kWindow or 0.
  template <bool kSkip, bool kGate>
  int finish_word() {
    return next_word<kSkip, kGate>() ? kWindow : 0;
  }
  // Dense: finish_word(), then, when the next word's ifmap word is already in the spad, begins that
  // word now for the next cycle, where step() would: nothing can change what that step does but
  // more psum entries freed, which the word's later MACs take as step() would. Its MACs that fit
  // now are done at once, `ahead` of them (0: the first waits for an entry), in the cycles from the
  // next one. Flags: kWindow, and kBegun when the word was begun.
  template <bool kGate>
  int finish_word_and_begin(int& ahead) {
    ahead = 0;
    int flags = next_word<false, kGate>() ? kWindow : 0;
    if (done_) return flags;
    const int64_t e = base_ + int64_t(f_ * win_stride_ + s_) * q_ + c_;
    if (e >= fill_idx_) return flags;
    closing_ = s_ == S_ - 1 && c_ == q_ - 1;
    x_cur_ = x_[size_t(slot_of(e))];
    if (kGate) nonzero_words_ += x_cur_ != 0;
    wp_ = w_ + size_t(s_ * q_ + c_) * p_;
    j_ = 0;
    n_ = p_;
    const int last = macs_that_fit<false>();
    ahead = last;
    macs<false, kGate>(last);
    if (j_ == n_) ahead += more_words<kGate>();
    return flags | kBegun;
  }

private:
  // Dense, after the MACs of a whole word: the window's next words are done at once too, up to
  // the first whose end frees ifmap columns or closes the window, while their ifmap words are in
  // the spad already. Nothing outside the PE can stop them (every psum entry is claimed; an ifmap
  // word in the spad stays until this PE frees its column), and no other module sees a change at
  // their ends (no column is freed, no window closes), so their MACs take the cycles after the
  // word's, one each, as step() would. Returns how many (the PE stands at the last one's end).
  template <bool kGate>
  int more_words() {
    if (carries_ || open_slots_ < p_) return 0;
    // Words count w = tap * q + channel through the window; the window's entry for word w is e0 + w.
    const int word = s_ * q_ + c_;
    const int last = tap_frees_column() ? word - c_ + q_ - 1 : S_ * q_ - 1;
    const int64_t e0 = base_ + int64_t(f_) * win_stride_ * q_;
    int w = word;
    while (w < last && e0 + w + 1 < fill_idx_) {
      ++w;
      x_cur_ = x_[size_t(slot_of(e0 + w))];
      if (kGate) nonzero_words_ += x_cur_ != 0;
      wp_ = w_ + size_t(w) * p_;
      j_ = 0;
      macs<false, kGate>(n_);
    }
    if (w == word) return 0;
    s_ = w / q_, c_ = w % q_;  // next_word() at each end crossed: no carry, no free, no close
    closing_ = w == S_ * q_ - 1;
    return (w - word) * n_;
  }
  // The end of tap s_ frees the window's oldest column, which the next window does not read: every
  // tap below the stride U_ and, in the row's last window, every tap.
  bool tap_frees_column() const { return s_ < U_ || f_ == F_ - 1; }
  bool claim(int need) {
    if (queue_->size + need > psum_cap_) return false;
    open_slots_ = need;
    return true;
  }
  // Performs the word's MACs [j_, last) (their entries claimed).
  template <bool kSkip, bool kGate>
  void macs(int last) {
    // A gated MAC adds nothing (its ifmap is zero), so the product is added either way.
    const int16_t x = x_cur_;
    if (kSkip) {
      for (int j = j_; j < last; ++j) acc_[size_t(kp_[j])] += int32_t(wp_[j]) * int32_t(x);
      if (kGate && x != 0)
        for (int j = j_; j < last; ++j) ++done_macs_[size_t(kp_[j])];
    } else {  // dense: a gated word is counted once, when it begins (nonzero_words_)
      int32_t* acc = acc_;
      for (int k = j_; k < last; ++k) acc[k] += int32_t(wp_[k]) * int32_t(x);
    }
    j_ = last;
  }
  // The MACs of the word from j_ whose psum entries can be claimed now: [j_, returned), claimed.
  template <bool kSkip>
  int macs_that_fit() {
    if (!kSkip) {
      // Filters in order, entry k claimed by the MAC for k: entries up to psum_cap_ - q_size_ fit.
      if (open_slots_ >= n_) return n_;
      const int last = std::min(n_, std::max(open_slots_, psum_cap_ - queue_->size));
      if (last > open_slots_) open_slots_ = last;
      return last;
    }
    // The MAC for filter k needs psum entry k; the window's last MAC needs all p to close.
    int j = j_;
    for (; j < n_; ++j) {
      const int need = closing_ && j + 1 == n_ ? p_ : kp_[j] + 1;
      if (open_slots_ < need && !claim(need)) break;
    }
    return j;
  }
  // The ring slot of entry e, which the spad holds (fill_idx_ - cap_ <= e < fill_idx_).
  int slot_of(int64_t e) const {
    const int slot = fill_slot_ - int(fill_idx_ - e);
    return slot < 0 ? slot + cap_ : slot;
  }
  void advance_fill() {
    ++fill_idx_;
    fill_slot_ = fill_slot_ + 1 == cap_ ? 0 : fill_slot_ + 1;
    if (++fill_c_ == q_) {
      fill_c_ = 0;
      if (++fill_pi_ == g_->npos) {
        fill_pi_ = 0;
        ++fill_b_;
      }
    }
  }
  // Padding zeros inserted at the PE's NoC port while they are next and there is room.
  void refill() {
    while (fill_idx_ < total_ && fill_idx_ - free_idx_ < cap_ && (row_pad_ || g_->pos_col[fill_pi_] < 0)) {
      x_[size_t(fill_slot_)] = 0;
      advance_fill();
      ++deliveries_;
    }
  }
  // Advances past a finished (or skipped) word; true when that closed a window.
  template <bool kSkip, bool kGate>
  bool next_word() {
    if (carries_ && ++narrow_words_ == g_->narrow_words) {
      for (int k = 0; k < p_; ++k) {
        wide_[size_t(k)] += acc_[size_t(k)];
        acc_[size_t(k)] = 0;
      }
      narrow_words_ = 0;
    }
    if (++c_ < q_) return false;
    c_ = 0;
    if (tap_frees_column()) {
      free_idx_ += q_;
      refill();
    }
    if (++s_ < S_) return false;
    s_ = 0;
    // Window done: its p psums wait in the psum spad for the chain. A psum accumulated over d MACs
    // cost d-1 spad reads and d-1 writes.
    // The accumulators are cleared as they are read, for the next window (a separate clearing loop
    // became a call to memset per window).
    // p in a local: an int32 store to acc could alias the member p_, which would keep the loops from
    // vectorising.
    int64_t* sums = queue_->sums;
    int32_t* acc = acc_;
    const int p = p_;
    if (carries_) {
      int64_t* wide = wide_;
      for (int k = 0; k < p; ++k) {
        sums[k] += wide[k] + acc[k];
        acc[k] = 0;
        wide[k] = 0;
      }
    } else {
      for (int k = 0; k < p; ++k) {
        sums[k] += acc[k];
        acc[k] = 0;
      }
    }
    queue_->push_window(p_);
    narrow_words_ = 0;
    if (!kGate && !kSkip) {
      macs_ += int64_t(p_) * q_ * S_;
      psum_rf_ += int64_t(p_) * (q_ * S_ - 1);
    } else if (!kSkip) {
      // Dense, gated: every filter performed one MAC per word of nonzero ifmap.
      const int64_t d = nonzero_words_;
      macs_ += int64_t(p_) * d;
      psum_rf_ += int64_t(p_) * (d > 0 ? d - 1 : 0);
      nonzero_words_ = 0;
    } else {
      for (int k = 0; k < p_; ++k) {
        // Filter k's MACs in this window: its stored weights, less those gated.
        const int64_t d = kGate ? done_macs_[size_t(k)] : stored_[size_t(k)];
        if (kGate) done_macs_[size_t(k)] = 0;
        macs_ += d;
        psum_rf_ += d > 0 ? d - 1 : 0;
      }
    }
    attempted_ += kSkip ? int64_t(ks_.size()) : int64_t(p_) * q_ * S_;
    open_slots_ = 0;
    if (++f_ < F_) return true;
    f_ = 0;
    base_ += int64_t(g_->npos) * q_;
    if (++b_ == nb_) done_ = true;
    return true;
  }

  const PeShared* g_ = nullptr;
  int p_ = 1, q_ = 1, S_ = 1, U_ = 1, F_ = 1, nb_ = 1, win_stride_ = 1, cap_ = 1, psum_cap_ = 1;
  bool row_pad_ = false;
  const int16_t* w_ = nullptr;  // filter spad (the group's copy)
  std::vector<int16_t> x_;
  // Compressed: weights to visit, for word (tap x, channel c) = x * q + c entries
  // [start_[w], start_[w+1]) of ks_ (filter) and wv_ (value); stored_: per filter, how many.
  std::vector<int> start_, ks_, stored_;
  std::vector<int16_t> wv_;
  // The open window's sums per filter: the words since the last carry in 32 bits (the MAC loop then
  // vectorises 4 lanes wide), carried into 64 bits every narrow_words words and at the window's end.
  int32_t* acc_ = nullptr;
  int64_t* wide_ = nullptr;
  int narrow_words_ = 0;  // words accumulated in acc_ since the last carry
  bool carries_ = false;  // a window may need more than 32 bits (else wide_ stays zero)
  PsumQueue* queue_ = nullptr;
  int32_t* done_macs_ = nullptr;  // compressed, gated: per filter, MACs performed in the open window
  // Dense, gated: the open window's words whose ifmap word is nonzero (each performs all p MACs).
  int nonzero_words_ = 0;
  // MAC loop position: image, ofmap column, tap, channel; j_ walks the n_ weights of the word
  // (values wp_, filters kp_; j_ == n_: between words); base_ = first entry of image b_.
  int b_ = 0, f_ = 0, s_ = 0, c_ = 0, j_ = 0, n_ = 0;
  const int16_t* wp_ = nullptr;
  const int* kp_ = nullptr;
  bool closing_ = false;  // the word closes the window
  int64_t base_ = 0;
  bool done_ = false;
  int open_slots_ = 0;  // psum spad entries the open window holds
  int16_t x_cur_ = 0;  // int16, so that GCC vectorises the MAC loop as a 16-bit multiply (pmullw/pmulhw)
  // Ifmap ring: entries [free_idx_, fill_idx_) are held (none while a skip has freed ahead of it).
  int64_t total_ = 0, fill_idx_ = 0, free_idx_ = 0;
  int fill_slot_ = 0, fill_pi_ = 0, fill_c_ = 0, fill_b_ = 0;
  int64_t macs_ = 0, attempted_ = 0, deliveries_ = 0, psum_rf_ = 0;
};

}  // namespace rowsim::hw
