// The mapping search: reproduces the Eyeriss chip's PE use on AlexNet, maps all of ResNet50,
// keeps the optimum although m and n are derived, is deterministic across thread counts, and
// explains layers that cannot map.
#include <limits>
#include <random>

#include <catch2/catch.hpp>

#include "mapper/analytical.hpp"
#include "mapper/geometry.hpp"
#include "mapper/network_mapper.hpp"
#include "mapper/search.hpp"
#include "models/arch/energy.hpp"
#include "tests/mapper/random_layers.hpp"
#include "workloads/util/error.hpp"
#include "workloads/zoo.hpp"

using namespace rowsim;

TEST_CASE("AlexNet batch 4 on Eyeriss uses the chip's active PEs (JSSC Table V)", "[mapper][search][validation]") {
  ArchSpec arch = load_arch_spec("eyeriss");
  Network net = zoo_network("alexnet");
  SearchOptions options;
  options.threads = 2;
  const char* layers[] = {"conv1", "conv2", "conv3", "conv4", "conv5"};
  const int chip_active_pes[] = {154, 135, 156, 156, 156};
  for (int i = 0; i < 5; ++i) {
    ConvShape shape = conv_shape(net.layer(layers[i]), 4);
    SearchResult r = search_mapping(shape, arch, options);
    INFO(layers[i] << ": " << r.mapping.str());
    REQUIRE(r.found);
    CHECK(r.cost.counts.active_pes == chip_active_pes[i]);
  }
}

TEST_CASE("The published AlexNet mappings fit Eyeriss and use the chip's active PEs", "[mapper][validation]") {
  // JSSC 2017 Table III (m n e p q r t); the PE count follows from the placement rule alone.
  ArchSpec arch = load_arch_spec("eyeriss");
  Network net = zoo_network("alexnet");
  const int published[5][7] = {{96, 1, 7, 16, 1, 1, 2},
                               {64, 1, 27, 16, 2, 1, 1},
                               {64, 4, 13, 16, 4, 1, 4},
                               {64, 4, 13, 16, 3, 2, 2},
                               {64, 4, 13, 16, 3, 2, 2}};
  const int chip_active_pes[] = {154, 135, 156, 156, 156};
  const char* layers[] = {"conv1", "conv2", "conv3", "conv4", "conv5"};
  for (int i = 0; i < 5; ++i) {
    Mapping m;
    m.m = published[i][0], m.n = published[i][1], m.e = published[i][2], m.p = published[i][3];
    m.q = published[i][4], m.r = published[i][5], m.t = published[i][6];
    m.ifmap_resident = false;
    ConvShape shape = conv_shape(net.layer(layers[i]), 4);
    m.row_fold = shape.R;
    INFO(layers[i]);
    CHECK(infeasibility_reasons(shape, m, arch).empty());
    CHECK(analytical_counts(shape, m).active_pes == chip_active_pes[i]);
  }
}

TEST_CASE("All of 1.00-ResNet50 maps on Eyeriss at batch 1", "[mapper][search]") {
  ArchSpec arch = load_arch_spec("eyeriss");
  Network net = zoo_network("resnet50", 1.0);
  SearchOptions options;
  options.threads = 2;
  NetworkResult r = map_network(net, 1, arch, options);
  size_t array_layers = 0;
  for (const auto& l : r.layers) {
    if (!l.on_array) continue;
    ++array_layers;
    CHECK(l.cost.counts.macs == net.layers[size_t(l.layer_index)].macs());
  }
  CHECK(array_layers == net.compute_layers().size());
  CHECK(r.totals.macs == net.total_macs());
}

TEST_CASE("VGG16 3x3 layers use more than 96 PEs when the DRAM link does not set the pace", "[mapper][search]") {
  // A 3x3 layer with E = 32 fills only 96 PEs as one 3x32 set; folding the strip and replicating
  // sets must do better. On the chip's 1.2 words/cycle link most VGG16 layers at batch 1 are
  // DRAM-bound, where any PE count takes the same time and the search rightly keeps the cheaper
  // one; with a faster link every 3x3 layer is compute-bound and must use more of the array.
  std::string text = arch_spec_text("eyeriss");
  text.replace(text.find("bandwidth_words_per_cycle: 1.2"), 30, "bandwidth_words_per_cycle: 64");
  ArchSpec arch = parse_arch_spec(text, "eyeriss-fast-dram.yaml");
  Network net = zoo_network("vgg16", 1.0);
  SearchOptions options;
  options.threads = 2;
  NetworkResult r = map_network(net, 1, arch, options);
  int convs = 0;
  for (const auto& l : r.layers) {
    if (l.kind != LayerKind::Conv) continue;
    ++convs;
    INFO(l.name << " " << l.mapping.str());
    CHECK(l.cost.counts.active_pes > 96);
  }
  CHECK(convs == 13);
}

namespace {
// Every feasible mapping, m and n included, without the search's shortcuts.
double naive_min_energy(const ConvShape& s, const ArchSpec& arch, const EnergyRates& rates) {
  double best = std::numeric_limits<double>::infinity();
  int rf = default_row_fold(s, arch);
  for (int n = 1; n <= s.N; ++n)
    for (int e = 1; e <= s.E; ++e)
      for (int p = 1; p <= s.M; ++p)
        for (int q = 1; q <= s.C; ++q)
          for (int r = 1; r <= ceil_div(s.C, q); ++r)
            for (int t = 1; t <= ceil_div(s.M, p); ++t)
              for (int k = 1; k <= ceil_div(s.M, p * t); ++k)
                for (int res = 0; res < 4; ++res) {
                  Mapping m;
                  m.n = n, m.e = e, m.p = p, m.q = q, m.r = r, m.t = t, m.m = p * t * k, m.row_fold = rf;
                  m.ifmap_resident = res & 1, m.weights_resident = res & 2;
                  if (!feasible(s, m, arch)) continue;
                  best = std::min(best, rates.total(analytical_counts(s, m)));
                }
  return best;
}
}  // namespace

TEST_CASE("The search finds the least energy that naive enumeration finds", "[mapper][search][property]") {
  // A tiny arch so that spad and GLB limits bind on small layers.
  std::string text = arch_spec_text("eyeriss");
  auto set = [&](const std::string& from, const std::string& to) { text.replace(text.find(from), from.size(), to); };
  set("rows: 12", "rows: 4");
  set("cols: 14", "cols: 5");
  set("filter: 224", "filter: 24");
  set("ifmap: 12", "ifmap: 6");
  set("psum: 24", "psum: 4");
  set("size_kb: 108", "size_kb: 2");
  set("banks: 27", "banks: 2");
  set("filter_kb: 8", "filter_kb: 1");
  ArchSpec arch = parse_arch_spec(text, "tiny.yaml");
  EnergyRates rates(arch.energy, DataBits{});
  std::mt19937 rng(7);
  int compared = 0;
  for (int i = 0; i < 60; ++i) {
    ConvShape s = testing::random_layer(rng);
    if (s.R > arch.pe_rows) continue;
    SearchOptions strict;
    strict.energy_slack = 0;
    SearchResult r = search_mapping(s, arch, strict);
    double naive = naive_min_energy(s, arch, rates);
    INFO(s.str());
    CHECK(r.found == (naive < std::numeric_limits<double>::infinity()));
    if (r.found) {
      CHECK(r.energy.total() == Approx(naive).epsilon(1e-12));
      ++compared;
    }
  }
  CHECK(compared >= 30);
}

TEST_CASE("The search is deterministic across thread counts", "[mapper][search]") {
  ArchSpec arch = load_arch_spec("eyeriss");
  ConvShape s = conv_shape(zoo_network("vgg16", 0.5).layer("conv2_2"), 2);
  for (Objective objective : {Objective::Energy, Objective::Cycles, Objective::Edp}) {
    SearchOptions one, two;
    one.objective = two.objective = objective;
    one.threads = 1;
    two.threads = 2;
    CHECK(search_mapping(s, arch, one).mapping == search_mapping(s, arch, two).mapping);
  }
}

TEST_CASE("A layer that cannot map names itself and the limits it fails", "[mapper][errors]") {
  std::string text = arch_spec_text("eyeriss");
  text.replace(text.find("ifmap: 12"), 9, "ifmap: 2");
  ArchSpec arch = parse_arch_spec(text, "small-spad.yaml");
  Network net = zoo_network("gate");
  SearchOptions options;
  CHECK_THROWS_WITH(map_network(net, 1, arch, options),
                    Catch::Contains("layer 'conv1'") && Catch::Contains("small-spad.yaml") &&
                        Catch::Contains("ifmap spad: q*S = 1*3 = 3 words exceed its 2"));
}
