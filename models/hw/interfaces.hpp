// The interfaces the model's blocks reach each other through. Every block holds sc_ports to the
// interfaces it uses and exports (sc_export) the ones it provides; models/hw/top.cpp binds them,
// and SystemC checks at elaboration that every port is bound. No block holds a reference to
// another block, so any block can be replaced by another implementation of its interfaces.
//
// Determinism: state that crosses processes within a cycle travels through primitive channels
// (BoundedChannel, PsumCredits, sc_signal, sc_fifo, the DRAM link's arbiter): a value written in
// one delta cycle is seen from the next, so results never depend on the order in which the kernel
// runs the processes of one delta (IEEE 1666 leaves it unspecified).
#pragma once
#include <cstdint>
#include <vector>

#include <systemc>

#include "models/hw/channel.hpp"
#include "models/hw/context.hpp"

namespace rowsim::hw {

// The GLB as the DMA engines see it: space claimed in program order, fills, and the write-out
// path. Words written carry their arrival cycle, always later than the cycle of the call, so the
// GLB never reads in the delta they are written.
class GlbDmaIf : public virtual sc_core::sc_interface {
public:
  // Claims the job's space; false when it does not fit yet (retry after space_freed()).
  virtual bool allocate(const DmaJob& job) = 0;
  virtual const sc_core::sc_event& space_freed() const = 0;
  virtual int64_t weight_block_words(int block) const = 0;
  // Ifmap slots are (image, channel, row) rows of the block in that order; words readable from
  // cycle `ready` + 1.
  virtual void write_ifmap_rows(int block, int64_t first_slot, const int16_t* values, int64_t slots,
                                int64_t ready) = 0;
  // Weights in the block's (filter, channel, row, column) order, one burst.
  virtual void write_weights(int block, int64_t first_word, const int16_t* values, int64_t words, int64_t ready) = 0;
  // Compressed weights: one burst of the stream (bitmap, then nonzero values).
  virtual void write_compressed_weights(int block, int64_t first_word, int64_t words, const char* present,
                                        int64_t first_bit, int64_t bits, const int16_t* values, int64_t first_value,
                                        int64_t nvalues, int64_t ready) = 0;
  // The write-out path: a final psum (counted); words already in DRAM free their space.
  virtual int64_t read_psum(int tile, int64_t index) = 0;
  virtual void drain_tile(int tile, int64_t words) = 0;
  virtual void release_tile(int tile) = 0;
};

// The GLB as the controller sees it.
class GlbControlIf : public virtual sc_core::sc_interface {
public:
  virtual bool tile_live(int tile) const = 0;
  virtual const sc_core::sc_event& tile_allocated() const = 0;
  // Serves the ports for the pass from the next cycle until every psum of the pass is back.
  virtual void begin_pass(const PassGeometry& geometry) = 0;
  virtual const sc_core::sc_event& pass_done() const = 0;
  virtual void release_ifmap(int block) = 0;
};

// The PE array as the controller sees it.
class ArrayControlIf : public virtual sc_core::sc_interface {
public:
  // Configures PEs and NoC IDs and starts the pass at the next cycle.
  virtual void begin_pass(const PassGeometry& geometry) = 0;
  // Passes the array has finished (every PE has all its words and every psum has left), and the
  // event of that count changing; a signal, so the controller sees it from the next delta.
  virtual int passes_done() const = 0;
  virtual const sc_core::sc_event& pass_done() const = 0;
};

// The DRAM's write engine as the controller sees it.
class DramStoreIf : public virtual sc_core::sc_interface {
public:
  virtual void store(int tile) = 0;  // queues a finished psum tile for write-out
  // Tiles written out so far, and the event of that count changing (a signal).
  virtual int stores_done() const = 0;
  virtual const sc_core::sc_event& store_done() const = 0;
  // The ifmap/psum read engine waits for GLB space (rather than for the link).
  virtual bool waiting_for_space() const = 0;
};

// Turns a final psum into an ofmap value on its way to DRAM.
class PostProcessIf : public virtual sc_core::sc_interface {
public:
  virtual int16_t ofmap_value(int64_t filter, int64_t psum) const = 0;
};

// The NoC as the GLB sees it: the GIN buses it writes, the GON bus it reads, the chain credits.
class NocGlbIf : public virtual sc_core::sc_interface {
public:
  virtual FillBus<FilterWord>& gin_filter() = 0;
  virtual GrantedBus<IfmapWord>& gin_ifmap() = 0;
  virtual BoundedChannel<PsumWord>& gin_psum() = 0;
  virtual BoundedChannel<PsumWord>& gon_psum() = 0;
  virtual PsumCredits& psum_credits() = 0;
};

// The NoC as the PE array sees it: the same buses from the other side, and the ID matching that
// turns a bus word into a multicast to the PEs whose ID equals the word's tag.
struct PeGroup {
  const int* begin;
  const int* end;
  size_t size() const { return size_t(end - begin); }
};
class NocArrayIf : public NocGlbIf {
public:
  // ID configuration for a pass: `pes` PEs, tags below the given counts, `chains` psum chains.
  // ifmap_id -1: the PE's ifmap row is all padding and it receives no bus words.
  virtual void configure(int pes, int chains, int filter_tags, int ifmap_tags) = 0;
  virtual void set_ids(int pe, int filter_id, int ifmap_id) = 0;
  virtual void build_groups() = 0;
  virtual PeGroup filter_group(int tag) const = 0;
  virtual PeGroup ifmap_group(int tag) const = 0;
};

// Where each cycle of the layer goes: compute or one stall cause.
class LedgerIf : public virtual sc_core::sc_interface {
public:
  // Cycles (accounted, until] not yet attributed go to `cause`.
  virtual void fill_until(int64_t until, Stall cause) = 0;
  // One stepped cycle; ignored when already attributed.
  virtual void cycle(int64_t at, bool mac, Stall cause) = 0;
};

// Words per DMA burst (ifmap bursts are whole rows of at least this many words). Each burst gets
// one link grant and one arrival cycle in the GLB: 64 words keeps that bookkeeping small beside the
// words moved while letting the array start on a block's first words long before its last arrive.
// It is the DMA's transfer unit, not a DRAM protocol burst (the link models no protocol).
constexpr int64_t kBurstWords = 64;

// The DRAM link: engines ask for link time for a burst; requests made in the same delta cycle
// are granted in engine order (models/hw/dram_link.hpp).
enum class Engine { Weights, Fmaps, Writes, Count };
constexpr int kEngines = int(Engine::Count);
// Where a burst lies in DRAM: runs of consecutive word addresses (ifmaps [N][G*C][H][W] from
// address 0, then weights [G*M][C][R][S], then ofmaps [N][G*M][E][F]; dense addresses, also for
// coded streams).
struct DramRun {
  int64_t first = 0, length = 0;
};
class DramLinkIf : public virtual sc_core::sc_interface {
public:
  virtual DramModel model() const = 0;
  // A new layer: the link is free from `start_cycle`; random stalls as the job says.
  virtual void begin_layer(const LayerJob& job, int64_t start_cycle) = 0;
  // Whether request() needs the burst's runs (a model that ignores addresses skips them).
  virtual bool needs_addresses() const = 0;
  // Link time for `words` words of a burst at `runs`: call request, wait for granted(engine), then
  // leaves() is the cycle its last word leaves the link.
  virtual void request(Engine engine, int64_t words, const std::vector<DramRun>& runs) = 0;
  virtual const sc_core::sc_event& granted(Engine engine) const = 0;
  virtual int64_t leaves(Engine engine) const = 0;
};

}  // namespace rowsim::hw
