// Quantized weights: the simulator's own quantization (prepare_network_data) reproduces exactly
// the integers rowsim quantize chose, and the fixed-point evaluation computes exactly the
// reference forward the simulator is checked against.
#include <algorithm>
#include <catch2/catch.hpp>

#include "sim/driver/network_data.hpp"
#include "tests/compression/compression_fixtures.hpp"
#include "workloads/datasets.hpp"
#include "workloads/safetensors_sparse.hpp"
#include "workloads/train/fixed_eval.hpp"
#include "workloads/train/prune.hpp"
#include "workloads/train/quantize.hpp"
#include "workloads/util/error.hpp"

using namespace rowsim;
using namespace rowsim::train;

TEST_CASE("bit lists", "[compression][quantize]") {
  CHECK(parse_bit_list("16:4:2") == std::vector<int>{16, 14, 12, 10, 8, 6, 4});
  CHECK(parse_bit_list("4:8:4") == std::vector<int>{4, 8});
  CHECK(parse_bit_list("16,12,8") == std::vector<int>{16, 12, 8});
  CHECK(parse_bit_list("8") == std::vector<int>{8});
  CHECK_THROWS_WITH(parse_bit_list("16:1:2"), Catch::Contains("bit widths '16:1:2'") && Catch::Contains("2..16"));
  CHECK_THROWS_WITH(parse_bit_list("16:4:0"), Catch::Contains("step"));
  CHECK_THROWS_WITH(parse_bit_list("16,x"), Catch::Contains("'x' is not a whole number"));
  CHECK_THROWS_WITH(parse_bit_list("16:4"), Catch::Contains("FROM:TO:STEP"));
}

TEST_CASE("quantized files give the simulator exactly the quantizer's integers", "[compression][quantize]") {
  std::string dir = fixtures::temp_dir("quant");
  Network net = fixtures::small_vgg();
  SafeTensors dense = fixtures::random_vgg(11);
  // Some exact zeros too (a pruned file): they must stay zeros.
  for (auto& [name, t] : dense.tensors) {
    if (!is_layer_weight(name, t)) continue;
    std::vector<float> v = t.to_floats();
    for (size_t i = 0; i < v.size(); i += 3) v[i] = 0.0f;
    t = TensorData::from_floats(v, t.shape);
  }
  fixtures::set_metadata(dense, "32");
  write_safetensors(dir + "/dense.safetensors", dense);

  for (int bits : {16, 12, 8, 4}) {
    INFO(bits << " bits");
    QuantizeResult q = quantize_weights(net, dense, "dense", bits, QuantScope::PerLayer);
    CHECK(q.weights.meta("bits") == std::to_string(bits));
    CHECK(q.weights.meta("dtype") == (bits <= 12 ? "F16" : "F32"));
    CHECK(std::stod(q.weights.meta("sparsity")) >= std::stod(dense.meta("sparsity")));
    const std::string path = dir + "/q" + std::to_string(bits) + ".safetensors";
    write_compact_weights(path, q.weights);
    CHECK_NOTHROW(weights_info(read_safetensors(path), path));

    // What the simulator does with the file (its own bits) ...
    DataOptions o;
    o.weights_path = path;
    o.batch = 1;
    NetworkData sim = prepare_network_data(net, o);
    // ... equals quantizing the float weights directly at that width.
    FixedModel direct = make_fixed_model(net, dense, "dense", bits);
    FixedModel from_file = make_fixed_model(net, read_safetensors(path), path, simulator_weight_bits(bits));
    size_t k = 0;
    for (size_t i = 0; i < net.layers.size(); ++i) {
      if (!net.layers[i].has_weights()) continue;
      INFO(net.layers[i].name);
      CHECK(sim.params[i].weight_q == direct.params[i].weight_q);
      CHECK(sim.params[i].weight_q == q.layers[k].format);
      CHECK(sim.params[i].weights == direct.params[i].weights);
      CHECK(from_file.params[i].weights == direct.params[i].weights);
      CHECK(sim.params[i].bias == direct.params[i].bias);
      ++k;
    }
  }

  // The global scope: one format; the simulator re-expresses the same values in its own
  // per-layer formats (the same real numbers).
  QuantizeResult g = quantize_weights(net, dense, "dense", 8, QuantScope::Global);
  int frac = g.layers[0].format.frac;
  for (const auto& l : g.layers) {
    CHECK(l.format.frac == frac);
    CHECK(l.simulator.frac >= frac);
  }
  FixedModel gm = make_fixed_model(net, g.weights, "global", 8);
  size_t k = 0;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    if (!net.layers[i].has_weights()) continue;
    auto v = g.weights.get(net.layers[i].name + ".weight", "g").to_floats();
    for (size_t j = 0; j < v.size(); ++j)
      CHECK(dequantize(gm.params[i].weights[j], gm.params[i].weight_q) == double(v[j]));
    ++k;
  }
  CHECK_THROWS_WITH(quantize_weights(net, dense, "dense", 1, QuantScope::PerLayer), Catch::Contains("weight bits 1:"));
  CHECK_THROWS_WITH(quantize_weights(net, dense, "dense", 17, QuantScope::PerLayer), Catch::Contains("weight bits 17:"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("fixed-point eval equals the reference forward bit for bit", "[compression][quantize]") {
  std::string dir = fixtures::temp_dir("fixed");
  Network net = fixtures::small_vgg();
  SafeTensors w = fixtures::random_vgg(12);
  write_safetensors(dir + "/w.safetensors", w);
  Dataset images = make_synthetic(Split::Test, 6, 5);
  ThreadPool pool(2);
  for (int bits : {16, 8}) {
    INFO(bits << " bits");
    FixedModel model = make_fixed_model(net, w, "w", bits);
    FixedTensor input = quantize_images(images, 0, images.size(), model.fmap_q);
    std::vector<FixedTensor> outputs;
    FixedTensor logits = fixed_forward(pool, model, input, &outputs);

    DataOptions o;
    o.weights_path = dir + "/w.safetensors";
    o.weight_bits = bits;
    o.batch = int(images.size());
    o.input_tensor = &input;
    NetworkData ref = prepare_network_data(net, o);
    REQUIRE(outputs.size() == ref.outputs.size());
    for (size_t i = 0; i < outputs.size(); ++i) {
      INFO(net.layers[i].name);
      CHECK(outputs[i].q == ref.outputs[i].q);
      CHECK(outputs[i].data == ref.outputs[i].data);
    }
    CHECK(logits.data == ref.outputs.back().data);
    auto pred = fixed_predictions(logits);
    REQUIRE(pred.size() == images.size());
    for (size_t b = 0; b < images.size(); ++b) {
      int best = 0;
      for (int c = 1; c < 10; ++c)
        if (ref.outputs.back().at(int(b), c, 0, 0) > ref.outputs.back().at(int(b), best, 0, 0)) best = c;
      CHECK(pred[b] == best);
    }
    // Each image alone gives the same logits as inside the batch (the images are blocked into
    // shared GEMMs, so a mix-up between images would show here).
    for (size_t b = 0; b < images.size(); ++b) {
      FixedTensor one = fixed_forward(pool, model, quantize_images(images, b, b + 1, model.fmap_q));
      const int64_t k = one.image_elements();
      CHECK(std::equal(one.data.begin(), one.data.end(), logits.data.begin() + int64_t(b) * k));
    }
  }
  std::filesystem::remove_all(dir);
}
