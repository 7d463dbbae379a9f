#include "models/hw/dram.hpp"

#include <algorithm>
#include <cmath>

#include <stdexcept>

#include <fmt/format.h>

#include "models/hw/rlc.hpp"
#include "workloads/util/failure.hpp"

namespace rowsim::hw {

Dram::Dram(sc_core::sc_module_name name, ClockDomain& clock)
    : Clocked(name, clock), control_side("control_side"), glb("glb"), post("post"), link("link"), reading("reading"),
      reading_weights("reading_weights"), writing("writing"), read_job("read_job"), store_queue_("store_queue"),
      stores_done_("stores_done"), waiting_for_space_("waiting_for_space") {
  control_side.bind(*this);
  SC_THREAD(fmap_read_engine);
  SC_THREAD(weight_read_engine);
  SC_THREAD(write_engine);
}

void Dram::end_of_elaboration() {
  // Every model the arch spec can name has exactly one implementation bound.
  for (DramModel m : {DramModel::Fixed, DramModel::RowBuffer}) {
    int bound = 0;
    for (int k = 0; k < link.size(); ++k) bound += link[k]->model() == m;
    if (bound != 1)
      panic("{}: {} link models bound for dram.model {}, expected 1", name(), bound, to_string(m));
  }
}

void Dram::begin_layer(const LayerSetup* setup) {
  ctx_ = setup;
  const LayerJob& job = *setup->job;
  for (int k = 0; k < link.size(); ++k)
    if (link[k]->model() == job.arch.dram_model) link_ = link[k];
  link_->begin_layer(job, setup->start_cycle);
  addresses_ = link_->needs_addresses();
  const ConvShape& s = setup->s;
  weights_base_ = int64_t(s.N) * s.G * s.C * s.H * s.W;
  ofmaps_base_ = weights_base_ + int64_t(s.G) * s.M * s.C * s.R * s.S;
  count_.reset();
  ofmap_.assign(size_t(s.N) * s.G * s.M * s.E * s.F, 0);
  store_queue_.reset(std::max<size_t>(1, setup->plan.tiles.size()));
  fmap_jobs_.clear();
  weight_jobs_.clear();
  const bool partitioned = !job.arch.glb_shared();
  for (const DmaJob& j : setup->plan.dma)
    (partitioned && j.kind == DmaKind::LoadWeights ? weight_jobs_ : fmap_jobs_).push_back(j);
  start_reads_.notify(sc_core::SC_ZERO_TIME);
  start_weight_reads_.notify(sc_core::SC_ZERO_TIME);
}

void Dram::add_address(Engine engine, int64_t address, int64_t length) {
  std::vector<DramRun>& runs = runs_[size_t(engine)];
  if (!runs.empty() && runs.back().first + runs.back().length == address) runs.back().length += length;
  else runs.push_back({address, length});
}

int64_t Dram::link_time(Engine engine, int64_t words, sc_core::sc_signal<bool>& busy) {
  link_->request(engine, words, runs_[size_t(engine)]);
  runs_[size_t(engine)].clear();
  wait(link_->granted(engine));
  if (trace_) busy.write(true);
  return link_->leaves(engine);
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
  auto slot_address = [&](int64_t slot) {
    const int b = int(slot / image_slots), c = int(slot / nrows % blk.cb);
    const int channel = blk.group * s.C + blk.c0 + c;
    return ((int64_t(blk.b0 + b) * channels + channel) * s.H + blk.rows[size_t(slot % nrows)]) * s.W;
  };
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
      // A coded stream lies contiguously from the address of its image's first row.
      if (addresses_) add_address(Engine::Fmaps, slot_address(first - first % image_slots) + coded_sent, link_words);
      coded_sent += link_words;
    } else if (addresses_) {
      for (int64_t k = 0; k < n; ++k)
        add_address(Engine::Fmaps, slot_address(first + k) + cols.front(), cols.back() - cols.front() + 1);
    }
    const int64_t leaves = link_time(Engine::Fmaps, link_words, busy);
    count_(Level::DRAM, Data::Ifmap, link_words, 0);
    glb->write_ifmap_rows(block, first, burst_.data(), n, leaves + latency);
    wait_until_cycle(leaves);
    first += n;
  }
}

void Dram::load_weights(Engine engine, int block, sc_core::sc_signal<bool>& busy) {
  const WeightBlock& blk = ctx_->plan.weights[size_t(block)];
  const ConvShape& s = ctx_->s;
  const int64_t positions = blk.words(s.S), latency = ctx_->job->arch.dram_latency_cycles;
  // Block order (filter, channel, row, column) -> DRAM layout [G*M][C][R][S].
  weights_.resize(size_t(positions));
  weight_addresses_.resize(size_t(positions));
  int64_t idx = 0;
  for (int k = 0; k < blk.fb; ++k)
    for (int c = 0; c < blk.cb; ++c) {
      const int64_t filter = int64_t(blk.group) * s.M + blk.f0 + k;
      const int64_t offset = ((filter * s.C + blk.c0 + c) * s.R + blk.r0) * s.S;
      const int16_t* row = ctx_->job->weights + offset;
      for (int64_t x = 0; x < int64_t(blk.rb) * s.S; ++x) {
        weight_addresses_[size_t(idx)] = weights_base_ + offset + x;
        weights_[size_t(idx++)] = row[x];
      }
    }
  if (!ctx_->compressed()) {
    for (int64_t first = 0; first < positions; first += kBurstWords) {
      const int64_t n = std::min(kBurstWords, positions - first);
      if (addresses_)
        for (int64_t k = first; k < first + n; ++k) add_address(engine, weight_addresses_[size_t(k)]);
      const int64_t leaves = link_time(engine, n, busy);
      count_(Level::DRAM, Data::Weight, n, 0);
      glb->write_weights(block, first, weights_.data() + first, n, leaves + latency);
      wait_until_cycle(leaves);
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
    // The coded block lies contiguously from the address of its first weight.
    if (addresses_) add_address(engine, weight_addresses_[0] + first, n);
    const int64_t leaves = link_time(engine, n, busy);
    count_(Level::DRAM, Data::Index, bit1 - bit0, 0);
    count_(Level::DRAM, Data::Weight, v1 - v0, 0);
    glb->write_compressed_weights(block, first, n, present_.data() + bit0, bit0, bit1 - bit0, values_.data() + v0, v0,
                                  v1 - v0, leaves + latency);
    wait_until_cycle(leaves);
  }
}

void Dram::run_reads(Engine engine, const std::vector<DmaJob>& jobs, sc_core::sc_signal<bool>& busy) {
  const bool fmaps = engine == Engine::Fmaps;
  for (size_t j = 0; j < jobs.size(); ++j) {
    if (trace_ && fmaps) read_job.write(int(j));
    while (!glb->allocate(jobs[j])) {
      if (fmaps) waiting_for_space_.write(true);
      wait(glb->space_freed());
    }
    if (fmaps) waiting_for_space_.write(false);
    if (jobs[j].kind == DmaKind::LoadIfmap) load_ifmaps(jobs[j].index, busy);
    if (jobs[j].kind == DmaKind::LoadWeights) load_weights(engine, jobs[j].index, busy);
  }
  if (trace_) busy.write(false);
}

void Dram::fmap_read_engine() {
  while (true) {
    wait(start_reads_);
    run_reads(Engine::Fmaps, fmap_jobs_, reading);
  }
}

void Dram::weight_read_engine() {
  while (true) {
    wait(start_weight_reads_);
    run_reads(Engine::Weights, weight_jobs_, reading_weights);
  }
}

void Dram::store(int tile) {
  if (store_queue_.space() == 0) panic("DRAM: tile {} queued for write-out with {} tiles queued, expected at most one store per tile", tile,
          store_queue_.capacity());
  store_queue_.push(tile);
}

void Dram::store_tile(int tile_index) {
  const PsumTile& tile = ctx_->plan.tiles[size_t(tile_index)];
  const ConvShape& s = ctx_->s;
  const LayerJob& job = *ctx_->job;
  const PostProcessIf& convert = *post.operator->();
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
      const int16_t v = convert.ofmap_value(filter, glb->read_psum(tile_index, w));
      const int64_t index = ((int64_t(tile.b0) + b) * filters + filter) * s.E * s.F + (tile.e0 + j) * s.F + f;
      ofmap_[size_t(index)] = v;
      if (addresses_ && !job.rlc) add_address(Engine::Writes, ofmaps_base_ + index);
      if (job.rlc) code.push(v);
    }
    int64_t link_words = n;
    if (job.rlc) {
      const bool image_end = (first + n) % image_words == 0;
      link_words = (image_end ? code.words_total() : code.words_complete()) - coded_sent;
      // The coded stream lies contiguously from the address of the image's first ofmap of the tile.
      if (addresses_) {
        const int64_t w = first - first % image_words, f = w % s.F, m = w / s.F / tile.eb % tile.mb;
        const int64_t b = w / (int64_t(s.F) * tile.eb * tile.mb);
        const int64_t filter = int64_t(tile.group) * s.M + tile.m0 + m;
        add_address(Engine::Writes,
                    ofmaps_base_ + ((int64_t(tile.b0) + b) * filters + filter) * s.E * s.F + tile.e0 * s.F + f +
                        coded_sent,
                    link_words);
      }
      coded_sent += link_words;
    }
    const int64_t leaves = link_time(Engine::Writes, link_words, writing);
    wait_until_cycle(leaves);
    count_(Level::DRAM, Data::Psum, 0, link_words);
    glb->drain_tile(tile_index, n);
    first += n;
  }
  glb->release_tile(tile_index);
}

void Dram::write_engine() {
  while (true) {
    while (!store_queue_.available()) wait(store_queue_.written_event().armed());
    const int tile = store_queue_.front();
    store_queue_.pop();
    store_tile(tile);
    if (trace_) writing.write(false);
    stores_done_.write(stores_done_.read() + 1);
  }
}

void Dram::trace_signals(sc_core::sc_trace_file* file) {
  trace_ = true;
  sc_core::sc_trace(file, reading, "dram.reading");
  sc_core::sc_trace(file, reading_weights, "dram.reading_weights");
  sc_core::sc_trace(file, writing, "dram.writing");
  sc_core::sc_trace(file, read_job, "dram.read_job");
}

}  // namespace rowsim::hw
