#include "workloads/train/prune.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "workloads/safetensors_sparse.hpp"
#include "workloads/train/batch.hpp"
#include "workloads/train/trainer.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/progress.hpp"
#include "workloads/weights_file.hpp"

namespace rowsim::train {

namespace {

using Clock = std::chrono::steady_clock;

// Retraining draws its shuffles and augmentations as epochs 1000, 1001, ... of the seed, so they
// differ from the ones the network was trained with.
constexpr int kRetrainEpochBase = 1000;

struct Entry {
  float magnitude;  // -1 for weights already pruned, so they come first
  uint32_t layer, index;
  bool operator<(const Entry& o) const {
    if (magnitude != o.magnitude) return magnitude < o.magnitude;
    if (layer != o.layer) return layer < o.layer;
    return index < o.index;
  }
};

// Prunes `count` entries of `order` (ascending), at most `cap[layer]` per layer; already pruned
// weights (magnitude -1) are always kept pruned.
void prune_in_order(const std::vector<Entry>& order, int64_t count, const std::vector<int64_t>& cap,
                    PruneMasks& masks) {
  std::vector<int64_t> pruned(cap.size(), 0);
  int64_t done = 0;
  for (const Entry& e : order) {
    bool already = e.magnitude < 0;
    if (!already && done >= count) break;
    if (!already && pruned[e.layer] >= cap[e.layer]) continue;
    masks.keep[e.layer][e.index] = 0;
    ++pruned[e.layer];
    ++done;
  }
}

nlohmann::ordered_json layers_json(const std::vector<LayerPruning>& layers) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& l : layers)
    j[l.layer] = {{"weights", l.weights},
                  {"nonzero", l.nonzero},
                  {"sparsity", std::round(l.sparsity() * 1e6) / 1e6},
                  {"macs", l.macs},
                  {"macs_nonzero", l.macs_nonzero}};
  return j;
}

}  // namespace

PruneSchedule parse_prune_schedule(const std::string& text) {
  if (text == "iterative") return PruneSchedule::Iterative;
  if (text == "oneshot") return PruneSchedule::OneShot;
  fail("pruning schedule '{}': expected iterative or oneshot", text);
}

const char* to_string(PruneSchedule s) { return s == PruneSchedule::OneShot ? "oneshot" : "iterative"; }

PruneThreshold parse_prune_threshold(const std::string& text) {
  if (text == "global") return PruneThreshold::Global;
  if (text == "layer") return PruneThreshold::Layer;
  fail("pruning threshold '{}': expected global or layer", text);
}

const char* to_string(PruneThreshold t) { return t == PruneThreshold::Layer ? "layer" : "global"; }

std::vector<double> sparsity_schedule(double target, PruneSchedule schedule, int steps) {
  if (schedule == PruneSchedule::OneShot || steps <= 1) return {target};
  std::vector<double> s;
  for (int k = 1; k <= steps; ++k) s.push_back(target * (1.0 - std::pow(1.0 - double(k) / steps, 3.0)));
  s.back() = target;
  return s;
}

void magnitude_prune(const std::vector<Param>& params, double sparsity, PruneThreshold threshold,
                     double max_layer_sparsity, PruneMasks& masks) {
  if (!(sparsity >= 0 && sparsity < 1)) fail("internal: sparsity {} outside [0, 1)", sparsity);
  if (masks.params.empty()) {
    for (size_t i = 0; i < params.size(); ++i)
      if (params[i].decay) {
        masks.params.push_back(int(i));
        masks.keep.emplace_back(params[i].value.size(), uint8_t(1));
      }
  }
  const size_t layers = masks.params.size();
  std::vector<int64_t> cap(layers);
  int64_t total = 0;
  for (size_t l = 0; l < layers; ++l) {
    int64_t n = int64_t(params[size_t(masks.params[l])].value.size());
    cap[l] = int64_t(std::floor(max_layer_sparsity * double(n)));
    total += n;
  }
  auto entries_of = [&](size_t l, std::vector<Entry>& out) {
    const auto& v = params[size_t(masks.params[l])].value;
    for (size_t i = 0; i < v.size(); ++i)
      out.push_back({masks.keep[l][i] ? std::fabs(v[i]) : -1.0f, uint32_t(l), uint32_t(i)});
  };
  if (threshold == PruneThreshold::Global) {
    std::vector<Entry> order;
    order.reserve(size_t(total));
    for (size_t l = 0; l < layers; ++l) entries_of(l, order);
    std::sort(order.begin(), order.end());
    prune_in_order(order, std::llround(sparsity * double(total)), cap, masks);
  } else {
    for (size_t l = 0; l < layers; ++l) {
      std::vector<Entry> order;
      entries_of(l, order);
      std::sort(order.begin(), order.end());
      std::vector<int64_t> one(layers, 0);
      one[l] = cap[l];
      prune_in_order(order, std::llround(sparsity * double(order.size())), one, masks);
    }
  }
}

void apply_masks(std::vector<Param>& params, const PruneMasks& masks) {
  for (size_t l = 0; l < masks.params.size(); ++l) {
    Param& p = params[size_t(masks.params[l])];
    const auto& keep = masks.keep[l];
    for (size_t i = 0; i < keep.size(); ++i)
      if (!keep[i]) {
        p.value[i] = 0.0f;
        if (!p.momentum.empty()) p.momentum[i] = 0.0f;
        if (!p.grad.empty()) p.grad[i] = 0.0f;
      }
  }
}

std::vector<LayerPruning> layer_pruning(const Network& net, const SafeTensors& weights) {
  std::vector<LayerPruning> out;
  for (const auto& l : net.layers) {
    if (!l.has_weights()) continue;
    const TensorData* t = weights.find(l.name + ".weight");
    if (!t) fail("no tensor '{}.weight' for layer '{}' of {}", l.name, l.name, net.name);
    LayerPruning p;
    p.layer = l.name;
    p.weights = t->elements();
    for (float v : t->to_floats()) p.nonzero += v != 0.0f;
    p.macs = l.macs();
    // Every weight of a conv is used the same number of times (once per output position).
    p.macs_nonzero = p.weights ? p.macs / p.weights * p.nonzero : 0;
    out.push_back(p);
  }
  return out;
}

PruneResult prune(const Network& net, const SafeTensors& in, const std::string& origin, const PruneConfig& c,
                  const std::function<void(const std::string&)>& log) {
  if (net.name == "gate" || in.meta("network") == "gate" || in.meta("task") == "gate" || c.data.task == Task::Gate)
    fail("{}: this is the gate (network '{}', task '{}'); the gate is never pruned: it must route clean and "
         "distorted images with close to 100% accuracy (the paper prunes only the dedicated networks)",
         origin, in.meta("network"), in.meta("task", to_string(c.data.task)));
  if (!(c.sparsity > 0 && c.sparsity < 1)) fail("sparsity {}: expected a fraction above 0 and below 1", c.sparsity);
  if (!(c.max_layer_sparsity > 0 && c.max_layer_sparsity < 1))
    fail("largest layer sparsity {}: expected a fraction above 0 and below 1", c.max_layer_sparsity);
  if (c.steps < 1) fail("pruning steps {}: expected at least 1", c.steps);
  if (c.retrain_epochs < 0) fail("retraining epochs {}: expected 0 or more", c.retrain_epochs);
  int classes = task_classes(c.data);
  if (net.output_layer().out.elements() != classes)
    fail("{}: network '{}' ends in {} outputs, but task {} on {} needs {}", origin, net.name,
         net.output_layer().out.elements(), to_string(c.data.task), c.data.dataset, classes);

  set_blas_threads(1);
  ThreadPool pool(c.threads);
  Model model(net, in, origin);
  MixedSet train_set;
  if (c.retrain_epochs > 0) train_set = load_task_set(c.data, Split::Train);
  TaskSpec test_spec = c.data;
  test_spec.limit = c.test_limit;
  MixedSet test_set = load_task_set(test_spec, Split::Test);
  PruneResult result;
  result.train_images = train_set.data.size();
  result.dense_top1 = evaluate(pool, model, test_set, c.batch).top1();
  log(fmt::format("{}: dense top-1 {:.4f} on {} test images; pruning to {:.4f} ({} schedule, {} threshold), "
                  "retraining {} epoch(s) per step on {} images",
                  origin, result.dense_top1, test_set.data.size(), c.sparsity, to_string(c.schedule),
                  to_string(c.threshold), c.retrain_epochs, train_set.data.size()));

  PruneMasks masks;
  std::vector<double> targets = sparsity_schedule(c.sparsity, c.schedule, c.steps);
  const size_t n = train_set.data.size();
  const long steps_per_epoch = long((n + size_t(c.batch) - 1) / size_t(c.batch));
  Tensor input, d_logits;
  std::vector<int32_t> labels;
  int retrain_epoch = 0;
  for (size_t k = 0; k < targets.size(); ++k) {
    auto t0 = Clock::now();
    PruneStep step;
    step.step = int(k) + 1;
    step.target = targets[k];
    magnitude_prune(model.params(), targets[k], c.threshold, c.max_layer_sparsity, masks);
    apply_masks(model.params(), masks);
    step.sparsity = model.weight_sparsity();
    step.top1_pruned = evaluate(pool, model, test_set, c.batch).top1();
    log(fmt::format("step {}/{}: sparsity {:.4f} (target {:.4f}), top-1 {:.4f} before retraining", step.step,
                    targets.size(), step.sparsity, step.target, step.top1_pruned));
    const long total = steps_per_epoch * c.retrain_epochs;
    Progress progress("prune", int64_t(n) * c.retrain_epochs, "img");
    int64_t done = 0;
    for (int e = 0; e < c.retrain_epochs; ++e, ++retrain_epoch) {
      std::vector<uint32_t> order = epoch_order(n, c.data.seed, kRetrainEpochBase + retrain_epoch);
      double loss_sum = 0;
      for (long s = 0; s < steps_per_epoch; ++s) {
        size_t b = size_t(s) * size_t(c.batch), end = std::min(n, b + size_t(c.batch));
        make_batch(pool, train_set.data, order, b, end, c.augment, c.data.seed, kRetrainEpochBase + retrain_epoch,
                   input, labels);
        const Tensor& logits = model.forward(pool, input, true);
        double loss = softmax_cross_entropy(logits, labels.data(), d_logits, nullptr);
        if (!std::isfinite(loss))
          fail("retraining diverged at step {} epoch {} (loss {}); lower the learning rate (now {})", step.step, e + 1, loss, c.lr);
        model.backward(pool, d_logits);
        apply_masks(model.params(), masks);  // masked gradients: pruned weights get no update
        sgd_step(pool, model.params(), learning_rate(Schedule::Cosine, c.lr, e * steps_per_epoch + s, total),
                 c.momentum, c.weight_decay);
        apply_masks(model.params(), masks);
        loss_sum += loss * double(end - b);
        done += int64_t(end - b);
        progress.update(done, fmt::format("step {}/{} epoch {}/{} loss {:.4f}", step.step, targets.size(), e + 1,
                                          c.retrain_epochs, loss_sum / double(end)));
      }
      step.epoch_loss.push_back(loss_sum / double(n));
    }
    progress.finish();
    step.top1_retrained = c.retrain_epochs > 0 ? evaluate(pool, model, test_set, c.batch).top1() : step.top1_pruned;
    step.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    log(fmt::format("step {}/{}: top-1 {:.4f} after {} retraining epoch(s){}, {:.0f} s", step.step, targets.size(),
                    step.top1_retrained, c.retrain_epochs,
                    step.epoch_loss.empty() ? "" : fmt::format(" (loss {:.4f})", step.epoch_loss.back()),
                    step.seconds));
    result.steps.push_back(step);
  }

  // The exported file is judged as written: its dtype, its zeros.
  SafeTensors out = model.export_inference(c.export_dtype);
  Model exported(net, out, origin);
  EvalResult final_eval = evaluate(pool, exported, test_set, c.batch);
  result.top1 = final_eval.top1();
  result.test_images = final_eval.images;
  result.test_distorted = final_eval.distorted;
  result.sparsity = layer_weight_sparsity(out);
  result.layers = layer_pruning(net, out);

  out.metadata = in.metadata;
  for (const char* stale : {"quantization", "weight_formats"}) out.metadata.erase(stale);
  auto& m = out.metadata;
  m["format"] = "rowsim-weights";
  m["accuracy"] = fmt::format("{:.6f}", result.top1);
  m["accuracy_split"] = fmt::format("test ({} images, {} distorted)", final_eval.images, final_eval.distorted);
  m["bits"] = c.export_dtype == DType::F16 ? "16" : "32";
  m["dtype"] = dtype_name(c.export_dtype);
  m["sparsity"] = fmt::format("{:.6f}", result.sparsity);
  m["batchnorm"] = "folded";
  m["layer_sparsity"] = layers_json(result.layers).dump();
  nlohmann::ordered_json steps = nlohmann::ordered_json::array();
  for (const auto& s : result.steps)
    steps.push_back({{"step", s.step},
                     {"target", s.target},
                     {"sparsity", s.sparsity},
                     {"top1_pruned", s.top1_pruned},
                     {"top1_retrained", s.top1_retrained},
                     {"epoch_loss", s.epoch_loss},
                     {"seconds", s.seconds}});
  nlohmann::ordered_json p;
  p["source"] = origin;
  p["source_accuracy"] = in.meta("accuracy");
  p["dense_top1"] = result.dense_top1;
  p["target"] = c.sparsity;
  p["schedule"] = to_string(c.schedule);
  p["steps"] = int(targets.size());
  p["threshold"] = to_string(c.threshold);
  p["max_layer_sparsity"] = c.max_layer_sparsity;
  p["retrain_epochs"] = c.retrain_epochs;
  p["train_images"] = result.train_images;
  p["dataset"] = c.data.dataset;
  p["distortion"] = c.data.distortion.name();
  p["distortion_params"] = c.data.distortion.params();
  p["ratio"] = c.data.ratio.str();
  p["seed"] = c.data.seed;
  p["limit"] = c.data.limit;
  p["batch"] = c.batch;
  p["lr"] = c.lr;
  p["momentum"] = c.momentum;
  p["weight_decay"] = c.weight_decay;
  p["augment"] = c.augment;
  p["threads"] = c.threads;
  p["history"] = steps;
  m["pruning"] = p.dump();
  result.weights = std::move(out);
  log(fmt::format("pruned: sparsity {:.4f}, top-1 {:.4f} (dense {:.4f}) on {} test images", result.sparsity,
                  result.top1, result.dense_top1, result.test_images));
  return result;
}

void write_compact_weights(const std::string& path, const SafeTensors& weights) {
  write_safetensors(path, encode_sparse(weights, is_layer_weight));
}

}  // namespace rowsim::train
