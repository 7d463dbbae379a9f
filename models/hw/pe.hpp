// One processing element in plain C++ (no SystemC): a filter spad, an ifmap spad used as a sliding
// window, a psum spad and a MAC. The PE array steps every PE once per cycle.
//
// A PE runs the 1-D convolution primitive of row-stationary: one ifmap row against p filter rows
// for its q channels. For each image and ofmap column f it accumulates p psums over the window's
// S taps and q channels, in the order tap x, channel c, filter k, so that an ifmap word is reused
// for p consecutive MACs and the oldest window column is freed as soon as its last MAC is done.
// One MAC per cycle.
//
// Ifmap spad: a ring of `ifmap_cap` words filled in (image, position, channel) order. Padding
// positions are written as zeros by the NoC port (no bus cycle); real words arrive from the GIN.
// Psum spad: p words accumulate the open window; finished windows wait there until their psums
// climb the chain. The next window takes entry k for filter k when its first MAC for k needs it,
// so a window can start while the previous one's last psums are still leaving.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "models/hw/context.hpp"

namespace rowsim::hw {

// What all PEs of a pass share.
struct PeShared {
  int S = 1, U = 1, F = 1, nb = 1;
  int npos = 1;        // padded positions per row
  int win_stride = 1;  // position of window f, tap x = f * win_stride + x
  int ifmap_cap = 1, psum_cap = 1;
  const int* pos_col = nullptr;  // per position: real column index, -1 for padding
};

class Pe {
public:
  void configure(const PeShared& g, int p, int q, bool row_is_padding) {
    g_ = &g;
    p_ = p, q_ = q;
    S_ = g.S, U_ = g.U, F_ = g.F, nb_ = g.nb, win_stride_ = g.win_stride;
    cap_ = g.ifmap_cap, psum_cap_ = g.psum_cap;
    row_pad_ = row_is_padding;
    w_.assign(size_t(p) * q * S_, 0);
    x_.assign(size_t(cap_), 0);
    acc_.assign(size_t(p), 0);
    queue_.assign(size_t(psum_cap_), 0);
    q_head_ = q_size_ = 0;
    b_ = f_ = s_ = c_ = k_ = 0;
    base_ = 0;
    open_ = false;
    open_slots_ = 0;
    done_ = false;
    total_ = int64_t(nb_) * g.npos * q_;
    fill_idx_ = free_idx_ = 0;
    fill_slot_ = fill_pi_ = fill_c_ = fill_b_ = 0;
    macs_ = deliveries_ = psum_rf_ = 0;
    refill();
  }

  // Filter spad, written by the NoC during the pass's weight fill.
  void write_weight(int index, int16_t v) { w_[size_t(index)] = v; }

  // Ifmap spad. The next entry to fill is always a real word when there is room, because padding
  // entries are filled as soon as they are next.
  bool can_accept() const { return fill_idx_ < total_ && fill_idx_ - free_idx_ < cap_; }
  void accept(const IfmapWord& w) {
    if (w.c_local != fill_c_ || w.col != g_->pos_col[fill_pi_] || w.b_local != fill_b_)
      throw std::logic_error("PE received an ifmap word out of order");
    x_[size_t(fill_slot_)] = w.value;
    advance_fill();
    ++deliveries_;
    refill();
  }

  // One cycle of the MAC datapath: a MAC (Mac, or WindowDone when it finished a window, whose
  // psums now wait in the psum spad), or a stall on the ifmap spad or the psum spad.
  enum Result { StallIfmap, StallPsum, Mac, WindowDone };
  Result step() {
    if (k_ == 0) {
      if (!open_) {
        open_ = true;
        for (int k = 0; k < p_; ++k) acc_[size_t(k)] = 0;
      }
      const int64_t e = base_ + int64_t(f_ * win_stride_ + s_) * q_ + c_;
      if (e >= fill_idx_) return StallIfmap;
      x_cur_ = x_[size_t(e % cap_)];
      wp_ = &w_[(size_t(s_) * q_ + c_) * p_];
    }
    // The window's first word claims psum spad entry k for filter k: it is free once the psum that
    // held it before has left up the chain.
    if (open_slots_ <= k_) {
      if (q_size_ + open_slots_ >= psum_cap_) return StallPsum;
      ++open_slots_;
    }
    acc_[size_t(k_)] += int32_t(wp_[k_]) * int32_t(x_cur_);
    if (++k_ == p_) return next_word() ? WindowDone : Mac;
    return Mac;
  }
  bool done() const { return done_; }

  // Finished psums waiting to climb the chain, oldest first.
  bool has_psum() const { return q_size_ > 0; }
  int64_t front_psum() const { return queue_[size_t(q_head_)]; }
  void pop_psum() {
    q_head_ = q_head_ + 1 == psum_cap_ ? 0 : q_head_ + 1;
    --q_size_;
  }

  int p() const { return p_; }
  int64_t macs() const { return macs_; }
  int64_t deliveries() const { return deliveries_; }  // ifmap words written, padding included
  int64_t psum_rf() const { return psum_rf_; }        // psum spad reads (= writes)

private:
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
  // Advances past a finished ifmap word; true when that closed a window.
  bool next_word() {
    k_ = 0;
    if (++c_ < q_) return false;
    c_ = 0;
    // The window's oldest columns are not read by the next window: free them.
    if (s_ < U_ || f_ == F_ - 1) {
      free_idx_ += q_;
      refill();
    }
    if (++s_ < S_) return false;
    s_ = 0;
    // Window done: its p psums wait in the psum spad for the chain. A psum accumulated over d MACs
    // cost d-1 spad reads and d-1 writes.
    for (int k = 0; k < p_; ++k) {
      int slot = q_head_ + q_size_;
      if (slot >= psum_cap_) slot -= psum_cap_;
      queue_[size_t(slot)] = acc_[size_t(k)];
      ++q_size_;
    }
    const int64_t d = int64_t(q_) * S_;
    macs_ += p_ * d;
    psum_rf_ += p_ * (d - 1);
    open_ = false;
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
  std::vector<int16_t> w_, x_;
  std::vector<int64_t> acc_, queue_;
  int q_head_ = 0, q_size_ = 0;
  // MAC loop position: image, ofmap column, tap, channel, filter; base_ = first entry of image b_.
  int b_ = 0, f_ = 0, s_ = 0, c_ = 0, k_ = 0;
  int64_t base_ = 0;
  bool open_ = false, done_ = false;
  int open_slots_ = 0;  // psum spad entries the open window holds
  int32_t x_cur_ = 0;
  const int16_t* wp_ = nullptr;
  // Ifmap ring: entries [free_idx_, fill_idx_) are held.
  int64_t total_ = 0, fill_idx_ = 0, free_idx_ = 0;
  int fill_slot_ = 0, fill_pi_ = 0, fill_c_ = 0, fill_b_ = 0;
  int64_t macs_ = 0, deliveries_ = 0, psum_rf_ = 0;
};

}  // namespace rowsim::hw
