#include "models/hw/dram_link.hpp"

#include <algorithm>
#include <cmath>

#include "models/hw/clocked.hpp"
#include "workloads/util/failure.hpp"

namespace rowsim::hw {

void ArbitratedLink::begin_layer(const LayerJob& job, int64_t start_cycle) {
  arch_ = &job.arch;
  origin_ = start_cycle;
  link_free_ = 0;
  stall_probability_ = job.dram_stalls.probability;
  rng_ = Rng(job.dram_stalls.seed, RngPurpose::Test, 0x44524d);
  for (Request& r : requests_) r.pending = false;
  reset_state();
}

void ArbitratedLink::request(Engine engine, int64_t words, const std::vector<DramRun>& runs) {
  Request& r = requests_[size_t(engine)];
  if (r.pending) panic("DRAM link: engine {} asked again before its grant, expected one request at a time", int(engine));
  r.pending = true;
  r.words = words;
  r.runs = runs;
  request_update();
}

void ArbitratedLink::update() {
  // Fractional link times are kept relative to the layer's start: in absolute cycles their
  // rounding (and so the layer's cycles) would depend on how long the process ran before it.
  const double now = double(Clocked::cycle() - origin_);
  for (int e = 0; e < kEngines; ++e) {
    Request& r = requests_[size_t(e)];
    if (!r.pending) continue;
    r.pending = false;
    const double start = std::max(link_free_, now);
    double busy = link_cycles(r.words, r.runs);
    if (stall_probability_ > 0) {
      // Each cycle the transfer would use may stall instead, pushing the rest one cycle later.
      const int64_t cycles = int64_t(std::ceil(busy));
      int64_t stalls = 0;
      for (int64_t k = 0; k < cycles; ++k)
        while (rng_.uniform() < stall_probability_) ++stalls;
      busy += double(stalls);
    }
    link_free_ = start + busy;
    leaves_[size_t(e)] = origin_ + int64_t(std::ceil(link_free_ - 1e-9));
    granted_[size_t(e)].notify(sc_core::SC_ZERO_TIME);
  }
}

void RowBufferLink::reset_state() {
  open_row_.assign(size_t(arch_->dram_banks), -1);
  misses_ = 0;
}

double RowBufferLink::link_cycles(int64_t words, const std::vector<DramRun>& runs) {
  const int64_t row_words = arch_->dram_row_words, banks = arch_->dram_banks;
  int64_t misses = 0;
  for (const DramRun& run : runs) {
    if (run.length <= 0) continue;
    for (int64_t row = run.first / row_words; row <= (run.first + run.length - 1) / row_words; ++row) {
      int64_t& open = open_row_[size_t(row % banks)];
      if (open != row) {
        open = row;
        ++misses;
      }
    }
  }
  misses_ += misses;
  return double(words) / arch_->dram_words_per_cycle + double(misses) * arch_->dram_row_miss_cycles;
}

}  // namespace rowsim::hw
