#include "workloads/zoo.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "workloads/util/error.hpp"

namespace rowsim {

int scale_channels(double width, int channels) { return std::max(1, static_cast<int>(width * channels + 1e-9)); }

NetworkBuilder::NetworkBuilder(std::string name, double width, Shape input, int num_classes) {
  net_.name = std::move(name);
  net_.width = width;
  net_.input = input;
  net_.num_classes = num_classes;
}

Layer& NetworkBuilder::push(Layer layer) {
  layer.block = block_;
  layer.paper_map_size = paper_map_size_;
  net_.layers.push_back(std::move(layer));
  return net_.layers.back();
}

void NetworkBuilder::set_block(const std::string& block, int paper_map_size) {
  block_ = block;
  paper_map_size_ = paper_map_size;
}

NetworkBuilder& NetworkBuilder::conv(const std::string& name, int out_channels, int kernel, int stride, int pad,
                                     int groups, std::vector<std::string> inputs) {
  Layer l;
  l.name = name;
  l.kind = LayerKind::Conv;
  l.out_channels = out_channels;
  l.kernel_h = l.kernel_w = kernel;
  l.stride = stride;
  l.pad = pad;
  l.groups = groups;
  l.inputs = std::move(inputs);
  push(std::move(l));
  return *this;
}

NetworkBuilder& NetworkBuilder::fc(const std::string& name, int out_features, std::vector<std::string> inputs) {
  Layer l;
  l.name = name;
  l.kind = LayerKind::FullyConnected;
  l.out_channels = out_features;
  l.inputs = std::move(inputs);
  push(std::move(l));
  return *this;
}

NetworkBuilder& NetworkBuilder::max_pool(const std::string& name, int kernel, int stride, int pad) {
  Layer l;
  l.name = name;
  l.kind = LayerKind::Pool;
  l.pool = PoolKind::Max;
  l.kernel_h = l.kernel_w = kernel;
  l.stride = stride;
  l.pad = pad;
  push(std::move(l));
  return *this;
}

NetworkBuilder& NetworkBuilder::avg_pool(const std::string& name, int kernel, int stride) {
  Layer l;
  l.name = name;
  l.kind = LayerKind::Pool;
  l.pool = PoolKind::Avg;
  l.kernel_h = l.kernel_w = kernel;
  l.stride = stride;
  push(std::move(l));
  return *this;
}

NetworkBuilder& NetworkBuilder::relu(const std::string& name) {
  Layer l;
  l.name = name;
  l.kind = LayerKind::ReLU;
  push(std::move(l));
  return *this;
}

NetworkBuilder& NetworkBuilder::batch_norm(const std::string& name) {
  Layer l;
  l.name = name;
  l.kind = LayerKind::BatchNorm;
  push(std::move(l));
  return *this;
}

NetworkBuilder& NetworkBuilder::add(const std::string& name, const std::string& a, const std::string& b) {
  Layer l;
  l.name = name;
  l.kind = LayerKind::Add;
  l.inputs = {a, b};
  push(std::move(l));
  return *this;
}

NetworkBuilder& NetworkBuilder::conv_bn_relu(const std::string& name, int out_channels, int kernel, int stride,
                                             int pad) {
  conv(name, out_channels, kernel, stride, pad);
  batch_norm(name + ".bn");
  relu(name + ".relu");
  return *this;
}

Network NetworkBuilder::build() {
  net_.finalize();
  return net_;
}

namespace {

// The gate ("tiny CNN"): 32x32x3 -> clean or distorted. The paper gives no architecture; this one
// is sized so that gate + dedicated network reproduces every selective row of Tables 3 and 4
// (268,848 weights and 1,294,848 MACs at width 1; see docs/workloads.md).
Network make_gate(double w, int classes) {
  NetworkBuilder b("gate", w, {3, 32, 32}, classes > 0 ? classes : 2);
  b.conv_bn_relu("conv1", scale_channels(w, 16), 3, 1, 1);
  b.max_pool("pool1", 2, 2);
  b.conv_bn_relu("conv2", scale_channels(w, 8), 3, 1, 1);
  b.max_pool("pool2", 2, 2);
  b.conv_bn_relu("conv3", scale_channels(w, 64), 3, 1, 1);
  b.max_pool("pool3", 2, 2);
  b.fc("fc1", scale_channels(w, 256));
  b.relu("fc1.relu");
  b.fc("fc2", classes > 0 ? classes : 2);
  return b.build();
}

// VGG16 in its CIFAR form: 13 3x3 convs with batch-norm, then FC 512-512-512-classes.
Network make_vgg16(double w, int classes) {
  NetworkBuilder b("vgg16", w, {3, 32, 32}, classes > 0 ? classes : 100);
  const int stages[5][3] = {{64, 64, 0}, {128, 128, 0}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}};
  for (int s = 0; s < 5; ++s) {
    for (int i = 0; i < 3 && stages[s][i] > 0; ++i)
      b.conv_bn_relu(fmt::format("conv{}_{}", s + 1, i + 1), scale_channels(w, stages[s][i]), 3, 1, 1);
    b.max_pool(fmt::format("pool{}", s + 1), 2, 2);
  }
  int hidden = scale_channels(w, 512);
  b.fc("fc1", hidden);
  b.relu("fc1.relu");
  b.fc("fc2", hidden);
  b.relu("fc2.relu");
  b.fc("fc3", classes > 0 ? classes : 100);
  return b.build();
}

// ResNet50 in its CIFAR form: 3x3 stem at 32x32 (no max-pool), bottleneck stages of 3/4/6/3
// blocks with the stride on the 3x3 conv, projection shortcuts where the shape changes, global
// average pool and one FC. Every conv of a block carries the block's input size as the paper's D_F.
Network make_resnet50(double w, int classes) {
  NetworkBuilder b("resnet50", w, {3, 32, 32}, classes > 0 ? classes : 100);
  int in_planes = scale_channels(w, 64);
  b.set_block("stem", 32);
  b.conv_bn_relu("conv1", in_planes, 3, 1, 1);
  int size = 32;
  const int planes_of[4] = {64, 128, 256, 512}, blocks_of[4] = {3, 4, 6, 3}, stride_of[4] = {1, 2, 2, 2};
  for (int stage = 0; stage < 4; ++stage) {
    int planes = scale_channels(w, planes_of[stage]);
    for (int i = 0; i < blocks_of[stage]; ++i) {
      int stride = i == 0 ? stride_of[stage] : 1;
      std::string p = fmt::format("layer{}.{}", stage + 1, i);
      std::string block_input = b.last_name();
      b.set_block(p, size);
      b.conv_bn_relu(p + ".conv1", planes, 1, 1, 0);
      b.conv_bn_relu(p + ".conv2", planes, 3, stride, 1);
      b.conv(p + ".conv3", 4 * planes, 1, 1, 0);
      b.batch_norm(p + ".conv3.bn");
      std::string shortcut = block_input;
      if (stride != 1 || in_planes != 4 * planes) {
        b.conv(p + ".shortcut", 4 * planes, 1, stride, 0, 1, {block_input});
        b.batch_norm(p + ".shortcut.bn");
        shortcut = p + ".shortcut.bn";
      }
      b.add(p + ".add", p + ".conv3.bn", shortcut);
      b.relu(p + ".relu");
      in_planes = 4 * planes;
      size /= stride;
    }
  }
  b.set_block("", 0);
  b.avg_pool("avgpool", size, size);
  b.fc("fc", classes > 0 ? classes : 100);
  return b.build();
}

// AlexNet as run on the Eyeriss chip (JSSC 2017): 227x227x3, CONV2/4/5 in two groups.
Network make_alexnet(double w, int classes) {
  NetworkBuilder b("alexnet", w, {3, 227, 227}, classes > 0 ? classes : 1000);
  b.conv("conv1", scale_channels(w, 96), 11, 4, 0).relu("conv1.relu").max_pool("pool1", 3, 2);
  b.conv("conv2", scale_channels(w, 256), 5, 1, 2, 2).relu("conv2.relu").max_pool("pool2", 3, 2);
  b.conv("conv3", scale_channels(w, 384), 3, 1, 1).relu("conv3.relu");
  b.conv("conv4", scale_channels(w, 384), 3, 1, 1, 2).relu("conv4.relu");
  b.conv("conv5", scale_channels(w, 256), 3, 1, 1, 2).relu("conv5.relu").max_pool("pool5", 3, 2);
  b.fc("fc6", scale_channels(w, 4096)).relu("fc6.relu");
  b.fc("fc7", scale_channels(w, 4096)).relu("fc7.relu");
  b.fc("fc8", classes > 0 ? classes : 1000);
  return b.build();
}

}  // namespace

std::vector<std::string> zoo_names() { return {"gate", "vgg16", "resnet50", "alexnet"}; }

bool is_zoo_network(const std::string& name) {
  auto names = zoo_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

Network zoo_network(const std::string& name, double width, int num_classes) {
  if (!(width > 0.0 && width <= 4.0)) fail("width {}: expected a width multiplier in (0, 4]", width);
  if (num_classes < 0) fail("class count {}: expected a positive number", num_classes);
  if (name == "gate") return make_gate(width, num_classes);
  if (name == "vgg16") return make_vgg16(width, num_classes);
  if (name == "resnet50") return make_resnet50(width, num_classes);
  if (name == "alexnet") return make_alexnet(width, num_classes);
  std::string list;
  for (const auto& n : zoo_names()) list += (list.empty() ? "" : ", ") + n;
  fail("unknown network '{}'; the zoo has: {} (or describe your own in a network file: YAML or ONNX)", name, list);
}

}  // namespace rowsim
