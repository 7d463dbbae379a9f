#include "workloads/util/progress.hpp"

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <unistd.h>

namespace rowsim {

bool Progress::enabled() {
  const char* ci = std::getenv("CI");
  if (ci && *ci) return false;
  if (std::getenv("ROWSIM_NO_PROGRESS")) return false;
  return ::isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)), total_(total), unit_(std::move(unit)),
      start_(std::chrono::steady_clock::now()), last_print_(start_), active_(enabled()) {}

Progress::~Progress() { finish(); }

void Progress::update(int64_t done, const std::string& detail) {
  if (!active_) return;
  auto now = std::chrono::steady_clock::now();
  // At most ten refreshes a second, but always show the last item.
  if (done < total_ && printed_ && now - last_print_ < std::chrono::milliseconds(100)) return;
  last_print_ = now;
  double seconds = std::chrono::duration<double>(now - start_).count();
  double rate = seconds > 0 ? done / seconds : 0.0;
  std::string eta = "--:--";
  if (rate > 0 && done < total_) {
    int remaining = static_cast<int>((total_ - done) / rate);
    eta = fmt::format("{}:{:02}", remaining / 60, remaining % 60);
  }
  std::string line = fmt::format("{} {}/{}  {:.1f} {}/s  ETA {}  {}", label_, done, total_, rate, unit_, eta, detail);
  if (line.size() > 118) line.resize(118);
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
  printed_ = true;
}

void Progress::finish() {
  if (active_ && printed_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  printed_ = false;
  active_ = false;
}

}  // namespace rowsim
