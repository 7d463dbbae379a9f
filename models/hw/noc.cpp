#include "models/hw/noc.hpp"

namespace rowsim::hw {

Noc::Noc(sc_core::sc_module_name name)
    : sc_core::sc_module(name), glb_side("glb_side"), array_side("array_side"), gin_filter_("gin_filter"),
      gin_ifmap_("gin_ifmap"), gin_psum_("gin_psum"), gon_psum_("gon_psum"), credits_("psum_credits") {
  glb_side.bind(*this);
  array_side.bind(*this);
}

void Noc::begin_layer(const LayerSetup& setup) {
  gin_ifmap_.reset(size_t(kBusBufferWidths * setup.ifmap_bus));
  gin_psum_.reset(size_t(kBusBufferWidths * setup.psum_bus));
  gon_psum_.reset(size_t(kBusBufferWidths * setup.psum_bus));
}

void Noc::configure(int pes, int chains, int filter_tags, int ifmap_tags) {
  credits_.reset(chains, kPsumHeadDepth);
  filter_.id_of_pe.assign(size_t(pes), -1);
  ifmap_.id_of_pe.assign(size_t(pes), -1);
  filter_tags_ = filter_tags;
  ifmap_tags_ = ifmap_tags;
}

void Noc::set_ids(int pe, int filter_id, int ifmap_id) {
  filter_.id_of_pe[size_t(pe)] = filter_id;
  ifmap_.id_of_pe[size_t(pe)] = ifmap_id;
}

// ID matching done once per pass: the PEs whose ID equals each tag, in PE order.
void Noc::build(Table& t, int tags) {
  t.start.assign(size_t(tags) + 1, 0);
  for (int id : t.id_of_pe)
    if (id >= 0) ++t.start[size_t(id) + 1];
  for (size_t k = 1; k < t.start.size(); ++k) t.start[k] += t.start[k - 1];
  t.members.assign(size_t(t.start.back()), 0);
  std::vector<int> fill(t.start.begin(), t.start.end() - 1);
  for (size_t pe = 0; pe < t.id_of_pe.size(); ++pe) {
    int id = t.id_of_pe[pe];
    if (id >= 0) t.members[size_t(fill[size_t(id)]++)] = int(pe);
  }
}

void Noc::build_groups() {
  build(filter_, filter_tags_);
  build(ifmap_, ifmap_tags_);
}

}  // namespace rowsim::hw
