// The PE array: ONE sc_module whose single SC_METHOD steps plain-C++ PEs once per cycle, sized per
// pass from the mapping and the ArchSpec (no compile-time sizes, no per-PE modules or signals).
//
// A cycle runs in two phases. First the words that arrived on the GIN last cycle are delivered
// (filter words into filter spads, ifmap words into ifmap spads when every destination PE has
// room, psums into the chain heads' input buffers). Then the PEs act on the state as it stood:
// psums move one hop up each chain (evaluated top-down so a register freed this cycle is refilled
// this cycle, as with ready/valid handshakes) and leave the chain tops on the GON, and every PE
// performs at most one MAC. When a cycle changes nothing the method sleeps until a bus wakes it.
//
// The cycle-by-cycle behaviour is that, but a cycle visits only the PEs whose step can differ from
// "one more MAC of the same word" (docs/simulator.md, "How the array saves work"): a PE does the
// rest of a word's MACs whose psum entries fit when the word begins (and, dense, the window's next
// words up to one whose end another module sees) and is visited again when the last of them ends
// (a ring counts the PEs busy meanwhile); a dense PE waiting for a psum entry takes it
// when a psum leaves its spad; the psum walk finds a chain's moving PEs with bit arithmetic.
#pragma once
#include <cstdint>
#include <vector>

#include <systemc>

#include "models/hw/clocked.hpp"
#include "models/hw/interfaces.hpp"
#include "models/hw/pe.hpp"

namespace rowsim::hw {

class PeArray : public Clocked, public ArrayControlIf {
public:
  SC_HAS_PROCESS(PeArray);
  PeArray(sc_core::sc_module_name name, ClockDomain& clock);

  sc_core::sc_export<ArrayControlIf> control_side;
  sc_core::sc_port<NocArrayIf> noc;
  sc_core::sc_port<LedgerIf> ledger;
  // The GLB's weight or ifmap stream waits for DRAM (as of the GLB's last cycle): whether a cycle
  // without MACs is a DRAM stall or an on-chip one.
  sc_core::sc_in<bool> weights_wait_dram, ifmap_wait_dram;

  void begin_layer(const LayerSetup* setup);
  const AccessCounts& counts() const { return count_.counts; }

  // ArrayControlIf
  void begin_pass(const PassGeometry& geometry) override;
  int passes_done() const override { return passes_done_.read(); }
  const sc_core::sc_event& pass_done() const override { return passes_done_.value_changed_event(); }

  // Signals for the VCD trace (written only when tracing).
  sc_core::sc_signal<int> macs_per_cycle, busy_pes, stall_cause, chain_psums;
  // Records these signals in `file` (the VCD names docs/simulator.md lists) and writes them from now on.
  void trace_signals(sc_core::sc_trace_file* file);

private:
  void end_of_elaboration() override;
  void tick();
  void deliver(bool& progress);
  // kOneWord: every chain's bits fit one word (chains of at most 64 PEs, the usual case).
  template <bool kOneWord>
  void move_psums(bool& progress);
  // Steps every running PE once; returns how many used their MAC slot.
  template <bool kSkip, bool kGate>
  int step_pes(bool& progress);
  void trace(int macs, int busy, Stall cause);

  struct Chain {
    int ft = 0, j = 0, length = 0, p = 1;
    int64_t outputs = 0, sent = 0;  // psums this chain delivers to the GLB this pass, and so far
    int64_t* sums = nullptr;        // per output: its sum so far (PsumQueue)
    int64_t entered = 0;            // psums from the GLB the chain's bottom PE has added
    int k = 0, f = 0, b = 0;        // the next one's filter, ofmap column and image
    // Psums from the GLB waiting at the chain head (a small NoC buffer).
    std::vector<int64_t> head;
    int head_first = 0, head_size = 0;
  };
  // Per-chain bit sets for the psum walk, in chain order from the top: bit b of a chain's words is
  // its position L - 1 - b, so that "PE moves because the PE above moved" runs from low to high
  // bits like a carry (move_psums). Chains start on a word boundary.
  struct ChainBits {
    std::vector<uint64_t> words;
    int per_chain = 1, length = 1;
    void reset(int chains, int chain_length) {
      length = chain_length;
      per_chain = (chain_length + 63) / 64;
      words.assign(size_t(chains) * size_t(per_chain), 0);
    }
    uint64_t* chain(int c) { return words.data() + size_t(c) * size_t(per_chain); }
    // PE pe = chain * length + position.
    void set(int pe) {
      const int b = length - 1 - pe % length;
      chain(pe / length)[b >> 6] |= uint64_t(1) << (b & 63);
    }
  };
  std::vector<uint64_t> moved_;  // move_psums' scratch: one chain's moving PEs

  const LayerSetup* ctx_ = nullptr;
  PassGeometry geo_;  // the pass running now
  Counter count_;
  sc_core::sc_signal<int> passes_done_;
  PeShared shared_;
  std::vector<Pe> pes_;          // chain-major: pe = chain * chain_length + position
  // The filter spads, one copy per filter multicast group (its PEs receive the same words), and
  // where each group's copy starts.
  std::vector<int16_t> filter_spads_;
  std::vector<int64_t> spad_of_tag_;
  std::vector<int> reach_of_tag_;  // per filter tag: the PEs its multicast reaches
  std::vector<int> ifmap_grants_;  // per ifmap tag: the pass's words granted on the bus (GrantedBus)
  // Per PE: runs, performs MACs its last step did ahead (then ends its word in the last one's
  // cycle), waits for an ifmap word, waits for psum spad room, or is done. A waiting PE is not
  // stepped until a delivery or a psum leaving its spad may have unblocked it.
  enum State : char { Run, Ahead, WaitIfmap, WaitPsum, Done };
  std::vector<State> state_;
  int waiting_ifmap_ = 0, waiting_psum_ = 0;  // PEs in WaitIfmap, in WaitPsum (a MAC-less cycle's cause)
  // The PEs to step in each cycle (a ring longer than any window), so that a cycle visits only them:
  // a Run PE is due in the cycle it steps next, an Ahead PE in the cycle its word ends, a waiting
  // or done PE in none.
  std::vector<std::vector<int>> due_;
  void wake(int pe, int64_t at) { due_[size_t(at & ring_mask_)].push_back(pe); }
  // MACs done ahead, one per cycle: how many PEs perform one this cycle, and per cycle (the same
  // ring) how that number changes.
  int ahead_busy_ = 0;
  std::vector<int> ahead_change_;
  int64_t ring_mask_ = 0;
  void start_ahead(int64_t now, int ahead) {
    ++ahead_change_[size_t((now + 1) & ring_mask_)];
    --ahead_change_[size_t((now + ahead + 1) & ring_mask_)];
  }
  int64_t now_ = 0;  // the cycle being stepped
  int freed_entry_macs_ = 0;  // MACs this cycle of dense PEs that waited for a psum entry
  std::vector<PsumQueue> queues_;  // per PE: finished psums in its psum spad
  // Per PE, p entries each: its open window's sums (Pe::configure), zeroed for all PEs at once.
  std::vector<int32_t> window_acc_, window_done_;
  std::vector<int64_t> window_wide_;
  std::vector<int64_t> sums_;      // every chain's output sums, chain after chain
  ChainBits has_psums_;            // the PE's queue is not empty
  ChainBits waits_psum_;           // the PE is in WaitPsum
  // Per chain: its last walk moved nothing and no psum has come since (from a PE's window or into
  // its head), so nothing in it can move (move_psums skips it), or nothing while the GON takes no
  // word, if that walk found the GON full.
  enum Quiet : char { kMayMove, kQuiet, kQuietWhileGonFull };
  std::vector<Quiet> quiet_;
  void psums_queued(int pe) {
    has_psums_.set(pe);
    quiet_[size_t(pe / geo_.chain_length)] = kMayMove;
  }
  void wait_psum(int pe) {
    state_[size_t(pe)] = WaitPsum, ++waiting_psum_;
    waits_psum_.set(pe);
  }
  // The register from PE pe - 1 to PE pe up a chain is full (never at a chain's bottom); the value
  // it holds is in the chain's sums.
  ChainBits link_full_;
  std::vector<Chain> chains_;
  int64_t bitmap_received_ = 0;
  bool armed_ = false;           // the PEs have expanded their weights after the fill
  int active_ = 0;               // PEs with MACs left
  int chains_done_ = 0;          // chains that delivered all their psums
  bool first_accumulation_ = false;
  bool running_ = false, trace_ = false;
  Stall sleep_cause_ = Stall::Pipeline;
  int64_t first_cycle_ = 0;  // the pass's first cycle (GON arbitration serves chain 0 first in it)
  sc_core::sc_event start_;
  WakeList wake_;
};

}  // namespace rowsim::hw
