// The gate weights shipped in workloads/weights/ (the embedded defaults of `rowsim compare`)
// still load, describe themselves correctly, and reach the 99% clean-vs-distorted
// accuracy on the held-out Fashion-MNIST test split (installed by scripts/setup).
#include <catch2/catch.hpp>

#include "workloads/train/trainer.hpp"
#include "workloads/util/error.hpp"
#include "workloads/weights_file.hpp"

using namespace rowsim;
using namespace rowsim::train;

TEST_CASE("shipped gates reach 99% routing accuracy on the Fashion-MNIST test split", "[train][weights]") {
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
    CHECK(info.accuracy >= 0.99);
    Network net = network_for_weights(info, path);
    Model model(net, file, path);
    TaskSpec spec;
    spec.dataset = "fashion-mnist";
    // Over the degrees the gate was trained for (the Fig. 3 sweep's range), as its metadata says.
    spec.distortion =
        with_context(path, [&] { return distortion_from_params(info.distortion, info.distortion_params); });
    CHECK(spec.distortion.spread == DegreeSpread::Range);
    spec.task = Task::Gate;
    spec.ratio = {1, 1};
    spec.seed = 1;
    MixedSet test = load_task_set(spec, Split::Test);
    ThreadPool pool(2);
    EvalResult r = evaluate(pool, model, test, 250);
    CHECK(r.images == 10000);
    CHECK(r.distorted == 5000);
    CHECK(r.top1() >= 0.99);
    CHECK(r.top1() == Approx(info.accuracy).margin(1e-6));  // what the metadata claims
  }
}
