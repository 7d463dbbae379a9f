// Progress line for long work: "label k/n  rate unit/s  ETA m:ss" on a terminal, rewritten in
// place; silent when stderr is not a terminal or CI is set, so logs stay clean.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace rowsim {

class Progress {
public:
  Progress(std::string label, int64_t total, std::string unit = "items");
  ~Progress();
  // Sets the number of finished items; `detail` is shown after the counts (e.g. a layer name).
  void update(int64_t done, const std::string& detail = "");
  void finish();
  static bool enabled();

private:
  std::string label_;
  int64_t total_;
  std::string unit_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  bool active_;
  bool printed_ = false;
};

}  // namespace rowsim
