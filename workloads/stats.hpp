// Per-layer and total weight/MAC statistics (`rowsim workload stats`), for single networks and for
// the selective pair (gate + one dedicated network).
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "workloads/network.hpp"
#include "workloads/util/table.hpp"

namespace rowsim {

struct StatsTotals {
  int64_t weights = 0, biases = 0, macs = 0, macs_paper = 0;
  void add(const Layer& layer, int batch);
};

struct NetworkPart {
  std::string label;  // "gate", "dedicated" or the network name
  const Network* network;
};

struct WorkloadStats {
  std::string name;
  double width = 1.0;
  int batch = 1;
  std::vector<NetworkPart> parts;
  std::vector<StatsTotals> part_totals;
  StatsTotals totals;
};

WorkloadStats compute_stats(std::string name, double width, int batch, std::vector<NetworkPart> parts);
nlohmann::json stats_to_json(const WorkloadStats& stats);
Table stats_to_table(const WorkloadStats& stats);

// "15.3M", "2.1G", "313.8M": the paper's rounding, for side-by-side tables.
std::string paper_rounding(int64_t value);

}  // namespace rowsim
