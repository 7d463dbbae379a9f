#include "sim/studies/sweep_cycle_level.hpp"

#include "sim/driver/simulate_runner.hpp"
#include "workloads/util/error.hpp"

namespace rowsim {

PointEvaluator cycle_level_evaluator(hw::Simulator& sim, int jobs) {
  return [&sim, jobs](const SweepSpec& spec, const SweepPoint& point) {
    ArchSpec arch = sweep_point_arch(spec, point);
    AccessCounts totals;
    Energy energy;
    try {
      for (const auto& [label, net] : sweep_point_networks(spec, point)) {
        SimulateOptions options;
        options.batch = spec.batch;
        options.search = spec.search;
        options.search.bits = DataBits::uniform(arch.word_bits);
        options.jobs = jobs;
        SimulationResult r = simulate_network(sim, net, arch, options);
        if (!r.bit_exact || !r.counts_match)
          fail("{} on this arch: the simulation disagrees with the reference (bit_exact={}, counts_match={})", label,
               r.bit_exact, r.counts_match);
        totals += r.totals;
        energy += r.energy;
      }
    } catch (const UserError& e) {
      return sweep_row(spec, point, arch, nullptr, nullptr, e.what());
    }
    return sweep_row(spec, point, arch, &totals, &energy, "");
  };
}

}  // namespace rowsim
