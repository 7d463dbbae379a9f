#include "models/hw/top.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include <unistd.h>

#include <fmt/format.h>

#include "mapper/analytical.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/failure.hpp"

namespace rowsim::hw {

const char* to_string(Stall cause) {
  switch (cause) {
    case Stall::WeightFill: return "weight_fill";
    case Stall::DramWeights: return "dram_weights";
    case Stall::DramIfmap: return "dram_ifmap";
    case Stall::IfmapBus: return "ifmap_bus";
    case Stall::Psum: return "psum";
    case Stall::GlbSpace: return "glb_space";
    case Stall::Pipeline: return "pipeline";
    case Stall::OfmapWriteback: return "ofmap_writeback";
    case Stall::Count: break;
  }
  return "?";
}

const std::vector<std::string>& stall_cause_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (int k = 0; k < kStallCauses; ++k) v.push_back(to_string(Stall(k)));
    return v;
  }();
  return names;
}

Top::Top(sc_core::sc_module_name name, const std::string& vcd_base, const CreationOrder& order)
    : sc_core::sc_module(name), post_("post_process"), fixed_link_("dram_link_fixed"),
      row_buffer_link_("dram_link_row_buffer"), weights_wait_dram_("weights_wait_dram"),
      ifmap_wait_dram_("ifmap_wait_dram") {
  for (Block b : order) build(b);
  if (!noc_ || !glb_ || !array_ || !dram_ || !controller_)
    panic("Top: a creation order that misses a block, expected every block once");
  bind();
  if (vcd_base.empty()) return;
  trace_ = sc_core::sc_create_vcd_trace_file(vcd_base.c_str());
  trace_->set_time_unit(1, sc_core::SC_NS);
  controller_->trace_signals(trace_);
  array_->trace_signals(trace_);
  glb_->trace_signals(trace_);
  dram_->trace_signals(trace_);
}

void Top::build(Block block) {
  switch (block) {
    case Block::Noc: noc_ = std::make_unique<Noc>("noc"); break;
    case Block::Glb: glb_ = std::make_unique<GlobalBuffer>("glb", clock_); break;
    case Block::Array: array_ = std::make_unique<PeArray>("pe_array", clock_); break;
    case Block::Dram: dram_ = std::make_unique<Dram>("dram", clock_); break;
    case Block::Controller: controller_ = std::make_unique<Controller>("controller", clock_); break;
    case Block::Count: break;
  }
}

// The wiring; SystemC checks at elaboration that every port is bound.
void Top::bind() {
  glb_->noc(noc_->glb_side);
  glb_->weights_wait_dram(weights_wait_dram_);
  glb_->ifmap_wait_dram(ifmap_wait_dram_);
  array_->noc(noc_->array_side);
  array_->ledger(ledger_);
  array_->weights_wait_dram(weights_wait_dram_);
  array_->ifmap_wait_dram(ifmap_wait_dram_);
  dram_->glb(glb_->dma_side);
  dram_->post(post_.out);
  dram_->link(fixed_link_);
  dram_->link(row_buffer_link_);
  controller_->glb(glb_->control_side);
  controller_->array(array_->control_side);
  controller_->dram(dram_->control_side);
  controller_->ledger(ledger_);
}

Top::~Top() { close_trace(); }

void Top::close_trace() {
  if (trace_) sc_core::sc_close_vcd_trace_file(trace_);
  trace_ = nullptr;
}

namespace {

void check_job(const LayerJob& job) {
  if (!job.ifmap || !job.weights) panic("Simulator::run: layer '{}' without data, expected its ifmaps and weights", job.name);
  auto why = infeasibility_reasons(job.shape, job.mapping, job.arch);
  if (!why.empty()) {
    std::string list;
    for (const auto& w : why) list += "\n  - " + w;
    fail("layer '{}': mapping {} does not fit {}:{}", job.name, job.mapping.str(), job.arch.name, list);
  }
  const double p = job.dram_stalls.probability;
  if (!(p >= 0 && p <= 0.9)) fail("DRAM stall probability {}: expected a value in [0, 0.9]", p);
}

}  // namespace

LayerSimResult Top::run(const LayerJob& job) {
  check_job(job);
  auto ctx = std::make_unique<LayerSetup>();
  ctx->job = &job;
  ctx->s = job.shape;
  ctx->mp = job.mapping;
  ctx->plan = plan_layer(job.shape, job.mapping);
  const ConvShape& s = ctx->s;
  ctx->positions = padded_positions(s);
  std::vector<int> col_index(size_t(s.W), -1);
  for (size_t k = 0; k < ctx->plan.cols.size(); ++k) col_index[size_t(ctx->plan.cols[k])] = int(k);
  for (int p : ctx->positions) {
    int col = p - s.pad_w;
    ctx->pos_col.push_back(col >= 0 && col < s.W ? col_index[size_t(col)] : -1);
  }
  ctx->win_stride = s.U <= s.S ? s.U : s.S;
  ctx->filter_bus = job.arch.filter_bus_words();
  ctx->ifmap_bus = job.arch.ifmap_bus_words();
  ctx->psum_bus = job.arch.psum_bus_words();
  ctx->word_bits = job.arch.word_bits;
  if (job.compressed) {
    // The nonzero weights of each block: the GLB space a compressed block takes.
    for (const WeightBlock& b : ctx->plan.weights)
      ctx->block_stored.push_back(ctx->nonzero_weights(b.group, b.f0, b.fb, b.c0, b.cb, b.r0, b.rb));
  }
  const int64_t start = Clocked::cycle();
  ctx->start_cycle = start;
  ledger_.reset(start);

  noc_->begin_layer(*ctx);
  glb_->begin_layer(ctx.get());
  array_->begin_layer(ctx.get());
  post_.begin_layer(job);
  dram_->begin_layer(ctx.get());
  controller_->begin_layer(ctx.get());

  // A generous bound: the model never needs many times the analytical cycles; beyond it the
  // model is stuck (a bug), which must fail rather than hang.
  LayerCost cost = analyze(s, job.mapping, job.arch);
  const double slow = 1.0 / (1.0 - job.dram_stalls.probability);
  const double budget = (50.0 * double(cost.counts.cycles) + 2.0 * double(job.arch.dram_latency_cycles) *
                                                                   double(ctx->plan.dma.size() + 1)) *
                            slow +
                        1e6;
  sc_core::sc_start(Clocked::period() * budget, sc_core::SC_EXIT_ON_STARVATION);
  const int64_t end = Clocked::cycle();
  if (!controller_->done())
    panic("SystemC model of layer '{}' stopped at cycle {} in pass {} of {} ({}), expected it to finish within {} cycles",
          job.name, end - start, controller_->pass(), ctx->plan.passes.size(),
          sc_core::sc_pending_activity() ? "no progress" : "deadlock", int64_t(budget));
  const int64_t last = ledger_.accounted();
  LayerSimResult r;
  r.counts = glb_->counts();
  r.counts += array_->counts();
  r.counts += dram_->counts();
  r.counts.cycles = last - start;
  r.compute_cycles = ledger_.compute();
  r.counts.stall_cycles = ledger_.total_stalls();
  for (int k = 0; k < kStallCauses; ++k)
    if (ledger_.stall(Stall(k)) > 0) r.counts.stalls_by_cause[to_string(Stall(k))] = ledger_.stall(Stall(k));
  if (r.compute_cycles + r.counts.stall_cycles != r.counts.cycles)
    panic("cycle ledger: {} compute + {} stall cycles, expected the layer's {}", r.compute_cycles, r.counts.stall_cycles,
          r.counts.cycles);
  r.passes = int64_t(ctx->plan.passes.size());
  r.ofmap = dram_->take_ofmap();
  return r;
}

// --- the process's model ---------------------------------------------------------------------

namespace {

// SystemC reports go to stderr (stdout carries rowsim's reports); informational ones are dropped.
void report_handler(const sc_core::sc_report& report, const sc_core::sc_actions& actions) {
  if (report.get_severity() == sc_core::SC_INFO) return;
  if (actions & sc_core::SC_DISPLAY)
    std::fprintf(stderr, "rowsim: SystemC: %s\n", sc_core::sc_report_compose_message(report).c_str());
  sc_core::sc_report_handler::default_handler(report, actions & ~sc_core::SC_DISPLAY);
}

}  // namespace

Simulator::Simulator() {
  // Never reset: once a model has simulated, SystemC cannot elaborate another in this process.
  static bool created = false;
  if (created)
    panic("a second hw::Simulator in one process, expected one: SystemC's kernel elaborates once, so the "
          "process's Simulator must be passed down to every simulation");
  created = true;
}

Simulator::~Simulator() = default;

LayerSimResult Simulator::run(const LayerJob& job) {
  if (!top_) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    sc_core::sc_report_handler::set_handler(report_handler);
    std::string base;
    if (!trace_path_.empty()) {
      trace_tmp_ = fmt::format("{}.tmp.{}", trace_path_, ::getpid());
      base = trace_tmp_;  // SystemC appends ".vcd"
    }
    top_ = std::make_unique<Top>("rowsim", base);
    // Initialise the kernel: every thread runs to its first wait, so that the events a layer
    // notifies have listeners.
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
  return top_->run(job);
}

void Simulator::enable_trace(const std::string& vcd_path) {
  if (top_) panic("enable_trace after the model was elaborated, expected it before the first run");
  if (vcd_path.empty()) fail("the VCD trace needs a file name");
  std::string dir = vcd_path.substr(0, vcd_path.find_last_of('/') == std::string::npos ? 0 : vcd_path.find_last_of('/'));
  if (!dir.empty()) make_directories(dir);
  trace_path_ = vcd_path;
}

void Simulator::discard_trace() {
  if (!top_ || trace_path_.empty()) return;
  top_->close_trace();
  std::remove((trace_tmp_ + ".vcd").c_str());
  trace_path_.clear();
}

void Simulator::finish_trace() {
  if (!top_ || trace_path_.empty()) return;
  top_->close_trace();
  if (std::rename((trace_tmp_ + ".vcd").c_str(), trace_path_.c_str()) != 0)
    fail("{}: cannot write the VCD trace", trace_path_);
  trace_path_.clear();
}

}  // namespace rowsim::hw
