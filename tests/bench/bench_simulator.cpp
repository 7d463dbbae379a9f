// Speed of the SystemC model: simulated MACs per second on one core for conv layers of 1.00-VGG16
// (batch 1) and AlexNet (batch 4) on the Eyeriss spec, beside a plain C++ loop doing the same
// MACs (int16 x int16 summed in int64, the PEs' arithmetic); then whole networks through the
// rowsim binary with wall time and peak memory. Prints markdown tables (docs/benchmarks.md).
// Per layer, rates are CPU time of this thread (on a shared machine, wall time also counts the
// time other processes held the core); the wall time is printed beside.
//
//   cmake --build build --target bench_simulator && build/tests/bench/bench_simulator [ROWSIM]
//   BENCH_LAYER="vgg16 conv1_2" build/tests/bench/bench_simulator   one layer only (for a profiler)
//   BENCH_GATE=1 build/tests/bench/bench_simulator   with zero gating on, as the Eyeriss spec runs
//   networks (the same cycles; the bench's data has few zeros, so it measures the gating's cost)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mapper/search.hpp"
#include "models/hw/simulate.hpp"
#include "workloads/zoo.hpp"

using namespace rowsim;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

// The same MACs as the layer, in the plainest loop: no tiling, no vectorisation hints.
int64_t plain_loop(const ConvShape& s, const std::vector<int16_t>& in, const std::vector<int16_t>& w,
                   std::vector<int64_t>& out) {
  int64_t macs = 0;
  for (int b = 0; b < s.N; ++b)
    for (int m = 0; m < s.M; ++m)
      for (int y = 0; y < s.E; ++y)
        for (int x = 0; x < s.F; ++x) {
          int64_t acc = 0;
          for (int c = 0; c < s.C; ++c)
            for (int r = 0; r < s.R; ++r)
              for (int t = 0; t < s.S; ++t) {
                int iy = y * s.U + r - s.pad_h, ix = x * s.U + t - s.pad_w;
                int16_t v = iy >= 0 && iy < s.H && ix >= 0 && ix < s.W ? in[((size_t(b) * s.C + c) * s.H + iy) * s.W + ix] : 0;
                acc += int32_t(w[((size_t(m) * s.C + c) * s.R + r) * s.S + t]) * int32_t(v);
                ++macs;
              }
          out[((size_t(b) * s.M + m) * s.E + y) * s.F + x] = acc;
        }
  return macs;
}

void bench_layers(hw::Simulator& model, const ArchSpec& arch) {
  struct Pick {
    const char* net;
    int batch;
    const char* layer;
  };
  const Pick picks[] = {{"vgg16", 1, "conv1_2"}, {"vgg16", 1, "conv2_2"}, {"vgg16", 1, "conv3_2"},
                        {"vgg16", 1, "conv4_2"}, {"alexnet", 4, "conv2"},  {"alexnet", 4, "conv3"},
                        {"alexnet", 4, "conv4"}};
  std::printf("| layer | batch | MACs | sim cycles | sim wall s | sim cpu s | sim M MACs/s | plain loop M MACs/s | ratio |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
  const char* only = std::getenv("BENCH_LAYER");  // profiling one layer: "vgg16 conv1_2"
  for (const auto& pick : picks) {
    if (only && std::string(pick.net) + " " + pick.layer != only) continue;
    Network net = zoo_network(pick.net, 1.0);
    ConvShape s = conv_shape(net.layer(pick.layer), pick.batch);
    SearchOptions opts;
    opts.threads = 1;
    SearchResult found = search_mapping(s, arch, opts);
    std::vector<int16_t> in(size_t(s.N) * s.G * s.C * s.H * s.W), w(size_t(s.weights()));
    for (size_t i = 0; i < in.size(); ++i) in[i] = int16_t((i * 7919) % 511 - 255);
    for (size_t i = 0; i < w.size(); ++i) w[i] = int16_t((i * 104729) % 1023 - 511);
    hw::LayerJob job;
    job.name = pick.layer;
    job.shape = s;
    job.mapping = found.mapping;
    job.arch = arch;
    job.ifmap = in.data();
    job.weights = w.data();
    job.shift = 8;
    job.zero_gating = std::getenv("BENCH_GATE") != nullptr;
    auto t0 = std::chrono::steady_clock::now();
    double c0 = thread_cpu_seconds();
    hw::LayerSimResult r = model.run(job);
    const double sim = thread_cpu_seconds() - c0, sim_wall = seconds_since(t0);
    // The plain loop over one group (grouped layers repeat it G times).
    ConvShape one = s;
    std::vector<int64_t> out(size_t(s.N) * s.M * s.E * s.F);
    c0 = thread_cpu_seconds();
    int64_t macs = 0;
    for (int g = 0; g < s.G; ++g) macs += plain_loop(one, in, w, out);
    const double loop = thread_cpu_seconds() - c0;
    volatile int64_t sink = out[out.size() / 2];
    (void)sink;
    std::printf("| %s %s | %d | %.1fM | %lld | %.2f | %.2f | %.0f | %.0f | %.2f |\n", pick.net, pick.layer, pick.batch,
                double(r.counts.macs) / 1e6, (long long)r.counts.cycles, sim_wall, sim, double(r.counts.macs) / sim / 1e6,
                double(macs) / loop / 1e6, (double(r.counts.macs) / sim) / (double(macs) / loop));
    std::fflush(stdout);
  }
}

void bench_network(const std::string& rowsim, const std::string& args) {
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    std::string cmd = "CI=1 " + rowsim + " " + args + " --format json -o /dev/null";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), (char*)nullptr);
    _exit(127);
  }
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  double wall = seconds_since(t0);
  std::printf("| `rowsim %s` | %.1f | %.0f | %s |\n", args.c_str(), wall, double(usage.ru_maxrss) / 1024.0,
              WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "yes" : "NO");
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  ArchSpec arch = load_arch_spec("eyeriss");
  std::printf("Conv layers on %s, one core, in-process (rates in thread CPU time):\n\n", arch.name.c_str());
  hw::Simulator sim;
  bench_layers(sim, arch);
  if (std::getenv("BENCH_LAYER")) return 0;
  std::string rowsim = argc > 1 ? argv[1] : ROWSIM_BINARY;
  std::printf("\nWhole networks (mapping search, reference, simulation and checks), serial:\n\n");
  std::printf("| command | wall s | peak MB | all layers bit-exact and = analytical |\n| --- | --- | --- | --- |\n");
  bench_network(rowsim, "simulate --net vgg16");
  bench_network(rowsim, "simulate --net resnet50");
  bench_network(rowsim, "simulate --net resnet50 --jobs 2");
  return 0;
}
