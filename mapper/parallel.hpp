// Runs work(i) for i in [0, threads) on that many threads (the calling thread alone when there is
// one) and waits for all. An exception thrown by any of them is rethrown here, once all have ended.
#pragma once
#include <exception>
#include <thread>
#include <vector>

namespace rowsim {

template <typename Work>
void run_parallel(int threads, Work&& work) {
  if (threads <= 1) return work(0);
  std::vector<std::exception_ptr> failures(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i)
    pool.emplace_back([&, i] {
      try {
        work(i);
      } catch (...) {
        failures[size_t(i)] = std::current_exception();
      }
    });
  for (auto& th : pool) th.join();
  for (auto& failure : failures)
    if (failure) std::rethrow_exception(failure);
}

}  // namespace rowsim
