#include "models/hw/controller.hpp"

namespace rowsim::hw {

Controller::Controller(sc_core::sc_module_name name, ClockDomain& clock)
    : Clocked(name, clock), glb("glb"), array("array"), dram("dram"), ledger("ledger"), pass_index("pass_index") {
  SC_THREAD(run);
}

void Controller::begin_layer(const LayerSetup* setup) {
  ctx_ = setup;
  geo_ = PassGeometry{};
  done_ = false;
  start_.notify(sc_core::SC_ZERO_TIME);
}

void Controller::setup_geometry(const PassPlan& pp, int index) {
  const Pass& ps = pp.ps;
  const ConvShape& s = ctx_->s;
  PassGeometry& g = geo_;
  g.pass = index;
  g.plan = &pp;
  g.filter_sets = ps.filter_sets(ctx_->mp.p);
  g.channel_sets = ps.channel_sets(ctx_->mp.q);
  g.rb = ps.rb, g.eb = ps.eb, g.nb = ps.nb;
  g.chain_length = g.channel_sets * g.rb;
  g.chains = g.filter_sets * g.eb;
  g.rows = rows_needed(s, ps.e0, ps.eb, ps.r0, ps.rb);
  g.positions = int64_t(ps.fb) * ps.cb * ps.rb * s.S;
  g.weight_words = g.positions;
  g.bitmap_words = 0;
  if (ctx_->compressed()) {
    // The filter bus carries the pass's bitmap and its nonzero weights only.
    g.weight_words = ctx_->nonzero_weights(pp.group, ps.f0, ps.fb, ps.c0, ps.cb, ps.r0, ps.rb);
    g.bitmap_words = ctx_->bitmap_words(g.positions);
  }
  g.row_of_h.assign(size_t(s.H), -1);
  for (size_t r = 0; r < g.rows.size(); ++r) g.row_of_h[size_t(g.rows[r])] = int(r);
}

void Controller::run() {
  while (true) {
    wait(start_);
    // The array's and the write engine's counters run on across layers.
    const int array_passes = array->passes_done(), stores = dram->stores_done();
    int stored = 0;
    const auto& passes = ctx_->plan.passes;
    for (size_t k = 0; k < passes.size(); ++k) {
      const PassPlan& pp = passes[k];
      // The pass writes psums into its m-tile's GLB space, claimed by the DMA in program order.
      while (!glb->tile_live(pp.psum_tile)) wait(glb->tile_allocated());
      ledger->fill_until(cycle(), dram->waiting_for_space() ? Stall::GlbSpace : Stall::DramIfmap);
      if (trace_) pass_index.write(int(k));
      setup_geometry(pp, int(k));
      glb->begin_pass(geo_);
      array->begin_pass(geo_);
      wait(glb->pass_done());
      // The array may still be taking its last ifmap words (a PE that skipped taps finished early).
      while (array->passes_done() - array_passes <= int(k)) wait(array->pass_done());
      ledger->fill_until(cycle(), Stall::Pipeline);
      if (pp.release_ifmap) glb->release_ifmap(pp.ifmap_block);
      if (pp.store_tile) {
        dram->store(pp.psum_tile);
        ++stored;
      }
    }
    while (dram->stores_done() - stores < stored) wait(dram->store_done());
    ledger->fill_until(cycle(), Stall::OfmapWriteback);
    done_ = true;
  }
}

void Controller::trace_signals(sc_core::sc_trace_file* file) {
  trace_ = true;
  sc_core::sc_trace(file, pass_index, "pass");
}

}  // namespace rowsim::hw
