#include "workloads/train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "workloads/train/batch.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/progress.hpp"

namespace rowsim::train {

namespace {

using Clock = std::chrono::steady_clock;

// Everything that shapes the result; a resumed run must match it field by field.
nlohmann::ordered_json run_identity(const NetworkSource& src, const TrainConfig& c) {
  nlohmann::ordered_json j;
  j["network"] = src.name;
  j["width"] = src.width;
  j["net_file"] = src.net_file;
  j["dataset"] = c.data.dataset;
  j["data_dir"] = c.data.data_dir;
  j["distortion"] = c.data.distortion.name();
  j["distortion_params"] = c.data.distortion.params();
  j["task"] = to_string(c.data.task);
  j["ratio"] = c.data.ratio.str();
  j["seed"] = c.data.seed;
  j["limit"] = c.data.limit;
  j["epochs"] = c.epochs;
  j["batch"] = c.batch;
  j["lr"] = c.lr;
  j["momentum"] = c.momentum;
  j["weight_decay"] = c.weight_decay;
  j["schedule"] = to_string(c.schedule);
  j["augment"] = c.augment;
  j["threads"] = c.threads;
  j["blas_threads"] = c.blas_threads;
  return j;
}

nlohmann::json epochs_to_json(const std::vector<EpochLog>& logs) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& e : logs)
    a.push_back({{"epoch", e.epoch},
                 {"loss", e.loss},
                 {"train_top1", e.train_top1},
                 {"test_top1", e.test_top1},
                 {"seconds", e.seconds},
                 {"images_per_second", e.images_per_second}});
  return a;
}

std::vector<EpochLog> epochs_from_json(const nlohmann::json& a) {
  std::vector<EpochLog> logs;
  for (const auto& e : a) {
    EpochLog l;
    l.epoch = e.at("epoch").get<int>();
    l.loss = e.at("loss").get<double>();
    l.train_top1 = e.at("train_top1").get<double>();
    l.test_top1 = e.at("test_top1").get<double>();
    l.seconds = e.at("seconds").get<double>();
    l.images_per_second = e.at("images_per_second").get<double>();
    logs.push_back(l);
  }
  return logs;
}

// Restores model state and history; returns the number of finished epochs.
int restore(const std::string& path, const nlohmann::ordered_json& identity, Model& model,
            std::vector<EpochLog>& history) {
  SafeTensors ckpt = read_safetensors(path);
  if (ckpt.meta("format") != "rowsim-checkpoint")
    fail("{}: not a rowsim training checkpoint (metadata format is '{}')", path, ckpt.meta("format"));
  nlohmann::json saved;
  try {
    saved = nlohmann::json::parse(ckpt.meta("config"));
    for (auto it = identity.begin(); it != identity.end(); ++it) {
      if (!saved.contains(it.key()))
        fail("{}: checkpoint lacks the setting '{}'; start afresh instead of resuming", path, it.key());
      if (saved[it.key()].dump() != it.value().dump())
        fail("{}: checkpoint was made with {} = {}, this run has {}; resume with the same settings or start afresh "
             "instead",
             path, it.key(), saved[it.key()].dump(), it.value().dump());
    }
    history = epochs_from_json(nlohmann::json::parse(ckpt.meta("history", "[]")));
  } catch (const nlohmann::json::exception& e) {
    fail("{}: checkpoint metadata is damaged: {}", path, e.what());
  }
  model.load_state(ckpt, path);
  const std::string epoch = ckpt.meta("epoch", "0");
  if (epoch != std::to_string(history.size()))
    fail("{}: checkpoint epoch '{}' disagrees with its history of {} epochs", path, epoch, history.size());
  return int(history.size());
}

}  // namespace

std::string default_checkpoint_path(const std::string& output) {
  const std::string ext = ".safetensors";
  if (output.size() > ext.size() && output.compare(output.size() - ext.size(), ext.size(), ext) == 0)
    return output.substr(0, output.size() - ext.size()) + ".ckpt" + ext;
  return output + ".ckpt.safetensors";
}

EvalResult evaluate(ThreadPool& pool, Model& model, const MixedSet& set, int batch) {
  EvalResult r;
  std::vector<uint32_t> order(set.data.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = uint32_t(i);
  Tensor input;
  std::vector<int32_t> labels;
  for (size_t b = 0; b < order.size(); b += size_t(batch)) {
    size_t e = std::min(order.size(), b + size_t(batch));
    make_batch(pool, set.data, order, b, e, false, 0, 0, input, labels);
    std::vector<int32_t> pred = predictions(model.forward(pool, input, false));
    for (size_t i = b; i < e; ++i)
      r.add(pred[i - b] == labels[i - b], !set.distorted.empty() && set.distorted[i]);
  }
  return r;
}

TrainResult train(const NetworkSource& source, const TrainConfig& config,
                  const std::function<void(const std::string&)>& log) {
  if (config.output.empty()) fail("training needs an output file for the trained weights");
  const Network& net = source.net;
  int classes = task_classes(config.data);
  if (net.output_layer().out.elements() != classes)
    fail("network '{}' ends in {} outputs, but the {} task on {} needs {}", source.name,
         net.output_layer().out.elements(), to_string(config.data.task), config.data.dataset, classes);
  const Shape image{3, 32, 32};  // every dataset yields 3x32x32 images (workloads/datasets.hpp)
  if (net.input != image)
    fail("network '{}' takes {} images but {} images are {}", source.name, net.input.str(), config.data.dataset,
         image.str());
  const std::string ckpt_path = config.checkpoint.empty() ? default_checkpoint_path(config.output) : config.checkpoint;

  set_blas_threads(config.blas_threads);
  ThreadPool pool(config.threads);
  MixedSet train_set = load_task_set(config.data, Split::Train);
  TaskSpec test_spec = config.data;
  test_spec.limit = config.test_limit;
  MixedSet test_set = load_task_set(test_spec, Split::Test);
  log(fmt::format("training {} (width {}) on {} {}: {} train images ({} distorted), {} test images", source.name,
                  source.width, config.data.dataset, to_string(config.data.task), train_set.data.size(),
                  train_set.distorted_count(), test_set.data.size()));

  Model model(net, config.data.seed);
  auto identity = run_identity(source, config);
  TrainResult result;
  int start_epoch = 0;
  if (config.resume && file_exists(ckpt_path)) {
    start_epoch = restore(ckpt_path, identity, model, result.epochs);
    log(fmt::format("resuming from {} after epoch {}", ckpt_path, start_epoch));
  } else if (config.resume) {
    log(fmt::format("no checkpoint at {}; starting from epoch 1", ckpt_path));
  }

  const size_t n = train_set.data.size();
  const long steps_per_epoch = long((n + size_t(config.batch) - 1) / size_t(config.batch));
  const long total_steps = steps_per_epoch * config.epochs;
  Progress progress("train", int64_t(n) * (config.epochs - start_epoch), "img");
  int64_t images_done = 0;
  Tensor input, d_logits;
  std::vector<int32_t> labels;
  for (int epoch = start_epoch; epoch < config.epochs; ++epoch) {
    auto t0 = Clock::now();
    std::vector<uint32_t> order = epoch_order(n, config.data.seed, epoch);
    double loss_sum = 0;
    size_t correct = 0;
    for (long step = 0; step < steps_per_epoch; ++step) {
      size_t b = size_t(step) * size_t(config.batch), e = std::min(n, b + size_t(config.batch));
      make_batch(pool, train_set.data, order, b, e, config.augment, config.data.seed, epoch, input, labels);
      const Tensor& logits = model.forward(pool, input, true);
      int right = 0;
      double loss = softmax_cross_entropy(logits, labels.data(), d_logits, &right);
      if (!std::isfinite(loss))
        fail("training diverged at epoch {} step {} (loss {}); lower the learning rate (now {})", epoch + 1, step + 1,
             loss, config.lr);
      model.backward(pool, d_logits);
      double lr = learning_rate(config.schedule, config.lr, epoch * steps_per_epoch + step, total_steps);
      sgd_step(pool, model.params(), lr, config.momentum, config.weight_decay);
      loss_sum += loss * double(e - b);
      correct += size_t(right);
      images_done += int64_t(e - b);
      progress.update(images_done, fmt::format("epoch {}/{} batch {}/{} loss {:.4f}", epoch + 1, config.epochs,
                                               step + 1, steps_per_epoch, loss_sum / double(e)));
    }
    double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    EpochLog entry;
    entry.epoch = epoch + 1;
    entry.loss = loss_sum / double(n);
    entry.train_top1 = double(correct) / double(n);
    entry.seconds = seconds;
    entry.images_per_second = double(n) / seconds;
    entry.test_top1 = evaluate(pool, model, test_set, config.batch).top1();
    result.epochs.push_back(entry);
    progress.finish();
    log(fmt::format("epoch {}/{}: loss {:.4f}  train top-1 {:.4f}  test top-1 {:.4f}  {:.1f} s  {:.0f} images/s",
                    entry.epoch, config.epochs, entry.loss, entry.train_top1, entry.test_top1, seconds,
                    entry.images_per_second));
    SafeTensors ckpt;
    model.save_state(ckpt);
    ckpt.metadata["format"] = "rowsim-checkpoint";
    ckpt.metadata["epoch"] = std::to_string(epoch + 1);
    ckpt.metadata["config"] = identity.dump();
    ckpt.metadata["history"] = epochs_to_json(result.epochs).dump();
    write_safetensors(ckpt_path, ckpt);
    if (config.stop_after_epoch > 0 && epoch + 1 >= config.stop_after_epoch && epoch + 1 < config.epochs)
      return result;
  }

  if (std::getenv("ROWSIM_PROFILE")) log(model.profile_report());
  // The exported file is judged as shipped: folded batch-norm, export dtype.
  SafeTensors out = model.export_inference(config.export_dtype);
  Model exported(net, out, config.output);
  EvalResult final_eval = evaluate(pool, exported, test_set, config.batch);
  result.finished = true;
  result.test_top1 = final_eval.top1();
  result.test_images = final_eval.images;
  auto& m = out.metadata;
  m["format"] = "rowsim-weights";
  m["network"] = source.name;
  m["width"] = fmt::format("{}", source.width);
  if (!source.net_file.empty()) m["net_file"] = source.net_file;
  m["classes"] = std::to_string(classes);
  m["dataset"] = config.data.dataset;
  m["distortion"] = config.data.distortion.name();
  m["distortion_params"] = config.data.distortion.params();
  m["task"] = to_string(config.data.task);
  m["ratio"] = config.data.ratio.str();
  m["accuracy"] = fmt::format("{:.6f}", result.test_top1);
  m["accuracy_split"] = fmt::format("test ({} images, {} distorted)", final_eval.images, final_eval.distorted);
  m["bits"] = config.export_dtype == DType::F16 ? "16" : "32";
  m["dtype"] = dtype_name(config.export_dtype);
  m["sparsity"] = fmt::format("{:.6f}", exported.weight_sparsity());
  m["batchnorm"] = "folded";
  m["training"] = identity.dump();
  m["history"] = epochs_to_json(result.epochs).dump();
  write_safetensors(config.output, out);
  log(fmt::format("wrote {}: test top-1 {:.4f} on {} images", config.output, result.test_top1, result.test_images));
  return result;
}

}  // namespace rowsim::train
