#include "workloads/net_file.hpp"

#include <fmt/format.h>

#include "workloads/onnx_import.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/limits.hpp"
#include "workloads/util/yaml_reader.hpp"
#include "workloads/zoo.hpp"

namespace rowsim {
namespace {

// `kernel: 3` or `kernel: [3, 5]` (height, width).
void read_kernel(const YamlNode& node, Layer& layer) {
  YamlNode k = node.require("kernel");
  if (k.is_sequence()) {
    auto e = k.elements();
    if (e.size() != 2) k.fail(fmt::format("got a list of {} values, expected [height, width]", e.size()));
    layer.kernel_h = static_cast<int>(e[0].as_int(1, 1024));
    layer.kernel_w = static_cast<int>(e[1].as_int(1, 1024));
  } else {
    layer.kernel_h = layer.kernel_w = static_cast<int>(k.as_int(1, 1024));
  }
}

Layer read_layer(const YamlNode& node) {
  Layer layer;
  if (!node.is_map()) node.fail(fmt::format("got {}, expected a layer mapping with 'name' and 'type'", node.text()));
  layer.name = node.string_at("name");
  std::string type =
      node.require("type").as_choice({"conv", "fc", "maxpool", "avgpool", "relu", "batchnorm", "add"});
  if (auto inputs = node.optional("inputs")) {
    for (const auto& i : inputs->elements()) layer.inputs.push_back(i.as_string());
  }
  if (type == "conv") {
    node.only_keys({"name", "type", "inputs", "out_channels", "kernel", "stride", "pad", "groups", "bias"});
    layer.kind = LayerKind::Conv;
    layer.out_channels = static_cast<int>(node.int_at("out_channels", 1, limit(Limit::NetFileDim)));
    read_kernel(node, layer);
    layer.stride = node.has("stride") ? static_cast<int>(node.int_at("stride", 1, 1024)) : 1;
    layer.pad = node.has("pad") ? static_cast<int>(node.int_at("pad", 0, 1024)) : 0;
    layer.groups = node.has("groups") ? static_cast<int>(node.int_at("groups", 1, limit(Limit::NetFileDim))) : 1;
    layer.bias = node.has("bias") ? node.bool_at("bias") : true;
  } else if (type == "fc") {
    node.only_keys({"name", "type", "inputs", "out_features", "bias"});
    layer.kind = LayerKind::FullyConnected;
    layer.out_channels = static_cast<int>(node.int_at("out_features", 1, limit(Limit::NetFileDim)));
    layer.bias = node.has("bias") ? node.bool_at("bias") : true;
  } else if (type == "maxpool" || type == "avgpool") {
    node.only_keys({"name", "type", "inputs", "kernel", "stride", "pad"});
    layer.kind = LayerKind::Pool;
    layer.pool = type == "maxpool" ? PoolKind::Max : PoolKind::Avg;
    read_kernel(node, layer);
    layer.stride = node.has("stride") ? static_cast<int>(node.int_at("stride", 1, 1024)) : layer.kernel_h;
    layer.pad = node.has("pad") ? static_cast<int>(node.int_at("pad", 0, 1024)) : 0;
  } else if (type == "relu" || type == "batchnorm") {
    node.only_keys({"name", "type", "inputs"});
    layer.kind = type == "relu" ? LayerKind::ReLU : LayerKind::BatchNorm;
  } else {
    node.only_keys({"name", "type", "inputs"});
    layer.kind = LayerKind::Add;
    if (layer.inputs.size() != 2) node.fail("an add layer needs 'inputs' with exactly two layer names");
  }
  return layer;
}

}  // namespace

Network parse_network_yaml(const std::string& text, const std::string& origin) {
  YamlReader reader = YamlReader::from_string(text, origin);
  YamlNode root = reader.root();
  root.only_keys({"name", "input", "classes", "layers"});
  Network net;
  net.name = root.string_at("name");
  YamlNode input = root.require("input");
  input.only_keys({"channels", "height", "width"});
  net.input.c = static_cast<int>(input.int_at("channels", 1, limit(Limit::NetFileDim)));
  net.input.h = static_cast<int>(input.int_at("height", 1, limit(Limit::NetFileDim)));
  net.input.w = static_cast<int>(input.int_at("width", 1, limit(Limit::NetFileDim)));
  net.num_classes = static_cast<int>(root.int_at("classes", 1, 1 << 20));
  auto layers = root.require("layers");
  auto elements = layers.elements();
  if (elements.empty()) layers.fail("the list is empty; a network needs at least one layer");
  for (const auto& node : elements) net.layers.push_back(read_layer(node));
  try {
    net.finalize();
  } catch (const UserError& e) {
    fail("{}: {}", origin, e.what());
  }
  return net;
}

Network load_network_file(const std::string& path, const NetFileOptions& file_options) {
  std::string bytes = read_file(path);
  if (is_onnx_file(path, bytes)) {
    OnnxImportOptions options;
    options.batch = file_options.batch;
    options.not_costed_ok = file_options.not_costed_ok;
    return import_onnx(bytes, path, options).net;
  }
  return parse_network_yaml(bytes, path);
}

}  // namespace rowsim
