// Off-chip DRAM and its link, with the two DMA engines that use it:
//   read engines  walk the layer's DMA jobs in program order: claim GLB space for a block
//                 (waiting while it does not fit, which is what bounds prefetching), then move
//                 the block in bursts; a burst's words arrive `latency` cycles after it leaves
//                 the link. With a filter partition, weights have their own engine (they never
//                 wait for ifmap/psum space); a shared GLB keeps one queue, so that space is
//                 always claimed in program order;
//   write engine  stores finished psum tiles: reads each psum from the GLB, rounds and saturates
//                 it to the ofmap format (bias added, ReLU fused), and writes it to DRAM.
// Compressed weights cross the link as a bitmap then the nonzero values; with RLC, ifmap fills and
// ofmap write-backs cross it coded (models/hw/rlc.hpp), so their bursts take fewer link cycles.
// Both share one link of `bandwidth` words per cycle (fractional rates accumulate exactly), first
// come first served per burst. In random-stall mode each link cycle may stall instead (seeded).
#pragma once
#include <cstdint>
#include <deque>
#include <vector>

#include <systemc>

#include "models/hw/context.hpp"
#include "models/hw/global_buffer.hpp"
#include "workloads/util/rng.hpp"

namespace rowsim::hw {

class Dram : public sc_core::sc_module {
public:
  SC_HAS_PROCESS(Dram);
  Dram(sc_core::sc_module_name name, GlobalBuffer& glb, const sc_core::sc_time& period);

  void begin_layer(LayerContext* ctx);  // starts the read engine on the layer's DMA jobs
  void store(int tile);                 // queues a finished psum tile for write-out
  bool stores_done() const { return stores_.empty() && !writing_; }
  const sc_core::sc_event& store_done() const { return store_done_; }
  // The read engine waits for GLB space (rather than for the link).
  bool waiting_for_space() const { return waiting_for_space_; }

  // An engine holds the link (one signal per engine: a signal has one writer).
  sc_core::sc_signal<bool> reading, reading_weights, writing;
  sc_core::sc_signal<int> read_job;
  void enable_trace_signals() { trace_ = true; }

  static constexpr int64_t kBurstWords = GlobalBuffer::kWeightBurst;

private:
  void read_engine();          // SC_THREAD: ifmaps and psum tiles (and weights on a shared GLB)
  void weight_read_engine();   // SC_THREAD: weights into a filter partition
  void run_reads(const std::vector<DmaJob>& jobs, bool& waiting, sc_core::sc_signal<bool>& busy);
  void write_engine();  // SC_THREAD
  // Reserves the link for `words` from now; returns the cycle the last word leaves the link.
  int64_t reserve(int64_t words, sc_core::sc_signal<bool>& engine);
  void wait_until(int64_t cycle);
  int64_t now() const;
  void load_ifmaps(int block, sc_core::sc_signal<bool>& busy);
  void load_weights(int block, sc_core::sc_signal<bool>& busy);
  void store_tile(int tile);

  GlobalBuffer& glb_;
  const sc_core::sc_time period_;
  LayerContext* ctx_ = nullptr;
  double link_free_ = 0;  // cycle (fractional, from the layer's start) at which the link is next free
  Rng rng_{0};
  std::deque<int> stores_;
  std::vector<DmaJob> fmap_jobs_, weight_jobs_;
  bool writing_ = false, reads_done_ = true, waiting_for_space_ = false, weights_waiting_ = false, trace_ = false;
  std::vector<int16_t> burst_;  // the ifmap engine's
  std::vector<int16_t> weights_, values_;  // the weight engine's: a block, its nonzero values
  std::vector<char> present_;              // and its bitmap
  sc_core::sc_event start_reads_, start_weight_reads_, store_queued_, store_done_;
};

}  // namespace rowsim::hw
