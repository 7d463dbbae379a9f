// A fingerprint of the SystemC model's behaviour, for changes meant to leave it alone (speed work):
// for random layers on six architectures, in every mode (dense, compressed weights, zero gating,
// RLC, random DRAM stalls), and for the smaller conv layers of 0.25-ResNet50, -VGG16 and -AlexNet
// with the search's mappings, one line each with the cycles, compute cycles, passes, stall cycles
// by cause, MACs, every access count and a hash of the ofmap. Two builds whose outputs differ in
// any byte differ in behaviour; `cmp` says where.
//
//   cmake --build build --target model_fingerprint
//   build/tests/bench/model_fingerprint [LAYERS_PER_ARCH (default 300)] > before.txt
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "tests/hw/hw_fixtures.hpp"
#include "workloads/zoo.hpp"

using namespace rowsim;
using namespace rowsim::testing;

namespace {

uint64_t hash_of(const std::vector<int16_t>& v) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (int16_t x : v) {
    h ^= uint16_t(x);
    h *= 1099511628211ull;
  }
  return h;
}

// Mode k of 8: sparse data from 2 on, compressed weights on odd sparse modes, zero gating on bit
// 1, RLC on bit 2.
void set_mode(hw::LayerJob& job, int mode) {
  job.compressed = (mode & 1) && mode >= 2;
  job.zero_gating = mode & 2;
  job.rlc = mode & 4;
}

void print_result(const hw::LayerJob& job, const hw::LayerSimResult& r) {
  std::printf(" c%d g%d r%d cycles=%lld compute=%lld", int(job.compressed), int(job.zero_gating), int(job.rlc),
              (long long)r.counts.cycles, (long long)r.compute_cycles);
}

void print_counts(const hw::LayerSimResult& r) {
  for (const auto& [cause, cycles] : r.counts.stalls_by_cause) std::printf("%s:%lld,", cause.c_str(), (long long)cycles);
  std::printf(" macs=%lld skipped=%lld", (long long)r.counts.macs, (long long)r.counts.macs_skipped);
}

void print_accesses(const hw::LayerSimResult& r) {
  for (int l = 0; l < 4; ++l)
    for (int d = 0; d < 4; ++d) {
      const auto& rw = r.counts.at(Level(l), Data(d));
      std::printf(" %lld/%lld", (long long)rw.reads, (long long)rw.writes);
    }
  std::printf(" ofmap=%016llx\n", (unsigned long long)hash_of(r.ofmap));
  std::fflush(stdout);
}

void random_layers(int per_arch) {
  std::mt19937 rng(4242);
  const ArchParams archs[] = {
      {},
      {4, 4, 64, 12, 8, 16, 4, 4, 32, 16, 32, 2.0, 20},
      {3, 8, 48, 6, 4, 8, 2, 0, 16, 16, 16, 0.5, 50},
      {16, 16, 512, 24, 32, 256, 16, 32, 128, 64, 128, 8.0, 10},
      {4, 8, 64, 12, 8, 16, 4, 4, 32, 16, 32, 0.25, 10},
      {12, 14, 224, 12, 24, 108, 27, 8, 64, 16, 16, 1.2, 100},
  };
  for (const auto& a : archs) {
    const ArchSpec arch = make_arch(a);
    for (int i = 0; i < per_arch; ++i) {
      const ConvShape s = random_layer(rng);
      const Mapping m = feasible_mapping(rng, s, arch);
      const int mode = i % 8;
      const LayerData d = mode >= 2 ? sparse_layer_data(s, uint64_t(i), true, 0.2 + 0.1 * (i % 7), 0.3 + 0.1 * (i % 5))
                                    : random_layer_data(s, uint64_t(i), i % 2);
      hw::LayerJob job = make_job(s, m, arch, d);
      set_mode(job, mode);
      if (i % 6 == 5) job.dram_stalls = {0.3, uint64_t(i)};
      const hw::LayerSimResult r = simulator().run(job);
      std::printf("%s %s %s", arch.name.c_str(), s.str().c_str(), m.str().c_str());
      print_result(job, r);
      std::printf(" passes=%lld stalls=", (long long)r.passes);
      print_counts(r);
      std::printf(" active=%lld", (long long)r.counts.active_pes);
      print_accesses(r);
    }
  }
}

// Conv layers of the zoo up to 30 M MACs, on the Eyeriss spec with the search's mappings.
void zoo_layers() {
  const ArchSpec arch = load_arch_spec("eyeriss");
  int k = 0;
  for (const char* name : {"resnet50", "vgg16", "alexnet"}) {
    const Network net = zoo_network(name, 0.25);
    for (int li : net.compute_layers()) {
      const ConvShape s = conv_shape(net.layers[size_t(li)], 1 + k % 2);
      if (s.macs() > 3e7) continue;
      SearchOptions opts;
      opts.threads = 1;
      const SearchResult found = search_mapping(s, arch, opts);
      if (!found.found) continue;
      const int mode = k++ % 8;
      const LayerData d = mode >= 2 ? sparse_layer_data(s, uint64_t(k), true, 0.3 + 0.1 * (k % 6), 0.4 + 0.1 * (k % 5))
                                    : random_layer_data(s, uint64_t(k), k % 2);
      hw::LayerJob job = make_job(s, found.mapping, arch, d);
      set_mode(job, mode);
      const hw::LayerSimResult r = simulator().run(job);
      std::printf("%s/%s %s", name, net.layers[size_t(li)].name.c_str(), found.mapping.str().c_str());
      print_result(job, r);
      std::printf(" stalls=");
      print_counts(r);
      print_accesses(r);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int per_arch = argc > 1 ? std::atoi(argv[1]) : 300;
  if (per_arch < 0) {
    std::fprintf(stderr, "model_fingerprint: layers per architecture must be 0 or more, got '%s'\n", argv[1]);
    return 2;
  }
  random_layers(per_arch);
  zoo_layers();
  return 0;
}
