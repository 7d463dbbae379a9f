// The network on chip: the GIN buses that carry filter words, ifmap words and incoming psums from
// the GLB to the array, the GON bus that carries psums back, and the ID matching that turns one
// bus word into a multicast. Each PE is configured per pass with a filter ID and an ifmap ID (the
// chip's row and column IDs folded into one number per data type); a word is delivered to every
// PE whose ID equals the word's tag. The PE-to-PE psum links up a chain belong to the PE array.
//
// The Noc is a hierarchical channel without a process of its own: the GLB writes the buses, the
// PE array reads them, both once per cycle.
#pragma once
#include <cstdint>
#include <vector>

#include <systemc>

#include "models/hw/channel.hpp"
#include "models/hw/context.hpp"

namespace rowsim::hw {

class Noc : public sc_core::sc_module {
public:
  explicit Noc(sc_core::sc_module_name name);

  BoundedChannel<FilterWord> gin_filter;
  BoundedChannel<IfmapWord> gin_ifmap;
  BoundedChannel<PsumWord> gin_psum;  // GLB -> chain heads
  BoundedChannel<PsumWord> gon_psum;  // chain tops -> GLB

  // Psums from the GLB enter a chain through a small buffer at its head. The GIN gives each chain
  // credits for that buffer, so the GLB sends only to chains with room and one busy chain never
  // blocks the others.
  static constexpr int kPsumInDepth = 4;
  std::vector<int> psum_credits;  // per chain: free slots not yet claimed by a word in flight
  void return_psum_credit(int chain) {
    ++psum_credits[size_t(chain)];
    credit_event_.notify(sc_core::SC_ZERO_TIME);
  }
  const sc_core::sc_event& credit_event() const { return credit_event_; }

  // Bus buffers of two bus widths each, so a full-rate stream never waits on the one-cycle
  // visibility of a freed slot.
  void begin_layer(const LayerContext& ctx);

  // ID configuration for a pass: `pes` PEs, tags below the given counts. ifmap_id -1: the PE's
  // ifmap row is all padding and it receives no bus words.
  void configure(int pes, int chains, int filter_tags, int ifmap_tags);
  void set_ids(int pe, int filter_id, int ifmap_id);
  void build_groups();

  struct Group {
    const int* begin;
    const int* end;
    size_t size() const { return size_t(end - begin); }
  };
  Group filter_group(int tag) const { return group(filter_, tag); }
  Group ifmap_group(int tag) const { return group(ifmap_, tag); }

private:
  struct Table {
    std::vector<int> id_of_pe;
    std::vector<int> start;  // CSR: members of tag t are members[start[t] .. start[t+1])
    std::vector<int> members;
  };
  static Group group(const Table& t, int tag) {
    return {t.members.data() + t.start[size_t(tag)], t.members.data() + t.start[size_t(tag) + 1]};
  }
  static void build(Table& t, int tags);
  Table filter_, ifmap_;
  sc_core::sc_event credit_event_;
  int filter_tags_ = 0, ifmap_tags_ = 0;
};

}  // namespace rowsim::hw
