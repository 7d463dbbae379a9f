// The controller: one SC_THREAD that executes the layer's passes in the order of
// mapper/schedule.hpp (via the layer plan). For each pass it waits until the pass's psum tile has
// GLB space, configures the GLB ports and the PE array (weights load into the filter spads first,
// then ifmaps stream and psums accumulate), waits for the last psum to reach the GLB, frees the
// ifmap block it no longer needs, and hands a finished m-tile to the DRAM write engine. DMA loads
// run ahead on their own (models/hw/dram.hpp). The layer ends when the last ofmap is in DRAM.
#pragma once
#include <systemc>

#include "models/hw/clocked.hpp"
#include "models/hw/interfaces.hpp"

namespace rowsim::hw {

class Controller : public Clocked {
public:
  SC_HAS_PROCESS(Controller);
  Controller(sc_core::sc_module_name name, ClockDomain& clock);

  sc_core::sc_port<GlbControlIf> glb;
  sc_core::sc_port<ArrayControlIf> array;
  sc_core::sc_port<DramStoreIf> dram;
  sc_core::sc_port<LedgerIf> ledger;

  void begin_layer(const LayerSetup* setup);
  bool done() const { return done_; }
  int pass() const { return geo_.pass; }  // the pass running (or last run), for messages

  sc_core::sc_signal<int> pass_index;
  // Records these signals in `file` (the VCD names docs/simulator.md lists) and writes them from now on.
  void trace_signals(sc_core::sc_trace_file* file);

private:
  void run();  // SC_THREAD
  void setup_geometry(const PassPlan& pp, int index);

  const LayerSetup* ctx_ = nullptr;
  PassGeometry geo_;
  bool done_ = false, trace_ = false;
  sc_core::sc_event start_;
};

}  // namespace rowsim::hw
