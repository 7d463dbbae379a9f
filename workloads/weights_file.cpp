#include "workloads/weights_file.hpp"

#include <cmath>

#include "workloads/net_file.hpp"
#include "workloads/util/error.hpp"
#include "workloads/zoo.hpp"

namespace rowsim {

namespace {

double number(const SafeTensors& f, const std::string& origin, const std::string& key, double fallback) {
  auto it = f.metadata.find(key);
  if (it == f.metadata.end()) return fallback;
  try {
    size_t used = 0;
    double v = std::stod(it->second, &used);
    if (used != it->second.size() || !std::isfinite(v)) throw std::invalid_argument("trailing");
    return v;
  } catch (const std::exception&) {
    fail("{}: metadata '{}' is '{}', expected a number", origin, key, it->second);
  }
}

}  // namespace

WeightsInfo weights_info(const SafeTensors& f, const std::string& origin) {
  WeightsInfo w;
  std::string format = f.meta("format");
  if (format == "rowsim-checkpoint")
    fail("{}: this is a training checkpoint; use the exported weights file (rowsim train -o FILE)", origin);
  w.network = f.meta("network");
  if (w.network.empty()) fail("{}: metadata has no 'network' key (not a rowsim weights file?)", origin);
  w.width = number(f, origin, "width", 1.0);
  w.net_file = f.meta("net_file");
  w.classes = int(number(f, origin, "classes", 0));
  w.dataset = f.meta("dataset");
  w.distortion = f.meta("distortion", "none");
  w.distortion_params = f.meta("distortion_params");
  w.task = f.meta("task", "classes");
  w.ratio = f.meta("ratio");
  w.accuracy = number(f, origin, "accuracy", -1);
  w.bits = int(number(f, origin, "bits", 32));
  w.sparsity = number(f, origin, "sparsity", 0);
  if (w.bits < 1 || w.bits > 32) fail("{}: metadata 'bits' is {}, expected 1..32", origin, w.bits);
  if (w.sparsity < 0 || w.sparsity > 1) fail("{}: metadata 'sparsity' is {}, expected 0..1", origin, w.sparsity);
  if (w.classes < 0) fail("{}: metadata 'classes' is {}, expected a positive count", origin, w.classes);
  return w;
}

Network network_for_weights(const WeightsInfo& info, const std::string& origin, const std::string& net_file_override) {
  std::string file = net_file_override.empty() ? info.net_file : net_file_override;
  if (!file.empty()) return load_network_file(file);
  if (!is_zoo_network(info.network))
    fail("{}: network '{}' is not in the zoo and the file names no net_file; give --net-file", origin, info.network);
  return zoo_network(info.network, info.width, info.classes);
}

}  // namespace rowsim
