// The GPU's PCIe link (GPU endpoint <-> host root port) as a loosely-timed TLM-2.0 module.
//
//   GPU DMA --(gpu_socket)--> [upstream serialiser] --> root complex --(rc_socket)--> ... CXL device
//   GPU DMA <-----------------[downstream serialiser] <-- completions <--------------/
//
// Transactions are large DMA transfers (megabytes), so they are timed as bulk streams of TLPs,
// not TLP by TLP (the CXL link's bulk mode, tlm/cxl/cxl_link.hpp, does the same on its side).
// Each direction has one serialiser whose "free at" time is kept in fractional picoseconds, so
// that back-to-back transfers hit the configured bandwidth exactly (config::PcieLinkConfig has the
// formulas). Let L = latency_ps, t0 = when the call starts.
//
// Read of N bytes at A:
//   upstream:   the read request TLPs occupy the upstream serialiser from
//               up_start = max(up_free, t0) for request_wire_bytes(A, N);
//   forward:    the root complex sees the read when the first request TLP arrived,
//               at_rc = up_start + (one request's wire time) + L, and forwards it
//               (rc_socket b_transport); the call returns at cxl_done, when the root complex has
//               the last byte (the CXL link's bulk stream and the device's memory are behind it);
//   downstream: completions stream back pipelined with the CXL stream, so their serialiser is
//               busy for payload_wire_bytes(A, N) from dn_start = max(dn_free, at_rc) and the
//               last completion cannot leave before the last byte arrived:
//               dn_end = max(dn_start + payload wire time, cxl_done + last TLP's wire time);
//   finish = dn_end + L (the call returns then).
// Pipeline approximation: in LT the root complex's data arrival is known only as a whole
// (cxl_done), not byte by byte. dn_start = at_rc is optimistic by the CXL side's first-data
// latency (~100 ns); it matters only when PCIe, not CXL, is the bottleneck, and then only once
// per idle-to-busy transition. The completion stream never ends before cxl_done plus one TLP, so
// the slower link always bounds the transfer.
// A failed read (error status from the root complex) returns one header-only completion
// (Unsupported Request / Completer Abort): tlp_overhead_bytes downstream after cxl_done.
//
// Write of N bytes (posted): its data TLPs occupy the upstream serialiser for
// payload_wire_bytes(A, N); the root complex forwards the write when the first TLP arrived and
// the call returns at max(cxl_done, last TLP's arrival). Nothing goes downstream.
//
// Not modelled: flow-control credits (the GPU's completion buffer is assumed large enough for
// the outstanding reads), replays, DLLPs beyond the overhead allowance, DMI (the GPU reaches
// device memory only through timed DMA). An AT initiator is adapted to b_transport by the
// simple_target_socket.
#pragma once

#include <cstdint>

#include <nlohmann/json_fwd.hpp>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "core/config/pcie_config.hpp"
#include "core/stats/latency_histogram.hpp"

namespace monde::pcie {

struct PcieDirectionStats {
  std::uint64_t tlps = 0;
  double wire_bytes = 0;         // TLP payload + overhead
  std::uint64_t data_bytes = 0;  // payload only
  double busy_ps = 0;            // serialiser occupied; utilisation = busy_ps / elapsed
};

class PcieLink : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<PcieLink, 64> gpu_socket;    // the GPU's DMA engine
  tlm_utils::simple_initiator_socket<PcieLink, 64> rc_socket;  // the root complex

  PcieLink(sc_core::sc_module_name name, const config::PcieLinkConfig& config);

  const config::PcieLinkConfig& config() const { return config_; }
  const PcieDirectionStats& upstream() const { return dir_[kUp]; }
  const PcieDirectionStats& downstream() const { return dir_[kDown]; }
  std::uint64_t reads() const { return reads_; }
  std::uint64_t writes() const { return writes_; }
  std::uint64_t errors() const { return errors_; }
  // Call start to return, per transaction, ps.
  const stats::LatencyHistogram& read_latency() const { return read_latency_; }
  const stats::LatencyHistogram& write_latency() const { return write_latency_; }
  // {"upstream": {...}, "downstream": {...}, "reads", "writes", "errors", "read_latency",
  //  "write_latency"}; keys carry units, utilisations are busy / elapsed_ps.
  nlohmann::json stats_json(double elapsed_ps) const;

 private:
  enum Dir { kUp = 0, kDown = 1 };

  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  void read(tlm::tlm_generic_payload& trans);
  void write(tlm::tlm_generic_payload& trans);
  // Occupies direction d's serialiser for wire_ps from no earlier than `earliest`; returns the start.
  double occupy(Dir d, double earliest, double wire);
  // b_transport on rc_socket, `delay` after now (the root complex's side waits it), synchronised
  // on return.
  void forward(tlm::tlm_generic_payload& trans, sc_core::sc_time delay = sc_core::SC_ZERO_TIME);
  sc_core::sc_time until(double t_ps);  // from now to t_ps rounded up to whole ps (zero if past)
  void wait_until(double t_ps);
  static double now_ps();
  double wire_ps(double wire_bytes) const { return config::PcieLinkConfig::wire_ps_at(wire_bytes, raw_bytes_per_s_); }

  config::PcieLinkConfig config_;
  double latency_ps_;
  double raw_bytes_per_s_;  // config_.raw_bytes_per_s(), read once (it compares the encoding's name)
  PcieDirectionStats dir_[2];
  double free_ps_[2] = {0, 0};  // serialiser busy until (fractional)
  std::uint64_t reads_ = 0, writes_ = 0, errors_ = 0;
  stats::LatencyHistogram read_latency_, write_latency_;
};

}  // namespace monde::pcie
