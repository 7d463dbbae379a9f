// The gate weights shipped in workloads/weights/ (the embedded defaults of `rowsim compare`)
// still load, describe themselves correctly, and route as the issues ask on the held-out
// Fashion-MNIST test split (installed by scripts/setup): 99% clean-vs-distorted at the paper's
// degree, and at least 95% at every degree of the Fig. 3 sweep (issue 19), both as
// configs/experiments/paper.yaml names them.
#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include "workloads/train/trainer.hpp"
#include "workloads/util/error.hpp"
#include "workloads/weights_file.hpp"

using namespace rowsim;
using namespace rowsim::train;

namespace {

double routing_accuracy(ThreadPool& pool, Model& model, const Distortion& d, size_t limit, size_t* images) {
  TaskSpec spec;
  spec.dataset = "fashion-mnist";
  spec.distortion = d;
  spec.task = Task::Gate;
  spec.ratio = {1, 1};
  spec.seed = 1;
  spec.limit = limit;
  MixedSet test = load_task_set(spec, Split::Test);
  EvalResult r = evaluate(pool, model, test, 250);
  if (images) *images = r.images;
  return r.top1();
}

}  // namespace

TEST_CASE("shipped gates route 99% right at the paper's degree and 95% across the Fig. 3 sweep", "[train][weights]") {
  YAML::Node paper = YAML::LoadFile(std::string(ROWSIM_SOURCE_DIR) + "/configs/experiments/paper.yaml");
  ThreadPool pool(2);
  for (const char* distortion : {"noise", "blur", "occlusion"}) {
    std::string path = std::string(ROWSIM_SOURCE_DIR) + "/workloads/weights/gate-" + distortion + ".safetensors";
    INFO(path);
    SafeTensors file = read_safetensors(path);
    WeightsInfo info = weights_info(file, path);
    CHECK(info.network == "gate");
    CHECK(info.task == "gate");
    CHECK(info.dataset == "fashion-mnist");
    CHECK(info.distortion == distortion);
    CHECK(info.bits == 16);
    Network net = network_for_weights(info, path);
    Model model(net, file, path);

    // What the metadata claims: the test split distorted over the gate's own training range.
    Distortion trained = with_context(path, [&] { return distortion_from_params(info.distortion, info.distortion_params); });
    CHECK(trained.spread == DegreeSpread::Range);
    size_t images = 0;
    CHECK(routing_accuracy(pool, model, trained, 0, &images) == Approx(info.accuracy).margin(1e-6));
    CHECK(images == 10000);

    // The paper's degree (the Fig. 2 runs), over the whole test split.
    double paper_degree = -1;
    for (const auto& d : paper["distortions"])
      if (d["name"].as<std::string>() == distortion) paper_degree = d["degree"].as<double>();
    REQUIRE(paper_degree > 0);
    INFO("paper's degree " << paper_degree);
    CHECK(routing_accuracy(pool, model, parse_distortion(distortion, paper_degree), 0, nullptr) >= 0.99);

    // Every degree of the Fig. 3 sweep, on the 1,000 images `rowsim compare` routes there.
    const YAML::Node degrees = paper["accuracy"]["distortions"][distortion]["degrees"];
    REQUIRE(degrees.size() >= 2);
    for (const auto& degree : degrees) {
      INFO("Fig. 3 degree " << degree.as<double>());
      CHECK(routing_accuracy(pool, model, parse_distortion(distortion, degree.as<double>()), 1000, nullptr) >= 0.95);
    }
  }
}
