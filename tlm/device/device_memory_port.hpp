// The device's internal memory port: several initiators (the CXL.mem controller, the NDP
// command processor, the NDP units' DMA engines) share the one DRAM target. A pass-through
// interconnect: b_transport, transport_dbg and DMI requests go straight to the memory (the DRAM
// model queues concurrent LT accesses itself, in arrival order); nb_transport is supported for
// exactly one initiator (the CXL.mem controller), whose backward calls are routed back to it.
// A second AT initiator is a modelling error reported at its first call. DMI invalidations are
// broadcast to every initiator.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

namespace monde::device {

class DeviceMemoryPort : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<DeviceMemoryPort, 64> targets;  // bind every initiator here
  tlm_utils::simple_initiator_socket<DeviceMemoryPort, 64> memory;

  explicit DeviceMemoryPort(sc_core::sc_module_name name);

 private:
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_fw(int id, tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  unsigned int transport_dbg(int id, tlm::tlm_generic_payload& trans);
  bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

  int at_initiator_ = -1;
};

}  // namespace monde::device
