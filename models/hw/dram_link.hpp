// The DRAM link, a primitive channel the DMA engines share (DramLinkIf). An engine asks for link
// time for one burst; the requests of one delta cycle are granted in the update phase in a fixed
// engine order (weights, then ifmaps and psums, then write-backs), first come first served across
// deltas, so the order in which the kernel runs the engines never changes who gets the link first.
// A granted burst occupies the link from max(now, link free) for its link cycles; its words arrive
// `latency` cycles after it leaves. Fractional link times accumulate exactly from the layer's start.
// In random-stall mode each link cycle may stall instead (seeded).
//
// Two implementations, chosen by the arch spec's dram.model:
//   FixedLink      every burst costs words / bandwidth link cycles (the model every spec had);
//   RowBufferLink  the same, plus miss_cycles for every DRAM row a burst opens in a bank that
//                  holds another row open (precharge + activate); a burst that stays in open rows
//                  costs what it costs on FixedLink.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include <systemc>

#include "models/hw/interfaces.hpp"
#include "workloads/util/rng.hpp"

namespace rowsim::hw {

class ArbitratedLink : public sc_core::sc_prim_channel, public DramLinkIf {
public:
  void begin_layer(const LayerJob& job, int64_t start_cycle) override;
  void request(Engine engine, int64_t words, const std::vector<DramRun>& runs) override;
  const sc_core::sc_event& granted(Engine engine) const override { return granted_[size_t(engine)]; }
  int64_t leaves(Engine engine) const override { return leaves_[size_t(engine)]; }

protected:
  explicit ArbitratedLink(const char* name) : sc_core::sc_prim_channel(name) {}
  // Link cycles of one burst before random stalls, in grant order.
  virtual double link_cycles(int64_t words, const std::vector<DramRun>& runs) = 0;
  virtual void reset_state() {}
  const ArchSpec* arch_ = nullptr;

private:
  void update() override;
  struct Request {
    bool pending = false;
    int64_t words = 0;
    std::vector<DramRun> runs;
  };
  std::array<Request, kEngines> requests_;
  std::array<int64_t, kEngines> leaves_{};
  std::array<sc_core::sc_event, kEngines> granted_;
  int64_t origin_ = 0;
  double link_free_ = 0;  // cycle (fractional, from the layer's start) at which the link is next free
  double stall_probability_ = 0;
  Rng rng_{0};
};

class FixedLink : public ArbitratedLink {
public:
  explicit FixedLink(const char* name) : ArbitratedLink(name) {}
  DramModel model() const override { return DramModel::Fixed; }
  bool needs_addresses() const override { return false; }

private:
  double link_cycles(int64_t words, const std::vector<DramRun>&) override {
    return double(words) / arch_->dram_words_per_cycle;
  }
};

class RowBufferLink : public ArbitratedLink {
public:
  explicit RowBufferLink(const char* name) : ArbitratedLink(name) {}
  DramModel model() const override { return DramModel::RowBuffer; }
  bool needs_addresses() const override { return true; }
  int64_t row_misses() const { return misses_; }

private:
  void reset_state() override;
  double link_cycles(int64_t words, const std::vector<DramRun>& runs) override;
  std::vector<int64_t> open_row_;  // per bank (-1: none open)
  int64_t misses_ = 0;
};

}  // namespace rowsim::hw
