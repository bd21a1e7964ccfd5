// The device's CXL.mem controller: between the device port (the link's device_socket) and the
// device DRAM (MemoryTarget). It owns a bounded request queue, charges the configured
// controller latency, decodes each host physical address through the HDM decoder, and forms
// the S2M answer on the CxlMemExtension:
//   * decoded: the request goes to memory at the device physical address; reads are answered
//     with S2M DRS MemData, writes with S2M NDR Cmp;
//   * not decoded (no decoder covers the HPA, or it belongs to another device of the interleave
//     set): nothing reaches the DRAM. Reads get MemData with the poison bit set (CXL 2.0 §8.2.5.12
//     lets a device return all 1s or poison; the model poisons, which the host cannot miss),
//     writes are dropped and completed with Cmp; both carry TLM_ADDRESS_ERROR_RESPONSE;
//   * a memory error response (e.g. DPA beyond the DRAM) is poisoned the same way.
// Flow control: END_REQ to the link only while the queue has room (the link's M2S credits are
// returned on END_REQ, so a full controller throttles the link); BEGIN_RESP to the link one at a
// time, and the memory's END_RESP is withheld until the link took the response.
// Bulk transactions (longer than 64 B, the link's bulk mode) must map to contiguous device
// addresses (one decoder; within one granule when interleaved, or the device's own granules of an
// interleaved access, tlm/common/interleave_span.hpp), otherwise they fail the same way.
// transport_dbg is split at granule / decoder boundaries; DMI regions are translated back to
// HPAs and clipped to the contiguous piece, with the controller latency added.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>

#include <nlohmann/json_fwd.hpp>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "tlm/cxl/hdm_decoder.hpp"

namespace monde {
class InterleaveSpan;
}

namespace monde::cxl {

struct CxlControllerStats {
  std::uint64_t requests = 0;
  std::uint64_t undecoded = 0;        // no decoder, other interleave target, or non-contiguous bulk
  std::uint64_t poisoned_reads = 0;   // reads answered with poison (undecoded or memory error)
  std::uint64_t dropped_writes = 0;   // writes that did not reach the DRAM
  std::uint64_t memory_errors = 0;    // error responses from the DRAM target
  std::uint64_t max_queue_lines = 0;  // requests waiting in the controller, peak
};

class CxlMemController : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<CxlMemController, 64> link_socket;
  tlm_utils::simple_initiator_socket<CxlMemController, 64> memory_socket;

  SC_HAS_PROCESS(CxlMemController);
  CxlMemController(sc_core::sc_module_name name, const HdmDecoder& hdm, double controller_ns, unsigned queue_lines);

  const HdmDecoder& hdm() const { return hdm_; }
  const CxlControllerStats& stats() const { return stats_; }
  nlohmann::json stats_json() const;

 private:
  struct Entry {
    tlm::tlm_generic_payload* trans = nullptr;
    std::uint64_t ready_ps = 0;
    std::optional<std::uint64_t> dpa;  // nullopt: not decoded
  };
  struct Response {
    tlm::tlm_generic_payload* trans = nullptr;
    bool from_memory = false;  // memory waits for END_RESP
  };

  tlm::tlm_sync_enum link_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  tlm::tlm_sync_enum memory_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);

  void enqueue(tlm::tlm_generic_payload& trans, const sc_core::sc_time& delay);
  void issuer();  // SC_THREAD: queue head -> memory, one request phase open at a time
  void memory_response(tlm::tlm_generic_payload& trans);
  void respond(tlm::tlm_generic_payload& trans, bool from_memory);
  void send_next_response();
  void response_taken();
  // DPA of [hpa, hpa + len) when it is one contiguous piece of this device, and that piece's
  // HPA bounds (for DMI and debug splitting).
  std::optional<std::uint64_t> decode_range(std::uint64_t hpa, std::uint64_t len) const;
  // DPA of an interleaved device's granules from hpa on (tlm/common/interleave_span.hpp), when
  // they are this device's and contiguous in DPA.
  std::optional<std::uint64_t> decode_span(std::uint64_t hpa, std::uint64_t len, const InterleaveSpan& span) const;
  std::uint64_t contiguous_end(std::uint64_t hpa) const;  // one past the piece holding hpa
  std::uint64_t contiguous_end(std::uint64_t hpa, const HdmDecoder::Result& decoded) const;  // hpa decoded already
  std::uint64_t now_ps() const;

  HdmDecoder hdm_;
  std::uint64_t controller_ps_;
  unsigned queue_lines_;
  std::deque<Entry> queue_;
  tlm::tlm_generic_payload* pending_accept_ = nullptr;  // BEGIN_REQ waiting for queue room
  sc_core::sc_time pending_delay_;
  sc_core::sc_event work_, memory_end_req_;
  bool issuer_idle_ = false;  // the issuer waits on work_ (its queue is empty)
  tlm::tlm_generic_payload* memory_request_open_ = nullptr;  // its END_REQ has not come yet
  std::unordered_map<tlm::tlm_generic_payload*, std::uint64_t> hpa_of_;  // restored on the way back
  std::deque<Response> responses_;
  bool link_response_open_ = false;
  CxlControllerStats stats_;
};

}  // namespace monde::cxl
