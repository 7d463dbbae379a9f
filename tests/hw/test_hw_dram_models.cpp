// The two DRAM link models the arch spec can name (dram.model): the row-buffer model changes
// cycles only, equals the fixed model when a row miss costs nothing, and is refused when its
// fields are missing or given to the fixed model.
#include <random>

#include <catch2/catch.hpp>

#include "mapper/analytical.hpp"
#include "tests/hw/hw_fixtures.hpp"
#include "workloads/util/error.hpp"

using namespace rowsim;
using namespace rowsim::testing;

namespace {

ArchSpec row_buffer(ArchSpec arch, int miss_cycles) {
  arch.dram_model = DramModel::RowBuffer;
  arch.dram_banks = 4;
  arch.dram_row_words = 256;
  arch.dram_row_miss_cycles = miss_cycles;
  return arch;
}

}  // namespace

TEST_CASE("A row-buffer DRAM changes cycles only, and equals the fixed DRAM when a miss is free", "[hw][dram]") {
  std::mt19937 rng(2024);
  const ArchSpec fixed = make_arch({4, 8, 64, 12, 8, 16, 4, 4, 32, 16, 32, 0.5, 40});
  int slower = 0;
  for (int i = 0; i < 10; ++i) {
    ConvShape s = random_layer(rng);
    Mapping m = feasible_mapping(rng, s, fixed);
    INFO("layer " << s.str() << " mapping " << m.str());
    LayerData data = random_layer_data(s, uint64_t(i), true);
    hw::LayerJob job = make_job(s, m, fixed, data);
    job.rlc = i % 2 == 1;
    const hw::LayerSimResult base = simulator().run(job);

    job.arch = row_buffer(fixed, 0);
    const hw::LayerSimResult free_misses = simulator().run(job);
    CHECK(free_misses.counts.cycles == base.counts.cycles);
    CHECK(free_misses.counts.stalls_by_cause == base.counts.stalls_by_cause);

    job.arch = row_buffer(fixed, 30);
    const hw::LayerSimResult costly = simulator().run(job);
    CHECK(costly.ofmap == reference_ofmaps(s, data).data);
    CHECK(costly.counts.count_differences(base.counts).empty());
    if (!job.rlc) CHECK(costly.counts.count_differences(analytical_counts(s, m)).empty());
    // Every layer opens at least its first rows; a miss can only delay the link.
    CHECK(costly.counts.cycles >= base.counts.cycles);
    slower += costly.counts.cycles > base.counts.cycles;
  }
  // The layers move data over a slow link: misses show in most of them.
  CHECK(slower >= 5);
}

TEST_CASE("dram.model and its row_buffer fields are validated", "[hw][dram]") {
  const std::string head =
      "name: t\nword_bits: 16\nclock_mhz: 200\npe_array: {rows: 4, cols: 4}\n"
      "spad: {filter: 64, ifmap: 12, psum: 8}\nglb: {size_kb: 16, banks: 4, filter_kb: 4}\n"
      "noc: {filter_bus_bits: 32, ifmap_bus_bits: 16, psum_bus_bits: 32}\n"
      "energy: {mac: 1, dram: 200, glb: 6, array: 2, rf: 1, bit_scaling: linear}\n"
      "features: {zero_gating: true, rlc_dram: false}\n";
  auto parse = [&](const std::string& dram) { return parse_arch_spec(head + "dram: " + dram + "\n", "t.yaml"); };
  CHECK(parse("{bandwidth_words_per_cycle: 1, latency_cycles: 10}").dram_model == DramModel::Fixed);
  ArchSpec rb = parse(
      "{bandwidth_words_per_cycle: 1, latency_cycles: 10, model: row_buffer, "
      "row_buffer: {banks: 8, row_words: 1024, miss_cycles: 12}}");
  CHECK(rb.dram_model == DramModel::RowBuffer);
  CHECK(rb.dram_banks == 8);
  CHECK(rb.dram_row_words == 1024);
  CHECK(rb.dram_row_miss_cycles == 12);
  CHECK(parse_arch_spec(arch_spec_to_yaml(rb), "echo").dram_row_miss_cycles == 12);
  CHECK_THROWS_WITH(parse("{bandwidth_words_per_cycle: 1, latency_cycles: 10, model: row_buffer}"),
                    Catch::Contains("missing required key 'row_buffer'"));
  CHECK_THROWS_WITH(parse("{bandwidth_words_per_cycle: 1, latency_cycles: 10, model: hbm}"),
                    Catch::Contains("hbm"));
  CHECK_THROWS_WITH(parse("{bandwidth_words_per_cycle: 1, latency_cycles: 10, "
                          "row_buffer: {banks: 8, row_words: 1024, miss_cycles: 12}}"),
                    Catch::Contains("model: row_buffer"));
  CHECK_THROWS_WITH(parse("{bandwidth_words_per_cycle: 1, latency_cycles: 10, model: row_buffer, "
                          "row_buffer: {banks: 0, row_words: 1024, miss_cycles: 12}}"),
                    Catch::Contains("banks"));
}
