// rowsim quantize: fixed-point weights (per-layer Q-formats, the simulator's), and the bit sweep:
// top-1 in the accelerator's fixed-point arithmetic per weight width (docs/compression.md).
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/cli/train_options.hpp"
#include "sim/report/plot.hpp"
#include "workloads/train/fixed_eval.hpp"
#include "workloads/train/prune.hpp"
#include "workloads/train/quantize.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/table.hpp"
#include "workloads/weights_file.hpp"

namespace rowsim::cli {

namespace {

struct SweepRow {
  int bits = 0;  // 0: float32 reference
  double top1 = 0, sparsity = 0;
  int min_frac = 0, max_frac = 0;
  std::string dtype;
};

std::string fmt_formats(const std::vector<train::QuantizedLayer>& layers) {
  int lo = 1000, hi = -1000;
  for (const auto& l : layers) lo = std::min(lo, l.simulator.frac), hi = std::max(hi, l.simulator.frac);
  return lo == hi ? fmt::format("frac {}", lo) : fmt::format("frac {}..{}", lo, hi);
}

}  // namespace

int cmd_quantize(const Args& args) {
  po::options_description options("rowsim quantize options");
  add_data_options(options);
  options.add_options()("weights", arg<std::string>("FILE"), "inference weights to quantize (safetensors)")(
      "net-file", arg<std::string>("FILE"), "the network's YAML file, for weights of a --net-file network")(
      "bits", arg<int64_t>("B"), "weight bits, 2..16 (two's complement, sign included)")(
      "per-layer-format", po::bool_switch(),
      "one Q-format per layer from its largest weight (the default, and what the simulator does)")(
      "global-format", po::bool_switch(), "one Q-format for the whole network, from its largest weight")(
      "sweep", arg<std::string>("BITS"),
      "evaluate each width in fixed point instead of writing a file: FROM:TO:STEP (16:4:2) or a list (16,12,8)")(
      "no-eval", po::bool_switch(), "write the quantized file without measuring its fixed-point top-1")(
      "batch", arg<int64_t>("N", 256), "images per fixed-point inference batch")(
      "plot", arg<std::string>("FILE.svg"), "with --sweep: an SVG of top-1 against the weight bits (gnuplot)")(
      "format", arg<std::string>("table|json", "table"), "report on stdout: table or json")(
      "out,o", arg<std::string>("FILE"),
      "quantized weights (safetensors); with --sweep, the report instead of stdout");
  po::variables_map vm;
  if (!parse_command_line("usage: rowsim quantize --weights IN --bits B [--per-layer-format | --global-format] -o OUT\n"
                          "       rowsim quantize --weights IN --sweep 16:4:2 [--limit N] [--plot FILE.svg]\n\n"
                          "examples:\n"
                          "  rowsim quantize --weights vgg16-0.125-clean.safetensors --bits 12 -o vgg16-12bit.safetensors\n"
                          "  rowsim quantize --weights vgg16-0.125-clean.safetensors --sweep 16:4:2 --plot bits.svg",
                          options, args, vm))
    return 0;
  if (!vm.count("weights")) fail("give --weights FILE (an inference file from rowsim train or rowsim prune)");
  const bool sweep = vm.count("sweep") > 0;
  if (sweep == (vm.count("bits") > 0)) fail("give --bits B (write one quantized file) or --sweep LIST (evaluate widths)");
  if (vm["per-layer-format"].as<bool>() && vm["global-format"].as<bool>())
    fail("give --per-layer-format or --global-format, not both");
  const train::QuantScope scope = vm["global-format"].as<bool>() ? train::QuantScope::Global : train::QuantScope::PerLayer;
  std::vector<int> bit_list;
  if (sweep) {
    bit_list = for_flag("sweep", [&] { return train::parse_bit_list(vm["sweep"].as<std::string>()); });
  } else {
    bit_list = {int(int_option(vm, "bits", 2, 16))};
    if (!vm.count("out")) fail("give -o FILE.safetensors for the quantized weights");
    for_flag("out", [&] { check_writable(vm["out"].as<std::string>()); });
    if (vm.count("plot")) fail("--plot goes with --sweep");
  }
  Format format = parse_format(vm["format"].as<std::string>());
  if (format == Format::Csv) fail("--format csv: expected table or json");
  const bool eval = sweep || !vm["no-eval"].as<bool>();
  const int batch = int(int_option(vm, "batch", 1, 4096));
  const int threads = int(int_option(vm, "threads", 1, 64));

  const std::string path = vm["weights"].as<std::string>();
  WeightsSource source = read_weights_source(path);
  SafeTensors& file = source.file;
  WeightsInfo info = weights_info(file, path);
  Network net = network_for_weights(info, path, vm.count("net-file") ? vm["net-file"].as<std::string>() : "", &source);
  train::TaskSpec spec = resolve_data_options(vm, data_defaults_from(file, info, path), true);
  MixedSet set;
  train::set_blas_threads(1);
  train::ThreadPool pool(threads);
  if (eval) {
    int classes = train::task_classes(spec);
    if (net.output_layer().out.elements() != classes)
      fail("{}: network '{}' has {} outputs but --task {} on {} needs {}", path, net.name,
           net.output_layer().out.elements(), to_string(spec.task), spec.dataset, classes);
    set = train::load_task_set(spec, Split::Test);
  }

  if (!sweep) {
    const int bits = bit_list[0];
    train::QuantizeResult q = train::quantize_weights(net, file, path, bits, scope);
    Table t({"layer", "weights", "format", "simulator format", "saturated", "rounded to zero", "max |error|"});
    for (const auto& l : q.layers)
      t.add_row({l.layer, std::to_string(l.weights), l.format.str(), l.simulator.str(), std::to_string(l.saturated),
                 std::to_string(l.new_zeros), fmt::format("{:.3g}", l.max_abs_error)});
    auto& m = q.weights.metadata;
    double top1 = -1;
    if (eval) {
      train::FixedModel model = train::make_fixed_model(net, q.weights, path, bits);
      train::EvalResult r = train::evaluate_fixed(pool, model, set, batch);
      top1 = r.top1();
      m["accuracy"] = fmt::format("{:.6f}", top1);
      m["accuracy_split"] = fmt::format("test ({} images, {} distorted), fixed point: {}-bit weights, feature maps {}",
                                        r.images, r.distorted, bits, model.fmap_q.str());
    }
    const std::string out = vm["out"].as<std::string>();
    train::write_compact_weights(out, q.weights);
    weights_info(read_weights_file(out), out);  // the file must pass its own checks
    std::string text;
    if (format == Format::Json) {
      nlohmann::ordered_json j;
      j["weights"] = path;
      j["output"] = out;
      j["bits"] = bits;
      j["scope"] = scope == train::QuantScope::Global ? "global" : "per-layer";
      j["dtype"] = m["dtype"];
      j["sparsity"] = std::stod(m["sparsity"]);
      if (eval) j["top1"] = top1, j["images"] = set.data.size();
      j["weight_formats"] = nlohmann::json::parse(m["weight_formats"]);
      text = j.dump(2) + "\n";
    } else {
      text = t.to_text() + fmt::format("\nwrote {}: {}-bit weights stored as {}, sparsity {}", out, bits, m["dtype"],
                                       m["sparsity"]);
      text += eval ? fmt::format(", fixed-point top-1 {:.4f} on {} test images\n", top1, set.data.size()) : "\n";
    }
    emit(text, "");
    return 0;
  }

  // The sweep: float reference, then each width.
  std::vector<SweepRow> rows;
  {
    train::Model model(net, file, path);
    SweepRow r;
    r.top1 = train::evaluate(pool, model, set, 256).top1();
    r.sparsity = layer_weight_sparsity(file);
    r.dtype = "float32";
    rows.push_back(r);
    std::fprintf(stderr, "float32: top-1 %.4f\n", r.top1);
  }
  for (int bits : bit_list) {
    train::QuantizeResult q = train::quantize_weights(net, file, path, bits, scope);
    train::FixedModel model = train::make_fixed_model(net, q.weights, path, bits);
    SweepRow r;
    r.bits = bits;
    r.top1 = train::evaluate_fixed(pool, model, set, batch).top1();
    r.sparsity = layer_weight_sparsity(q.weights);
    r.dtype = fmt_formats(q.layers);
    rows.push_back(r);
    std::fprintf(stderr, "%d bits: top-1 %.4f\n", bits, r.top1);
  }
  const double ref16 = [&] {
    for (const auto& r : rows)
      if (r.bits == 16) return r.top1;
    return rows[0].top1;
  }();
  const std::string ref_name = [&] {
    for (const auto& r : rows)
      if (r.bits == 16) return std::string("16-bit");
    return std::string("float32");
  }();
  std::string text;
  if (format == Format::Json) {
    nlohmann::ordered_json j;
    j["weights"] = path;
    j["network"] = info.network;
    j["width"] = info.width;
    j["scope"] = scope == train::QuantScope::Global ? "global" : "per-layer";
    j["test_images"] = set.data.size();
    j["distortion"] = spec.distortion.name();
    j["feature_maps"] = fmap_format(16).str();
    j["float_top1"] = rows[0].top1;
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (size_t i = 1; i < rows.size(); ++i)
      a.push_back({{"bits", rows[i].bits},
                   {"top1", rows[i].top1},
                   {"delta_vs_" + ref_name, rows[i].top1 - ref16},
                   {"sparsity", rows[i].sparsity},
                   {"formats", rows[i].dtype}});
    j["sweep"] = a;
    text = j.dump(2) + "\n";
  } else {
    Table t({"weights", "top-1", "vs " + ref_name + " (points)", "sparsity", "per-layer formats"});
    for (const auto& r : rows)
      t.add_row({r.bits ? fmt::format("{}-bit fixed", r.bits) : "float32", fmt::format("{:.4f}", r.top1),
                 r.bits ? fmt::format("{:+.2f}", 100 * (r.top1 - ref16)) : "", fmt::format("{:.4f}", r.sparsity),
                 r.bits ? r.dtype : ""});
    std::string params = spec.distortion.params();
    text = fmt::format("{} ({} width {}): {} test images, distortion {}{}, feature maps {} ({} scope)\n\n", path,
                       info.network, info.width, set.data.size(), spec.distortion.name(),
                       params.empty() ? "" : " " + params,
                       fmap_format(16).str(), scope == train::QuantScope::Global ? "global" : "per-layer") +
           t.to_text();
  }
  if (vm.count("plot")) {
    LineChart chart;
    chart.title = fmt::format("{} {}: top-1 against weight bits (fixed point, {} test images)", info.network,
                              info.width, set.data.size());
    chart.xlabel = "weight bits";
    chart.ylabel = "top-1";
    LineSeries fixed{"fixed point", {}, {}}, flt{"float32", {}, {}};
    for (size_t i = 1; i < rows.size(); ++i) {
      fixed.x.push_back(rows[i].bits);
      fixed.y.push_back(rows[i].top1);
      flt.x.push_back(rows[i].bits);
      flt.y.push_back(rows[0].top1);
    }
    chart.series = {fixed, flt};
    write_line_chart(vm["plot"].as<std::string>(), chart);
  }
  emit(text, vm.count("out") ? vm["out"].as<std::string>() : "");
  return 0;
}

}  // namespace rowsim::cli
