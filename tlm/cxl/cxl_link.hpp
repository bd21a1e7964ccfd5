// The CXL.mem link between the host's root port and the device port, as a TLM-2.0 module.
//
//   host initiator --(host_socket)--> [root port tx queue] --M2S serialiser--> wire --> [device
//   port rx buffer] --(device_socket)--> controller ... controller --> [device port tx queue]
//   --S2M serialiser--> wire --> [root port rx] --> host response
//
// Host transactions of any size are split into 64-byte CXL.mem messages (split_host_access:
// MemRd / MemWr / MemWrPtl), each a generic payload of its own with a CxlMemExtension, sent to
// the device one line at a time. Timing comes from structure, not constants:
//   * each direction has one serialiser: a message occupies it for its wire time
//     (config::CxlLinkConfig::header_message_ns, read_data_message_ns, write_data_message_ns), kept in
//     fractional picoseconds so that long streams hit the configured bandwidth exactly;
//   * a message arrives one_way_ns (host port + link + device port) after its last wire byte;
//   * credits (CXL 2.0 §4.2.2): a sender needs a credit of the receiver's buffer for the
//     message's class (M2S Req / RwD towards the device, S2M NDR / DRS towards the host). The
//     device returns an M2S credit when the controller accepts the message (END_REQ), the host
//     returns an S2M credit when it has consumed the message (at arrival); a returned credit
//     reaches the sender one_way_ns later (piggy-backed on flits of the other direction, whose
//     wire time is not charged). Too few credits for the bandwidth-delay product therefore
//     throttle the link, as on real hardware;
//   * bounded queues: the root port's M2S tx queue (host_tx_queue_lines) and the device port's
//     S2M tx queue (device_tx_queue_lines). A full tx queue withholds END_REQ from the host
//     (request exclusion = back-pressure) or END_RESP from the controller.
// Bulk mode (device memory.model "bandwidth", for full-size runs): a host transaction is not
// split; it occupies each direction's serialiser for the wire time of all its messages, the
// device sees it once the first message arrived, and the response stream ends no earlier than
// the memory's completion plus one message. Credits are not modelled in bulk mode.
//
// Faults (config::CxlLinkFaultConfig, off by default): CRC errors on the link and the link-layer
// retry (CXL 2.0 §4.2.8, "CXL.cache/CXL.mem Link Layer Retry"). The receiver checks each flit's
// CRC (§4.2.2: a 68 B flit carries a 16-bit CRC); on an error it discards the flit and everything
// after it and sends a RETRY.Req control flit (§4.2.6); the sender answers with a RETRY.Ack and
// replays from its local retry buffer, starting at the failed flit (go-back-N). Timing of one
// retry of a message of wire time w that ended at t0 on the sender:
//   RETRY.Req reaches the sender at t0 + one_way (to the receiver) + flit (the Req) + one_way;
//   the RETRY.Ack takes one flit, then the message is sent again: it ends at
//   t0 + 2 one_way + 2 flit + retry_turnaround + w, and arrives one_way later.
// The flits the sender sent after the failed one until the Req arrived are discarded and sent
// again after it, so in effect the direction's serialiser loses that whole window: modelled as
// the serialiser busy until the resend ends (the messages behind it arrive exactly when go-back-N
// delivers them). Assumptions (not in the spec's text as numbers): the receiver detects the error
// when the flit has arrived (no extra checking time); the Req and Ack cost one flit time each and
// the Req does not delay the other direction's traffic; retry_turnaround (default 0) is whatever
// both link layers add. A message fails when any of the flits it occupies (wire time / flit time,
// counted fractionally along the stream) fails, each flit independently with flit_error_rate from
// the fault seed; a resend can fail again. The local retry buffer (replay_buffer_flits, 0:
// unlimited) holds sent flits until their acknowledgement, one crossing after they arrived; a
// sender whose buffer is full waits. Counted per direction: crc_errors, retry_ns,
// replay_buffer_max_flits, replay_buffer_stall_ns. Bulk mode charges each failed message of a
// transfer the same retry time.
// Poison: a read answered with poison (undecoded address, memory error, poisoned DRAM data) keeps
// the status the device gave it (TLM_ADDRESS_ERROR_RESPONSE, TLM_GENERIC_ERROR_RESPONSE for
// poisoned data); a PoisonReport extension on the host transaction gets the poisoned lines.
//
// Both coding styles: 4-phase nb_transport (AT) and b_transport (LT: synchronises, then takes
// the same timed path). transport_dbg and DMI are forwarded (DMI adds the link's unloaded
// round-trip latency: it bypasses the link's timing, which is why the device grants it only
// when configured to).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "core/config/cxl_config.hpp"
#include "core/config/fault_config.hpp"
#include "tlm/common/event_pool.hpp"
#include "tlm/common/object_pool.hpp"
#include "tlm/common/payload_event_queue.hpp"
#include "tlm/common/rare_events.hpp"
#include "tlm/cxl/cxl_mem_extension.hpp"
#include "tlm/cxl/cxl_mem_message.hpp"
#include "core/stats/latency_histogram.hpp"

namespace monde::cxl {

enum class CxlLinkMode { kFlit, kBulk };

// One direction's counters. Utilisation = busy_ps / elapsed.
struct CxlDirectionStats {
  double busy_ps = 0;                 // serialiser occupied (wire time of every message)
  std::uint64_t messages = 0;
  std::uint64_t data_bytes = 0;       // 64 B per data-carrying message
  std::uint64_t max_tx_queue = 0;     // lines waiting for the serialiser, peak
  std::uint64_t max_in_flight = 0;    // credits in use (on the wire + in the receiver), peak
  std::uint64_t credit_stall_ps = 0;  // time the head message waited for a credit
  // Link-layer retry (faults.cxl_link).
  std::uint64_t crc_errors = 0;         // transmissions that failed their CRC (each one retry)
  double retry_ps = 0;                  // serialiser time lost to retries
  double max_replay_flits = 0;          // local retry buffer occupancy, peak
  std::uint64_t replay_stall_ps = 0;    // time the sender waited for retry buffer room
};

class CxlLink : public sc_core::sc_module, public tlm::tlm_mm_interface {
 public:
  tlm_utils::simple_target_socket<CxlLink, 64> host_socket;
  tlm_utils::simple_initiator_socket<CxlLink, 64> device_socket;

  SC_HAS_PROCESS(CxlLink);
  CxlLink(sc_core::sc_module_name name, const config::CxlLinkConfig& config, CxlLinkMode mode, bool timing_only,
          const config::CxlLinkFaultConfig& faults = {}, std::uint64_t fault_seed = 1);
  ~CxlLink() override;

  const config::CxlLinkConfig& config() const { return config_; }
  const CxlDirectionStats& m2s() const { return dir_[kM2S].stats; }
  const CxlDirectionStats& s2m() const { return dir_[kS2M].stats; }
  const CxlMessageCounters& messages() const { return messages_; }
  // Host transactions: completion latency as the host sees it, and how many ended in error.
  const stats::LatencyHistogram& read_latency() const { return read_latency_; }
  const stats::LatencyHistogram& write_latency() const { return write_latency_; }
  std::uint64_t host_transactions() const { return host_transactions_; }
  std::uint64_t error_transactions() const { return error_transactions_; }
  std::uint64_t poisoned_lines() const { return poisoned_lines_; }
  std::uint64_t max_device_rx_queue() const { return max_device_rx_; }
  // Messages in flight right now (credits in use), per direction; 0 when the link is idle.
  std::uint64_t in_flight(bool m2s) const;
  // Test hook: the next `count` transmissions of that direction fail their CRC (one retry each),
  // whatever faults.cxl_link.flit_error_rate says.
  void inject_crc_errors(bool m2s, unsigned count) { dir_[m2s ? kM2S : kS2M].forced_errors += count; }
  // The wire time of one flit and of one retry of a message of wire time w (CXL 2.0 §4.2.8, above).
  double flit_ps() const { return flit_ps_; }
  double retry_ps(double message_wire_ps) const;
  // {"m2s": {...}, "s2m": {...}, "messages": {...}, "host": {...}}, units in key names.
  nlohmann::json stats_json(double elapsed_ps) const;

 private:
  enum Dir { kM2S = 0, kS2M = 1 };
  struct HostJob;
  struct Line;
  struct LineMark;
  struct Direction {
    std::deque<Line*> tx;
    unsigned tx_capacity = 0;
    std::array<unsigned, 2> credits{};  // [0]: header-only class (Req / NDR), [1]: data class (RwD / DRS)
    std::array<unsigned, 2> credit_limit{};
    double free_ps = 0;  // serialiser busy until (fractional)
    sc_core::sc_event work, credit_returned;
    // The sender waits on `work` only while its tx queue is empty; otherwise it looks at the
    // queue before it waits again, so a notification then would wake nobody.
    bool waiting_for_work = false;
    bool waiting_for_credit = false;  // for a credit of waiting_class (credit_returned, timed)
    unsigned waiting_class = 0;
    void wake_sender() {
      if (waiting_for_work) work.notify(sc_core::SC_ZERO_TIME);
    }
    CxlDirectionStats stats;
    // Link-layer retry.
    RareEvents flit_errors;
    double flit_pos = 0;          // flits sent so far (fractional: messages are charged in slots)
    unsigned forced_errors = 0;   // inject_crc_errors()
    std::deque<std::pair<double, double>> unacked;  // (acknowledged at ps, flits) in the retry buffer
    double unacked_flits = 0;
  };

  // Host side.
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  void host_phase(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase);  // AT arrivals, at their time
  HostJob* make_job(tlm::tlm_generic_payload& trans, bool at);  // holds one reference (the owner's)
  void release_job(HostJob* job);  // drops a reference; the last one returns it to the pool
  bool crosses_link(const tlm::tlm_generic_payload& trans) const;  // make_job would give it messages
  void admit();  // moves waiting host jobs' lines into the M2S tx queue while it has room
  void admit_bulk(HostJob* job);
  void host_arrival(Line* line);  // an S2M message reached the root port
  void finish(HostJob* job);
  void send_next_host_response();

  // Serialisers (one SC_THREAD per direction).
  void m2s_sender() { sender(kM2S); }
  void s2m_sender() { sender(kS2M); }
  void sender(Dir d);
  double wire_ps(const Line& line, Dir d) const;
  void on_tx_space(Dir d);
  // Retries of `messages` transmissions of wire time w each (and of their resends): the extra
  // serialiser time; counts them.
  double retries(Dir d, double w, std::uint64_t messages = 1);
  // Waits until the local retry buffer has room for `flits` (the sender thread only).
  void wait_for_replay_room(Dir d, double flits);
  void buffer_flits(Dir d, double flits, double acked_ps);
  void return_credit(Dir d, unsigned cls);  // reaches the sender one_way later
  void credit_arrivals();                   // SC_METHOD: applies due credit returns
  void apply_due_credits();                 // credit returns due by now reach their senders
  std::uint64_t next_credit_due(Dir d, unsigned cls) const;  // of the first return on its way; 0: none

  // Device side.
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  void device_phase(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase);
  void arrival_phase(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase);
  void issue_to_device();
  void device_accepted(Line* line);  // END_REQ from the device: take_from_rx, then the next message
  void take_from_rx(Line* line);
  void device_response(Line* line);

  Line* new_line();
  void free(tlm::tlm_generic_payload* trans) override;  // tlm_mm_interface: back to the pool
  Line* line_of(tlm::tlm_generic_payload* trans);
  std::uint64_t now_ps() const;
  void notify_at(sc_core::sc_event& e, std::uint64_t at_ps);

  config::CxlLinkConfig config_;
  CxlLinkMode mode_;
  bool timing_only_;
  double one_way_ps_;
  config::CxlLinkFaultConfig faults_;
  double flit_ps_;
  // config_'s message times (ns), read once: each call compares the encoding's name.
  struct MessageNs {
    double header, read_data;
    std::array<double, 2> write_data;  // [partial]
  } message_ns_;
  std::array<Direction, 2> dir_;
  // Host jobs are referenced by their owner (admission_, then responses_ or the b_transport
  // caller) and by each of their lines until the line's payload is freed.
  ObjectPool<HostJob> jobs_;
  std::deque<HostJob*> admission_;  // host jobs whose lines are not all queued
  std::deque<HostJob*> responses_;  // AT jobs done, awaiting BEGIN_RESP
  bool host_response_open_ = false;
  unsigned host_peq_requests_ = 0;  // BEGIN_REQs in host_peq_ (a later one may not overtake them)
  std::deque<Line*> device_rx_;                     // M2S messages at the device port
  bool device_request_open_ = false;
  Line* pending_response_ = nullptr;                // S2M tx queue was full
  bool pending_needs_end_resp_ = false;
  // Credits on their way back, in due order: each is due one_way after it was returned.
  struct CreditReturn {
    std::uint64_t due_ps;
    Dir dir;
    unsigned cls;
  };
  std::deque<CreditReturn> credit_returns_;
  sc_core::sc_event credit_event_;
  std::uint64_t credit_wake_ps_ = 0;  // when credit_event_ is due (0: not pending)
  PayloadEventQueue<CxlLink> host_peq_, device_peq_, arrival_peq_;
  std::vector<std::unique_ptr<Line>> lines_;
  std::vector<Line*> pool_;
  EventPool events_;  // b_transport callers' completion events
  CxlMessageCounters messages_;
  stats::LatencyHistogram read_latency_, write_latency_;
  std::uint64_t host_transactions_ = 0, error_transactions_ = 0, poisoned_lines_ = 0, max_device_rx_ = 0;
  std::uint16_t next_tag_ = 0;
};

}  // namespace monde::cxl
