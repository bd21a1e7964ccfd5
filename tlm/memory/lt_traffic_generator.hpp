// A loosely-timed TLM initiator: the traffic of a config::TrafficConfig issued one transaction at a
// time with b_transport, its own time kept ahead of simulated time by a quantum keeper
// (IEEE 1666-2011 16.2, tlm_quantumkeeper), and DMI used where the target grants it: a DMI hit
// is a memcpy plus the DMI latency the target stated, no transport call at all.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "core/stats/latency_histogram.hpp"
#include "core/config/traffic_config.hpp"

namespace monde::mem {

struct LtOptions {
  sc_core::sc_time quantum = sc_core::sc_time(1, sc_core::SC_US);  // global quantum
  bool use_dmi = true;  // ask for DMI (the target decides whether to grant it)
};

class LtTrafficGenerator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<LtTrafficGenerator, 64> socket;

  SC_HAS_PROCESS(LtTrafficGenerator);
  LtTrafficGenerator(sc_core::sc_module_name name, const config::TrafficConfig& config, const LtOptions& options);

  bool done() const { return completed_ == config_.requests; }
  std::uint64_t completed() const { return completed_; }
  std::uint64_t errors() const { return errors_; }
  std::uint64_t dmi_accesses() const { return dmi_accesses_; }
  std::uint64_t bytes_read() const { return bytes_read_; }
  std::uint64_t bytes_written() const { return bytes_written_; }
  sc_core::sc_time last_completion() const { return last_completion_; }
  // Time each access added to the initiator's local time (its latency as an LT initiator sees it).
  const stats::LatencyHistogram& latency() const { return latency_; }

 private:
  void run();
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);
  bool dmi_access(std::uint64_t addr, bool is_write, tlm_utils::tlm_quantumkeeper& qk);

  config::TrafficConfig config_;
  LtOptions options_;
  std::mt19937_64 rng_;
  std::vector<unsigned char> buffer_;
  std::vector<tlm::tlm_dmi> dmi_regions_;
  std::uint64_t completed_ = 0, errors_ = 0, dmi_accesses_ = 0, bytes_read_ = 0, bytes_written_ = 0;
  sc_core::sc_time last_completion_;
  stats::LatencyHistogram latency_;
};

}  // namespace monde::mem
