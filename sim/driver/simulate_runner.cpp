#include "sim/driver/simulate_runner.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <map>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mapper/analytical.hpp"
#include "mapper/brute_force.hpp"
#include "mapper/post_processing.hpp"
#include "sim/driver/network_values.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/failure.hpp"
#include "workloads/util/progress.hpp"

namespace rowsim {

std::vector<ReportRow> report_rows(const Network& net) {
  std::vector<ReportRow> rows;
  for (const Layer& l : net.layers)  // map_network's order and choice of rows
    if (runs_in_post_processing(l) || runs_on_array(l)) rows.push_back({l.name, !runs_in_post_processing(l)});
  return rows;
}

std::pair<size_t, size_t> select_rows(const std::vector<ReportRow>& rows, const std::string& spec) {
  if (rows.empty()) fail("the network has no layers to simulate");
  if (spec.empty()) return {0, rows.size() - 1};
  auto find = [&](const std::string& token, size_t fallback) -> size_t {
    if (token.empty()) return fallback;
    for (size_t k = 0; k < rows.size(); ++k)
      if (rows[k].name == token) return k;
    bool digits = std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits && token.size() < 9) {
      size_t n = size_t(std::stoul(token));
      if (n >= 1 && n <= rows.size()) return n - 1;
      fail("layers '{}': row {} is out of range; the report has rows 1..{}", spec, token, rows.size());
    }
    std::string names;
    for (size_t k = 0; k < rows.size() && k < 8; ++k) names += (k ? ", " : "") + rows[k].name;
    fail("layers '{}': '{}' is neither a layer name nor a row number (rows: {}{})", spec, token, names,
         rows.size() > 8 ? ", ..." : "");
  };
  size_t colon = spec.find(':');
  if (colon != spec.rfind(':')) fail("layers '{}': expected A:B, A:, :B or A", spec);
  size_t first = 0, last = 0;
  if (colon == std::string::npos) {
    first = last = find(spec, 0);
  } else {
    first = find(spec.substr(0, colon), 0);
    last = find(spec.substr(colon + 1), rows.size() - 1);
  }
  if (first > last) fail("layers '{}': the first layer comes after the last", spec);
  return {first, last};
}

size_t traced_row(const std::vector<ReportRow>& rows, std::pair<size_t, size_t> range, const std::string& name) {
  for (size_t k = range.first; k <= range.second; ++k)
    if (rows[k].on_array && (name.empty() || rows[k].name == name)) return k;
  if (name.empty()) fail("the selected layers include no conv or fully connected layer to trace");
  fail("traced layer '{}': not a conv or fully connected layer among the simulated ones", name);
}

namespace {

// What one simulated layer sends back (also across a pipe from a worker process).
struct Outcome {
  size_t row = 0;
  AccessCounts counts;
  AccessCounts analytical;  // the analytical model with the layer's data, cycles included
  int64_t compute_cycles = 0, passes = 0, mismatched = 0;
  bool bit_exact = false;
  std::optional<FullChecks> checks;
  std::string error;
  bool user_error = false;
};

nlohmann::json counts_record(const AccessCounts& c) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& level : c.access)
    for (const auto& rw : level) a.push_back({rw.reads, rw.writes});
  return {{"a", a},           {"macs", c.macs},         {"skipped", c.macs_skipped}, {"pes", c.active_pes},
          {"cycles", c.cycles}, {"stalls", c.stall_cycles}, {"causes", c.stalls_by_cause}};
}

AccessCounts counts_from_record(const nlohmann::json& j) {
  AccessCounts c;
  size_t k = 0;
  for (auto& level : c.access)
    for (auto& rw : level) {
      rw.reads = j["a"][k][0].get<int64_t>();
      rw.writes = j["a"][k][1].get<int64_t>();
      ++k;
    }
  c.macs = j["macs"].get<int64_t>();
  c.macs_skipped = j["skipped"].get<int64_t>();
  c.active_pes = j["pes"].get<int64_t>();
  c.cycles = j["cycles"].get<int64_t>();
  c.stall_cycles = j["stalls"].get<int64_t>();
  c.stalls_by_cause = j["causes"].get<std::map<std::string, int64_t>>();
  return c;
}

std::string outcome_line(const Outcome& o) {
  nlohmann::json j = {{"row", o.row}, {"error", o.error}, {"user", o.user_error}};
  if (o.error.empty()) {
    j["counts"] = counts_record(o.counts);
    j["analytical"] = counts_record(o.analytical);
    j["compute"] = o.compute_cycles;
    j["passes"] = o.passes;
    j["mismatched"] = o.mismatched;
    j["bit_exact"] = o.bit_exact;
    if (o.checks)
      j["checks"] = {{"bf", o.checks->brute_force},
                     {"stall", o.checks->stall_invariant},
                     {"stalled", o.checks->stalled_cycles},
                     {"float", o.checks->float_reference}};
  }
  return j.dump() + "\n";
}

Outcome outcome_from_line(const std::string& line) {
  nlohmann::json j = nlohmann::json::parse(line);
  Outcome o;
  o.row = j["row"].get<size_t>();
  o.error = j["error"].get<std::string>();
  o.user_error = j["user"].get<bool>();
  if (!o.error.empty()) return o;
  o.counts = counts_from_record(j["counts"]);
  o.analytical = counts_from_record(j["analytical"]);
  o.compute_cycles = j["compute"].get<int64_t>();
  o.passes = j["passes"].get<int64_t>();
  o.mismatched = j["mismatched"].get<int64_t>();
  o.bit_exact = j["bit_exact"].get<bool>();
  if (j.contains("checks")) {
    const auto& c = j["checks"];
    o.checks = FullChecks{c["bf"].get<std::string>(), c["stall"].get<bool>(), c["stalled"].get<int64_t>(),
                          c["float"].get<bool>()};
  }
  return o;
}

struct RunContext {
  hw::Simulator& sim;  // the process's SystemC model; a forked worker runs its own copy
  const Network& net;
  const ArchSpec& arch;
  const SimulateOptions& options;
  const NetworkResult& mapped;
  const NetworkData& data;
  const NetworkValues& values;  // per layer: the tables of its data

  // The layer's data tables when something depends on the data (else null: dense counts).
  const LayerTables* tables(int layer) const {
    if (!options.compressed_weights && !arch.zero_gating && !arch.rlc_dram) return nullptr;
    return values.tables[size_t(layer)].get();
  }
};

hw::LayerJob make_job(const RunContext& ctx, const LayerResult& lr) {
  const int idx = lr.layer_index;
  const FixedTensor& in = ctx.data.input_of(ctx.net, idx);
  const FixedLayerParams& params = ctx.data.params[size_t(idx)];
  hw::LayerJob job;
  job.name = lr.name;
  job.shape = lr.shape;
  job.mapping = lr.mapping;
  job.arch = ctx.arch;
  job.ifmap = in.data.data();
  job.weights = params.weights.data();
  job.bias = params.bias.empty() ? nullptr : params.bias.data();
  job.shift = in.q.frac + params.weight_q.frac - ctx.data.fmap_q.frac;
  job.out_q = ctx.data.fmap_q;
  job.relu = ctx.data.fused_relu[size_t(idx)] >= 0;
  job.compressed = ctx.options.compressed_weights;
  job.zero_gating = ctx.arch.zero_gating;
  job.rlc = ctx.arch.rlc_dram;
  return job;
}

// The reference again, straight from the definition in double precision: every partial sum of
// 16-bit products is exact in a double, so the one rounding at the end must give the same bits.
bool float_reference_agrees(const RunContext& ctx, const LayerResult& lr, const hw::LayerJob& job) {
  const ConvShape& s = lr.shape;
  const FixedTensor& in = ctx.data.input_of(ctx.net, lr.layer_index);
  const FixedLayerParams& p = ctx.data.params[size_t(lr.layer_index)];
  const std::vector<int16_t>& expected = ctx.data.written(lr.layer_index).data;
  const double scale = std::ldexp(1.0, -(in.q.frac + p.weight_q.frac));
  size_t k = 0;
  for (int b = 0; b < s.N; ++b)
    for (int m = 0; m < s.G * s.M; ++m) {
      const int g = m / s.M;
      for (int y = 0; y < s.E; ++y)
        for (int x = 0; x < s.F; ++x, ++k) {
          double acc = job.bias ? double(job.bias[m]) : 0.0;
          for (int c = 0; c < s.C; ++c)
            for (int r = 0; r < s.R; ++r)
              for (int t = 0; t < s.S; ++t) {
                int iy = y * s.U + r - s.pad_h, ix = x * s.U + t - s.pad_w;
                if (iy < 0 || iy >= s.H || ix < 0 || ix >= s.W) continue;
                double w = p.weights[((size_t(m) * s.C + c) * s.R + r) * s.S + t];
                double v = in.data[((size_t(b) * s.G * s.C + size_t(g) * s.C + c) * s.H + iy) * s.W + ix];
                acc += w * v;
              }
          int16_t out = quantize(acc * scale, job.out_q);
          if (job.relu && out < 0) out = 0;
          if (out != expected[k]) return false;
        }
    }
  return true;
}

FullChecks full_checks(const RunContext& ctx, const LayerResult& lr, const hw::LayerJob& job,
                       const hw::LayerSimResult& first) {
  FullChecks c;
  // Brute force walks every access with ordered sets: only for layers it finishes in seconds.
  const AccessCounts& a = lr.cost.counts;
  int64_t work = a.macs + a.level_total(Level::Array);
  if (work > 20000000) {
    c.brute_force = fmt::format("skipped ({} MACs and array accesses; the limit is 2e7)", work);
  } else {
    auto diffs = first.counts.count_differences(brute_force_counts(lr.shape, lr.mapping, ctx.tables(lr.layer_index)));
    c.brute_force = "match";
    if (!diffs.empty()) {
      c.brute_force = "differs:";
      for (const auto& d : diffs) c.brute_force += " " + d + ";";
    }
  }
  // Back-pressure: a DRAM that stalls at random must change nothing but the cycles.
  hw::LayerJob stalled = job;
  stalled.dram_stalls = {0.3, 0x57A11};
  hw::LayerSimResult again = ctx.sim.run(stalled);
  c.stalled_cycles = again.counts.cycles;
  c.stall_invariant = again.ofmap == first.ofmap && again.counts.count_differences(first.counts).empty() &&
                      again.counts.cycles >= first.counts.cycles;
  c.float_reference = float_reference_agrees(ctx, lr, job);
  return c;
}

Outcome simulate_row(const RunContext& ctx, size_t row) {
  const LayerResult& lr = ctx.mapped.layers[row];
  hw::LayerJob job = make_job(ctx, lr);
  hw::LayerSimResult r = ctx.sim.run(job);
  ctx.sim.finish_trace();  // a trace covers this first run only
  Outcome o;
  o.row = row;
  o.counts = r.counts;
  o.compute_cycles = r.compute_cycles;
  o.passes = r.passes;
  // The closed form with the same data: what the simulated counts must equal.
  o.analytical = analyze(lr.shape, lr.mapping, ctx.arch, ctx.tables(lr.layer_index)).counts;
  const std::vector<int16_t>& expected = ctx.data.written(lr.layer_index).data;
  if (expected.size() != r.ofmap.size()) throw std::logic_error("simulated ofmap has the wrong size");
  for (size_t k = 0; k < expected.size(); ++k) o.mismatched += expected[k] != r.ofmap[k];
  o.bit_exact = o.mismatched == 0;
  if (ctx.options.full_check) o.checks = full_checks(ctx, lr, job, r);
  return o;
}

void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(4);
    done += size_t(n);
  }
}

// Runs rows in `workers` forked processes, each with its own SystemC kernel; the first worker
// records the trace when `trace` is set. Rows are handed out one at a time through a shared counter.
std::vector<Outcome> run_workers(const RunContext& ctx, const std::vector<size_t>& rows, int workers, bool trace,
                                 Progress& progress, int64_t& done) {
  auto* next = static_cast<std::atomic<size_t>*>(
      mmap(nullptr, sizeof(std::atomic<size_t>), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  if (next == MAP_FAILED) environment_failure("cannot map the workers' shared counter (mmap)", errno);
  new (next) std::atomic<size_t>(0);
  std::vector<pid_t> pids;
  std::vector<int> fds;
  std::fflush(stdout);
  std::fflush(stderr);
  for (int w = 0; w < workers; ++w) {
    int fd[2];
    if (pipe(fd) != 0) environment_failure("cannot open a pipe to a simulation worker", errno);
    pid_t pid = fork();
    if (pid < 0) environment_failure("cannot start a simulation worker (fork)", errno);
    if (pid == 0) {
      ::close(fd[0]);
      for (int other : fds) ::close(other);
      for (;;) {
        size_t k = next->fetch_add(1);
        if (k >= rows.size()) break;
        Outcome o;
        o.row = rows[k];
        try {
          if (trace && w == 0) ctx.sim.enable_trace(ctx.options.trace_path);
          o = simulate_row(ctx, rows[k]);
        } catch (const UserError& e) {
          o.error = e.what();
          o.user_error = true;
        } catch (const std::exception& e) {
          o.error = e.what();
        }
        if (!o.error.empty()) ctx.sim.discard_trace();
        write_all(fd[1], outcome_line(o));
        if (!o.error.empty()) break;
      }
      ::close(fd[1]);
      _exit(0);
    }
    ::close(fd[1]);
    pids.push_back(pid);
    fds.push_back(fd[0]);
  }
  std::vector<Outcome> outcomes;
  std::vector<std::string> pending(fds.size());
  std::vector<pollfd> polls;
  for (int fd : fds) polls.push_back({fd, POLLIN, 0});
  size_t open = fds.size();
  char buf[65536];
  while (open > 0) {
    if (poll(polls.data(), polls.size(), -1) < 0) {
      if (errno == EINTR) continue;
      environment_failure("cannot wait for the simulation workers (poll)", errno);
    }
    for (size_t w = 0; w < polls.size(); ++w) {
      if (polls[w].fd < 0 || !(polls[w].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(polls[w].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(polls[w].fd);
        polls[w].fd = -1;
        --open;
        continue;
      }
      pending[w].append(buf, size_t(n));
      size_t eol;
      while ((eol = pending[w].find('\n')) != std::string::npos) {
        outcomes.push_back(outcome_from_line(pending[w].substr(0, eol)));
        pending[w].erase(0, eol + 1);
        progress.update(++done, ctx.mapped.layers[outcomes.back().row].name);
      }
    }
  }
  for (pid_t pid : pids) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    // SIGKILL is what the kernel's out-of-memory killer (or an operator) sends: not rowsim's doing.
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      throw EnvironmentError("a simulation worker was killed (SIGKILL: out of memory, or killed by hand)");
    if (WIFSIGNALED(status)) panic("a simulation worker died (signal {}), expected it to exit", WTERMSIG(status));
  }
  munmap(next, sizeof(std::atomic<size_t>));
  return outcomes;
}

void rethrow(const Outcome& o, const std::string& layer) {
  if (o.user_error) throw UserError(o.error);
  throw std::runtime_error(fmt::format("layer '{}': {}", layer, o.error));
}

}  // namespace

SimulationResult simulate_network(hw::Simulator& sim, const Network& net, const ArchSpec& arch,
                                  const SimulateOptions& options) {
  SimulationResult result;
  result.network = net.name;
  result.arch = arch;
  result.batch = options.batch;
  result.seed = options.data.seed;
  result.weights = options.data.weights_path;
  result.input = options.data.input_path;
  result.compressed_weights = options.compressed_weights;
  result.zero_gating = arch.zero_gating;
  result.rlc_dram = arch.rlc_dram;

  NetworkResult mapped = map_network(net, options.batch, arch, options.search, options.fixed);
  std::vector<ReportRow> rows;
  for (const LayerResult& l : mapped.layers) rows.push_back({l.name, l.on_array});
  auto [first, last] = select_rows(rows, options.layers);
  DataOptions data_options = options.data;
  data_options.batch = options.batch;
  data_options.word_bits = arch.word_bits;
  NetworkData data = prepare_network_data(net, data_options);
  result.fmap_q = data.fmap_q;
  NetworkValues values = network_values(net, data, arch, options.compressed_weights, "");
  RunContext ctx{sim, net, arch, options, mapped, data, values};

  std::vector<size_t> array_rows;
  for (size_t k = first; k <= last; ++k)
    if (mapped.layers[k].on_array) array_rows.push_back(k);
  std::map<size_t, Outcome> outcomes;
  Progress progress("simulating " + net.name, int64_t(array_rows.size()), "layers");
  int64_t done = 0;
  if (!options.trace_path.empty()) {
    size_t traced = traced_row(rows, {first, last}, options.trace_layer);
    // A fresh process, so that the trace file is opened before its kernel elaborates.
    for (Outcome& o : run_workers(ctx, {traced}, 1, true, progress, done)) outcomes[o.row] = std::move(o);
    array_rows.erase(std::find(array_rows.begin(), array_rows.end(), traced));
  }
  const int workers = std::min<int>(options.jobs, int(array_rows.size()));
  if (workers > 1) {
    // Longest first (by the analytical cycles, which the simulation time follows), so that no
    // worker starts a long layer when the others are nearly done; results are keyed by row.
    std::vector<size_t> longest_first = array_rows;
    std::stable_sort(longest_first.begin(), longest_first.end(), [&](size_t a, size_t b) {
      return mapped.layers[a].cost.counts.cycles > mapped.layers[b].cost.counts.cycles;
    });
    for (Outcome& o : run_workers(ctx, longest_first, workers, false, progress, done)) outcomes[o.row] = std::move(o);
  } else {
    for (size_t row : array_rows) {
      outcomes[row] = simulate_row(ctx, row);
      progress.update(++done, mapped.layers[row].name);
    }
  }
  progress.finish();

  EnergyRates rates(arch.energy, options.search.bits);
  for (size_t k = first; k <= last; ++k) {
    const LayerResult& lr = mapped.layers[k];
    SimulatedLayer sl;
    sl.mapped = lr;
    sl.on_array = lr.on_array;
    if (!lr.on_array) {
      result.analytical_cycles += lr.cost.counts.cycles;
      sl.counts = lr.cost.counts;
      sl.energy = lr.energy;
    } else {
      auto it = outcomes.find(k);
      if (it == outcomes.end()) throw std::runtime_error("layer '" + lr.name + "' was not simulated");
      const Outcome& o = it->second;
      if (!o.error.empty()) rethrow(o, lr.name);
      sl.analytical = o.analytical;
      result.analytical_cycles += o.analytical.cycles;
      sl.counts = o.counts;
      sl.energy = rates.of(o.counts);
      sl.compute_cycles = o.compute_cycles;
      sl.passes = o.passes;
      sl.bit_exact = o.bit_exact;
      sl.mismatched_outputs = o.mismatched;
      sl.count_differences = o.counts.count_differences(o.analytical);
      sl.checks = o.checks;
      sl.ifmap_q = data.input_of(net, lr.layer_index).q;
      sl.weight_q = data.params[size_t(lr.layer_index)].weight_q;
      sl.ofmap_q = data.fmap_q;
      sl.relu_fused = data.fused_relu[size_t(lr.layer_index)] >= 0;
      result.bit_exact = result.bit_exact && sl.bit_exact;
      result.counts_match = result.counts_match && sl.count_differences.empty();
    }
    result.totals += sl.counts;
    result.energy += sl.energy;
    result.layers.push_back(std::move(sl));
  }
  return result;
}

}  // namespace rowsim
