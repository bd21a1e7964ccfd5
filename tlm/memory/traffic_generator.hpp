// An approximately-timed TLM initiator that issues a configured stream of reads and writes
// with up to `outstanding` transactions in flight, obeying the base protocol (one request
// phase open at a time, END_RESP on every response), and measures what it sees.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "core/stats/latency_histogram.hpp"
#include "core/config/traffic_config.hpp"

namespace monde::mem {

class TrafficGenerator : public sc_core::sc_module, public tlm::tlm_mm_interface {
 public:
  tlm_utils::simple_initiator_socket<TrafficGenerator, 64> socket;

  SC_HAS_PROCESS(TrafficGenerator);
  TrafficGenerator(sc_core::sc_module_name name, const config::TrafficConfig& config);
  ~TrafficGenerator() override;

  bool done() const { return completed_ == config_.requests; }
  std::uint64_t completed() const { return completed_; }
  std::uint64_t errors() const { return errors_; }
  std::uint64_t bytes_read() const { return bytes_read_; }
  std::uint64_t bytes_written() const { return bytes_written_; }
  sc_core::sc_time first_issue() const { return first_issue_; }
  sc_core::sc_time last_completion() const { return last_completion_; }
  const stats::LatencyHistogram& latency() const { return latency_; }

 private:
  void run();
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  void complete(tlm::tlm_generic_payload& trans);
  void free(tlm::tlm_generic_payload* trans) override;  // tlm_mm_interface
  tlm::tlm_generic_payload* allocate();
  std::uint64_t next_address();

  config::TrafficConfig config_;
  std::mt19937_64 rng_;
  std::uint64_t issued_ = 0, completed_ = 0, in_flight_ = 0, errors_ = 0;
  std::uint64_t bytes_read_ = 0, bytes_written_ = 0;
  bool request_open_ = false;  // BEGIN_REQ sent, END_REQ not yet seen
  tlm::tlm_generic_payload* open_trans_ = nullptr;
  sc_core::sc_event end_req_event_, slot_event_;
  sc_core::sc_time first_issue_, last_completion_;
  stats::LatencyHistogram latency_;
  std::vector<tlm::tlm_generic_payload*> pool_;
  std::vector<std::unique_ptr<tlm::tlm_generic_payload>> owned_;
  std::vector<std::unique_ptr<unsigned char[]>> buffers_;
};

}  // namespace monde::mem
