// Replays a request trace (request_trace.hpp) as an approximately-timed TLM initiator, the way
// DRAMSys's trace player drives its controller: requests are offered in file order, at most one
// per DRAM clock, each no earlier than its STL clock (cycle x tCK; Ramulator lines have none),
// and the player stalls while the target withholds END_REQ (a full controller queue). Any
// number of requests may be outstanding; every BEGIN_RESP is answered with TLM_COMPLETED.
// Each request is one burst: the address is aligned down to the burst (64 B for the presets).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "tlm/memory/request_trace.hpp"

namespace monde::mem {

class TracePlayer : public sc_core::sc_module, public tlm::tlm_mm_interface {
 public:
  tlm_utils::simple_initiator_socket<TracePlayer, 64> socket;

  SC_HAS_PROCESS(TracePlayer);
  // `trace` must outlive the player.
  TracePlayer(sc_core::sc_module_name name, const RequestTrace& trace, std::uint64_t tck_ps, unsigned burst_bytes);

  bool done() const { return completed_ == trace_.requests.size(); }
  std::uint64_t completed() const { return completed_; }
  std::uint64_t errors() const { return errors_; }
  std::uint64_t reads() const { return reads_; }
  std::uint64_t writes() const { return writes_; }
  std::uint64_t last_completion_ps() const { return last_completion_ps_; }

 private:
  void run();
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  void complete(tlm::tlm_generic_payload& trans);
  void free(tlm::tlm_generic_payload* trans) override;  // tlm_mm_interface
  tlm::tlm_generic_payload* allocate();
  std::uint64_t now_ps() const;

  const RequestTrace& trace_;
  std::uint64_t tck_ps_;
  unsigned burst_bytes_;
  std::uint64_t completed_ = 0, errors_ = 0, reads_ = 0, writes_ = 0, last_completion_ps_ = 0;
  tlm::tlm_generic_payload* open_ = nullptr;  // BEGIN_REQ sent, END_REQ not yet seen
  sc_core::sc_event end_req_event_;
  std::vector<tlm::tlm_generic_payload*> pool_;
  std::vector<std::unique_ptr<tlm::tlm_generic_payload>> owned_;
  std::vector<std::unique_ptr<unsigned char[]>> buffers_;
};

}  // namespace monde::mem
