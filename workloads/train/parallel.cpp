#include "workloads/train/parallel.hpp"

#include <chrono>

#if defined(__SSE2__)
#include <pmmintrin.h>
#include <xmmintrin.h>
#endif

namespace rowsim::train {

void flush_denormals_to_zero() {
#if defined(__SSE2__)
  // A guard: tiny gradients would otherwise become denormal floats, which x86 processes through
  // slow microcode.
  _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
  _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
#endif
}

ThreadPool::ThreadPool(int threads) {
  flush_denormals_to_zero();
  for (int i = 1; i < threads; ++i)
    workers_.emplace_back([this, i] {
      flush_denormals_to_zero();
      worker(i);
    });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::slice(int64_t n, int parts, int t, int64_t& begin, int64_t& end) {
  begin = n * t / parts;
  end = n * (t + 1) / parts;
}

void ThreadPool::run(int64_t n, const std::function<void(int, int64_t, int64_t)>& fn) {
  const int parts = size();
  if (parts == 1 || n <= 1) {
    // Still split into `parts` slices so a range-ordered reduction sees the same slices.
    for (int t = 0; t < parts; ++t) {
      int64_t b, e;
      slice(n, parts, t, b, e);
      fn(t, b, e);
    }
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &fn;
    job_n_ = n;
    pending_.store(parts - 1);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  int64_t b, e;
  slice(n, parts, 0, b, e);
  fn(0, b, e);
  while (pending_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
}

void ThreadPool::worker(int index) {
  uint64_t seen = 0;
  for (;;) {
    // Spin briefly (the next job usually follows within microseconds), then sleep.
    auto spin_until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
    while (generation_.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < spin_until)
      std::this_thread::yield();
    const std::function<void(int, int64_t, int64_t)>* job;
    int64_t n;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load() != seen; });
      seen = generation_.load();
      if (stop_) return;
      job = job_;
      n = job_n_;
    }
    int64_t b, e;
    slice(n, size(), index, b, e);
    (*job)(index, b, e);
    pending_.fetch_sub(1, std::memory_order_release);
  }
}

}  // namespace rowsim::train
