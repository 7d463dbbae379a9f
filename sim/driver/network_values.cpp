#include "sim/driver/network_values.hpp"

namespace rowsim {

NetworkValues network_values(const Network& net, const NetworkData& data, const ArchSpec& arch, bool compressed,
                             const std::string& description) {
  NetworkValues v;
  v.description = description;
  v.tables.resize(net.layers.size());
  v.bits.assign(net.layers.size(), DataBits::uniform(arch.word_bits));
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& layer = net.layers[i];
    if (!layer.has_weights()) continue;
    LayerValues values;
    values.params = &data.params[i];
    values.ifmap = &data.input_of(net, int(i));
    values.ofmap = &data.written(int(i));
    values.compressed = compressed;
    values.zero_gating = arch.zero_gating;
    values.rlc = arch.rlc_dram;
    v.tables[i] = std::make_unique<LayerTables>(conv_shape(layer, data.input.n), values);
    // Weights at their quantized width, feature maps at theirs; psums at the word width.
    v.bits[i] = DataBits{data.params[i].weight_q.bits, data.fmap_q.bits, arch.word_bits};
  }
  return v;
}

}  // namespace rowsim
