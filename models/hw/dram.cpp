#include "models/hw/dram.hpp"

#include <algorithm>
#include <cmath>

namespace rowsim::hw {

Dram::Dram(sc_core::sc_module_name name, GlobalBuffer& glb, const sc_core::sc_time& period)
    : sc_core::sc_module(name), reading("reading"), reading_weights("reading_weights"), writing("writing"), read_job("read_job"), glb_(glb), period_(period) {
  SC_THREAD(read_engine);
  SC_THREAD(weight_read_engine);
  SC_THREAD(write_engine);
}

int64_t Dram::now() const { return int64_t(sc_core::sc_time_stamp().value() / period_.value()); }

void Dram::wait_until(int64_t cycle) {
  int64_t t = now();
  if (cycle > t) wait(period_ * double(cycle - t));
}

void Dram::begin_layer(LayerContext* ctx) {
  ctx_ = ctx;
  link_free_ = double(ctx->start_cycle);
  rng_ = Rng(ctx->job->dram_stalls.seed, RngPurpose::Test, 0x44524d);
  stores_.clear();
  writing_ = false;
  waiting_for_space_ = weights_waiting_ = false;
  fmap_jobs_.clear();
  weight_jobs_.clear();
  const bool partitioned = !ctx->job->arch.glb_shared();
  for (const DmaJob& j : ctx->plan.dma) (partitioned && j.kind == DmaKind::LoadWeights ? weight_jobs_ : fmap_jobs_).push_back(j);
  start_reads_.notify(sc_core::SC_ZERO_TIME);
  start_weight_reads_.notify(sc_core::SC_ZERO_TIME);
}

int64_t Dram::reserve(int64_t words, sc_core::sc_signal<bool>& engine) {
  const double bandwidth = ctx_->job->arch.dram_words_per_cycle;
  const double start = std::max(link_free_, double(now()));
  double busy = double(words) / bandwidth;
  const double p = ctx_->job->dram_stalls.probability;
  if (p > 0) {
    // Each cycle the transfer would use may stall instead, pushing the rest one cycle later.
    const int64_t cycles = int64_t(std::ceil(busy));
    int64_t stalls = 0;
    for (int64_t k = 0; k < cycles; ++k)
      while (rng_.uniform() < p) ++stalls;
    busy += double(stalls);
  }
  link_free_ = start + busy;
  if (trace_) engine.write(true);
  return int64_t(std::ceil(link_free_ - 1e-9));
}

void Dram::load_ifmaps(int block, sc_core::sc_signal<bool>& busy) {
  const IfmapBlock& blk = ctx_->plan.ifmaps[size_t(block)];
  const ConvShape& s = ctx_->s;
  const std::vector<int>& cols = ctx_->plan.cols;
  const int64_t ncols = int64_t(cols.size()), nrows = int64_t(blk.rows.size());
  const int64_t slots = int64_t(blk.nb) * blk.cb * nrows;
  const int channels = s.G * s.C;
  const int64_t latency = ctx_->job->arch.dram_latency_cycles;
  // Bursts of whole rows (the needed columns of one ifmap row), at least kBurstWords long.
  const int64_t rows_per_burst = std::max<int64_t>(1, (kBurstWords + ncols - 1) / ncols);
  for (int64_t first = 0; first < slots; first += rows_per_burst) {
    const int64_t n = std::min(rows_per_burst, slots - first);
    burst_.resize(size_t(n * ncols));
    for (int64_t k = 0; k < n; ++k) {
      const int64_t slot = first + k;
      const int b = int(slot / (int64_t(blk.cb) * nrows)), c = int(slot / nrows % blk.cb);
      const int row = blk.rows[size_t(slot % nrows)];
      const int channel = blk.group * s.C + blk.c0 + c;
      const int16_t* src = ctx_->job->ifmap + ((int64_t(blk.b0 + b) * channels + channel) * s.H + row) * s.W;
      for (int64_t x = 0; x < ncols; ++x) burst_[size_t(k * ncols + x)] = src[cols[size_t(x)]];
    }
    const int64_t leaves = reserve(n * ncols, busy);
    ctx_->count(Level::DRAM, Data::Ifmap, n * ncols, 0);
    glb_.write_ifmap_rows(block, first, burst_.data(), n, leaves + latency);
    wait_until(leaves);
  }
}

void Dram::load_weights(int block, sc_core::sc_signal<bool>& busy) {
  const WeightBlock& blk = ctx_->plan.weights[size_t(block)];
  const ConvShape& s = ctx_->s;
  const int64_t words = blk.words(s.S), latency = ctx_->job->arch.dram_latency_cycles;
  for (int64_t first = 0; first < words; first += kBurstWords) {
    const int64_t n = std::min(kBurstWords, words - first);
    burst_.resize(size_t(n));
    for (int64_t w = 0; w < n; ++w) {
      // Block order (filter, channel, row, column) -> DRAM layout [G*M][C][R][S].
      int64_t idx = first + w;
      const int x = int(idx % s.S);
      idx /= s.S;
      const int r = int(idx % blk.rb);
      idx /= blk.rb;
      const int c = int(idx % blk.cb);
      const int k = int(idx / blk.cb);
      const int64_t filter = int64_t(blk.group) * s.M + blk.f0 + k;
      burst_[size_t(w)] = ctx_->job->weights[((filter * s.C + blk.c0 + c) * s.R + blk.r0 + r) * s.S + x];
    }
    const int64_t leaves = reserve(n, busy);
    ctx_->count(Level::DRAM, Data::Weight, n, 0);
    glb_.write_weights(block, first, burst_.data(), n, leaves + latency);
    wait_until(leaves);
  }
}

void Dram::run_reads(const std::vector<DmaJob>& jobs, bool& waiting, sc_core::sc_signal<bool>& busy) {
  for (size_t j = 0; j < jobs.size(); ++j) {
    if (trace_ && &jobs == &fmap_jobs_) read_job.write(int(j));
    while (!glb_.allocate(jobs[j])) {
      waiting = true;
      wait(glb_.space_freed());
    }
    waiting = false;
    if (jobs[j].kind == DmaKind::LoadIfmap) load_ifmaps(jobs[j].index, busy);
    if (jobs[j].kind == DmaKind::LoadWeights) load_weights(jobs[j].index, busy);
  }
  if (trace_) busy.write(false);
}

void Dram::read_engine() {
  while (true) {
    wait(start_reads_);
    run_reads(fmap_jobs_, waiting_for_space_, reading);
  }
}

void Dram::weight_read_engine() {
  while (true) {
    wait(start_weight_reads_);
    run_reads(weight_jobs_, weights_waiting_, reading_weights);
  }
}

void Dram::store(int tile) {
  stores_.push_back(tile);
  store_queued_.notify(sc_core::SC_ZERO_TIME);
}

void Dram::store_tile(int tile_index) {
  const PsumTile& tile = ctx_->plan.tiles[size_t(tile_index)];
  const ConvShape& s = ctx_->s;
  const LayerJob& job = *ctx_->job;
  const int64_t outputs = tile.words(s.F), filters = int64_t(s.G) * s.M;
  for (int64_t first = 0; first < outputs; first += kBurstWords) {
    const int64_t n = std::min(kBurstWords, outputs - first);
    const int64_t leaves = reserve(n, writing);
    wait_until(leaves);
    // Tile order (image, filter, ofmap row, column): the write-out rounds once, saturates once.
    for (int64_t w = first; w < first + n; ++w) {
      const int64_t f = w % s.F, j = w / s.F % tile.eb, m = w / (int64_t(s.F) * tile.eb) % tile.mb,
                    b = w / (int64_t(s.F) * tile.eb * tile.mb);
      const int64_t filter = int64_t(tile.group) * s.M + tile.m0 + m;
      int64_t acc = glb_.read_psum(tile_index, w);
      if (job.bias) acc += job.bias[filter];
      int16_t v = requantize(acc, job.shift, job.out_q);
      if (job.relu && v < 0) v = 0;
      ctx_->ofmap[size_t(((int64_t(tile.b0) + b) * filters + filter) * s.E * s.F + (tile.e0 + j) * s.F + f)] = v;
    }
    ctx_->count(Level::DRAM, Data::Psum, 0, n);
    glb_.drain_tile(tile_index, n);
  }
  glb_.release_tile(tile_index);
}

void Dram::write_engine() {
  while (true) {
    while (stores_.empty()) wait(store_queued_);
    writing_ = true;
    const int tile = stores_.front();
    stores_.pop_front();
    store_tile(tile);
    writing_ = false;
    if (trace_) writing.write(false);
    if (stores_.empty()) store_done_.notify(sc_core::SC_ZERO_TIME);
  }
}

}  // namespace rowsim::hw
