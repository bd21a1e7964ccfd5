#include "tlm/device/device_memory_port.hpp"

#include <string>

namespace monde::device {

DeviceMemoryPort::DeviceMemoryPort(sc_core::sc_module_name name)
    : sc_module(name), targets("targets"), memory("memory") {
  targets.register_b_transport(this, &DeviceMemoryPort::b_transport);
  targets.register_nb_transport_fw(this, &DeviceMemoryPort::nb_transport_fw);
  targets.register_transport_dbg(this, &DeviceMemoryPort::transport_dbg);
  targets.register_get_direct_mem_ptr(this, &DeviceMemoryPort::get_direct_mem_ptr);
  memory.register_nb_transport_bw(this, &DeviceMemoryPort::nb_transport_bw);
  memory.register_invalidate_direct_mem_ptr(this, &DeviceMemoryPort::invalidate_direct_mem_ptr);
}

void DeviceMemoryPort::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  memory->b_transport(trans, delay);
}

tlm::tlm_sync_enum DeviceMemoryPort::nb_transport_fw(int id, tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                                     sc_core::sc_time& delay) {
  if (at_initiator_ < 0) at_initiator_ = id;
  if (id != at_initiator_) {
    SC_REPORT_ERROR("monde/device/memory_port",
                    ("nb_transport from initiator " + std::to_string(id) + " but initiator " +
                     std::to_string(at_initiator_) + " already uses AT: only one AT initiator is supported")
                        .c_str());
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return tlm::TLM_COMPLETED;
  }
  return memory->nb_transport_fw(trans, phase, delay);
}

tlm::tlm_sync_enum DeviceMemoryPort::nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                                     sc_core::sc_time& delay) {
  return targets[at_initiator_]->nb_transport_bw(trans, phase, delay);
}

unsigned int DeviceMemoryPort::transport_dbg(int, tlm::tlm_generic_payload& trans) {
  return memory->transport_dbg(trans);
}

bool DeviceMemoryPort::get_direct_mem_ptr(int, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  return memory->get_direct_mem_ptr(trans, dmi);
}

void DeviceMemoryPort::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  for (unsigned i = 0; i < targets.size(); ++i) targets[i]->invalidate_direct_mem_ptr(start, end);
}

}  // namespace monde::device
