// Off-chip DRAM and the three DMA engines that use its link (models/hw/dram_link.hpp):
//   ifmap engine    walks the layer's DMA jobs in program order: claims GLB space for a block
//                   (waiting while it does not fit, which is what bounds prefetching), then moves
//                   the block in bursts; a burst's words arrive `latency` cycles after it leaves
//                   the link. On a shared GLB it moves the weights too, so that space is always
//                   claimed in program order;
//   weight engine   with a filter partition, the weights, from their own queue (they never wait
//                   for ifmap/psum space);
//   write engine    stores finished psum tiles: reads each psum from the GLB, has the
//                   post-processing unit turn it into an ofmap value (models/hw/post_process.hpp),
//                   and writes it to DRAM.
// Compressed weights cross the link as a bitmap then the nonzero values; with RLC, ifmap fills and
// ofmap write-backs cross it coded (models/hw/rlc.hpp), so their bursts take fewer link cycles.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include <systemc>

#include "models/hw/clocked.hpp"
#include "models/hw/interfaces.hpp"

namespace rowsim::hw {

class Dram : public Clocked, public DramStoreIf {
public:
  SC_HAS_PROCESS(Dram);
  Dram(sc_core::sc_module_name name, ClockDomain& clock);

  sc_core::sc_export<DramStoreIf> control_side;
  sc_core::sc_port<GlbDmaIf> glb;
  sc_core::sc_port<PostProcessIf> post;
  // Bound to every link model; the layer's arch spec picks one (dram.model).
  sc_core::sc_port<DramLinkIf, 0> link;

  void begin_layer(const LayerSetup* setup);  // starts the read engines on the layer's DMA jobs
  const AccessCounts& counts() const { return count_.counts; }
  std::vector<int16_t> take_ofmap() { return std::move(ofmap_); }

  // DramStoreIf
  void store(int tile) override;
  int stores_done() const override { return stores_done_.read(); }
  const sc_core::sc_event& store_done() const override { return stores_done_.value_changed_event(); }
  bool waiting_for_space() const override { return waiting_for_space_.read(); }

  // An engine holds the link (one signal per engine: a signal has one writer).
  sc_core::sc_signal<bool> reading, reading_weights, writing;
  sc_core::sc_signal<int> read_job;
  // Records these signals in `file` (the VCD names docs/simulator.md lists) and writes them from now on.
  void trace_signals(sc_core::sc_trace_file* file);

private:
  void end_of_elaboration() override;
  void fmap_read_engine();    // SC_THREAD: ifmaps and psum tiles (and weights on a shared GLB)
  void weight_read_engine();  // SC_THREAD: weights into a filter partition
  void write_engine();        // SC_THREAD
  void run_reads(Engine engine, const std::vector<DmaJob>& jobs, sc_core::sc_signal<bool>& busy);
  // Asks the link for time for the engine's burst of `words` at runs_[engine]; returns the cycle
  // its last word leaves the link.
  int64_t link_time(Engine engine, int64_t words, sc_core::sc_signal<bool>& busy);
  void load_ifmaps(int block, sc_core::sc_signal<bool>& busy);
  void load_weights(Engine engine, int block, sc_core::sc_signal<bool>& busy);
  void store_tile(int tile);
  // DRAM addresses of a burst, for a link model that needs them (DramRun's layout).
  void add_address(Engine engine, int64_t address, int64_t length = 1);

  const LayerSetup* ctx_ = nullptr;
  DramLinkIf* link_ = nullptr;  // the layer's link model
  Counter count_;
  std::vector<int16_t> ofmap_;
  BoundedChannel<int> store_queue_;        // tiles the controller handed over
  sc_core::sc_signal<int> stores_done_;    // written by the write engine only
  sc_core::sc_signal<bool> waiting_for_space_;  // written by the ifmap engine only
  std::vector<DmaJob> fmap_jobs_, weight_jobs_;
  int64_t weights_base_ = 0, ofmaps_base_ = 0;  // DRAM addresses
  bool addresses_ = false, trace_ = false;
  std::array<std::vector<DramRun>, kEngines> runs_;
  std::vector<int16_t> burst_;             // the ifmap engine's
  std::vector<int16_t> weights_, values_;  // a weight engine's: a block, its nonzero values
  std::vector<char> present_;              // and its bitmap
  std::vector<int64_t> weight_addresses_;  // and the DRAM address of each weight
  sc_core::sc_event start_reads_, start_weight_reads_;
};

}  // namespace rowsim::hw
