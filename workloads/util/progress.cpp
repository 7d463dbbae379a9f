#include "workloads/util/progress.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <unistd.h>

#include "workloads/util/parse.hpp"

namespace rowsim {

namespace {

std::atomic<bool> quiet{false};
// Stages printing plain lines now. A stage started inside another (mapping one network of a
// sweep's point, on any thread) stays silent, so a log has one line per stage, not per point.
std::atomic<int> line_stages{0};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string elapsed_text(double seconds) {
  if (seconds < 60) return fmt::format("{:.1f} s", seconds);
  int s = int(seconds);
  return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
}

}  // namespace

void Progress::set_quiet(bool q) { quiet = q; }

Progress::Mode Progress::mode() {
  if (quiet || std::getenv("ROWSIM_NO_PROGRESS")) return Mode::Off;
  const char* ci = std::getenv("CI");
  bool in_ci = ci && *ci;
  return !in_ci && ::isatty(STDERR_FILENO) == 1 ? Mode::Terminal : Mode::Lines;
}

double Progress::line_interval() {
  double seconds = 5;
  const char* text = std::getenv("ROWSIM_PROGRESS_INTERVAL");
  // An unreadable value keeps the default: progress must never stop a run.
  if (text && parse_number(text, seconds) && seconds >= 0) return seconds;
  return 5;
}

Progress::Progress(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)), total_(total), unit_(std::move(unit)),
      start_(std::chrono::steady_clock::now()), last_print_(start_), mode_(mode()) {
  if (mode_ == Mode::Lines) {
    if (line_stages.fetch_add(1) > 0) {
      line_stages.fetch_sub(1);
      mode_ = Mode::Off;
    } else {
      counted_ = true;
    }
  }
}

Progress::~Progress() { finish(); }

void Progress::update(int64_t done, const std::string& detail) {
  if (mode_ == Mode::Terminal) print_terminal(done, detail);
  if (mode_ == Mode::Lines) print_line(done, detail);
}

// One line when the stage ends, and in between one at most every line_interval() seconds.
void Progress::print_line(int64_t done, const std::string& detail) {
  if (ended_) return;
  auto now = std::chrono::steady_clock::now();
  double elapsed = seconds_since(start_);
  std::string line;
  if (done >= total_) {
    ended_ = true;
    line = fmt::format("{} {}/{} {}, done in {}", label_, done, total_, unit_, elapsed_text(elapsed));
  } else {
    if (std::chrono::duration<double>(now - last_print_).count() < line_interval()) return;
    line = fmt::format("{} {}/{} {}, {} elapsed{}", label_, done, total_, unit_, elapsed_text(elapsed),
                       detail.empty() ? "" : " (" + detail + ")");
  }
  last_print_ = now;
  line += "\n";
  std::fputs(line.c_str(), stderr);  // one call, so lines from parallel stages do not mix
  std::fflush(stderr);
}

void Progress::print_terminal(int64_t done, const std::string& detail) {
  auto now = std::chrono::steady_clock::now();
  // At most ten refreshes a second, but always show the last item.
  if (done < total_ && printed_ && now - last_print_ < std::chrono::milliseconds(100)) return;
  last_print_ = now;
  double seconds = seconds_since(start_);
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
  if (mode_ == Mode::Terminal && printed_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  printed_ = false;
  mode_ = Mode::Off;
  if (counted_) line_stages.fetch_sub(1);
  counted_ = false;
}

}  // namespace rowsim
