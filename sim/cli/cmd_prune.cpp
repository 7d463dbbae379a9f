// rowsim prune: magnitude pruning with retraining of an inference weights file (the dedicated
// networks of the selective scheme; the gate is refused), written in the compact sparse encoding
// (docs/compression.md, docs/weights-format.md).
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/cli/train_options.hpp"
#include "workloads/train/prune.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/table.hpp"
#include "workloads/weights_file.hpp"

namespace rowsim::cli {

namespace {

std::string pct(double v) { return fmt::format("{:.1f}%", 100 * v); }

std::string report_table(const train::PruneResult& r) {
  Table t({"layer", "weights", "nonzero", "sparsity", "MACs", "MACs with a nonzero weight", "MACs kept"});
  int64_t w = 0, nz = 0, macs = 0, macs_nz = 0;
  for (const auto& l : r.layers) {
    t.add_row({l.layer, std::to_string(l.weights), std::to_string(l.nonzero), pct(l.sparsity()),
               std::to_string(l.macs), std::to_string(l.macs_nonzero),
               pct(l.macs ? double(l.macs_nonzero) / double(l.macs) : 0)});
    w += l.weights, nz += l.nonzero, macs += l.macs, macs_nz += l.macs_nonzero;
  }
  t.add_row({"total", std::to_string(w), std::to_string(nz), pct(w ? 1 - double(nz) / double(w) : 0),
             std::to_string(macs), std::to_string(macs_nz), pct(macs ? double(macs_nz) / double(macs) : 0)});
  std::string text = t.to_text();
  text += fmt::format("\ntop-1 on {} test images: dense {:.4f}, pruned {:.4f} ({:+.2f} points)\n", r.test_images,
                      r.dense_top1, r.top1, 100 * (r.top1 - r.dense_top1));
  for (const auto& s : r.steps)
    text += fmt::format("step {}: sparsity {:.4f}, top-1 {:.4f} pruned, {:.4f} retrained ({:.0f} s)\n", s.step,
                        s.sparsity, s.top1_pruned, s.top1_retrained, s.seconds);
  return text;
}

}  // namespace

int cmd_prune(const Args& args) {
  po::options_description options("rowsim prune options");
  add_data_options(options);
  options.add_options()("weights", arg<std::string>("FILE"), "inference weights to prune (safetensors)")(
      "net-file", arg<std::string>("FILE"), "the network's YAML file, for weights of a --net-file network")(
      "sparsity", arg<double>("FRACTION", 0.8), "fraction of conv/FC weights to set to zero, in (0, 1)")(
      "schedule", arg<std::string>("iterative|oneshot", "iterative"),
      "iterative (--steps steps toward the target, retraining after each) or oneshot")(
      "steps", arg<int64_t>("K", 4), "iterative steps")(
      "retrain-epochs", arg<int64_t>("N", 1), "retraining epochs after each step (0: none)")(
      "threshold", arg<std::string>("global|layer", "global"),
      "global (one magnitude threshold across all layers) or layer (the same fraction of every layer)")(
      "max-layer-sparsity", arg<double>("FRACTION", 0.99), "no layer is pruned beyond this fraction")(
      "batch", arg<int64_t>("N", 128), "images per mini-batch")(
      "lr", arg<double>("RATE", 0.001), "retraining learning rate (cosine decay within each step)")(
      "momentum", arg<double>("M", 0.9), "SGD momentum")(
      "weight-decay", arg<double>("L2", 5e-4), "L2 weight decay on conv and FC weights")(
      "augment", arg<std::string>("on|off|auto", "auto"),
      "random crop + flip while retraining: on, off, or auto (on for classes)")(
      "test-limit", arg<int64_t>("N", 0), "evaluate on the first N test images only (0 = all)")(
      "dtype", arg<std::string>("f16|f32|auto", "auto"), "written weight type: f16, f32, or auto (the input's)")(
      "format", arg<std::string>("table|json", "table"), "report on stdout: table or json")(
      "out,o", arg<std::string>("FILE"), "pruned weights (safetensors, compact sparse encoding)");
  po::variables_map vm;
  if (!parse_command_line("usage: rowsim prune --weights IN --sparsity 0.8 [--schedule iterative|oneshot] [--steps K]\n"
                          "         [--retrain-epochs N] [--dataset ...] [--data-dir D] [--distortion ...] [--limit N]\n"
                          "         [--lr X] [--seed S] -o OUT\n\n"
                          "examples:\n"
                          "  rowsim prune --weights vgg16-0.50-noise.safetensors --sparsity 0.8 -o vgg16-0.50-noise-pruned80.safetensors",
                          options, args, vm))
    return 0;
  if (!vm.count("weights")) fail("give --weights FILE (an inference file from rowsim train)");
  if (!vm.count("out")) fail("give -o FILE.safetensors for the pruned weights");
  for_flag("out", [&] { check_writable(vm["out"].as<std::string>()); });  // before retraining
  Format format = parse_format(vm["format"].as<std::string>());
  if (format == Format::Csv) fail("--format csv: expected table or json");
  train::PruneConfig c;
  c.sparsity = vm["sparsity"].as<double>();
  if (!(c.sparsity > 0 && c.sparsity < 1))
    fail("--sparsity {}: expected a fraction above 0 and below 1 (0.8 sets 80% of the conv/FC weights to zero)",
         c.sparsity);
  c.max_layer_sparsity = vm["max-layer-sparsity"].as<double>();
  if (!(c.max_layer_sparsity > 0 && c.max_layer_sparsity < 1))
    fail("--max-layer-sparsity {}: expected a fraction above 0 and below 1", c.max_layer_sparsity);
  c.schedule = for_flag("schedule", [&] { return train::parse_prune_schedule(vm["schedule"].as<std::string>()); });
  c.threshold =
      for_flag("threshold", [&] { return train::parse_prune_threshold(vm["threshold"].as<std::string>()); });
  c.steps = int(int_option(vm, "steps", 1, 1000));
  if (c.schedule == train::PruneSchedule::OneShot && !vm["steps"].defaulted() && c.steps != 1)
    fail("--steps {} with --schedule oneshot: a one-shot schedule has one step", c.steps);
  c.retrain_epochs = int(int_option(vm, "retrain-epochs", 0, 10000));
  c.batch = int(int_option(vm, "batch", 2, 65536));
  c.lr = double_option(vm, "lr", 0.0, 100.0, true);
  c.momentum = double_option(vm, "momentum", 0.0, 0.999);
  c.weight_decay = double_option(vm, "weight-decay", 0.0, 1.0);
  c.threads = int(int_option(vm, "threads", 1, 64));
  c.test_limit = size_t(int_option(vm, "test-limit", 0, INT64_MAX));
  const std::string path = vm["weights"].as<std::string>();
  WeightsSource source = read_weights_source(path);
  SafeTensors& file = source.file;
  WeightsInfo info = weights_info(file, path);
  c.data = resolve_data_options(vm, data_defaults_from(file, info, path), true);
  std::string augment = vm["augment"].as<std::string>();
  if (augment == "auto")
    c.augment = c.data.task == train::Task::Classes;
  else if (augment == "on" || augment == "off")
    c.augment = augment == "on";
  else
    fail("--augment {}: expected on, off or auto", augment);
  std::string dtype = vm["dtype"].as<std::string>();
  if (dtype == "auto") {
    const TensorData* first = nullptr;
    for (const auto& [name, t] : file.tensors)
      if (!first && name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0) first = &t;
    c.export_dtype = first && first->dtype == DType::F16 ? DType::F16 : DType::F32;
  } else if (dtype == "f16" || dtype == "f32") {
    c.export_dtype = dtype == "f16" ? DType::F16 : DType::F32;
  } else {
    fail("--dtype {}: expected f16, f32 or auto", dtype);
  }
  const std::string out = vm["out"].as<std::string>();
  Network net = network_for_weights(info, path, vm.count("net-file") ? vm["net-file"].as<std::string>() : "", &source);

  train::PruneResult r = train::prune(net, file, path, c, [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
  });
  train::write_compact_weights(out, r.weights);
  std::fprintf(stderr, "wrote %s\n", out.c_str());

  std::string text;
  if (format == Format::Json) {
    nlohmann::ordered_json j;
    j["weights"] = path;
    j["output"] = out;
    j["dense_top1"] = r.dense_top1;
    j["top1"] = r.top1;
    j["test_images"] = r.test_images;
    j["sparsity"] = r.sparsity;
    j["layers"] = nlohmann::json::parse(r.weights.meta("layer_sparsity"));
    j["pruning"] = nlohmann::json::parse(r.weights.meta("pruning"));
    text = j.dump(2) + "\n";
  } else {
    text = report_table(r);
  }
  emit(text, "");
  return 0;
}

}  // namespace rowsim::cli
