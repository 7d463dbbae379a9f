// ONNX import against real exporter output: the models in tests/workloads/onnx were written by
// torch.onnx (scripts/export-onnx-models); their MAC and weight counts, recorded independently by
// PyTorch forward hooks in counts.yaml, must equal the imported network's exactly.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>

#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include "float_forward.hpp"
#include "workloads/net_file.hpp"
#include "workloads/onnx_import.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"

using namespace rowsim;

namespace {

const std::string kDir = ROWSIM_ONNX_FIXTURES;

std::string import_error(const std::string& path, const std::string& bytes = "") {
  try {
    if (bytes.empty()) import_onnx_file(path);
    else import_onnx(bytes, path);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("Imported torchvision and custom models match the PyTorch hook counts exactly", "[onnx]") {
  YAML::Node counts = YAML::LoadFile(kDir + "/counts.yaml");
  REQUIRE(counts["models"].size() >= 12);
  for (const auto& m : counts["models"]) {
    const std::string file = m["file"].as<std::string>();
    SECTION(file) {
      OnnxModel model = import_onnx_file(kDir + "/" + file);
      const Network& net = model.net;
      auto in = m["input_shape"].as<std::vector<int>>();
      CHECK(net.input == Shape{in[0], in[1], in[2]});
      CHECK(net.num_classes == m["output_shape"][0].as<int>());
      // BatchNorm nodes that follow no conv run as 1x1 depthwise convs (counted apart by the script).
      const auto scale = m["batchnorm_as_scale"];
      CHECK(net.total_macs() == m["macs"].as<int64_t>() + scale["macs"].as<int64_t>());
      CHECK(net.total_weights() == m["weights"].as<int64_t>() + scale["weights"].as<int64_t>());
      int convs = 0, fcs = 0;
      for (const auto& l : net.layers) {
        convs += l.kind == LayerKind::Conv;
        fcs += l.kind == LayerKind::FullyConnected;
      }
      const int scale_layers = scale["weights"].as<int64_t>() > 0 ? 2 : 0;  // tiny_allops: bn_add, bn_pool
      CHECK(convs == m["conv_layers"].as<int>() + scale_layers);
      CHECK(fcs == m["fc_layers"].as<int>());
      CHECK(model.has_weight_values == m["export_params"].as<bool>());
      CHECK(model.net.not_costed.empty());
    }
  }
}

TEST_CASE("ONNX operators map to the IR kinds rowsim prices", "[onnx]") {
  Network net = import_onnx_file(kDir + "/tiny_allops.onnx").net;
  auto count = [&](LayerKind k) {
    return std::count_if(net.layers.begin(), net.layers.end(), [&](const Layer& l) { return l.kind == k; });
  };
  CHECK(count(LayerKind::Concat) == 1);
  CHECK(count(LayerKind::Mul) == 2);  // hard swish (x * hardsigmoid(x)) and squeeze-excitation scaling
  CHECK(count(LayerKind::Add) == 1);  // the residual; the MatMul's bias joins its layer
  bool depthwise = false, ceil_pool = false, no_pad_count = false, se_broadcast = false;
  for (const auto& l : net.layers) {
    depthwise = depthwise || (l.kind == LayerKind::Conv && l.groups > 1 && l.groups == l.in.c && l.kernel_h == 3);
    ceil_pool = ceil_pool || (l.kind == LayerKind::Pool && l.ceil_mode);
    no_pad_count = no_pad_count || (l.kind == LayerKind::Pool && l.pad > 0 && !l.count_include_pad);
    if (l.kind == LayerKind::Mul) se_broadcast = se_broadcast || net.layers[size_t(l.input_ids[1])].out.h == 1;
  }
  CHECK(depthwise);
  CHECK(ceil_pool);
  CHECK(no_pad_count);
  CHECK(se_broadcast);
  // Weights arrive in rowsim's layout, one tensor per array layer, with a bias where folded.
  OnnxModel m = import_onnx_file(kDir + "/tiny_allops.onnx");
  for (const auto& l : m.net.layers)
    if (l.has_weights()) {
      const TensorData* w = m.weights.find(l.name + ".weight");
      REQUIRE(w != nullptr);
      CHECK(w->shape == l.weight_shape());
    }
  CHECK(m.weights.meta("format") == "onnx");
}

TEST_CASE("External data loads as the same weights as the embedded file", "[onnx]") {
  OnnxModel a = import_onnx_file(kDir + "/tiny_allops.onnx"), b = import_onnx_file(kDir + "/tiny_external.onnx");
  REQUIRE(a.weights.tensors.size() == b.weights.tensors.size());
  for (size_t i = 0; i < a.weights.tensors.size(); ++i) {
    CHECK(a.weights.tensors[i].first == b.weights.tensors[i].first);
    CHECK(a.weights.tensors[i].second.bytes == b.weights.tensors[i].second.bytes);
  }
}

TEST_CASE("Shape subgraphs from torch's view(x.size(0), -1) fold at import", "[onnx]") {
  for (int batch : {1, 3}) {
    OnnxImportOptions o;
    o.batch = batch;
    Network net = import_onnx(read_file(kDir + "/tiny_view.onnx"), kDir + "/tiny_view.onnx", o).net;
    CHECK(net.output_layer().kind == LayerKind::FullyConnected);
  }
}

TEST_CASE("A model is recognised by content, whatever its name", "[onnx]") {
  std::string renamed = "/tmp/rowsim_onnx_" + std::to_string(::getpid()) + ".net";
  write_file_atomic(renamed, read_file(kDir + "/resnet_tiny.onnx"));
  Network net = load_network_file(renamed);
  std::remove(renamed.c_str());
  CHECK(net.total_weights() == import_onnx_file(kDir + "/resnet_tiny.onnx").net.total_weights());
}

TEST_CASE("Bad ONNX input is refused naming the file, the node and the reason", "[onnx][errors]") {
  const std::string bad = kDir + "/bad/";
  auto has = [](const std::string& msg, std::initializer_list<const char*> parts) {
    INFO(msg);
    for (const char* p : parts) CHECK(msg.find(p) != std::string::npos);
  };
  has(import_error(bad + "cycle.onnx"), {"cycle.onnx", "cycle", "add_cycle"});
  has(import_error(bad + "missing_initializer.onnx"), {"missing_initializer.onnx", "conv1", "conv1.weight"});
  has(import_error(bad + "unsupported_op.onnx"), {"Einsum x 2", "einsum_mix", "einsum_proj", "nothing was computed"});
  has(import_error(bad + "concat_mismatch.onnx"), {"concat_bad", "[1, 4, 8, 8]", "[1, 4, 6, 6]"});
  has(import_error(bad + "symbolic_shape.onnx"), {"reshape_dyn", "target_shape"});
  has(import_error(bad + "missing_external.onnx"), {"conv1.weight", "missing_external.onnx.data", "does not exist"});
  const std::string good = read_file(kDir + "/mobilenet_v2_w025_64.onnx");
  has(import_error("cut.onnx", good.substr(0, good.size() / 2)), {"cut.onnx", "not an ONNX model"});
  has(import_error("text.onnx", "name: not a model\n"), {"text.onnx", "not an ONNX model"});
}

TEST_CASE("A tensor whose element count overflows 64 bits is refused and not wrapped to 0", "[onnx][errors]") {
  // A hand-written ModelProto: ir_version 7, a graph with one float initializer 'w' of shape
  // [2^24, 2^24, 2^24, 2^24], one node reading it and the output y. Each dimension is within the
  // bound; their product, 2^96, overflowed int64 (undefined behaviour) and wrapped to 0 elements.
  std::string dim = "\x08\x80\x80\x80\x08";  // field 1 (dims), varint 2^24
  std::string tensor = dim + dim + dim + dim + "\x10\x01" + "\x42\x01w";  // data_type FLOAT, name "w"
  std::string node = "\x0a\x01w\x12\x01y\x22\x04Relu";  // input w, output y, op_type Relu
  std::string graph = "\x0a" + std::string(1, char(node.size())) + node +  // field 1: node
                      "\x2a" + std::string(1, char(tensor.size())) + tensor +  // field 5: initializer
                      "\x62\x03\x0a\x01y";                                    // field 12: output y
  std::string model = "\x08\x07\x3a" + std::string(1, char(graph.size())) + graph;  // field 7: graph
  const std::string e = import_error("huge.onnx", model);
  INFO(e);
  CHECK_THAT(e, Catch::Contains("huge.onnx") && Catch::Contains("tensor 'w'") &&
                    Catch::Contains("[16777216, 16777216, 16777216, 16777216]") && Catch::Contains("more than"));
}

TEST_CASE("Unsupported operators priced at zero only on request, and listed", "[onnx]") {
  const std::string path = kDir + "/not_costed.onnx";
  CHECK(import_error(path).find("Einsum x 1: einsum_mix") != std::string::npos);
  OnnxImportOptions o;
  o.not_costed_ok = true;
  OnnxModel m = import_onnx(read_file(path), path, o);
  REQUIRE(m.net.not_costed.size() == 1);
  CHECK(m.net.not_costed[0] == "Einsum x 1 (einsum_mix)");
  CHECK(m.net.layers.size() == 3);  // conv1, relu1, conv2: the Einsum carries conv1's shape through
  CHECK(m.net.output_layer().in == Shape{4, 8, 8});
  // Where the model does not record that the operator keeps its input's shape, even the flag
  // cannot carry the layers after it.
  const std::string bad = kDir + "/bad/unsupported_op.onnx";
  try {
    import_onnx(read_file(bad), bad, o);
    FAIL("imported");
  } catch (const UserError& e) {
    CHECK(std::string(e.what()).find("does not record that its output") != std::string::npos);
  }
}

TEST_CASE("Every weighted export gives PyTorch's logits through the imported network", "[onnx]") {
  YAML::Node counts = YAML::LoadFile(kDir + "/counts.yaml");
  int checked = 0;
  for (const auto& m : counts["models"]) {
    if (!m["logits_first10"]) continue;
    const std::string file = m["file"].as<std::string>();
    SECTION(file) {
      OnnxModel model = import_onnx_file(kDir + "/" + file);
      const Shape in = model.net.input;
      testing::Map x(size_t(in.elements()));
      // The script's input: sin(0.01 * i) over the row-major index, rounded to float32.
      for (size_t i = 0; i < x.size(); ++i) x[i] = double(float(std::sin(0.01 * double(i))));
      testing::Map logits = testing::float_forward(model.net, model.weights, x);
      auto expected = m["logits_first10"].as<std::vector<double>>();
      REQUIRE(logits.size() >= expected.size());
      for (size_t k = 0; k < expected.size(); ++k) CHECK(logits[k] == Approx(expected[k]).margin(1e-4));
    }
    ++checked;
  }
  CHECK(checked == 6);  // tiny_allops, tiny_external, mobilenet_v2_w025_64, resnet_tiny, tiny_view, asymmetric_pads
}
