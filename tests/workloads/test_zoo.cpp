// Zoo networks: per-layer numbers against shape arithmetic written out by hand here, and totals
// against the paper's Tables 3 and 4 as printed (rounded to 0.1M / 0.1G).
#include <cmath>

#include <catch2/catch.hpp>

#include "workloads/stats.hpp"
#include "workloads/util/error.hpp"
#include "workloads/zoo.hpp"

using namespace rowsim;

TEST_CASE("VGG16 layers follow the CIFAR shape arithmetic", "[zoo]") {
  Network net = zoo_network("vgg16", 1.0);
  const Layer& c11 = net.layer("conv1_1");
  // 3x3 conv, pad 1, stride 1 keeps 32x32; weights = 3*3*3*64.
  CHECK(c11.in == Shape{3, 32, 32});
  CHECK(c11.out == Shape{64, 32, 32});
  CHECK(c11.weights() == 3 * 3 * 3 * 64);
  CHECK(c11.biases() == 64);
  CHECK(c11.macs() == 1728LL * 32 * 32);
  // After four 2x2 pools the map is 32/16 = 2.
  const Layer& c53 = net.layer("conv5_3");
  CHECK(c53.in == Shape{512, 2, 2});
  CHECK(c53.weights() == 9LL * 512 * 512);
  CHECK(c53.macs() == 9LL * 512 * 512 * 2 * 2);
  // The fifth pool leaves 512x1x1 for the classifier.
  const Layer& fc1 = net.layer("fc1");
  CHECK(fc1.in == Shape{512, 1, 1});
  CHECK(fc1.weights() == 512 * 512);
  CHECK(fc1.macs() == 512 * 512);
  CHECK(net.layer("fc3").out == Shape{100, 1, 1});
  // 13 convs and 3 FC layers carry weights.
  CHECK(net.compute_layers().size() == 16);
}

TEST_CASE("VGG16 width scales every channel count including FC hidden layers", "[zoo]") {
  Network net = zoo_network("vgg16", 0.25);
  CHECK(net.layer("conv1_1").out.c == 16);   // int(0.25*64)
  CHECK(net.layer("conv4_1").out.c == 128);  // int(0.25*512)
  CHECK(net.layer("fc1").weights() == 128 * 128);
  CHECK(net.layer("fc3").weights() == 128 * 100);  // classes are not scaled
}

TEST_CASE("ResNet50 bottleneck: stride on the 3x3 conv, projection shortcut, paper D_F", "[zoo]") {
  Network net = zoo_network("resnet50", 1.0);
  // Stem: 3x3 conv 3->64 at 32x32.
  CHECK(net.layer("conv1").weights() == 27 * 64);
  // layer1.0: 64 -> 256 needs a 1x1 projection shortcut at stride 1.
  CHECK(net.layer("layer1.0.shortcut").weights() == 64 * 256);
  CHECK(net.index_of("layer1.1.shortcut") == -1);
  // layer2.0: input 256x32x32, 1x1 to 128, 3x3 stride 2 to 16x16, 1x1 to 512.
  const Layer& c1 = net.layer("layer2.0.conv1");
  CHECK(c1.in == Shape{256, 32, 32});
  CHECK(c1.weights() == 256 * 128);
  const Layer& c2 = net.layer("layer2.0.conv2");
  CHECK(c2.out == Shape{128, 16, 16});
  CHECK(c2.weights() == 9 * 128 * 128);
  CHECK(c2.macs() == 9LL * 128 * 128 * 16 * 16);
  // The paper counts every conv of the block at the block's input size (32).
  CHECK(c2.macs_paper() == 9LL * 128 * 128 * 32 * 32);
  const Layer& sc = net.layer("layer2.0.shortcut");
  CHECK(sc.out == Shape{512, 16, 16});
  CHECK(sc.macs() == 256LL * 512 * 16 * 16);
  CHECK(sc.macs_paper() == 256LL * 512 * 32 * 32);
  // The last stage runs at 4x4; global average pooling leaves 2048 features.
  CHECK(net.layer("layer4.2.conv3").out == Shape{2048, 4, 4});
  CHECK(net.layer("fc").weights() == 2048 * 100);
  CHECK(net.layer("layer4.2.add").kind == LayerKind::Add);
}

TEST_CASE("AlexNet keeps the Eyeriss layer shapes", "[zoo]") {
  Network net = zoo_network("alexnet");
  // CONV1: (227 - 11)/4 + 1 = 55.
  CHECK(net.layer("conv1").out == Shape{96, 55, 55});
  // pool (55 - 3)/2 + 1 = 27; CONV2 has 2 groups of 48 input channels.
  CHECK(net.layer("conv2").in == Shape{96, 27, 27});
  CHECK(net.layer("conv2").weights() == 5LL * 5 * 48 * 256);
  CHECK(net.layer("conv3").in == Shape{256, 13, 13});
  CHECK(net.layer("conv4").weights() == 3LL * 3 * 192 * 384);
  CHECK(net.layer("fc6").weights() == 256LL * 6 * 6 * 4096);
  ConvShape s = conv_shape(net.layer("conv2"), 4);
  CHECK(s.G == 2);
  CHECK(s.C == 48);
  CHECK(s.M == 128);
  // JSSC Table V: 2.66 G MACs for the five conv layers at batch 4.
  int64_t conv_macs = 0;
  for (const char* name : {"conv1", "conv2", "conv3", "conv4", "conv5"}) conv_macs += net.layer(name).macs() * 4;
  CHECK(std::round(conv_macs / 1e7) / 100 == Approx(2.66));
}

namespace {
std::string millions(int64_t v) { return paper_rounding(v); }
}  // namespace

TEST_CASE("Paper Table 3 (VGG16) and Table 4 (ResNet50) as printed", "[zoo][paper]") {
  Network gate = zoo_network("gate");
  struct Row {
    const char* net;
    double width;
    bool selective;
    const char* weights;
    const char* macs_paper;
  };
  const Row rows[] = {{"vgg16", 1.0, false, "15.3M", "313.8M"},  {"vgg16", 0.75, true, "8.9M", "178.1M"},
                      {"vgg16", 0.5, true, "4.1M", "80.2M"},     {"vgg16", 0.25, true, "1.2M", "21.2M"},
                      {"resnet50", 1.0, false, "23.7M", "2.1G"}, {"resnet50", 0.75, true, "13.6M", "1.2G"},
                      {"resnet50", 0.5, true, "6.2M", "524.5M"}, {"resnet50", 0.25, true, "1.8M", "132.3M"}};
  for (const auto& r : rows) {
    Network net = zoo_network(r.net, r.width);
    int64_t weights = net.total_weights() + (r.selective ? gate.total_weights() : 0);
    int64_t macs = net.total_macs_paper() + (r.selective ? gate.total_macs_paper() : 0);
    INFO(r.net << " " << r.width);
    CHECK(millions(weights) == r.weights);
    CHECK(millions(macs) == r.macs_paper);
  }
  // DESIGN.md: the eq. (2) convention gives 2090.7M for 1.00-ResNet50; executed MACs are 1298.0M.
  Network resnet = zoo_network("resnet50", 1.0);
  CHECK(std::round(resnet.total_macs_paper() / 1e5) == 20907);
  CHECK(std::round(resnet.total_macs() / 1e5) == 12980);
}

TEST_CASE("The gate fits the window the paper's selective rows imply", "[zoo]") {
  Network gate = zoo_network("gate");
  CHECK(gate.input == Shape{3, 32, 32});
  CHECK(gate.output_layer().out == Shape{2, 1, 1});
  CHECK(gate.total_weights() >= 238'000);
  CHECK(gate.total_weights() <= 283'000);
  CHECK(gate.total_macs() >= 1'270'000);
  CHECK(gate.total_macs() <= 1'300'000);
}

TEST_CASE("Bad zoo requests are answered with clear errors", "[zoo][errors]") {
  CHECK_THROWS_WITH(zoo_network("vgg19"), Catch::Contains("unknown network 'vgg19'") && Catch::Contains("vgg16"));
  CHECK_THROWS_WITH(zoo_network("vgg16", 0.0), Catch::Contains("width 0"));
  CHECK_THROWS_WITH(zoo_network("vgg16", -1.0), Catch::Contains("expected a width multiplier in (0, 4]"));
}
