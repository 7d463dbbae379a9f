// Progress of long work, on stderr. On a terminal: "label k/n  rate unit/s  ETA m:ss", rewritten
// in place. Anywhere else (CI, Slurm, nohup, a pipe): plain lines a log keeps, one at most every
// few seconds ("label k/n unit, 12.3 s elapsed") and one when the stage ends ("label n/n unit,
// done in 45.1 s"), from the outermost stage only. `--quiet` (set_quiet) or ROWSIM_NO_PROGRESS
// silences both.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace rowsim {

class Progress {
public:
  enum class Mode { Off, Lines, Terminal };

  Progress(std::string label, int64_t total, std::string unit = "items");
  ~Progress();
  // Sets the number of finished items; `detail` is shown after the counts (e.g. a layer name).
  void update(int64_t done, const std::string& detail = "");
  void finish();

  // Terminal when stderr is a terminal and CI is unset; Off when quiet or ROWSIM_NO_PROGRESS is
  // set; Lines otherwise.
  static Mode mode();
  static void set_quiet(bool quiet);
  // Seconds between two plain lines of one stage: ROWSIM_PROGRESS_INTERVAL, default 5.
  static double line_interval();

private:
  void print_line(int64_t done, const std::string& detail);
  void print_terminal(int64_t done, const std::string& detail);

  std::string label_;
  int64_t total_;
  std::string unit_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  Mode mode_;
  bool printed_ = false;
  bool ended_ = false;
  bool counted_ = false;  // holds the one plain-line slot (see line_stages)
};

}  // namespace rowsim
