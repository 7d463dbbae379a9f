#include "sim/report/simulate_report.hpp"

#include <fmt/format.h>

#include "sim/report/report.hpp"

namespace rowsim {
namespace {

nlohmann::json stalls_json(const AccessCounts& c) {
  nlohmann::json by_cause = nlohmann::json::object();
  for (const auto& [cause, n] : c.stalls_by_cause) by_cause[cause] = n;
  return {{"total", c.stall_cycles}, {"by_cause", by_cause}};
}

// The analytical cycles beside a layer: with its data for array layers.
int64_t analytical_cycles(const SimulatedLayer& l) {
  return l.on_array ? l.analytical.cycles : l.mapped.cost.counts.cycles;
}

// Share of the dense MACs skipped (zero weights not stored, zero ifmaps gated).
std::string skipped_cell(const AccessCounts& c) {
  const int64_t dense = c.macs + c.macs_skipped;
  return dense > 0 ? fmt::format("{:.1f}%", 100.0 * double(c.macs_skipped) / double(dense)) : "-";
}

std::string features_text(const SimulationResult& r) {
  std::string t;
  if (r.compressed_weights) t += "; weights stored compressed (nonzeros + bitmap)";
  if (r.zero_gating) t += "; zero ifmaps gate MACs";
  if (r.rlc_dram) t += "; DRAM fmaps run-length coded";
  return t;
}

}  // namespace

Physical simulated_layer_physical(const SimulationResult& r, const SimulatedLayer& l) {
  return physical_of(r.arch, l.counts, l.mapped.bits, r.batch, l.counts.cycles, l.on_array ? "simulated" : "analytical");
}

Physical simulated_physical_total(const SimulationResult& r) {
  Physical total;
  total.batch = r.batch;
  total.clock_mhz = r.arch.clock_mhz;
  for (const auto& l : r.layers) total += simulated_layer_physical(r, l);
  return total;
}

nlohmann::json simulate_report_json(const SimulationResult& r) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : r.layers) {
    // The map document's layer, with the simulation's counts, cycles and energy.
    LayerResult shown = l.mapped;
    shown.cost.counts = l.counts;
    shown.energy = l.energy;
    Physical physical = simulated_layer_physical(r, l);
    nlohmann::json j = layer_to_json(shown, r.arch, &physical);
    j["simulated"] = l.on_array;
    j["analytical_cycles"] = analytical_cycles(l);
    j["stall_cycles"] = stalls_json(l.counts);
    if (!l.on_array) {
      j["bit_exact"] = nullptr;
      j["counts_match_analytical"] = nullptr;
      layers.push_back(j);
      continue;
    }
    j["compute_cycles"] = l.compute_cycles;
    j["passes"] = l.passes;
    j["bit_exact"] = l.bit_exact;
    j["mismatched_outputs"] = l.mismatched_outputs;
    j["counts_match_analytical"] = l.count_differences.empty();
    j["count_differences"] = l.count_differences;
    j["fixed_point"] = {{"ifmap", l.ifmap_q.str()},
                        {"weight", l.weight_q.str()},
                        {"ofmap", l.ofmap_q.str()},
                        {"relu_fused", l.relu_fused}};
    if (l.checks) {
      j["checks"] = {{"brute_force_counts", l.checks->brute_force},
                     {"random_dram_stalls",
                      {{"unchanged", l.checks->stall_invariant}, {"cycles", l.checks->stalled_cycles}}},
                     {"float_reference", l.checks->float_reference}};
    }
    layers.push_back(j);
  }
  const AccessCounts& t = r.totals;
  nlohmann::json totals = {{"cycles", t.cycles},
                           {"analytical_cycles", r.analytical_cycles},
                           {"stall_cycles", stalls_json(t)},
                           {"active_pes", t.active_pes},
                           {"utilization", utilization(t, r.arch)},
                           {"counts", counts_to_json(t)},
                           {"reuse", reuse_to_json(t)},
                           {"energy", energy_to_json(r.energy)},
                           {"energy_per_image", energy_to_json(r.energy.scaled(1.0 / r.batch))},
                           {"bit_exact", r.bit_exact},
                           {"counts_match_analytical", r.counts_match}};
  // Array layers simulated, post-processing layers modelled: the totals say "simulated+analytical".
  totals["physical"] = physical_to_json(simulated_physical_total(r), true);
  totals["physical"]["analytical_latency_ms"] = double(r.analytical_cycles) / (r.arch.clock_mhz * 1e3);
  return {{"arch", r.arch.name},
          {"arch_source", r.arch.source},
          {"network", r.network},
          {"batch", r.batch},
          {"seed", r.seed},
          {"weights", r.weights.empty() ? "seeded random" : r.weights},
          {"input", r.input.empty() ? "seeded random" : r.input},
          {"fmap_format", r.fmap_q.str()},
          {"features",
           {{"compressed_weights", r.compressed_weights}, {"zero_gating", r.zero_gating}, {"rlc_dram", r.rlc_dram}}},
          {"clock_mhz", r.arch.clock_mhz},
          {"energy_unit", "one 16-bit MAC"},
          {"energy_model", energy_model_text(r.arch)},
          {"layers", layers},
          {"totals", totals}};
}

Table simulate_report_csv(const SimulationResult& r) {
  std::vector<std::string> header = {"layer", "kind"};
  for (const auto& h : mapping_csv_header()) header.push_back(h);
  for (const char* h : {"active_pes", "utilization", "cycles", "analytical_cycles", "stall_cycles"}) header.push_back(h);
  for (const auto& h : energy_csv_header("")) header.push_back(h);
  for (const char* h : {"bit_exact", "counts_equal_analytical"}) header.push_back(h);
  for (const auto& h : physical_header(r.arch, true)) header.push_back(h);
  Table table(header);
  auto add = [&](const std::string& name, const std::string& kind, const Mapping* mapping, const AccessCounts& c,
                 int64_t analytical, const Energy& e, bool bit_exact, bool counts_equal, const Physical& p) {
    std::vector<std::string> row = {name, kind};
    for (auto& cell : mapping_csv_cells(mapping)) row.push_back(cell);
    for (double v : {double(c.active_pes), utilization(c, r.arch), double(c.cycles), double(analytical),
                     double(c.stall_cycles)})
      row.push_back(csv_number(v));
    for (auto& cell : energy_csv_cells(e, true)) row.push_back(cell);
    row.push_back(bit_exact ? "1" : "0");
    row.push_back(counts_equal ? "1" : "0");
    for (const auto& cell : physical_cells(p, true)) row.push_back(cell);
    table.add_row(row);
  };
  for (const auto& l : r.layers)
    add(l.mapped.name, to_string(l.mapped.kind), l.on_array ? &l.mapped.mapping : nullptr, l.counts,
        analytical_cycles(l), l.energy, !l.on_array || l.bit_exact, l.count_differences.empty(),
        simulated_layer_physical(r, l));
  add("total", "total", nullptr, r.totals, r.analytical_cycles, r.energy, r.bit_exact, r.counts_match,
      simulated_physical_total(r));
  return table;
}

Table simulate_report_table(const SimulationResult& r) {
  std::vector<std::string> header = {"layer", "kind", "m n e p q r t", "PEs", "util", "cycles", "analytical", "stalls",
                                     "MACs skipped", "energy", "weights-only", "bit-exact", "counts"};
  for (const auto& h : physical_header(r.arch, false)) header.push_back(h);
  Table table(header);
  auto yes_no = [](bool ok) { return std::string(ok ? "yes" : "NO"); };
  for (const auto& l : r.layers) {
    const AccessCounts& c = l.counts;
    std::vector<std::string> row = {l.mapped.name, to_string(l.mapped.kind), l.on_array ? mapping_cell(l.mapped.mapping) : "(post-proc)",
                   std::to_string(c.active_pes), fmt::format("{:.1f}%", 100 * utilization(c, r.arch)),
                   std::to_string(c.cycles), std::to_string(analytical_cycles(l)), std::to_string(c.stall_cycles),
                   l.on_array ? skipped_cell(c) : "-", format_energy(l.energy.total()),
                   format_energy(l.energy.weights_only()), l.on_array ? yes_no(l.bit_exact) : "-",
                   l.on_array ? (l.count_differences.empty() ? "= analytical" : "DIFFER") : "modelled"};
    for (const auto& cell : physical_cells(simulated_layer_physical(r, l), false)) row.push_back(cell);
    table.add_row(row);
  }
  table.add_rule();
  const AccessCounts& t = r.totals;
  std::vector<std::string> total_row = {"total", "", "", std::to_string(t.active_pes), fmt::format("{:.1f}%", 100 * utilization(t, r.arch)),
                 std::to_string(t.cycles), std::to_string(r.analytical_cycles), std::to_string(t.stall_cycles),
                 skipped_cell(t), format_energy(r.energy.total()), format_energy(r.energy.weights_only()), yes_no(r.bit_exact),
                 r.counts_match ? "= analytical" : "DIFFER"};
  for (const auto& cell : physical_cells(simulated_physical_total(r), false)) total_row.push_back(cell);
  table.add_row(total_row);
  return table;
}

std::string simulate_report_text(const SimulationResult& r) {
  std::string text = fmt::format(
      "{} on {} ({}x{} PEs), batch {}, {} weights, {} input, feature maps {}; energy in units of one 16-bit MAC; "
      "cycles simulated (analytical bound beside){}\n\n",
      r.network, r.arch.name, r.arch.pe_rows, r.arch.pe_cols, r.batch, r.weights.empty() ? "seeded random" : r.weights,
      r.input.empty() ? "seeded random" : r.input, r.fmap_q.str(), features_text(r));
  text += simulate_report_table(r).to_text();
  text += physical_summary_text(r.arch, simulated_physical_total(r));
  std::map<std::string, int64_t> causes = r.totals.stalls_by_cause;
  if (!causes.empty()) {
    text += "\nstall cycles by cause:";
    for (const auto& [cause, n] : causes) text += fmt::format(" {} {}", cause, n);
    text += "\n";
  }
  for (const auto& l : r.layers) {
    if (!l.count_differences.empty()) {
      text += fmt::format("{}: counts differ from the analytical model:", l.mapped.name);
      for (const auto& d : l.count_differences) text += " " + d + ";";
      text += "\n";
    }
    if (l.on_array && !l.bit_exact)
      text += fmt::format("{}: {} ofmap values differ from the reference\n", l.mapped.name, l.mismatched_outputs);
    if (l.checks) {
      text += fmt::format("{}: check: brute-force counts {}; random DRAM stalls {} ({} cycles); double-precision "
                          "reference {}\n",
                          l.mapped.name, l.checks->brute_force,
                          l.checks->stall_invariant ? "change nothing" : "CHANGE RESULTS", l.checks->stalled_cycles,
                          l.checks->float_reference ? "agrees" : "DISAGREES");
    }
  }
  return text;
}

}  // namespace rowsim
