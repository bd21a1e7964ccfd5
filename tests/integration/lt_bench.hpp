// A loosely-timed test initiator: an SC_THREAD that runs `body`, with blocking and debug access
// helpers. Shared by the integration tests of the memory target and the CXL device.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "tlm/common/blocking_access.hpp"

namespace monde::test {

class LtBench : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<LtBench, 64> socket{"socket"};
  SC_HAS_PROCESS(LtBench);
  LtBench(sc_core::sc_module_name n, std::function<void(LtBench&)> body) : sc_module(n), body_(std::move(body)) {
    SC_THREAD(run);
  }
  // Blocking access; returns the response status.
  tlm::tlm_response_status access(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data, unsigned len) {
    tlm::tlm_generic_payload t;
    return transport(t, cmd, addr, data, len);
  }
  // The same with an extension (e.g. the CXL.mem view) attached for the call.
  template <class Ext>
  tlm::tlm_response_status access(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data, unsigned len,
                                  Ext* ext) {
    tlm::tlm_generic_payload t;
    t.set_extension(ext);
    const auto status = transport(t, cmd, addr, data, len);
    t.clear_extension(ext);
    return status;
  }
  unsigned debug(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data, unsigned len) {
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(data);
    t.set_data_length(len);
    return socket->transport_dbg(t);
  }

 private:
  tlm::tlm_response_status transport(tlm::tlm_generic_payload& t, tlm::tlm_command cmd, std::uint64_t addr,
                                     unsigned char* data, unsigned len) {
    return blocking_access(socket, t, cmd, addr, data, len);
  }
  void run() { body_(*this); }
  std::function<void(LtBench&)> body_;
};

}  // namespace monde::test
