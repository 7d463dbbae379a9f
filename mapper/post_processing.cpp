#include "mapper/post_processing.hpp"

#include <cmath>

namespace rowsim {

bool runs_on_array(const Layer& layer) { return layer.has_weights(); }

bool runs_in_post_processing(const Layer& layer) {
  switch (layer.kind) {
    case LayerKind::Pool:
    case LayerKind::Add:
    case LayerKind::Mul: return true;
    // Piecewise-linear activations are applied like ReLU as ofmaps leave the array.
    case LayerKind::Activation:
      return layer.activation != ActivationKind::Clip && layer.activation != ActivationKind::LeakyRelu;
    default: return false;
  }
}

AccessCounts post_processing_counts(const Network& net, const Layer& layer, int batch, const ArchSpec& arch) {
  AccessCounts c;
  if (!runs_in_post_processing(layer)) return c;
  int64_t inputs = 0;
  for (int id : layer.input_ids) inputs += (id < 0 ? net.input : net.layers[size_t(id)].out).elements();
  c.at(Level::DRAM, Data::Ifmap).reads = inputs * batch;
  c.at(Level::DRAM, Data::Psum).writes = layer.out.elements() * batch;
  c.cycles = static_cast<int64_t>(std::ceil(double(c.level_total(Level::DRAM)) / arch.dram_words_per_cycle));
  return c;
}

}  // namespace rowsim
