// The accelerator: NoC, global buffer, PE array, DRAM (with its DMA engines) and the controller,
// wired once per process. Every size comes from the layer's ArchSpec when a layer starts, so one
// Top runs any architecture. One simulated cycle is 1 ns of SystemC time.
#pragma once
#include <string>

#include <systemc>

#include "models/hw/context.hpp"
#include "models/hw/controller.hpp"
#include "models/hw/dram.hpp"
#include "models/hw/global_buffer.hpp"
#include "models/hw/noc.hpp"
#include "models/hw/pe_array.hpp"

namespace rowsim::hw {

class Top : public sc_core::sc_module {
public:
  // `vcd_base`: record the trace signals into vcd_base + ".vcd" (empty: no trace).
  Top(sc_core::sc_module_name name, const std::string& vcd_base);
  ~Top() override;

  // Runs one layer to completion; throws std::logic_error if the model stops making progress.
  LayerSimResult run(const LayerJob& job);
  void close_trace();

  static const sc_core::sc_time& period();

private:
  Noc noc_;
  GlobalBuffer glb_;
  PeArray array_;
  Dram dram_;
  Controller controller_;
  sc_core::sc_trace_file* trace_ = nullptr;
};

}  // namespace rowsim::hw
