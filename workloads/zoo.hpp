// The model zoo: the paper's networks in their CIFAR-100 forms, the tiny gate CNN, and AlexNet for
// validating against the Eyeriss chip. Every network takes a width multiplier w: each channel
// count c becomes int(w*c), fully connected hidden layers included, class counts excluded.
#pragma once
#include <string>
#include <vector>

#include "workloads/network.hpp"

namespace rowsim {

std::vector<std::string> zoo_names();
bool is_zoo_network(const std::string& name);
// Throws UserError for an unknown name or a width outside (0, 4].
Network zoo_network(const std::string& name, double width = 1.0, int num_classes = 0);

// int(w*c) as PyTorch-style width scaling computes it, never below 1 channel. The tiny epsilon
// keeps products that are whole numbers in decimal (0.3*10) from rounding down in binary.
int scale_channels(double width, int channels);

// Builds networks layer by layer; each call appends one layer fed by the previous one unless
// inputs are named. Used by the zoo and by the YAML network loader.
class NetworkBuilder {
public:
  NetworkBuilder(std::string name, double width, Shape input, int num_classes);
  NetworkBuilder& conv(const std::string& name, int out_channels, int kernel, int stride, int pad, int groups = 1,
                       std::vector<std::string> inputs = {});
  NetworkBuilder& fc(const std::string& name, int out_features, std::vector<std::string> inputs = {});
  NetworkBuilder& max_pool(const std::string& name, int kernel, int stride, int pad = 0);
  NetworkBuilder& avg_pool(const std::string& name, int kernel, int stride);
  NetworkBuilder& relu(const std::string& name);
  NetworkBuilder& batch_norm(const std::string& name);
  NetworkBuilder& add(const std::string& name, const std::string& a, const std::string& b);
  // conv + batch-norm + ReLU, the unit every zoo network is made of.
  NetworkBuilder& conv_bn_relu(const std::string& name, int out_channels, int kernel, int stride, int pad);
  // Tags the layers added from now on with a block name and the paper's D_F (0 = none).
  void set_block(const std::string& block, int paper_map_size);
  Layer& last() { return net_.layers.back(); }
  const std::string& last_name() const { return net_.layers.back().name; }
  Network build();

private:
  Layer& push(Layer layer);
  Network net_;
  std::string block_;
  int paper_map_size_ = 0;
};

}  // namespace rowsim
