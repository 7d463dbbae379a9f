#include "models/hw/dram.hpp"

#include <algorithm>
#include <cmath>

#include "models/hw/rlc.hpp"

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
  link_free_ = 0;
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
  // Fractional link times are kept relative to the layer's start: in absolute cycles their
  // rounding (and so the layer's cycles) would depend on how long the process ran before it.
  const int64_t origin = ctx_->start_cycle;
  const double bandwidth = ctx_->job->arch.dram_words_per_cycle;
  const double start = std::max(link_free_, double(now() - origin));
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
  return origin + int64_t(std::ceil(link_free_ - 1e-9));
}

void Dram::load_ifmaps(int block, sc_core::sc_signal<bool>& busy) {
  const IfmapBlock& blk = ctx_->plan.ifmaps[size_t(block)];
  const ConvShape& s = ctx_->s;
  const std::vector<int>& cols = ctx_->plan.cols;
  const int64_t ncols = int64_t(cols.size()), nrows = int64_t(blk.rows.size());
  const int64_t image_slots = int64_t(blk.cb) * nrows, slots = int64_t(blk.nb) * image_slots;
  const int channels = s.G * s.C;
  const int64_t latency = ctx_->job->arch.dram_latency_cycles;
  const bool rlc = ctx_->job->rlc;
  // Bursts of whole rows (the needed columns of one ifmap row), at least kBurstWords long. With
  // RLC each image's fill is one coded stream: bursts stop at image boundaries, and a burst takes
  // the link for the coded words a decoder needs before its last row is complete.
  const int64_t rows_per_burst = std::max<int64_t>(1, (kBurstWords + ncols - 1) / ncols);
  RlcStream code;
  int64_t coded_sent = 0;
  for (int64_t first = 0; first < slots;) {
    int64_t n = std::min(rows_per_burst, slots - first);
    if (rlc) {
      if (first % image_slots == 0) code = RlcStream{}, coded_sent = 0;
      n = std::min(n, image_slots - first % image_slots);
    }
    burst_.resize(size_t(n * ncols));
    for (int64_t k = 0; k < n; ++k) {
      const int64_t slot = first + k;
      const int b = int(slot / image_slots), c = int(slot / nrows % blk.cb);
      const int row = blk.rows[size_t(slot % nrows)];
      const int channel = blk.group * s.C + blk.c0 + c;
      const int16_t* src = ctx_->job->ifmap + ((int64_t(blk.b0 + b) * channels + channel) * s.H + row) * s.W;
      for (int64_t x = 0; x < ncols; ++x) burst_[size_t(k * ncols + x)] = src[cols[size_t(x)]];
    }
    int64_t link_words = n * ncols;
    if (rlc) {
      for (int16_t v : burst_) code.push(v);
      link_words = code.words_to_decode() - coded_sent;
      coded_sent += link_words;
    }
    const int64_t leaves = reserve(link_words, busy);
    ctx_->count(Level::DRAM, Data::Ifmap, link_words, 0);
    glb_.write_ifmap_rows(block, first, burst_.data(), n, leaves + latency);
    wait_until(leaves);
    first += n;
  }
}

void Dram::load_weights(int block, sc_core::sc_signal<bool>& busy) {
  const WeightBlock& blk = ctx_->plan.weights[size_t(block)];
  const ConvShape& s = ctx_->s;
  const int64_t positions = blk.words(s.S), latency = ctx_->job->arch.dram_latency_cycles;
  // Block order (filter, channel, row, column) -> DRAM layout [G*M][C][R][S].
  weights_.resize(size_t(positions));
  int64_t idx = 0;
  for (int k = 0; k < blk.fb; ++k)
    for (int c = 0; c < blk.cb; ++c) {
      const int64_t filter = int64_t(blk.group) * s.M + blk.f0 + k;
      const int16_t* row = ctx_->job->weights + ((filter * s.C + blk.c0 + c) * s.R + blk.r0) * s.S;
      for (int64_t x = 0; x < int64_t(blk.rb) * s.S; ++x) weights_[size_t(idx++)] = row[x];
    }
  if (!ctx_->compressed()) {
    for (int64_t first = 0; first < positions; first += kBurstWords) {
      const int64_t n = std::min(kBurstWords, positions - first);
      const int64_t leaves = reserve(n, busy);
      ctx_->count(Level::DRAM, Data::Weight, n, 0);
      glb_.write_weights(block, first, weights_.data() + first, n, leaves + latency);
      wait_until(leaves);
    }
    return;
  }
  // Compressed: the stream is the bitmap (word_bits positions per word), then the nonzero values.
  present_.resize(size_t(positions));
  values_.clear();
  for (int64_t j = 0; j < positions; ++j) {
    present_[size_t(j)] = weights_[size_t(j)] != 0;
    if (present_[size_t(j)]) values_.push_back(weights_[size_t(j)]);
  }
  const int64_t bitmap = ctx_->bitmap_words(positions), words = bitmap + int64_t(values_.size());
  const int64_t wb = ctx_->word_bits;
  for (int64_t first = 0; first < words; first += kBurstWords) {
    const int64_t n = std::min(kBurstWords, words - first);
    const int64_t bit0 = std::min(std::min(first, bitmap) * wb, positions);
    const int64_t bit1 = std::min(std::min(first + n, bitmap) * wb, positions);
    const int64_t v0 = std::max(first, bitmap) - bitmap, v1 = std::max(first + n, bitmap) - bitmap;
    const int64_t leaves = reserve(n, busy);
    ctx_->count(Level::DRAM, Data::Index, bit1 - bit0, 0);
    ctx_->count(Level::DRAM, Data::Weight, v1 - v0, 0);
    glb_.write_compressed_weights(block, first, n, present_.data() + bit0, bit0, bit1 - bit0, values_.data() + v0, v0,
                                  v1 - v0, leaves + latency);
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
  const int64_t image_words = outputs / tile.nb;
  // With RLC each image's part of the tile is one coded stream (filters, rows, columns): a burst
  // takes the link for the whole 64-bit words the encoder has completed, the image's last burst
  // for the rest of its stream.
  RlcStream code;
  int64_t coded_sent = 0;
  for (int64_t first = 0; first < outputs;) {
    int64_t n = std::min(kBurstWords, outputs - first);
    if (job.rlc) {
      if (first % image_words == 0) code = RlcStream{}, coded_sent = 0;
      n = std::min(n, image_words - first % image_words);
    }
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
      if (job.rlc) code.push(v);
    }
    int64_t link_words = n;
    if (job.rlc) {
      const bool image_end = (first + n) % image_words == 0;
      link_words = (image_end ? code.words_total() : code.words_complete()) - coded_sent;
      coded_sent += link_words;
    }
    const int64_t leaves = reserve(link_words, writing);
    wait_until(leaves);
    ctx_->count(Level::DRAM, Data::Psum, 0, link_words);
    glb_.drain_tile(tile_index, n);
    first += n;
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
