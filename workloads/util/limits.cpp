#include "workloads/util/limits.hpp"

#include <array>
#include <cstdlib>
#include <limits>

#include "workloads/network.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"

namespace rowsim {

namespace {

constexpr int64_t kUnbounded = std::numeric_limits<int64_t>::max();

struct LimitInfo {
  Limit id;
  const char* name;
  int64_t default_value;
  int64_t ceiling;  // the default where rowsim's own integer types end there; else only memory bounds it
};

// One row per Limit, in its order.
constexpr std::array<LimitInfo, 11> kLimits{{
    {Limit::TensorElements, "tensor-elements", kMaxTensorElements, kMaxTensorElements},
    {Limit::LayerMacs, "layer-macs", kMaxLayerMacs, kMaxLayerMacs},
    {Limit::Batch, "batch", kMaxBatch, kMaxBatch},
    {Limit::FileBytes, "file-bytes", int64_t(kMaxReadFileBytes), kUnbounded},
    // the reference safetensors implementation caps the header at 100 MB as well
    {Limit::SafetensorsHeaderBytes, "safetensors-header-bytes", 100'000'000, kUnbounded},
    {Limit::OnnxDim, "onnx-dim", int64_t(1) << 24, int64_t(1) << 24},
    {Limit::OnnxElements, "onnx-elements", int64_t(1) << 31, int64_t(1) << 31},
    {Limit::NetFileDim, "net-file-dim", 1 << 16, kMaxTensorElements},
    {Limit::ArraySide, "array-side", 1024, 1024},
    {Limit::SweepAxisValues, "sweep-axis-values", 100'000, kUnbounded},
    {Limit::SweepPoints, "sweep-points", 10'000'000, kUnbounded},
}};

constexpr bool rows_in_order() {
  for (size_t i = 0; i < kLimits.size(); ++i)
    if (size_t(kLimits[i].id) != i) return false;
  return true;
}
static_assert(rows_in_order(), "kLimits must list the limits in the order of enum Limit");

const LimitInfo& info(Limit which) { return kLimits[size_t(which)]; }

std::string known_names() {
  std::string names;
  for (const auto& l : kLimits) names += std::string(names.empty() ? "" : ", ") + l.name;
  return names;
}

// "8G" -> 8 * 2^30; digits with an optional K, M, G or T (powers of 1024). -1 if malformed or
// beyond 64 bits.
int64_t parse_size(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 18 || text.size() > digits + 1) return -1;
  int64_t value = std::stoll(text.substr(0, digits));
  int shift = 0;
  if (text.size() == digits + 1) {
    switch (text[digits]) {
      case 'K': shift = 10; break;
      case 'M': shift = 20; break;
      case 'G': shift = 30; break;
      case 'T': shift = 40; break;
      default: return -1;
    }
  }
  if (value > (kUnbounded >> shift)) return -1;
  return value << shift;
}

std::array<int64_t, kLimits.size()> parse_spec(const std::string& spec) {
  std::array<int64_t, kLimits.size()> values{};
  std::array<bool, kLimits.size()> given{};
  for (size_t i = 0; i < kLimits.size(); ++i) values[i] = kLimits[i].default_value;
  size_t start = 0;
  while (start < spec.size()) {
    size_t end = spec.find(',', start);
    if (end == std::string::npos) end = spec.size();
    const std::string item = spec.substr(start, end - start);
    start = end + 1;
    const size_t eq = item.find('=');
    if (eq == std::string::npos)
      fail("ROWSIM_LIMITS='{}': '{}' is not NAME=VALUE (expected e.g. file-bytes=8G; names: {})", spec, item,
           known_names());
    const std::string name = item.substr(0, eq), text = item.substr(eq + 1);
    size_t i = 0;
    while (i < kLimits.size() && name != kLimits[i].name) ++i;
    if (i == kLimits.size())
      fail("ROWSIM_LIMITS='{}': unknown limit '{}' (expected one of {})", spec, name, known_names());
    if (given[i]) fail("ROWSIM_LIMITS='{}': limit '{}' is given twice", spec, name);
    given[i] = true;
    const int64_t value = parse_size(text);
    const LimitInfo& l = kLimits[i];
    if (value < 1 || value > l.ceiling)
      fail("ROWSIM_LIMITS='{}': {}={}: expected a whole number from 1 to {}{}, optionally with K, M, G or T "
           "(powers of 1024); the default is {}",
           spec, name, text, l.ceiling,
           l.ceiling == l.default_value ? " (rowsim's integer types end there: it can be lowered, not raised)" : "",
           l.default_value);
    values[i] = value;
  }
  return values;
}

const std::array<int64_t, kLimits.size()>& environment_limits() {
  // Parsed once; if parsing throws, the next call parses (and throws) again.
  static const std::array<int64_t, kLimits.size()> values = [] {
    const char* spec = std::getenv("ROWSIM_LIMITS");
    return parse_spec(spec ? spec : "");
  }();
  return values;
}

}  // namespace

int64_t limit(Limit which) { return environment_limits()[size_t(which)]; }

const char* limit_name(Limit which) { return info(which).name; }

std::string limit_hint(Limit which) {
  return fmt::format("(limit {}: see ROWSIM_LIMITS in docs/testing.md)", info(which).name);
}

void check_limits() { environment_limits(); }

int64_t limit_from_spec(const std::string& spec, Limit which) { return parse_spec(spec)[size_t(which)]; }

}  // namespace rowsim
