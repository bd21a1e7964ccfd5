// One loosely-timed memory access, set up the way the base protocol wants every new request
// (IEEE 1666-2011 14.x: streaming width = length, no byte enables, DMI hint cleared, response
// INCOMPLETE), issued with b_transport from an SC_THREAD that then waits out the returned delay.
// Shared by the NDP engine and units, the host driver's bus, the LT traffic generator and the
// test hosts, which all used to spell this out.
#pragma once

#include <cstdint>

#include <systemc>
#include <tlm>

namespace monde {

inline void prepare_access(tlm::tlm_generic_payload& t, tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data,
                           unsigned len) {
  t.set_command(cmd);
  t.set_address(addr);
  t.set_data_ptr(data);
  t.set_data_length(len);
  t.set_streaming_width(len);
  t.set_byte_enable_ptr(nullptr);
  t.set_byte_enable_length(0);
  t.set_dmi_allowed(false);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

// `socket` is anything with operator-> to a tlm_fw_transport_if (an initiator socket).
template <class Socket>
tlm::tlm_response_status blocking_access(Socket& socket, tlm::tlm_generic_payload& t, tlm::tlm_command cmd,
                                         std::uint64_t addr, unsigned char* data, unsigned len) {
  prepare_access(t, cmd, addr, data, len);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  socket->b_transport(t, delay);
  sc_core::wait(delay);
  return t.get_response_status();
}

}  // namespace monde
