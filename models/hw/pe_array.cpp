#include "models/hw/pe_array.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <stdexcept>

#include "models/hw/noc.hpp"
#include "workloads/util/failure.hpp"

namespace rowsim::hw {
namespace {

constexpr int kHeadDepth = kPsumHeadDepth;
static_assert((kHeadDepth & (kHeadDepth - 1)) == 0, "the chain heads' ring indices wrap with a mask");

}  // namespace

PeArray::PeArray(sc_core::sc_module_name name, ClockDomain& clock)
    : Clocked(name, clock), control_side("control_side"), noc("noc"), ledger("ledger"),
      weights_wait_dram("weights_wait_dram"), ifmap_wait_dram("ifmap_wait_dram"), macs_per_cycle("macs_per_cycle"),
      busy_pes("busy_pes"), stall_cause("stall_cause"), chain_psums("chain_psums"), passes_done_("passes_done") {
  control_side.bind(*this);
  SC_METHOD(tick);
  sensitive << start_ << next_edge();
  dont_initialize();
}

void PeArray::end_of_elaboration() {
  // A long-lived list (next_trigger keeps a pointer to the list it waits on), built once the NoC
  // port is bound.
  NocArrayIf& bus = *noc.operator->();
  // Filter words need no visit each: the array takes them when it next acts (FillBus) and is
  // woken when the fill is complete.
  wake_.add(bus.gin_filter().filled_event());
  wake_.add(bus.gin_ifmap().written_event());
  wake_.add(bus.gin_ifmap().ahead_event());
  wake_.add(bus.gin_psum().written_event());
  wake_.add(bus.gon_psum().read_event());
  // The GLB's DRAM-wait flags are seen a cycle late (a signal); a sleeping array re-reads them when
  // they change, so a long wait is attributed from the cycle after the GLB's flag changed, not
  // from whatever the flag was when the array went to sleep.
  wake_.add(weights_wait_dram.value_changed_event());
  wake_.add(ifmap_wait_dram.value_changed_event());
}

// How many words a PE can accumulate in 32 bits: each adds at most one product per filter, and
// no product exceeds the layer's largest weight magnitude times its largest ifmap magnitude.
static int narrow_words(const LayerJob& job) {
  const ConvShape& s = job.shape;
  if (!job.weights || !job.ifmap) return 1;
  auto largest = [](const int16_t* v, int64_t n) {
    int64_t m = 0;
    for (int64_t i = 0; i < n; ++i) m = std::max<int64_t>(m, v[i] < 0 ? -int64_t(v[i]) : int64_t(v[i]));
    return m;
  };
  const int64_t product = largest(job.weights, s.weights()) * largest(job.ifmap, int64_t(s.N) * s.G * s.C * s.H * s.W);
  const int64_t words = product == 0 ? INT32_MAX : INT32_MAX / product;  // >= 1: |product| <= 2^30
  return int(std::min<int64_t>(words, INT32_MAX));
}

void PeArray::begin_layer(const LayerSetup* setup) {
  ctx_ = setup;
  count_.reset();
  running_ = false;
  shared_.narrow_words = narrow_words(*setup->job);
}

void PeArray::begin_pass(const PassGeometry& geometry) {
  geo_ = geometry;
  const PassGeometry& g = geo_;
  const Pass& ps = g.plan->ps;
  const ConvShape& s = ctx_->s;
  const Mapping& mp = ctx_->mp;
  const ArchSpec& arch = ctx_->job->arch;
  shared_.S = s.S, shared_.U = s.U, shared_.F = s.F, shared_.nb = g.nb;
  shared_.npos = int(ctx_->positions.size());
  shared_.win_stride = ctx_->win_stride;
  shared_.ifmap_cap = arch.spad_ifmap;
  shared_.psum_cap = arch.spad_psum;
  shared_.pos_col = ctx_->pos_col.data();
  shared_.skip_zero_weights = ctx_->compressed();
  shared_.gate = ctx_->job->zero_gating;

  const int L = g.chain_length, n = g.pes();
  pes_.resize(size_t(n));
  state_.assign(size_t(n), Run);
  waiting_ifmap_ = waiting_psum_ = 0;
  // Ahead MACs end at most a window (p filters by q channels by S taps) after the cycle they are
  // done in (Pe::more_words).
  int ring = 4;
  while (ring < mp.p * mp.q * s.S + 2) ring *= 2;
  ahead_change_.assign(size_t(ring), 0);
  due_.resize(size_t(ring));
  for (auto& list : due_) list.clear();
  ring_mask_ = ring - 1;
  ahead_busy_ = 0;
  queues_.assign(size_t(n), PsumQueue{});
  const size_t window_entries = size_t(n) * size_t(mp.p);
  window_acc_.assign(window_entries, 0);
  window_done_.assign(window_entries, 0);
  window_wide_.assign(window_entries, 0);
  has_psums_.reset(g.chains, L);
  waits_psum_.reset(g.chains, L);
  quiet_.assign(size_t(g.chains), kMayMove);
  link_full_.reset(g.chains, L);
  moved_.assign(size_t(link_full_.per_chain), 0);
  chains_.resize(size_t(g.chains));
  const int tags = g.filter_sets * g.channel_sets * g.rb;
  spad_of_tag_.assign(size_t(tags) + 1, 0);
  for (int ft = 0; ft < g.filter_sets; ++ft)
    for (int ct = 0; ct < g.channel_sets; ++ct)
      for (int i = 0; i < g.rb; ++i) {
        const int tag = g.weight_tag(ft, ct, i);
        spad_of_tag_[size_t(tag) + 1] =
            int64_t(g.filters_of_set(ft, mp.p, ps.fb)) * g.channels_of_set(ct, mp.q, ps.cb) * s.S;
      }
  for (size_t t = 1; t < spad_of_tag_.size(); ++t) spad_of_tag_[t] += spad_of_tag_[t - 1];
  filter_spads_.assign(size_t(spad_of_tag_.back()), 0);
  // The chains' outputs together: every psum of the pass.
  sums_.assign(size_t(int64_t(g.nb) * ps.fb * g.eb * s.F), 0);
  int64_t* sums = sums_.data();
  noc->configure(n, g.chains, g.filter_sets * g.channel_sets * g.rb, g.channel_sets * int(g.rows.size()));
  for (int c = 0; c < g.chains; ++c) {
    Chain& ch = chains_[size_t(c)];
    ch.ft = c / g.eb, ch.j = c % g.eb, ch.length = L;
    ch.p = g.filters_of_set(ch.ft, mp.p, ps.fb);
    ch.outputs = int64_t(g.nb) * ch.p * s.F;
    ch.sent = ch.entered = 0;
    ch.sums = sums;
    sums += ch.outputs;
    ch.k = ch.f = ch.b = 0;
    ch.head.assign(kHeadDepth, 0);
    ch.head_first = ch.head_size = 0;
    for (int pos = 0; pos < L; ++pos) {
      const int ct = pos / g.rb, i = pos % g.rb;
      const int h = (ps.e0 + ch.j) * s.U + ps.r0 + i - s.pad_h;
      const bool real = h >= 0 && h < s.H;
      const int pe = c * L + pos;
      queues_[size_t(pe)].sums = ch.sums;
      const int weight_tag = g.weight_tag(ch.ft, ct, i);
      const size_t first = size_t(pe) * size_t(mp.p);
      const WindowSums window{window_acc_.data() + first, window_wide_.data() + first, window_done_.data() + first};
      pes_[size_t(pe)].configure(shared_, ch.p, g.channels_of_set(ct, mp.q, ps.cb), !real, &queues_[size_t(pe)],
                                 filter_spads_.data() + spad_of_tag_[size_t(weight_tag)], window);
      noc->set_ids(pe, weight_tag, real ? g.ifmap_tag(ct, g.row_of_h[size_t(h)]) : -1);
    }
  }
  noc->build_groups();
  reach_of_tag_.resize(size_t(tags));
  for (int tag = 0; tag < tags; ++tag) reach_of_tag_[size_t(tag)] = int(noc->filter_group(tag).size());
  // Ifmap words every destination takes on arrival, whatever the PEs do: those that fit the spads
  // as configured (a spad's room only grows once its PE computes).
  const int ifmap_tags = g.channel_sets * int(g.rows.size());
  ifmap_grants_.assign(size_t(ifmap_tags), may_send_ahead() ? INT_MAX : 0);
  for (int tag = 0; tag < ifmap_tags && may_send_ahead(); ++tag) {
    const PeGroup group = noc->ifmap_group(tag);
    for (const int* pe = group.begin; pe != group.end; ++pe)
      ifmap_grants_[size_t(tag)] = std::min(ifmap_grants_[size_t(tag)], pes_[size_t(*pe)].words_before_full());
  }
  noc->gin_ifmap().grant(ifmap_grants_);
  noc->gin_filter().expect(g.weight_words + g.bitmap_words);
  bitmap_received_ = 0;
  armed_ = false;
  first_accumulation_ = ps.first_accumulation;
  active_ = n;
  chains_done_ = 0;
  first_cycle_ = cycle() + 1;  // begin_pass runs in the controller's cycle; the array acts from the next
  count_.counts.active_pes = std::max<int64_t>(count_.counts.active_pes, n);
  running_ = true;
  sleep_cause_ = Stall::Pipeline;
  start_.notify(sc_core::SC_ZERO_TIME);
}

void PeArray::deliver(bool& progress) {
  NocArrayIf& bus = *noc.operator->();
  auto& gin_filter = bus.gin_filter();
  int64_t weights_reached = 0;
  while (gin_filter.available()) {
    const FilterWord w = gin_filter.front();
    gin_filter.pop();
    if (w.tag == kBitmapTag) {
      // Once the whole bitmap is in, every PE holds one bit per weight position of its spad.
      if (++bitmap_received_ == geo_.bitmap_words) {
        int64_t bits = 0;
        for (const Chain& ch : chains_)
          for (int pos = 0; pos < ch.length; ++pos)
            bits += int64_t(ch.p) * geo_.channels_of_set(pos / geo_.rb, ctx_->mp.q, geo_.plan->ps.cb);
        bits *= ctx_->s.S;
        count_(Level::Array, Data::Index, bits, 0);
        count_(Level::RF, Data::Index, 0, bits);
      }
      continue;
    }
    filter_spads_[size_t(spad_of_tag_[size_t(w.tag)] + w.index)] = w.value;  // the group's copy
    weights_reached += reach_of_tag_[size_t(w.tag)];
  }
  // Multicast: one array access and one spad write per PE reached.
  count_(Level::Array, Data::Weight, weights_reached, 0);
  count_(Level::RF, Data::Weight, 0, weights_reached);
  auto& gin_ifmap = bus.gin_ifmap();
  // Multicast: every PE of the word's group writes it into its spad; one waiting for it runs.
  auto multicast = [&](const IfmapWord& w, const PeGroup& group) {
    for (const int* pe = group.begin; pe != group.end; ++pe) {
      pes_[size_t(*pe)].accept(w);
      if (state_[size_t(*pe)] == WaitIfmap) state_[size_t(*pe)] = Run, --waiting_ifmap_, wake(*pe, now_);
    }
  };
  // Granted words first (they lead the pass's stream): their PEs have room. During the weight fill
  // no PE computes, so taking one is no reason to act next cycle (GrantedBus).
  const bool computing = gin_filter.complete(now_);
  while (gin_ifmap.ahead_due(now_)) {
    const IfmapWord& w = gin_ifmap.ahead_front();
    multicast(w, bus.ifmap_group(w.tag));
    gin_ifmap.pop_ahead();
    progress |= computing;
  }
  while (gin_ifmap.available()) {
    const IfmapWord& w = gin_ifmap.front();
    const PeGroup group = bus.ifmap_group(w.tag);
    bool ready = true;
    for (const int* pe = group.begin; pe != group.end && ready; ++pe) ready = pes_[size_t(*pe)].can_accept();
    if (!ready) break;  // the bus waits until every destination has room
    multicast(w, group);
    gin_ifmap.pop();
    progress = true;
  }
  auto& gin_psum = bus.gin_psum();
  while (gin_psum.available()) {
    const PsumWord& w = gin_psum.front();
    Chain& ch = chains_[size_t(w.where)];
    if (ch.head_size == kHeadDepth) panic("PE array: psum sent to chain {} whose head buffer is full, expected the GLB to hold a credit", w.where);
    const int slot = (ch.head_first + ch.head_size) & (kHeadDepth - 1);
    ch.head[size_t(slot)] = w.value;
    ++ch.head_size;
    quiet_[size_t(w.where)] = kMayMove;
    gin_psum.pop();
    count_(Level::Array, Data::Psum, 1, 0);
    progress = true;
  }
}

template <bool kOneWord>
void PeArray::move_psums(bool& progress) {
  const PassGeometry& g = geo_;
  const Pass& ps = g.plan->ps;
  const int F = ctx_->s.F, L = g.chain_length, nchains = g.chains, p = ctx_->mp.p;
  NocArrayIf& bus = *noc.operator->();
  auto& gon = bus.gon_psum();
  PsumCredits& credits = bus.psum_credits();
  int gon_budget = int(std::min<size_t>(size_t(ctx_->psum_bus), gon.space()));
  int64_t hops = 0;
  // A dense PE that waited for a psum entry takes the one a leaving psum frees (Pe::mac_on_freed_entry).
  // True when the PE no longer waits.
  auto entry_freed = [&](int pe) {
    if (shared_.skip_zero_weights) {
      state_[size_t(pe)] = Run, --waiting_psum_, wake(pe, now_);
      return true;
    }
    ++freed_entry_macs_;
    if (!pes_[size_t(pe)].mac_on_freed_entry()) return false;
    state_[size_t(pe)] = Ahead, --waiting_psum_, wake(pe, now_);
    return true;
  };
  const int per_chain = kOneWord ? 1 : link_full_.per_chain, bottom_bit = (L - 1) & 63;
  // Plain pointers: the State stores below may alias anything, which would reload a vector's data.
  PsumQueue* const queues = queues_.data();
  uint64_t* moved = moved_.data();
  // The GON's round-robin pointer turns every cycle of the pass, whether or not the array acted in it.
  const int rr = nchains > 0 ? int((now_ - first_cycle_) % nchains) : 0;
  uint64_t* const has_words = has_psums_.words.data();
  uint64_t* const full_words = link_full_.words.data();
  uint64_t* const wait_words = waits_psum_.words.data();
  Quiet* const quiet = quiet_.data();
  auto walk = [&](int c) __attribute__((always_inline)) {
    Chain& ch = chains_[size_t(c)];
    const int base = c * L;
    uint64_t* has = has_words + size_t(c) * size_t(per_chain);
    uint64_t* full = full_words + size_t(c) * size_t(per_chain);
    uint64_t* wait = wait_words + size_t(c) * size_t(per_chain);
    // A PE moves when it holds a psum, has one to add to (the register below it; at the bottom, a
    // psum from the GLB, or zero in the first accumulation round) and the place above it is free
    // now: the register above is empty or its psum moves on this cycle (registers freed this cycle
    // are refilled this cycle), or at the top the GON takes a word. With bits ordered from the top,
    // moves(b) = free_above(b) | (ready(b) & moves(b - 1)) over ready PEs is a carry chain: one
    // addition per word finds every PE that moves.
    const bool bottom_ready = first_accumulation_ || ch.head_size > 0;
    uint64_t carry = 0, above_top = gon_budget > 0 ? 0 : 1;  // bit "the place above is full"
    int any = 0;
    for (int k = 0; k < per_chain; ++k) {
      uint64_t input = full[k];
      if (k == per_chain - 1 && bottom_ready) input |= uint64_t(1) << bottom_bit;
      const uint64_t ready = has[k] & input;
      const uint64_t above_full = (full[k] << 1) | above_top;
      above_top = full[k] >> 63;
      const uint64_t free_above = ready & ~above_full;
      const unsigned __int128 sum = (unsigned __int128)ready + free_above + carry;
      const uint64_t carries_in = uint64_t(sum) ^ ready ^ free_above;  // bit b: the PE above b moves
      const uint64_t out = uint64_t(sum >> 64);
      moved[k] = (carries_in >> 1) | (out << 63);
      carry = out;
      any |= moved[k] != 0;
    }
    if (!any) {
      // The same inputs move nothing again: until the chain gets psums (from its PEs or at its
      // head) it is not walked, or, when the GON took no word, not while the GON takes none.
      quiet[c] = gon_budget > 0 ? kQuiet : kQuietWhileGonFull;
      return;
    }
    // Apply the moves, in any order: each mover's oldest psum leaves its spad (its value is in the
    // chain's sums already).
    for (int k = 0; k < per_chain; ++k) {
      uint64_t bits = moved[k];
      const int first = base + L - 1 - k * 64;  // the PE of bit 0 of word k
      while (bits) {
        const int b = __builtin_ctzll(bits);
        bits &= bits - 1;
        ++hops;
        if (--queues[first - b].size == 0) has[k] &= ~(uint64_t(1) << b);
      }
      // Movers waiting for a psum entry take the one freed.
      for (uint64_t waiting = moved[k] & wait[k]; waiting; waiting &= waiting - 1) {
        const int b = __builtin_ctzll(waiting);
        if (entry_freed(first - b)) wait[k] &= ~(uint64_t(1) << b);
      }
    }
    // The bottom PE took a psum from the chain head (none in the first accumulation round).
    if (!first_accumulation_ && (moved[per_chain - 1] >> bottom_bit & 1)) {
      ch.sums[ch.entered++] += ch.head[size_t(ch.head_first)];
      ch.head_first = (ch.head_first + 1) & (kHeadDepth - 1);
      --ch.head_size;
      credits.give(c);
    }
    // The top PE sent an output on the GON; outputs leave in the chain's order: image, ofmap
    // column, filter.
    if (moved[0] & 1) {
      const int64_t m = ps.f0 - ps.m0 + int64_t(ch.ft) * p + ch.k;
      gon.push({ch.sums[ch.sent], int32_t(((ch.b * ps.mb + m) * g.eb + ch.j) * F + ch.f)});
      --gon_budget;
      if (++ch.k == ch.p) {
        ch.k = 0;
        if (++ch.f == F) ch.f = 0, ++ch.b;
      }
      if (++ch.sent == ch.outputs) ++chains_done_;
    }
    // The registers consumed empty and those written (the PE below each mover's) fill: bit b - 1.
    for (int k = 0; k < per_chain; ++k) {
      const uint64_t from_below = k + 1 < per_chain ? moved[k + 1] << 63 : 0;
      full[k] = (full[k] & ~moved[k]) | (moved[k] >> 1) | from_below;
    }
  };
  // From the round-robin pointer on; a chain without psums has nothing to move (the common case).
  auto may_move = [&](int c) {
    return (per_chain > 1 || has_words[c] != 0) &&
           (quiet[c] == kMayMove || (quiet[c] == kQuietWhileGonFull && gon_budget > 0));
  };
  for (int c = rr; c < nchains; ++c)
    if (may_move(c)) walk(c);
  for (int c = 0; c < rr; ++c)
    if (may_move(c)) walk(c);
  if (hops) {
    count_(Level::Array, Data::Psum, hops, 0);
    progress = true;
  }
}

template <bool kSkip, bool kGate>
int PeArray::step_pes(bool& progress) {
  const int64_t now = now_;
  int busy = ahead_busy_ + freed_entry_macs_;  // PEs performing a MAC done ahead or on a freed entry
  // The PEs due this cycle; every other one waits, is done, or performs a MAC done ahead. Each is
  // stepped on its own state, so the order they are visited in does not matter.
  std::vector<int>& due = due_[size_t(now & ring_mask_)];
  for (const int i : due) {
    Pe& pe = pes_[size_t(i)];
    int r = 0, ahead = 0;
    if (state_[size_t(i)] == Ahead) {
      // The word's last MAC is this cycle's (counted above); the next word may begin next cycle.
      if (kSkip) r = pe.finish_word<kSkip, kGate>();
      else r = pe.finish_word_and_begin<kGate>(ahead);
      state_[size_t(i)] = Run;
      if (r & Pe::kBegun) {
        if (ahead > 0) start_ahead(now, ahead);
        if (r & Pe::kWindow) psums_queued(i), progress = true;
        if (ahead == 0) wait_psum(i);
        else if (pe.word_done()) state_[size_t(i)] = Ahead, wake(i, now + ahead);
        else wake(i, now + ahead + 1);
        continue;
      }
    } else {
      r = pe.step<kSkip, kGate>(ahead);
      if (r == Pe::kMac && ahead == 0) {  // the common case without ahead MACs
        ++busy;
        // A dense PE whose next MAC needs a freed psum entry waits for it (see move_psums).
        if (!kSkip && pe.waits_for_entry()) wait_psum(i);
        else wake(i, now + 1);
        continue;
      }
    }
    if (r & Pe::kMac) ++busy;
    if (r & Pe::kWindow) psums_queued(i);
    // Skipped taps may have freed ifmap spad room a waiting multicast needs.
    if (r & (Pe::kWindow | Pe::kSkipped)) progress = true;
    if ((r & Pe::kWindow) && pe.done()) {
      state_[size_t(i)] = Done;
      --active_;
    } else if (r & Pe::kStallIfmap) {
      state_[size_t(i)] = WaitIfmap, ++waiting_ifmap_;
    } else if (r & Pe::kStallPsum) {
      wait_psum(i);
    } else if (ahead > 0) {
      start_ahead(now, ahead);
      if (r & Pe::kWordEnds) state_[size_t(i)] = Ahead, wake(i, now + ahead);
      else wake(i, now + ahead + 1);
    } else if (!kSkip && (r & Pe::kMac) && pe.waits_for_entry()) {
      wait_psum(i);
    } else {
      wake(i, now + 1);
    }
  }
  due.clear();
  return busy;
}

void PeArray::trace(int macs, int busy, Stall cause) {
  macs_per_cycle.write(macs);
  busy_pes.write(busy);
  stall_cause.write(macs ? -1 : int(cause));
  int64_t waiting = 0;
  for (const auto& ch : chains_) waiting += ch.outputs - ch.sent;
  chain_psums.write(int(waiting));
}

void PeArray::tick() {
  if (!running_) return idle_until(start_);
  if (!due()) return;  // woken by an event: act at the next edge
  const int64_t now = acting_cycle();
  now_ = now;
  freed_entry_macs_ = 0;
  int& change = ahead_change_[size_t(now & ring_mask_)];
  ahead_busy_ += change;
  change = 0;
  bool progress = false;
  deliver(progress);
  int busy = 0;
  Stall why = Stall::Pipeline;
  const bool filling = !noc->gin_filter().complete(now);
  if (filling) {
    why = weights_wait_dram.read() ? Stall::DramWeights : Stall::WeightFill;
  } else {
    if (!armed_) {
      for (Pe& pe : pes_) pe.arm();
      for (int i = 0; i < int(pes_.size()); ++i) wake(i, now);  // every PE steps from the first cycle
      armed_ = true;
    }
    if (chains_done_ < int(chains_.size())) {
      if (link_full_.per_chain == 1) move_psums<true>(progress);
      else move_psums<false>(progress);
    }
    if (active_ > 0) {
      switch (int(shared_.skip_zero_weights) * 2 + int(shared_.gate)) {
        case 0: busy = step_pes<false, false>(progress); break;
        case 1: busy = step_pes<false, true>(progress); break;
        case 2: busy = step_pes<true, false>(progress); break;
        default: busy = step_pes<true, true>(progress); break;
      }
    }
    if (!busy) {
      why = waiting_ifmap_ > 0 ? (ifmap_wait_dram.read() ? Stall::DramIfmap : Stall::IfmapBus)
                               : waiting_psum_ > 0 ? Stall::Psum : Stall::Pipeline;
    }
  }
  ledger->fill_until(now - 1, sleep_cause_);
  ledger->cycle(now, busy > 0, why);
  if (trace_) trace(busy, busy, why);

  // The pass is done in the array once every psum has left and, since a PE that skips taps can
  // finish early, every PE has all its ifmap words; the GLB completes it when the last psums arrive.
  if (!filling && active_ == 0 && chains_done_ == int(chains_.size()) &&
      std::all_of(pes_.begin(), pes_.end(), [](const Pe& pe) { return pe.filled(); })) {
    int64_t macs = 0, attempted = 0, dense = 0, deliveries = 0, psum_rf = 0;
    for (const Pe& pe : pes_) {
      macs += pe.macs();
      attempted += pe.attempted();
      dense += pe.dense_macs();
      deliveries += pe.deliveries();
      psum_rf += pe.psum_rf();
    }
    count_.counts.macs += macs;
    count_.counts.macs_skipped += dense - macs;
    count_(Level::RF, Data::Weight, macs, 0);
    count_(Level::RF, Data::Ifmap, attempted, deliveries);
    count_(Level::Array, Data::Ifmap, deliveries, 0);  // NoC deliveries, padding zeros included
    count_(Level::RF, Data::Psum, psum_rf, psum_rf);
    running_ = false;
    passes_done_.write(passes_done_.read() + 1);
    if (trace_) trace(0, 0, Stall::Pipeline);
    return idle_until(start_);
  }
  if (progress || busy) return next_cycle();
  sleep_cause_ = why;
  // A fill whose words are all on their way completes in a known cycle (its notification may have
  // been due in this one, before this sleep).
  // After the fill, the next granted ifmap word is read in a known cycle too (no event announces it).
  const int64_t wake_at = filling ? noc->gin_filter().complete_at() : noc->gin_ifmap().next_ahead();
  if (wake_at > now) sleep_until(wake_at, wake_);
  else sleep(wake_);
}

void PeArray::trace_signals(sc_core::sc_trace_file* file) {
  trace_ = true;
  sc_core::sc_trace(file, macs_per_cycle, "array.macs");
  sc_core::sc_trace(file, busy_pes, "array.busy_pes");
  sc_core::sc_trace(file, stall_cause, "array.stall_cause");
  sc_core::sc_trace(file, chain_psums, "array.psums_left");
}

}  // namespace rowsim::hw
