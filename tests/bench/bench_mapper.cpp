// Mapping-search benchmark: whole-network search time for 1.00-VGG16 and 1.00-ResNet50 on the
// Eyeriss spec, on 1 and 2 threads, against a peer in the same run: naive enumeration of the
// same space (every m and every batch tile instead of the derived ones) on sample layers.
// Prints a markdown table; docs/mapper-benchmark.md records a run. Not part of the test suite.
#include <chrono>
#include <cstdio>
#include <limits>

#include "mapper/analytical.hpp"
#include "mapper/geometry.hpp"
#include "mapper/network_mapper.hpp"
#include "workloads/zoo.hpp"

using namespace rowsim;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Ranks every feasible mapping by energy with no derived dimensions; returns mappings ranked.
int64_t naive_search(const ConvShape& s, const ArchSpec& arch, double& best) {
  EnergyRates rates(arch.energy, DataBits{});
  AnalyticalModel model(s);
  int rf = default_row_fold(s, arch), slots = array_slots(arch, rf);
  int64_t ranked = 0;
  best = std::numeric_limits<double>::infinity();
  for (int n = 1; n <= s.N; ++n)
    for (int e = 1; e <= s.E; ++e)
      for (int p = 1; p <= std::min({s.M, arch.spad_psum, arch.spad_filter / s.S}); ++p)
        for (int q = 1; q <= std::min({s.C, arch.spad_ifmap / s.S, arch.spad_filter / (p * s.S)}); ++q)
          for (int r = 1; r <= std::min(ceil_div(s.C, q), slots / e); ++r)
            for (int t = 1; t <= std::min(ceil_div(s.M, p), slots / (e * r)); ++t)
              for (int k = 1; k <= ceil_div(s.M, p * t); ++k)
                for (int res = 0; res < 4; ++res) {
                  Mapping m;
                  m.n = n, m.e = e, m.p = p, m.q = q, m.r = r, m.t = t, m.m = p * t * k, m.row_fold = rf;
                  m.ifmap_resident = res & 1, m.weights_resident = res & 2;
                  // The same capacity test the search applies, without building messages.
                  GlbFootprint f = glb_footprint(s, m);
                  if (f.weight > arch.glb_filter_words() || f.ifmap + f.psum > arch.glb_ifmap_psum_words()) continue;
                  ++ranked;
                  best = std::min(best, rates.total(model.counts(m)));
                }
  return ranked;
}

}  // namespace

int main() {
  ArchSpec arch = load_arch_spec("eyeriss");
  std::printf("| network | threads | layers (distinct shapes) | mappings ranked | search time (s) |\n");
  std::printf("| --- | --- | --- | --- | --- |\n");
  for (const char* name : {"vgg16", "resnet50"}) {
    Network net = zoo_network(name, 1.0);
    for (int threads : {1, 2}) {
      SearchOptions options;
      options.threads = threads;
      auto t0 = std::chrono::steady_clock::now();
      NetworkResult r = map_network(net, 1, arch, options);
      double sec = seconds_since(t0);
      int64_t ranked = 0;
      std::vector<ConvShape> shapes;
      for (const auto& l : r.layers) {
        if (!l.on_array) continue;
        ranked += l.evaluated;
        bool seen = false;
        for (const auto& s : shapes) seen = seen || !(s < l.shape || l.shape < s);
        if (!seen) shapes.push_back(l.shape);
      }
      std::printf("| 1.00-%s | %d | %zu (%zu) | %lld | %.2f |\n", name, threads, net.compute_layers().size(),
                  shapes.size(), static_cast<long long>(ranked), sec);
    }
  }
  std::printf("\nPeer in the same run: naive enumeration (every m, every batch tile) vs the search, one thread,\n"
              "strict energy objective, batch 4 (so that batch tiles matter).\n\n");
  std::printf("| layer | naive: mappings | naive (s) | search: mappings | search (s) | speed-up | same least energy |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- |\n");
  struct Sample {
    const char* net;
    const char* layer;
  };
  for (Sample sample : {Sample{"alexnet", "conv3"}, Sample{"vgg16", "conv3_2"}, Sample{"resnet50", "layer3.0.conv2"}}) {
    ConvShape s = conv_shape(zoo_network(sample.net, 1.0).layer(sample.layer), 4);
    double naive_best = 0;
    auto t0 = std::chrono::steady_clock::now();
    int64_t naive_ranked = naive_search(s, arch, naive_best);
    double naive_sec = seconds_since(t0);
    SearchOptions strict;
    strict.energy_slack = 0;
    t0 = std::chrono::steady_clock::now();
    SearchResult r = search_mapping(s, arch, strict);
    double search_sec = seconds_since(t0);
    std::printf("| %s %s | %lld | %.2f | %lld | %.3f | %.1fx | %s |\n", sample.net, sample.layer,
                static_cast<long long>(naive_ranked), naive_sec, static_cast<long long>(r.evaluated), search_sec,
                naive_sec / search_sec, r.energy.total() == naive_best ? "yes" : "NO");
  }
  return 0;
}
