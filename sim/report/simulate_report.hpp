// The `rowsim simulate` report: the `rowsim map` document (sim/report/report.hpp) with the simulated
// counts, cycles and energy in place of the analytical ones, plus per layer and in total
// "analytical_cycles", "stall_cycles" (total and by cause), "bit_exact" and
// "counts_match_analytical". Post-processing layers are costed, not simulated: their
// "simulated" is false and their two checks are null.
#pragma once
#include <nlohmann/json.hpp>

#include "sim/report/physical.hpp"
#include "sim/driver/simulate_runner.hpp"
#include "workloads/util/table.hpp"

namespace rowsim {

nlohmann::json simulate_report_json(const SimulationResult& result);
Table simulate_report_table(const SimulationResult& result);
// The same as CSV for scripts: numbers only (bit_exact and counts_equal_analytical as 1/0), the
// unit in each column name, one column per mapping field; the last row is the total.
Table simulate_report_csv(const SimulationResult& result);
// Physical figures: simulated cycles for array layers, modelled ones for post-processing layers.
Physical simulated_layer_physical(const SimulationResult& result, const SimulatedLayer& layer);
Physical simulated_physical_total(const SimulationResult& result);
std::string simulate_report_text(const SimulationResult& result);  // heading, table, verdict

}  // namespace rowsim
