// The files of a compare run, each rendered from a CompareResult (sim/studies/compare.hpp):
// report.json for scripts and golden checks, report.md for people (GitHub / CommonMark: real
// tables, the plots embedded with captions), CSV files of plain numbers (units in the column
// names) and the SVG plots with the paper's values marked beside rowsim's.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "sim/studies/compare.hpp"

namespace rowsim {

nlohmann::json compare_json(const CompareResult& result);
std::string compare_markdown(const CompareResult& result);
// One row per network: counts, per-image energy by view and level (units of one 16-bit MAC),
// cycles and the physical figures.
std::string networks_csv(const CompareResult& result);
// One row per distortion and family: routing, the baseline's and the selective pair's energy.
std::string selective_csv(const CompareResult& result);
// One row per paper figure: the paper's value, rowsim's and the relative error (a fraction).
std::string paper_comparison_csv(const CompareResult& result);
// fig2-<family>.svg, energy-by-level-<family>.svg and, with pruning, fig4.svg.
void write_compare_plots(const std::string& dir, const CompareResult& result);

}  // namespace rowsim
