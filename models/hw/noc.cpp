#include "models/hw/noc.hpp"

namespace rowsim::hw {

Noc::Noc(sc_core::sc_module_name name)
    : sc_core::sc_module(name), gin_filter("gin_filter"), gin_ifmap("gin_ifmap"), gin_psum("gin_psum"),
      gon_psum("gon_psum") {}

void Noc::begin_layer(const LayerContext& ctx) {
  gin_filter.reset(size_t(2 * ctx.filter_bus));
  gin_ifmap.reset(size_t(2 * ctx.ifmap_bus));
  gin_psum.reset(size_t(2 * ctx.psum_bus));
  gon_psum.reset(size_t(2 * ctx.psum_bus));
}

void Noc::configure(int pes, int chains, int filter_tags, int ifmap_tags) {
  psum_credits.assign(size_t(chains), kPsumInDepth);
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
