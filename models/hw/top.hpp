// The accelerator: NoC, global buffer, PE array, DRAM (with its DMA engines and the link models),
// post-processing and the controller, each reached only through the ports and exports bound here
// (models/hw/interfaces.hpp). Every size comes from the layer's ArchSpec when a layer starts, so
// one Top runs any architecture; the DRAM link model is the one the spec names (dram.model).
#pragma once
#include <array>
#include <memory>
#include <string>

#include <systemc>

#include "models/hw/controller.hpp"
#include "models/hw/dram.hpp"
#include "models/hw/dram_link.hpp"
#include "models/hw/global_buffer.hpp"
#include "models/hw/ledger.hpp"
#include "models/hw/noc.hpp"
#include "models/hw/pe_array.hpp"
#include "models/hw/post_process.hpp"

namespace rowsim::hw {

// The blocks, in the order Top creates them by default. The order in which a kernel runs the
// processes of one delta cycle follows creation order; results must not (tests/hw_order).
enum class Block { Noc, Glb, Array, Dram, Controller, Count };
constexpr int kBlocks = int(Block::Count);
using CreationOrder = std::array<Block, kBlocks>;
constexpr CreationOrder kDefaultOrder{Block::Noc, Block::Glb, Block::Array, Block::Dram, Block::Controller};

class Top : public sc_core::sc_module {
public:
  // `vcd_base`: record the trace signals into vcd_base + ".vcd" (empty: no trace).
  Top(sc_core::sc_module_name name, const std::string& vcd_base, const CreationOrder& order = kDefaultOrder);
  ~Top() override;

  // Runs one layer to completion; throws std::logic_error if the model stops making progress.
  LayerSimResult run(const LayerJob& job);
  void close_trace();
  // Tests: the clocked modules act every cycle instead of sleeping, and send no word ahead
  // (ClockDomain::never_sleep).
  void set_never_sleep(bool on) { clock_.never_sleep = on; }

private:
  void build(Block block);
  void bind();

  ClockDomain clock_;  // shared by the clocked modules
  std::unique_ptr<Noc> noc_;
  std::unique_ptr<GlobalBuffer> glb_;
  std::unique_ptr<PeArray> array_;
  std::unique_ptr<Dram> dram_;
  std::unique_ptr<Controller> controller_;
  PostProcess post_;
  FixedLink fixed_link_;
  RowBufferLink row_buffer_link_;
  CycleLedger ledger_;
  // The GLB's DRAM-wait flags, read by the PE array for stall attribution.
  sc_core::sc_signal<bool> weights_wait_dram_, ifmap_wait_dram_;
  sc_core::sc_trace_file* trace_ = nullptr;
};

}  // namespace rowsim::hw
