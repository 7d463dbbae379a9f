// The network on chip: the GIN buses that carry filter words, ifmap words and incoming psums from
// the GLB to the array, the GON bus that carries psums back, the credits of the psum buffers at the
// chain heads, and the ID matching that turns one bus word into a multicast. Each PE is configured
// per pass with a filter ID and an ifmap ID (the chip's row and column IDs folded into one number
// per data type); a word is delivered to every PE whose ID equals the word's tag. The PE-to-PE psum
// links up a chain belong to the PE array.
//
// The Noc is a hierarchical channel without a process of its own: the GLB writes the GIN and reads
// the GON through `glb_side`, the PE array the other way round through `array_side`.
#pragma once
#include <cstdint>
#include <vector>

#include <systemc>

#include "models/hw/interfaces.hpp"

namespace rowsim::hw {

// Psums from the GLB enter a chain through a buffer of this many words at its head. A credit's
// round trip is two cycles (sent in t, consumed at the head in t+1 at the earliest, usable by the
// GLB again in t+2), so two words keep one psum per cycle flowing into a chain; the other two
// absorb a head that waits for its PE's own psum while the GLB serves other chains round-robin.
constexpr int kPsumHeadDepth = 4;
// Bus buffers hold two bus widths: a word written in cycle t is readable in t+1 and its slot free
// again in t+2, so two widths keep a full-rate stream from waiting on the one-cycle visibility.
constexpr int kBusBufferWidths = 2;

class Noc : public sc_core::sc_module, public NocArrayIf {
public:
  explicit Noc(sc_core::sc_module_name name);

  sc_core::sc_export<NocGlbIf> glb_side;
  sc_core::sc_export<NocArrayIf> array_side;

  void begin_layer(const LayerSetup& setup);

  FillBus<FilterWord>& gin_filter() override { return gin_filter_; }
  GrantedBus<IfmapWord>& gin_ifmap() override { return gin_ifmap_; }
  BoundedChannel<PsumWord>& gin_psum() override { return gin_psum_; }
  BoundedChannel<PsumWord>& gon_psum() override { return gon_psum_; }
  PsumCredits& psum_credits() override { return credits_; }

  void configure(int pes, int chains, int filter_tags, int ifmap_tags) override;
  void set_ids(int pe, int filter_id, int ifmap_id) override;
  void build_groups() override;
  PeGroup filter_group(int tag) const override { return group(filter_, tag); }
  PeGroup ifmap_group(int tag) const override { return group(ifmap_, tag); }

private:
  struct Table {
    std::vector<int> id_of_pe;
    std::vector<int> start;  // CSR: members of tag t are members[start[t] .. start[t+1])
    std::vector<int> members;
  };
  static PeGroup group(const Table& t, int tag) {
    return {t.members.data() + t.start[size_t(tag)], t.members.data() + t.start[size_t(tag) + 1]};
  }
  static void build(Table& t, int tags);

  FillBus<FilterWord> gin_filter_;
  GrantedBus<IfmapWord> gin_ifmap_;
  BoundedChannel<PsumWord> gin_psum_;  // GLB -> chain heads
  BoundedChannel<PsumWord> gon_psum_;  // chain tops -> GLB
  PsumCredits credits_;
  Table filter_, ifmap_;
  int filter_tags_ = 0, ifmap_tags_ = 0;
};

}  // namespace rowsim::hw
