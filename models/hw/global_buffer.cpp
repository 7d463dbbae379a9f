#include "models/hw/global_buffer.hpp"

#include <algorithm>
#include <stdexcept>
#include "workloads/util/failure.hpp"

namespace rowsim::hw {

void GlbSpace::reset(int64_t pool0, int64_t pool1, size_t tiles) {
  capacity_ = {pool0, pool1};
  used_ = released_ = {0, 0};
  live_.assign(tiles, 0);
  liveness_.clear();
}

bool GlbSpace::claim(int pool, int64_t words) {
  int64_t& used = used_[size_t(pool)];
  if (used + words > capacity_[size_t(pool)] && used > 0) return false;
  used += words;
  return true;
}

void GlbSpace::release(int pool, int64_t words) {
  released_[size_t(pool)] += words;
  request_update();
}

void GlbSpace::set_live(int tile, bool live) {
  liveness_.emplace_back(tile, live);
  request_update();
}

void GlbSpace::update() {
  if (released_[0] || released_[1]) {
    used_[0] -= released_[0];
    used_[1] -= released_[1];
    released_ = {0, 0};
    freed_.notify(sc_core::SC_ZERO_TIME);
  }
  bool allocated = false;
  for (auto [tile, live] : liveness_) {
    live_[size_t(tile)] = live;
    allocated |= live;
  }
  liveness_.clear();
  if (allocated) allocated_.notify(sc_core::SC_ZERO_TIME);
}

GlobalBuffer::GlobalBuffer(sc_core::sc_module_name name, ClockDomain& clock)
    : Clocked(name, clock), dma_side("dma_side"), control_side("control_side"), noc("noc"),
      weights_wait_dram("weights_wait_dram"), ifmap_wait_dram("ifmap_wait_dram"), words_used("words_used"),
      ifmap_sent("ifmap_sent"), psum_received("psum_received"), space_("space") {
  dma_side.bind(*this);
  control_side.bind(*this);
  SC_METHOD(tick);
  sensitive << start_ << next_edge();
  dont_initialize();
  SC_METHOD(trace_usage);
  sensitive << usage_changed_;
  dont_initialize();
}

void GlobalBuffer::end_of_elaboration() {
  // Long-lived lists (next_trigger keeps a pointer to the list it waits on), built once the NoC
  // port is bound.
  NocGlbIf& bus = *noc.operator->();
  for (WakeList* list : {&wake_, &wake_or_arrival_}) {
    list->add(bus.gon_psum().written_event());
    list->add(bus.gin_ifmap().read_event());
    list->add(bus.gin_psum().read_event());
    list->add(bus.psum_credits().returned_event());
  }
  wake_or_arrival_.add(arrival_scheduled_);
}

void GlobalBuffer::trace_usage() { words_used.write(int(space_.used())); }

void GlobalBuffer::begin_layer(const LayerSetup* setup) {
  ctx_ = setup;
  const ArchSpec& arch = setup->job->arch;
  partitioned_ = !arch.glb_shared();
  if (partitioned_) space_.reset(arch.glb_ifmap_psum_words(), arch.glb_filter_words(), setup->plan.tiles.size());
  else space_.reset(arch.glb_words(), 0, setup->plan.tiles.size());
  ifmaps_.assign(setup->plan.ifmaps.size(), IfmapStore{});
  weights_.assign(setup->plan.weights.size(), WeightStore{});
  tiles_.assign(setup->plan.tiles.size(), TileStore{});
  count_.reset();
  running_ = false;
}

int GlobalBuffer::pool_of(DmaKind kind) const { return kind == DmaKind::LoadWeights && partitioned_ ? 1 : 0; }

bool GlobalBuffer::allocate(const DmaJob& job) {
  const LayerPlan& plan = ctx_->plan;
  const ConvShape& s = ctx_->s;
  int64_t words = 0;
  switch (job.kind) {
    case DmaKind::LoadIfmap: words = plan.ifmaps[size_t(job.index)].words(int64_t(plan.cols.size())); break;
    case DmaKind::LoadWeights: words = weight_block_words(job.index); break;
    case DmaKind::AllocPsum: words = plan.tiles[size_t(job.index)].words(s.F); break;
  }
  // The mapping fits the GLB, so one block of each kind always fits an otherwise empty pool.
  if (!space_.claim(pool_of(job.kind), words)) return false;
  if (trace_) usage_changed_.notify(sc_core::SC_ZERO_TIME);
  switch (job.kind) {
    case DmaKind::LoadIfmap: {
      const IfmapBlock& blk = plan.ifmaps[size_t(job.index)];
      IfmapStore& st = ifmaps_[size_t(job.index)];
      const int64_t slots = int64_t(blk.nb) * blk.cb * int64_t(blk.rows.size());
      st.live = true;
      st.data.assign(size_t(words), 0);
      st.ready.assign(size_t(slots), kNever);
      st.row_index.assign(size_t(s.H), -1);
      for (size_t r = 0; r < blk.rows.size(); ++r) st.row_index[size_t(blk.rows[r])] = int(r);
      break;
    }
    case DmaKind::LoadWeights: {
      WeightStore& st = weights_[size_t(job.index)];
      const int64_t positions = plan.weights[size_t(job.index)].words(s.S);
      st.live = true;
      st.words = words;
      st.data.assign(size_t(positions), 0);
      st.ready.assign(size_t((words + kBurstWords - 1) / kBurstWords), kNever);
      if (ctx_->compressed()) {
        st.stream.assign(size_t(positions), -1);
        st.position_of_value.clear();
        st.position_of_value.reserve(size_t(ctx_->block_stored[size_t(job.index)]));
        st.bitmap_ready = kNever;
      }
      break;
    }
    case DmaKind::AllocPsum: {
      TileStore& st = tiles_[size_t(job.index)];
      st.data.assign(size_t(words), 0);
      st.drained = 0;
      space_.set_live(job.index, true);
      break;
    }
  }
  return true;
}

void GlobalBuffer::write_ifmap_rows(int block, int64_t first_slot, const int16_t* values, int64_t slots,
                                    int64_t ready) {
  IfmapStore& st = ifmaps_[size_t(block)];
  const int64_t cols = int64_t(ctx_->plan.cols.size());
  std::copy(values, values + slots * cols, st.data.begin() + first_slot * cols);
  std::fill(st.ready.begin() + first_slot, st.ready.begin() + first_slot + slots, ready);
  count_(Level::GLB, Data::Ifmap, 0, slots * cols);
  arrival_scheduled_.notify(sc_core::SC_ZERO_TIME);
}

void GlobalBuffer::write_weights(int block, int64_t first_word, const int16_t* values, int64_t words, int64_t ready) {
  WeightStore& st = weights_[size_t(block)];
  if (first_word % kBurstWords != 0 || (words != kBurstWords && first_word + words != int64_t(st.data.size())))
    panic("GLB: weight burst of {} words at word {} of block {}, expected whole bursts of {}", words, first_word, block, kBurstWords);
  std::copy(values, values + words, st.data.begin() + first_word);
  st.ready[size_t(first_word / kBurstWords)] = ready;
  count_(Level::GLB, Data::Weight, 0, words);
  arrival_scheduled_.notify(sc_core::SC_ZERO_TIME);
}

int64_t GlobalBuffer::weight_block_words(int block) const {
  const int64_t positions = ctx_->plan.weights[size_t(block)].words(ctx_->s.S);
  if (!ctx_->compressed()) return positions;
  return ctx_->bitmap_words(positions) + ctx_->block_stored[size_t(block)];
}

void GlobalBuffer::write_compressed_weights(int block, int64_t first_word, int64_t words, const char* present,
                                            int64_t first_bit, int64_t bits, const int16_t* values,
                                            int64_t first_value, int64_t nvalues, int64_t ready) {
  WeightStore& st = weights_[size_t(block)];
  if (first_word % kBurstWords != 0 || (words != kBurstWords && first_word + words != st.words))
    panic("GLB: weight burst of {} words at word {} of block {}, expected whole bursts of {}", words, first_word, block, kBurstWords);
  const int64_t positions = int64_t(st.data.size()), bitmap = ctx_->bitmap_words(positions);
  // Decode the bitmap as it arrives: the k-th set bit's value is stream word bitmap + k.
  for (int64_t j = 0; j < bits; ++j) {
    if (!present[j]) continue;
    st.stream[size_t(first_bit + j)] = int32_t(bitmap + int64_t(st.position_of_value.size()));
    st.position_of_value.push_back(int32_t(first_bit + j));
  }
  for (int64_t v = 0; v < nvalues; ++v) st.data[size_t(st.position_of_value[size_t(first_value + v)])] = values[v];
  st.ready[size_t(first_word / kBurstWords)] = ready;
  if (bits > 0 && first_bit + bits == positions) st.bitmap_ready = ready;
  count_(Level::GLB, Data::Index, 0, bits);
  count_(Level::GLB, Data::Weight, 0, nvalues);
  arrival_scheduled_.notify(sc_core::SC_ZERO_TIME);
}

int64_t GlobalBuffer::weight_ready(const WeightStore& st, int64_t position, bool& stored) const {
  stored = true;
  if (!st.live) return kNever;
  if (!ctx_->compressed()) return st.ready[size_t(position / kBurstWords)];
  if (st.bitmap_ready == kNever) return kNever;  // not decoded yet
  const int32_t word = st.stream[size_t(position)];
  stored = word >= 0;
  return stored ? st.ready[size_t(word / kBurstWords)] : st.bitmap_ready;
}

int64_t GlobalBuffer::read_psum(int tile, int64_t index) {
  TileStore& st = tiles_[size_t(tile)];
  count_(Level::GLB, Data::Psum, 1, 0);
  return st.data[size_t(index)];
}

void GlobalBuffer::drain_tile(int tile, int64_t words) {
  TileStore& st = tiles_[size_t(tile)];
  st.drained += words;
  space_.release(0, words);
  if (trace_) usage_changed_.notify(sc_core::SC_ZERO_TIME);
}

void GlobalBuffer::release_tile(int tile) {
  TileStore& st = tiles_[size_t(tile)];
  space_.set_live(tile, false);
  space_.release(0, int64_t(st.data.size()) - st.drained);
  if (trace_) usage_changed_.notify(sc_core::SC_ZERO_TIME);
  std::vector<int64_t>().swap(st.data);
}

void GlobalBuffer::release_ifmap(int block) {
  IfmapStore& st = ifmaps_[size_t(block)];
  st.live = false;
  space_.release(0, int64_t(st.data.size()));
  if (trace_) usage_changed_.notify(sc_core::SC_ZERO_TIME);
  std::vector<int16_t>().swap(st.data);
  std::vector<int64_t>().swap(st.ready);
  std::vector<int>().swap(st.row_index);
}

void GlobalBuffer::locate_weight() {
  const PassGeometry& g = geo_;
  const Pass& ps = g.plan->ps;
  const Mapping& mp = ctx_->mp;
  const WeightBlock& blk = ctx_->plan.weights[size_t(g.plan->weight_block)];
  const int k = wcur_.k, c = wcur_.c;
  wcur_.position = ((int64_t(ps.f0 + k - blk.f0) * blk.cb + (ps.c0 + c - blk.c0)) * blk.rb + (ps.r0 - blk.r0)) * ctx_->s.S;
  const int ft = k / mp.p, ct = c / mp.q;
  const int p_pe = g.filters_of_set(ft, mp.p, ps.fb), q_pe = g.channels_of_set(ct, mp.q, ps.cb);
  wcur_.tag = g.weight_tag(ft, ct, 0);
  wcur_.index = (c % mp.q) * p_pe + k % mp.p;
  wcur_.index_step = q_pe * p_pe;
}

void GlobalBuffer::begin_pass(const PassGeometry& geometry) {
  geo_ = geometry;
  const PassGeometry& g = geo_;
  const Pass& ps = g.plan->ps;
  wcur_ = {};
  wcur_.total = g.positions;
  wcur_.bitmap_total = g.bitmap_words;
  if (wcur_.total > 0) locate_weight();
  icur_ = {};
  icur_.total = int64_t(g.nb) * int64_t(ctx_->plan.cols.size()) * ps.cb * int64_t(g.rows.size());
  pcur_.total = ps.first_accumulation ? 0 : int64_t(g.nb) * ps.fb * g.eb * ctx_->s.F;
  pcur_.sent = 0;
  pcur_.chains.assign(size_t(g.chains), PsumCursor{});
  pcur_.left.reset(g.chains, false);
  for (int c = 0; c < g.chains; ++c) {
    PsumCursor& cur = pcur_.chains[size_t(c)];
    cur.ft = c / g.eb, cur.j = c % g.eb, cur.p = g.filters_of_set(cur.ft, ctx_->mp.p, ps.fb);
    cur.total = ps.first_accumulation ? 0 : int64_t(g.nb) * cur.p * ctx_->s.F;
    if (cur.total > 0) pcur_.left.insert(c);
  }
  pcur_.next = 0;
  expected_ = int64_t(g.nb) * ps.fb * g.eb * ctx_->s.F;
  received_ = 0;
  running_ = true;
  start_.notify(sc_core::SC_ZERO_TIME);
}

template <bool kCompressed>
GlobalBuffer::WeightCycle GlobalBuffer::weight_port_cycle(int64_t t) {
  const PassGeometry& g = geo_;
  const PassPlan& pp = *g.plan;
  const Pass& ps = pp.ps;
  const int S = ctx_->s.S;
  const WeightStore& st = weights_[size_t(pp.weight_block)];
  WeightCycle out;
  auto wait_for = [&](int64_t ready) {
    out.waits = true;
    if (ready == kNever) out.unscheduled = true;
    else out.wait_until = ready + 1;
  };
  // The cursor walks the pass's positions in (filter, channel, row, column) order.
  auto position = [&] { return wcur_.position + int64_t(wcur_.i) * S + wcur_.x; };
  auto advance = [&] {
    ++wcur_.sent;
    if (++wcur_.x == S) {
      wcur_.x = 0;
      if (++wcur_.i == ps.rb) {
        wcur_.i = 0;
        if (++wcur_.c == ps.cb) {
          wcur_.c = 0;
          ++wcur_.k;
        }
        if (wcur_.sent < wcur_.total) locate_weight();
      }
    }
  };
  // Positions without a stored weight take no bus slot (their bit went with the bitmap).
  auto skip_unstored = [&] {
    bool stored = true;
    while (kCompressed && wcur_.sent < wcur_.total) {
      weight_ready(st, position(), stored);
      if (stored) break;
      advance();
    }
  };
  int n = 0;
  // Compressed: the pass's bitmap first, word_bits positions per bus word.
  while (kCompressed && n < ctx_->filter_bus && wcur_.bitmap_sent < wcur_.bitmap_total) {
    const int64_t ready = st.live ? st.bitmap_ready : kNever;
    if (ready >= t) {
      wait_for(ready);
      break;
    }
    weight_words_.push_back({0, kBitmapTag, int32_t(wcur_.bitmap_sent)});
    out.index_reads += std::min<int64_t>(ctx_->word_bits, wcur_.total - wcur_.bitmap_sent * ctx_->word_bits);
    ++wcur_.bitmap_sent;
    ++n;
  }
  if (wcur_.bitmap_sent == wcur_.bitmap_total) {
    skip_unstored();
    for (; n < ctx_->filter_bus && wcur_.sent < wcur_.total; ++n) {
      const int64_t word = position();
      bool stored = true;
      // Dense: every position is stored, in its burst.
      const int64_t ready = kCompressed ? weight_ready(st, word, stored)
                            : st.live   ? st.ready[size_t(word) / size_t(kBurstWords)]
                                        : kNever;
      if (ready >= t) {
        wait_for(ready);
        break;
      }
      weight_words_.push_back({st.data[size_t(word)], wcur_.tag + wcur_.i, wcur_.index + wcur_.x * wcur_.index_step});
      ++out.data_words;
      advance();
      skip_unstored();
    }
  }
  return out;
}

// The weight port runs ahead: after acting in cycle `now`, it also sends the words of every later
// cycle that cannot wait for DRAM (their words are in the GLB already), stamped with their cycles,
// and acts again only in the first cycle it would wait in, or in the cycle of its last word. Nothing
// else sees its words earlier: no PE reads its filter spad before the fill is complete, which the
// FillBus reports from the cycle after the last word's. So the GLB need not act every cycle of a
// weight fill, and sleeps unless another port has work.
bool GlobalBuffer::send_weights(int64_t now, int64_t& wait_until, bool& wait_unscheduled) {
  if (now < wcur_.ahead_until) {  // this cycle's words have been sent
    wait_until = std::min(wait_until, wcur_.ahead_until);
    return false;
  }
  auto& bus = noc->gin_filter();
  int64_t data_words = 0, index_reads = 0;
  auto commit = [&](const WeightCycle& cycle, int64_t t) {
    bus.push(weight_words_.data(), weight_words_.size(), t);
    data_words += cycle.data_words;
    index_reads += cycle.index_reads;
    if (!weight_words_.empty()) wcur_.last_cycle = t;
  };
  bool sent = false;
  if (wcur_.pending()) {
    weight_words_.clear();
    const bool compressed = ctx_->compressed();
    const WeightCycle first = compressed ? weight_port_cycle<true>(now) : weight_port_cycle<false>(now);
    wait_until = std::min(wait_until, first.wait_until);
    wait_unscheduled |= first.unscheduled;
    sent = !weight_words_.empty();
    commit(first, now);
    weights_wait_dram->write(first.waits);
    if (!first.waits && may_send_ahead()) {
      int64_t t = now + 1;
      while (wcur_.pending()) {
        const WeightCursor before = wcur_;
        weight_words_.clear();
        const WeightCycle ahead = compressed ? weight_port_cycle<true>(t) : weight_port_cycle<false>(t);
        if (ahead.waits) {  // this cycle is the port's own again: it acts then
          wcur_ = before;
          break;
        }
        commit(ahead, t);
        ++t;
      }
      // Acts again in the first cycle it would wait in, or in its last word's, to release the block.
      if (t > now + 1) {
        wcur_.ahead_until = wcur_.pending() ? t : t - 1;
        wait_until = std::min(wait_until, wcur_.ahead_until);
      }
    }
  }
  count_(Level::GLB, Data::Index, index_reads, 0);
  count_(Level::GLB, Data::Weight, data_words, 0);
  // The weights are in the filter spads once the last is sent; a block no later pass reads leaves
  // the GLB in that cycle.
  if (!wcur_.released && !wcur_.pending() && now >= wcur_.last_cycle) {
    wcur_.released = true;
    if (geo_.plan->release_weights) {
      WeightStore& w = weights_[size_t(geo_.plan->weight_block)];
      w.live = false;
      space_.release(pool_of(DmaKind::LoadWeights), w.words);
      if (trace_) usage_changed_.notify(sc_core::SC_ZERO_TIME);
      std::vector<int16_t>().swap(w.data);
      std::vector<int64_t>().swap(w.ready);
      std::vector<int32_t>().swap(w.stream);
      std::vector<int32_t>().swap(w.position_of_value);
    }
  }
  return sent;
}

// The ifmap port sends the pass's leading words the array has granted (GrantedBus) ahead, like the
// weight port: after acting in cycle `now` it also sends the words of later cycles whose data is in
// the GLB, stamped with their cycles, and acts again in the first cycle it would wait in or whose
// words are not all granted.
bool GlobalBuffer::send_ifmaps(int64_t now, int64_t& wait_until, bool& wait_unscheduled) {
  if (now < icur_.ahead_until) {  // this cycle's words have been sent
    wait_until = std::min(wait_until, icur_.ahead_until);
    return false;
  }
  const PassGeometry& g = geo_;
  const PassPlan& pp = *g.plan;
  const Pass& ps = pp.ps;
  const IfmapBlock& blk = ctx_->plan.ifmaps[size_t(pp.ifmap_block)];
  const IfmapStore& st = ifmaps_[size_t(pp.ifmap_block)];
  const int64_t cols = int64_t(ctx_->plan.cols.size()), nrows = int64_t(blk.rows.size());
  const int q = ctx_->mp.q;
  auto& bus = noc->gin_ifmap();
  // The cursor's word, and in `ready` the cycle its data arrives in (kNever: not scheduled).
  auto word_at = [&](const IfmapCursor& cur, int64_t& ready) {
    const int c = ps.c0 + cur.c;
    int64_t slot = 0;
    ready = kNever;
    if (st.live) {
      slot = (int64_t(cur.b) * blk.cb + (c - blk.c0)) * nrows + st.row_index[size_t(g.rows[size_t(cur.ri)])];
      ready = st.ready[size_t(slot)];
    }
    IfmapWord w;
    w.value = st.live ? st.data[size_t(slot * cols + cur.col)] : int16_t(0);
    w.c_local = int16_t(cur.c % q);
    w.tag = g.ifmap_tag(cur.c / q, cur.ri);
    w.b_local = cur.b;
    w.col = cur.col;
    return w;
  };
  auto advance = [&](IfmapCursor& cur) {
    ++cur.sent;
    if (++cur.ri == int(g.rows.size())) {
      cur.ri = 0;
      if (++cur.c == ps.cb) {
        cur.c = 0;
        if (++cur.col == int(cols)) {
          cur.col = 0;
          ++cur.b;
        }
      }
    }
  };
  bool waits_dram = false;
  const int width = int(std::min<size_t>(size_t(ctx_->ifmap_bus), bus.space(now)));  // each word takes a slot
  int n = 0;  // words sent in this cycle
  for (; n < width && icur_.sent < icur_.total; ++n) {
    int64_t ready = kNever;
    const IfmapWord w = word_at(icur_, ready);
    if (ready >= now) {
      waits_dram = true;
      if (ready == kNever) wait_unscheduled = true;
      else wait_until = std::min(wait_until, ready + 1);
      break;
    }
    icur_.granting = icur_.granting && bus.granted(w.tag);
    if (icur_.granting) bus.push_ahead(w, now);
    else bus.push(w);
    icur_.last_cycle = now;
    count_(Level::GLB, Data::Ifmap, 1, 0);
    advance(icur_);
  }
  ifmap_wait_dram->write(waits_dram);
  // Later cycles whose words are all granted and in the GLB (the array takes them the cycle after):
  // only after a whole cycle's words, so that every cycle skipped would have sent a bus width too
  // and left the DRAM-wait flag as it is.
  if (n == ctx_->ifmap_bus && icur_.granting) {
    int64_t t = now + 1, words = 0;
    std::vector<IfmapWord>& cycle_words = ahead_words_;  // cycle t's words, sent once all qualify
    for (; icur_.sent < icur_.total; ++t) {
      IfmapCursor cur = icur_;
      cycle_words.clear();
      while (int(cycle_words.size()) < ctx_->ifmap_bus && cur.sent < cur.total) {
        int64_t ready = kNever;
        const IfmapWord w = word_at(cur, ready);
        const auto same_tag = std::count_if(cycle_words.begin(), cycle_words.end(),
                                            [&](const IfmapWord& v) { return v.tag == w.tag; });
        if (ready >= t || bus.grants_left(w.tag) <= same_tag) break;
        cycle_words.push_back(w);
        advance(cur);
      }
      if (int(cycle_words.size()) < ctx_->ifmap_bus && cur.sent < cur.total) break;  // cycle t is the port's own again
      for (const IfmapWord& w : cycle_words) bus.push_ahead(w, t);
      icur_ = cur;
      icur_.last_cycle = t;
      words += int64_t(cycle_words.size());
    }
    count_(Level::GLB, Data::Ifmap, words, 0);
    // Acts again in the first cycle it would wait in, or, all sent, after the last word's.
    if (t > now + 1) {
      icur_.ahead_until = t;
      wait_until = std::min(wait_until, t);
    }
  }
  return n > 0;
}

bool GlobalBuffer::send_psums() {
  const PassGeometry& g = geo_;
  const Pass& ps = g.plan->ps;
  const int F = ctx_->s.F, p = ctx_->mp.p;
  const TileStore& tile = tiles_[size_t(g.plan->psum_tile)];
  auto& bus = noc->gin_psum();
  PsumCredits& credits = noc->psum_credits();
  bool sent = false;
  // Round-robin over the chains that have a credit and psums left: each gets its psums in its own
  // order, and the next word starts the search after the chain served last.
  for (int n = 0; n < ctx_->psum_bus && pcur_.sent < pcur_.total && bus.space() > 0; ++n) {
    const int c = ChainSet::first_common(credits.with_credit(), pcur_.left, pcur_.next);
    if (c < 0) break;
    pcur_.next = c + 1 == g.chains ? 0 : c + 1;
    PsumCursor& cur = pcur_.chains[size_t(c)];
    const int64_t m = ps.f0 - ps.m0 + int64_t(cur.ft) * p + cur.k;
    bus.push({tile.data[size_t(((cur.b * ps.mb + m) * g.eb + cur.j) * F + cur.f)], c});
    credits.take(c);
    count_(Level::GLB, Data::Psum, 1, 0);
    sent = true;
    if (++cur.sent == cur.total) pcur_.left.erase(c);
    if (++cur.k == cur.p) {
      cur.k = 0;
      if (++cur.f == F) cur.f = 0, ++cur.b;
    }
    ++pcur_.sent;
  }
  return sent;
}

void GlobalBuffer::tick() {
  if (!running_) return idle_until(start_);
  if (!due()) return;  // woken by an event: act at the next edge
  const int64_t now = acting_cycle();
  bool progress = false;
  TileStore& tile = tiles_[size_t(geo_.plan->psum_tile)];
  auto& gon = noc->gon_psum();
  while (gon.available()) {
    const PsumWord& w = gon.front();
    tile.data[size_t(w.where)] = w.value;
    gon.pop();
    count_(Level::GLB, Data::Psum, 0, 1);
    ++received_;
    progress = true;
  }
  if (trace_) psum_received.write(int(received_));
  // Done when every psum is back and every ifmap word has left (a PE that skips taps can finish
  // before its last words arrive).
  if (received_ == expected_ && icur_.sent == icur_.total && now > icur_.last_cycle) {
    running_ = false;
    pass_done_.notify(sc_core::SC_ZERO_TIME);
    return idle_until(start_);
  }
  int64_t wait_until = kNever;
  bool wait_unscheduled = false;
  if (wcur_.pending() || !wcur_.released) progress |= send_weights(now, wait_until, wait_unscheduled);
  if (icur_.sent < icur_.total || now < icur_.ahead_until) progress |= send_ifmaps(now, wait_until, wait_unscheduled);
  if (pcur_.sent < pcur_.total) progress |= send_psums();
  if (trace_) ifmap_sent.write(int(icur_.sent));

  if (progress) return next_cycle();
  // Nothing moved: sleep until a bus frees space, psums come back, or DRAM data arrives.
  const WakeList& events = wait_unscheduled ? wake_or_arrival_ : wake_;
  if (wait_until != kNever) sleep_until(wait_until, events);
  else sleep(events);
}

void GlobalBuffer::trace_signals(sc_core::sc_trace_file* file) {
  trace_ = true;
  sc_core::sc_trace(file, words_used, "glb.words_used");
  sc_core::sc_trace(file, ifmap_sent, "glb.ifmap_words_sent");
  sc_core::sc_trace(file, psum_received, "glb.psums_received");
}

}  // namespace rowsim::hw
