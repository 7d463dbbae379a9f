// A fixed pool of worker threads for the trainer. Work is split statically into one contiguous
// range per thread, so which thread computes what never depends on timing; every reduction the
// trainer does across ranges is summed in range order afterwards. Results are therefore the same
// on every run with the same thread count. Pool threads flush denormal floats to zero.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rowsim::train {

// Sets flush-to-zero and denormals-are-zero for the calling thread; every pool thread runs so.
void flush_denormals_to_zero();

class ThreadPool {
public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Calls fn(thread, begin, end) on `size()` contiguous slices of [0, n); the caller runs slice 0.
  void run(int64_t n, const std::function<void(int, int64_t, int64_t)>& fn);
  // Slice `t` of [0, n) split `parts` ways.
  static void slice(int64_t n, int parts, int t, int64_t& begin, int64_t& end);

private:
  void worker(int index);
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  bool stop_ = false;
  const std::function<void(int, int64_t, int64_t)>* job_ = nullptr;
  int64_t job_n_ = 0;
};

}  // namespace rowsim::train
