#include "sim/studies/accuracy.hpp"

#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "sim/report/plot.hpp"
#include "workloads/datasets.hpp"
#include "workloads/distortions.hpp"
#include "workloads/train/batch.hpp"
#include "workloads/train/model.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/progress.hpp"
#include "workloads/util/table.hpp"
#include "workloads/weights_file.hpp"

namespace rowsim {
namespace {

struct Classifier {
  std::string path;
  Network net;
  std::unique_ptr<train::Model> model;
};

Classifier load_classifier(const std::string& path) {
  if (!file_exists(path)) fail("{}: the classifier for the accuracy figure is missing (docs/compression.md)", path);
  SafeTensors file = read_weights_file(path);
  WeightsInfo info = weights_info(file, path);
  Classifier c;
  c.path = path;
  c.net = network_for_weights(info, path);
  c.model = std::make_unique<train::Model>(c.net, file, path);
  return c;
}

std::vector<int32_t> predict(train::ThreadPool& pool, Classifier& c, const Dataset& data) {
  std::vector<uint32_t> order(data.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = uint32_t(i);
  std::vector<int32_t> all;
  train::Tensor input;
  std::vector<int32_t> labels;
  for (size_t b = 0; b < order.size(); b += 256) {
    size_t e = std::min(order.size(), b + 256);
    train::make_batch(pool, data, order, b, e, false, 0, 0, input, labels);
    auto p = train::predictions(c.model->forward(pool, input, false));
    all.insert(all.end(), p.begin(), p.end());
  }
  return all;
}

struct Point {
  double baseline = 0, selective = 0, oracle = 0, routing = 0;
};

Point measure(train::ThreadPool& pool, const MixedSet& set, Classifier& baseline, Classifier& clean,
              Classifier& dedicated, Classifier& gate) {
  auto b = predict(pool, baseline, set.data), c = predict(pool, clean, set.data),
       d = predict(pool, dedicated, set.data), g = predict(pool, gate, set.data);
  Point p;
  const double n = double(set.data.size());
  for (size_t i = 0; i < set.data.size(); ++i) {
    int label = set.data.labels[i];
    bool distorted = set.distorted[i] != 0, routed = g[i] == 1;
    p.baseline += b[i] == label;
    p.selective += (routed ? d[i] : c[i]) == label;
    p.oracle += (distorted ? d[i] : c[i]) == label;
    p.routing += routed == distorted;
  }
  p.baseline /= n, p.selective /= n, p.oracle /= n, p.routing /= n;
  return p;
}

nlohmann::json point_json(const Point& p) {
  return {{"baseline", p.baseline}, {"selective", p.selective}, {"oracle", p.oracle}, {"routing", p.routing}};
}

}  // namespace

nlohmann::json run_accuracy(const Experiment& x, const std::string& dir, int threads, std::string& md) {
  nlohmann::json out;
  train::ThreadPool pool(threads);
  Dataset test = with_context(x.source + ": dataset", [&] {
    return load_dataset(x.dataset, Split::Test, x.data_dir, size_t(x.accuracy.images));
  });
  if (test.size() < size_t(x.accuracy.images))
    fail("{}: {} test images asked for per accuracy point (accuracy.images or the run's image count), but the {} test "
         "split holds {}; ask for at most {}",
         x.source, x.accuracy.images, x.dataset, test.size(), test.size());
  Classifier clean = load_classifier(x.accuracy.clean);
  md += fmt::format(
      "## Accuracy against the clean:distorted ratio and the distortion degree (Fig. 3)\n\n"
      "{} {} test images per point; baseline = one network trained on clean and distorted images 1:1, "
      "selective = the gate routing to a network trained on clean images or on the distortion, "
      "oracle = perfect routing (selective minus oracle is the cost of routing mistakes). Classifiers: "
      "`{}` and the files below.\n\n",
      x.accuracy.images, x.dataset, x.shown_path(x.accuracy.clean));
  int64_t points = 0, done = 0;
  for (const auto& ad : x.accuracy.distortions) points += int64_t(x.accuracy.ratios.size() + ad.degrees.size());
  Progress progress("compare: accuracy points", points, "points");
  out["images"] = x.accuracy.images;
  for (const auto& ad : x.accuracy.distortions) {
    const ExperimentDistortion* dist = nullptr;
    for (const auto& d : x.distortions)
      if (d.name == ad.name) dist = &d;
    Classifier dedicated = load_classifier(ad.dedicated), baseline = load_classifier(ad.baseline);
    Classifier gate = load_classifier(dist->gate_weights);
    Table table({"sweep", "value", "distorted", "baseline", "selective", "oracle", "routing"});
    LineChart by_ratio, by_degree;
    by_ratio.title = fmt::format("Fig. 3 style ({}): top-1 against the distorted share of the images", ad.name);
    by_ratio.xlabel = "distorted share of the images";
    by_ratio.ylabel = "top-1 accuracy";
    by_degree.title = fmt::format("Fig. 3 style ({}): top-1 against the distortion degree (1:1)", ad.name);
    by_degree.xlabel = ad.name == "occlusion" ? "block side (pixels)" : "sigma";
    by_degree.ylabel = "top-1 accuracy";
    by_ratio.series = {{"baseline", {}, {}}, {"selective", {}, {}}, {"oracle routing", {}, {}}};
    by_degree.series = by_ratio.series;
    auto add = [](LineChart& chart, double xv, const Point& p) {
      for (auto& s : chart.series) s.x.push_back(xv);
      chart.series[0].y.push_back(p.baseline);
      chart.series[1].y.push_back(p.selective);
      chart.series[2].y.push_back(p.oracle);
    };
    nlohmann::json j;
    for (const auto& text : x.accuracy.ratios) {
      Ratio ratio = parse_ratio(text);  // checked when the experiment was loaded
      Distortion d = parse_distortion(ad.name, dist->degree);
      MixedSet set = make_mixed_set(test, d, ratio, x.seed, Split::Test, false);
      Point p = measure(pool, set, baseline, clean, dedicated, gate);
      progress.update(++done, ad.name + " " + text);
      double share = double(set.distorted_count()) / double(set.data.size());
      j["ratio"].push_back({{"ratio", text}, {"distorted_share", share}, {"accuracy", point_json(p)}});
      add(by_ratio, share, p);
      table.add_row({"ratio", text, fmt::format("{:.0f}%", 100 * share), fmt::format("{:.4f}", p.baseline),
                     fmt::format("{:.4f}", p.selective), fmt::format("{:.4f}", p.oracle),
                     fmt::format("{:.4f}", p.routing)});
    }
    for (double degree : ad.degrees) {
      Distortion d = parse_distortion(ad.name, degree);
      MixedSet set = make_mixed_set(test, d, Ratio{1, 1}, x.seed, Split::Test, false);
      Point p = measure(pool, set, baseline, clean, dedicated, gate);
      progress.update(++done, ad.name + " " + d.params());
      j["degree"].push_back({{"degree", degree}, {"params", d.params()}, {"accuracy", point_json(p)}});
      add(by_degree, degree, p);
      table.add_row({"degree", d.params(), "50%", fmt::format("{:.4f}", p.baseline),
                     fmt::format("{:.4f}", p.selective), fmt::format("{:.4f}", p.oracle),
                     fmt::format("{:.4f}", p.routing)});
    }
    j["classifiers"] = {{"clean", x.shown_path(x.accuracy.clean)},
                        {"dedicated", x.shown_path(ad.dedicated)},
                        {"baseline", x.shown_path(ad.baseline)}};
    out["distortions"][ad.name] = j;
    md += fmt::format(
        "### {0}\n\nDedicated `{1}`, baseline `{2}`.\n\n{3}\n"
        "![Fig. 3 style ({0}): top-1 against the distorted share](fig3-{0}-ratio.svg)\n\n"
        "*Fig. 3 style ({0}): top-1 accuracy against the distorted share of the images, at the distortion's degree.*\n\n"
        "![Fig. 3 style ({0}): top-1 against the degree](fig3-{0}-degree.svg)\n\n"
        "*Fig. 3 style ({0}): top-1 accuracy against the distortion degree, clean:distorted 1:1.*\n\n",
        ad.name, x.shown_path(ad.dedicated), x.shown_path(ad.baseline), table.to_markdown());
    write_line_chart((std::filesystem::path(dir) / ("fig3-" + ad.name + "-ratio.svg")).string(), by_ratio);
    write_line_chart((std::filesystem::path(dir) / ("fig3-" + ad.name + "-degree.svg")).string(), by_degree);
  }
  return out;
}

}  // namespace rowsim
