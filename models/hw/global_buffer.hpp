// The global buffer: space per data type (one shared pool, or a filter partition plus an
// ifmap/psum partition, as the ArchSpec says), the blocks the DMA fills, and the read/write ports
// towards the array, one SC_METHOD serving them once per cycle during a pass:
//   filter port  GLB -> GIN filter bus, up to filter_bus words per cycle (the pass's weights);
//   ifmap port   GLB -> GIN ifmap bus, up to ifmap_bus words per cycle, in the order the PEs
//                consume them (image, column, channel, row); only rows that have arrived;
//   psum ports   GLB -> chain heads (every accumulation round after the first) and GON -> GLB,
//                up to psum_bus words per cycle each way.
// Psums are stored at full precision; they become ofmaps only at write-out (the DRAM module's
// write path reads them back).
//
// Banks are not modelled: a port never conflicts with another port or with the DMA.
#pragma once
#include <array>
#include <limits>
#include <vector>

#include <systemc>

#include "models/hw/context.hpp"
#include "models/hw/noc.hpp"

namespace rowsim::hw {

class GlobalBuffer : public sc_core::sc_module {
public:
  SC_HAS_PROCESS(GlobalBuffer);
  GlobalBuffer(sc_core::sc_module_name name, Noc& noc, const sc_core::sc_time& period);

  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

  void begin_layer(LayerContext* ctx);

  // Space, claimed by the DMA in program order; false when it does not fit yet.
  bool allocate(const DmaJob& job);
  bool tile_live(int tile) const { return tiles_[size_t(tile)].live; }
  const sc_core::sc_event& space_freed() const { return space_freed_; }
  const sc_core::sc_event& tile_allocated() const { return tile_allocated_; }

  // DMA writes. The words are stored now and readable from cycle `ready` + 1 (their arrival).
  // Ifmap slots are (image, channel, row) rows of the block in that order.
  void write_ifmap_rows(int block, int64_t first_slot, const int16_t* values, int64_t slots, int64_t ready);
  // Weights in the block's (filter, channel, row, column) order.
  void write_weights(int block, int64_t first_word, const int16_t* values, int64_t words, int64_t ready);
  // Compressed weights: the block is stored as it crosses the link, its bitmap (one bit per
  // position in block order, packed into words) then its nonzero values in block order. One burst
  // of `words` stream words from `first_word`: bitmap bits [first_bit, first_bit + bits) and
  // values [first_value, first_value + values).
  void write_compressed_weights(int block, int64_t first_word, int64_t words, const char* present,
                                int64_t first_bit, int64_t bits, const int16_t* values, int64_t first_value,
                                int64_t nvalues, int64_t ready);
  static constexpr int64_t kWeightBurst = 64;  // weight words per DMA burst (one ready time each)
  // GLB words a weight block takes: dense positions, or bitmap words plus stored values.
  int64_t weight_block_words(int block) const;

  // The write-out path: reads a final psum (counted); the space of words already written to DRAM
  // is free for the next tile (drain_tile), the rest when the tile is released.
  int64_t read_psum(int tile, int64_t index);
  void drain_tile(int tile, int64_t words);
  void release_tile(int tile);
  void release_ifmap(int block);

  // Serves the ports for ctx->geo from the next cycle until every psum of the pass is back.
  void begin_pass();
  const sc_core::sc_event& pass_done() const { return pass_done_; }

  sc_core::sc_signal<int> words_used, ifmap_sent, psum_received;
  void enable_trace_signals() { trace_ = true; }

private:
  void tick();
  void trace_usage();  // SC_METHOD: the one writer of words_used
  bool send_weights(int64_t now, int64_t& wait_until, bool& wait_unscheduled);
  bool send_ifmaps(int64_t now, int64_t& wait_until, bool& wait_unscheduled);
  bool send_psums();
  void release(int pool, int64_t words);
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
    std::vector<int64_t> ready;  // per burst of kWeightBurst (stream) words
    // Compressed: per position the stream word of its value (-1: not stored), decoded from the
    // bitmap as it arrives; the positions of the values in stream order; when the bitmap is in.
    std::vector<int32_t> stream;
    std::vector<int32_t> position_of_value;
    int64_t bitmap_ready = kNever;
  };
  int64_t weight_ready(const WeightStore& st, int64_t position, bool& stored) const;
  struct TileStore {
    bool live = false;
    std::vector<int64_t> data;
    int64_t read = 0, drained = 0;
  };

  Noc& noc_;
  const sc_core::sc_time period_;
  LayerContext* ctx_ = nullptr;
  std::array<int64_t, 2> capacity_{}, used_{};  // pool 0: ifmaps and psums (or all), 1: filters
  std::vector<IfmapStore> ifmaps_;
  std::vector<WeightStore> weights_;
  std::vector<TileStore> tiles_;

  // Port cursors of the running pass.
  struct {
    int64_t total = 0, sent = 0;       // positions of the pass, and passed so far
    int64_t bitmap_total = 0, bitmap_sent = 0;
    bool released = false;
    int k = 0, c = 0, i = 0, x = 0;  // filter, channel (relative to the pass), row in fold, column
  } wcur_;
  struct {
    int64_t total = 0, sent = 0;
    int b = 0, col = 0, c = 0, ri = 0;
  } icur_;
  struct {
    int64_t total = 0, sent = 0;
    std::vector<int64_t> chain_sent;  // psums sent to each chain, in its order (image, column, filter)
    int next = 0;                     // round-robin: the chain considered first
  } pcur_;
  int64_t expected_ = 0, received_ = 0;

  bool running_ = false, timer_wake_ = false, trace_ = false;
  int64_t wake_cycle_ = -1;
  sc_core::sc_event start_, pass_done_, space_freed_, tile_allocated_, arrival_scheduled_, usage_changed_;
  sc_core::sc_event_or_list wake_, wake_or_arrival_;
};

}  // namespace rowsim::hw
