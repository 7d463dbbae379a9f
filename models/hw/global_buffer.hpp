// The global buffer: space per data type (one shared pool, or a filter partition plus an
// ifmap/psum partition, as the ArchSpec says), the blocks the DMA fills, and the read/write ports
// towards the array, one SC_METHOD serving them once per cycle during a pass:
//   filter port  GLB -> GIN filter bus, up to filter_bus words per cycle (the pass's weights);
//   ifmap port   GLB -> GIN ifmap bus, up to ifmap_bus words per cycle, in the order the PEs
//                consume them (image, column, channel, row); only rows that have arrived;
//   psum ports   GLB -> chain heads (every accumulation round after the first) and GON -> GLB,
//                up to psum_bus words per cycle each way.
// Psums are stored at full precision; they become ofmaps only at write-out (the DRAM module's
// write path reads them back through the post-processing unit).
//
// Banks set the energy and area of an access (models/arch/tech_energy.hpp) and the granularity of
// the filter partition, not timing: a port never conflicts with another port or with the DMA
// (docs/simulator.md says why).
//
// Space and tile liveness change with update semantics (GlbSpace below); the flags saying that a
// port waits for DRAM are signals, read by the PE array for stall attribution.
#pragma once
#include <array>
#include <utility>
#include <limits>
#include <vector>

#include <systemc>

#include "models/hw/clocked.hpp"
#include "models/hw/interfaces.hpp"

namespace rowsim::hw {

// Words of GLB space per pool and which psum tiles are live. A pool has one claimant (the DMA
// engine that fills it), so claims take effect at once; releases (by the controller, the filter
// port and the write engine) and newly live tiles take effect in the update phase.
class GlbSpace : public sc_core::sc_prim_channel {
public:
  explicit GlbSpace(const char* name) : sc_core::sc_prim_channel(name) {}
  void reset(int64_t pool0, int64_t pool1, size_t tiles);
  // False when the words do not fit yet (an empty pool takes any block: the mapping fits the GLB).
  bool claim(int pool, int64_t words);
  void release(int pool, int64_t words);
  void set_live(int tile, bool live);
  bool live(int tile) const { return live_[size_t(tile)]; }
  int64_t used() const { return used_[0] + used_[1]; }
  const sc_core::sc_event& freed() const { return freed_; }
  const sc_core::sc_event& allocated() const { return allocated_; }

private:
  void update() override;
  std::array<int64_t, 2> capacity_{}, used_{}, released_{};  // pool 0: ifmaps and psums (or all), 1: filters
  std::vector<char> live_;
  std::vector<std::pair<int, bool>> liveness_;  // pending changes
  sc_core::sc_event freed_, allocated_;
};

class GlobalBuffer : public Clocked, public GlbDmaIf, public GlbControlIf {
public:
  SC_HAS_PROCESS(GlobalBuffer);
  GlobalBuffer(sc_core::sc_module_name name, ClockDomain& clock);

  sc_core::sc_export<GlbDmaIf> dma_side;
  sc_core::sc_export<GlbControlIf> control_side;
  sc_core::sc_port<NocGlbIf> noc;
  // The weight or ifmap stream of the running pass waits for words from DRAM.
  sc_core::sc_out<bool> weights_wait_dram, ifmap_wait_dram;

  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

  void begin_layer(const LayerSetup* setup);
  const AccessCounts& counts() const { return count_.counts; }

  // GlbDmaIf
  bool allocate(const DmaJob& job) override;
  const sc_core::sc_event& space_freed() const override { return space_.freed(); }
  int64_t weight_block_words(int block) const override;
  void write_ifmap_rows(int block, int64_t first_slot, const int16_t* values, int64_t slots, int64_t ready) override;
  void write_weights(int block, int64_t first_word, const int16_t* values, int64_t words, int64_t ready) override;
  void write_compressed_weights(int block, int64_t first_word, int64_t words, const char* present, int64_t first_bit,
                                int64_t bits, const int16_t* values, int64_t first_value, int64_t nvalues,
                                int64_t ready) override;
  int64_t read_psum(int tile, int64_t index) override;
  void drain_tile(int tile, int64_t words) override;
  void release_tile(int tile) override;

  // GlbControlIf
  bool tile_live(int tile) const override { return space_.live(tile); }
  const sc_core::sc_event& tile_allocated() const override { return space_.allocated(); }
  void begin_pass(const PassGeometry& geometry) override;
  const sc_core::sc_event& pass_done() const override { return pass_done_; }
  void release_ifmap(int block) override;

  sc_core::sc_signal<int> words_used, ifmap_sent, psum_received;
  // Records these signals in `file` (the VCD names docs/simulator.md lists) and writes them from now on.
  void trace_signals(sc_core::sc_trace_file* file);

private:
  void end_of_elaboration() override;
  void tick();
  void trace_usage();  // SC_METHOD: the one writer of words_used
  bool send_weights(int64_t now, int64_t& wait_until, bool& wait_unscheduled);
  // What the weight port does in cycle t: its words (appended to weight_words_), GLB index reads
  // (compressed bitmap), and whether it stopped for a word DRAM has not delivered before t: then
  // the cycle after the word's arrival, or, not scheduled yet, kNever and `unscheduled`.
  struct WeightCycle {
    int64_t data_words = 0, index_reads = 0;
    bool waits = false, unscheduled = false;
    int64_t wait_until = kNever;
  };
  template <bool kCompressed>
  WeightCycle weight_port_cycle(int64_t t);
  std::vector<FilterWord> weight_words_;  // weight_port_cycle's words, before they are committed
  bool send_ifmaps(int64_t now, int64_t& wait_until, bool& wait_unscheduled);
  bool send_psums();
  int pool_of(DmaKind kind) const;

  struct IfmapStore {
    bool live = false;
    std::vector<int16_t> data;   // slot * cols + column
    std::vector<int64_t> ready;  // per slot
    std::vector<int> row_index;  // ifmap row -> index in the block's rows (-1: absent)
  };
  struct WeightStore {
    bool live = false;
    int64_t words = 0;           // GLB space held
    std::vector<int16_t> data;   // by position (compressed: the stored values, zeros elsewhere)
    std::vector<int64_t> ready;  // per burst of kBurstWords (stream) words
    // Compressed: per position the stream word of its value (-1: not stored), decoded from the
    // bitmap as it arrives; the positions of the values in stream order; when the bitmap is in.
    std::vector<int32_t> stream;
    std::vector<int32_t> position_of_value;
    int64_t bitmap_ready = kNever;
  };
  int64_t weight_ready(const WeightStore& st, int64_t position, bool& stored) const;
  struct TileStore {  // live while GlbSpace says so
    std::vector<int64_t> data;
    int64_t drained = 0;  // words already written to DRAM (their space is free)
  };

  const LayerSetup* ctx_ = nullptr;
  PassGeometry geo_;  // the pass running now
  Counter count_;
  GlbSpace space_;
  bool partitioned_ = false;  // a filter pool of its own
  std::vector<IfmapStore> ifmaps_;
  std::vector<WeightStore> weights_;
  std::vector<TileStore> tiles_;

  // Port cursors of the running pass.
  struct WeightCursor {
    int64_t total = 0, sent = 0;       // positions of the pass, and passed so far
    int64_t bitmap_total = 0, bitmap_sent = 0;
    bool released = false;
    // The port has sent its words of the cycles before this one (it runs ahead, see send_weights),
    // and the cycle of its last word so far.
    int64_t ahead_until = 0, last_cycle = -1;
    bool pending() const { return sent < total || bitmap_sent < bitmap_total; }
    int k = 0, c = 0, i = 0, x = 0;  // filter, channel (relative to the pass), row in fold, column
    // Of (k, c), set by locate_weight(): the block position and bus tag of its row 0, column 0,
    // and the filter spad index of its column 0 and the index's step per column.
    int64_t position = 0;
    int tag = 0, index = 0, index_step = 0;
  } wcur_;
  void locate_weight();
  struct IfmapCursor {
    int64_t total = 0, sent = 0;
    int b = 0, col = 0, c = 0, ri = 0;  // image, column, channel (relative to the pass), row
    // Every word so far was granted (GrantedBus); the port has sent the words of the cycles before
    // ahead_until, the last of them in last_cycle.
    bool granting = true;
    int64_t ahead_until = 0, last_cycle = -1;
  } icur_;
  std::vector<IfmapWord> ahead_words_;  // send_ifmaps' scratch
  // Per chain: its filter set, ofmap row and filters, its psums of the pass, how many were sent
  // and the next one's filter, ofmap column and image (its order).
  struct PsumCursor {
    int ft = 0, j = 0, p = 1;
    int64_t total = 0, sent = 0;
    int k = 0, f = 0;
    int64_t b = 0;
  };
  struct {
    int64_t total = 0, sent = 0;
    std::vector<PsumCursor> chains;
    ChainSet left;  // the chains with psums left to send
    int next = 0;   // round-robin: the chain considered first
  } pcur_;
  int64_t expected_ = 0, received_ = 0;

  bool running_ = false, trace_ = false;
  sc_core::sc_event start_, pass_done_, arrival_scheduled_, usage_changed_;
  WakeList wake_, wake_or_arrival_;
};

}  // namespace rowsim::hw
