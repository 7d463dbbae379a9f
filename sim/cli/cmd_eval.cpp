// rowsim eval: top-1 accuracy of a weights file on a dataset's test split, optionally distorted
// and mixed clean:distorted; for a gate also its routing accuracy per image kind. Dataset,
// distortion, task and ratio default to what the file's metadata records. Quantized files (and
// any file with --fixed-point) are evaluated in the simulator's fixed-point arithmetic.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/cli/train_options.hpp"
#include "workloads/train/fixed_eval.hpp"
#include "workloads/train/trainer.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/table.hpp"
#include "workloads/weights_file.hpp"

namespace rowsim::cli {

namespace {

double fraction(size_t a, size_t b) { return b ? double(a) / double(b) : 0.0; }

}  // namespace

int cmd_eval(const Args& args) {
  po::options_description options("rowsim eval options");
  add_data_options(options);
  options.add_options()("weights", arg<std::string>("FILE"), "weights file (safetensors, from rowsim train)")(
      "net-file", arg<std::string>("FILE"), "the network's YAML file, for weights of a --net-file network")(
      "batch", arg<int64_t>("N", 256), "images per inference batch")(
      "format", arg<std::string>("table|json", "table"), "table or json")(
      "fixed-point", po::bool_switch(),
      "the accelerator's arithmetic: weights quantized per layer as the simulator does (the file's bits, at most "
      "16), feature maps Q7.8; automatic for quantized files (rowsim quantize)")(
      "float", po::bool_switch(), "32-bit float arithmetic even for a quantized file")(
      "out,o", arg<std::string>("FILE", ""), "write to FILE instead of stdout");
  po::variables_map vm;
  if (!parse_command_line("usage: rowsim eval --weights FILE [--task classes|gate] [--dataset ...] [--distortion ...] "
                          "[--ratio C:D] [--format table|json]\n\n"
                          "examples:\n"
                          "  rowsim eval --weights gate-noise.safetensors --task gate --distortion noise\n"
                          "  rowsim eval --weights vgg16-0.125-clean.safetensors --fixed-point --format json",
                          options, args, vm))
    return 0;
  if (!vm.count("weights")) fail("give --weights FILE (a safetensors file from rowsim train)");
  Format format = parse_format(vm["format"].as<std::string>());
  if (format == Format::Csv) fail("--format csv: expected table or json");
  const std::string path = vm["weights"].as<std::string>();
  WeightsSource source = read_weights_source(path);
  SafeTensors& file = source.file;
  WeightsInfo info = weights_info(file, path);

  // Defaults from the file's metadata; flags override them.
  train::TaskSpec defaults = data_defaults_from(file, info, path);
  train::TaskSpec spec = resolve_data_options(vm, defaults, true);
  int batch = int(int_option(vm, "batch", 1, 65536));
  int threads = int(int_option(vm, "threads", 1, 64));

  Network net = network_for_weights(info, path, vm.count("net-file") ? vm["net-file"].as<std::string>() : "", &source);
  int classes = train::task_classes(spec);
  if (net.output_layer().out.elements() != classes)
    fail("{}: network '{}' has {} outputs but --task {} on {} needs {}", path, net.name,
         net.output_layer().out.elements(), to_string(spec.task), spec.dataset, classes);
  if (vm["fixed-point"].as<bool>() && vm["float"].as<bool>()) fail("give --fixed-point or --float, not both");
  const bool fixed = vm["fixed-point"].as<bool>() || (!vm["float"].as<bool>() && (info.fixed_point || info.bits < 16));
  MixedSet set = train::load_task_set(spec, Split::Test);
  train::set_blas_threads(1);
  train::ThreadPool pool(threads);
  train::EvalResult r;
  std::string arithmetic = "float32";
  if (fixed) {
    train::FixedModel model = train::make_fixed_model(net, file, path, train::simulator_weight_bits(info.bits));
    arithmetic = fmt::format("fixed-point: {}-bit weights (per-layer formats), feature maps {}", model.weight_bits,
                             model.fmap_q.str());
    r = train::evaluate_fixed(pool, model, set, batch);
  } else {
    train::Model model(net, file, path);
    r = train::evaluate(pool, model, set, batch);
  }

  bool gate = spec.task == train::Task::Gate;
  nlohmann::ordered_json j;
  j["weights"] = path;
  j["network"] = info.network;
  j["width"] = info.width;
  j["task"] = to_string(spec.task);
  j["dataset"] = spec.dataset;
  j["split"] = "test";
  j["distortion"] = spec.distortion.name();
  j["distortion_params"] = spec.distortion.params();
  j["ratio"] = spec.ratio.str();
  j["seed"] = spec.seed;
  j["arithmetic"] = arithmetic;
  j["images"] = r.images;
  j["correct"] = r.correct;
  j["top1"] = r.top1();
  if (gate) {
    j["routing"] = {{"accuracy", r.top1()},
                    {"clean_images", r.clean},
                    {"clean_routed_clean", fraction(r.clean_correct, r.clean)},
                    {"distorted_images", r.distorted},
                    {"distorted_routed_distorted", fraction(r.distorted_correct, r.distorted)}};
  } else if (r.clean && r.distorted) {
    j["clean_top1"] = fraction(r.clean_correct, r.clean);
    j["distorted_top1"] = fraction(r.distorted_correct, r.distorted);
  }
  std::string text;
  if (format == Format::Json) {
    text = j.dump(2) + "\n";
  } else {
    Table t({"quantity", "value"});
    t.add_row({"weights", path});
    t.add_row({"network", fmt::format("{} (width {})", info.network, info.width)});
    t.add_row({"task", to_string(spec.task)});
    t.add_row({"test set", fmt::format("{} test split, distortion {} {}, clean:distorted {}", spec.dataset,
                                       spec.distortion.name(), spec.distortion.params(), spec.ratio.str())});
    t.add_row({"arithmetic", arithmetic});
    t.add_row({"images", std::to_string(r.images)});
    t.add_row({gate ? "routing accuracy (top-1)" : "top-1", fmt::format("{:.4f}", r.top1())});
    if (gate) {
      t.add_row({"clean routed clean", fmt::format("{:.4f} of {}", fraction(r.clean_correct, r.clean), r.clean)});
      t.add_row({"distorted routed distorted",
                 fmt::format("{:.4f} of {}", fraction(r.distorted_correct, r.distorted), r.distorted)});
    } else if (r.clean && r.distorted) {
      t.add_row({"top-1 on clean", fmt::format("{:.4f} of {}", fraction(r.clean_correct, r.clean), r.clean)});
      t.add_row({"top-1 on distorted",
                 fmt::format("{:.4f} of {}", fraction(r.distorted_correct, r.distorted), r.distorted)});
    }
    text = t.to_text();
  }
  emit(text, vm["out"].as<std::string>());
  return 0;
}

}  // namespace rowsim::cli
