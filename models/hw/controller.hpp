// The controller: one SC_THREAD that executes the layer's passes in the order of
// mapper/schedule.hpp (via the layer plan). For each pass it waits until the pass's psum tile has
// GLB space, configures the GLB ports and the PE array (weights load into the filter spads first,
// then ifmaps stream and psums accumulate), waits for the last psum to reach the GLB, frees the
// ifmap block it no longer needs, and hands a finished m-tile to the DRAM write engine. DMA loads
// run ahead on their own (models/hw/dram.hpp). The layer ends when the last ofmap is in DRAM.
#pragma once
#include <systemc>

#include "models/hw/context.hpp"
#include "models/hw/dram.hpp"
#include "models/hw/global_buffer.hpp"
#include "models/hw/pe_array.hpp"

namespace rowsim::hw {

class Controller : public sc_core::sc_module {
public:
  SC_HAS_PROCESS(Controller);
  Controller(sc_core::sc_module_name name, GlobalBuffer& glb, PeArray& array, Dram& dram,
             const sc_core::sc_time& period);

  void begin_layer(LayerContext* ctx);

  sc_core::sc_signal<int> pass_index;
  void enable_trace_signals() { trace_ = true; }

private:
  void run();  // SC_THREAD
  void setup_geometry(const PassPlan& pp, int index);
  int64_t now() const;

  GlobalBuffer& glb_;
  PeArray& array_;
  Dram& dram_;
  const sc_core::sc_time period_;
  LayerContext* ctx_ = nullptr;
  bool trace_ = false;
  sc_core::sc_event start_;
};

}  // namespace rowsim::hw
