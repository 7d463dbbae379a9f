// libFuzzer target for every YAML file a user can give rowsim: arch spec, technology table,
// network file, mapping file, experiment, sweep spec and golden file. Each input goes through all
// of them (the corpus holds real files of every kind, so coverage in one loader guides the
// mutations for all). Each must parse or raise a UserError.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "mapper/network_mapper.hpp"
#include "models/arch/arch_spec.hpp"
#include "models/arch/tech_table.hpp"
#include "sim/studies/experiment.hpp"
#include "sim/studies/golden.hpp"
#include "sim/studies/sweep.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "workloads/net_file.hpp"
#include "workloads/zoo.hpp"

using namespace rowsim;
using rowsim::fuzz::expect_success_or_user_error;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  expect_success_or_user_error([&] { parse_arch_spec(text, "fuzz.yaml"); });
  expect_success_or_user_error([&] { parse_tech_table(text, "fuzz.yaml"); });
  expect_success_or_user_error([&] { parse_network_yaml(text, "fuzz.yaml"); });

  // The path-taking loaders read the input from a scratch file.
  const std::string path = fuzz::write_scratch("input.yaml", data, size);
  static const Network alexnet = zoo_network("alexnet");  // the mapping seeds are AlexNet's
  expect_success_or_user_error([&] { load_fixed_mappings(path, alexnet); });
  expect_success_or_user_error([&] { load_experiment(path); });
  expect_success_or_user_error([&] {
    SweepSpec spec = load_sweep_spec(path);
    validate_sweep(spec);
  });
  expect_success_or_user_error([&] {
    GoldenFile golden = load_golden(path);
    static const nlohmann::json doc = {{"totals", {{"energy", 1.5}}}, {"layers", {{{"name", "conv1"}, {"pes", 3}}}}};
    for (const auto& value : golden.values) expect_success_or_user_error([&] { golden_lookup(doc, value.path); });
  });
  return 0;
}
