// The host root complex as a TLM-2.0 module: where the GPU's PCIe link and the host CPU (the
// driver: NDP rings, activations, results) meet the CXL root port. Both reach the one CXL.mem
// link of the device through it, so hot-expert DMA and NDP traffic share the CXL link in
// simulated time, as on the real system.
//
//   PcieLink.rc_socket --> gpu_port --+
//                                     +--> cxl_port --> CxlType3Device::host_socket()
//   host CPU / driver  --> cpu_port --+
//
// Loosely-timed pass-through: b_transport adds config::RootComplexConfig::latency_ns to the annotated
// delay on the way in and on the way out (default 0: both links' latency terms already include
// their root ports). Concurrent callers are fine: the CXL link queues and serialises them.
// An AT initiator on either port is adapted to b_transport by the target socket; the CXL link
// takes the same timed path for LT and AT. transport_dbg and DMI requests are forwarded (DMI
// latencies gain the round trip through the root complex); DMI invalidations go to both ports.
// Both ports may be left unbound (a system without a GPU, or without host traffic).
//
// Host memory (config host_memory): host_memory_port, when bound, is the socket's own DRAM
// (tlm/memory/host_memory.hpp); set_host_memory_window() gives its host address window. A
// transaction inside that window goes there (the target sees the offset in the window), from
// either port: the GPU's DMA over its PCIe link, the CPU as its memory controller would. It is
// checked before the CXL windows; a host-memory access running past the window's end gets
// TLM_ADDRESS_ERROR_RESPONSE. The port stats count those transactions as well.
//
// Several devices (config `devices.count`): cxl_port is bound once per device, in device order,
// and add_window() gives each binding its host physical address window (the device's HDM range).
// A transaction goes to the port whose window holds its address; one outside every window, or
// running past its window's end, gets TLM_ADDRESS_ERROR_RESPONSE (a root port decodes, it does
// not translate: the device sees the HPA and its HDM decoder maps it). Without windows everything
// goes to the one bound device, as before.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "core/config/gpu_config.hpp"

namespace monde::root_complex {

struct RootComplexPortStats {
  std::uint64_t reads = 0, writes = 0, errors = 0;
  std::uint64_t bytes_read = 0, bytes_written = 0;  // of transactions answered OK
};

class RootComplex : public sc_core::sc_module {
 public:
  enum Port { kGpuPort = 0, kCpuPort = 1 };
  tlm_utils::simple_target_socket_tagged_optional<RootComplex, 64> gpu_port;
  tlm_utils::simple_target_socket_tagged_optional<RootComplex, 64> cpu_port;
  tlm_utils::multi_passthrough_initiator_socket<RootComplex, 64> cxl_port;  // one binding per device
  tlm_utils::simple_initiator_socket_optional<RootComplex, 64> host_memory_port;  // the host's DRAM

  RootComplex(sc_core::sc_module_name name, const config::RootComplexConfig& config);

  // The window [base, base + bytes) of the next cxl_port binding (the first call: binding 0).
  // std::invalid_argument for an empty window or one that overlaps an earlier one.
  void add_window(std::uint64_t base, std::uint64_t bytes);
  // The host memory's window; std::invalid_argument for an empty or wrapping one, or one that
  // overlaps a CXL window.
  void set_host_memory_window(std::uint64_t base, std::uint64_t bytes);
  std::uint64_t host_memory_base() const { return host_window_.base; }

  const config::RootComplexConfig& config() const { return config_; }
  const RootComplexPortStats& port_stats(Port p) const { return stats_[p]; }
  // {"gpu_port": {...}, "cpu_port": {...}, "latency_ns"}
  nlohmann::json stats_json() const;

 private:
  void b_transport(int port, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(int port, tlm::tlm_generic_payload& trans);
  bool get_direct_mem_ptr(int port, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  void invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end);
  // The cxl_port binding that owns [address, address + bytes), or -1 (no window holds it all).
  int route(std::uint64_t address, std::uint64_t bytes) const;

  struct Window {
    std::uint64_t base, bytes;
  };
  std::vector<Window> windows_;
  Window host_window_{0, 0};  // bytes 0: none
  // -1: not in the host window; 0: inside it and the access fits; 1: runs past its end.
  int host_route(std::uint64_t address, std::uint64_t bytes) const;

  config::RootComplexConfig config_;
  sc_core::sc_time latency_;
  RootComplexPortStats stats_[2];
};

}  // namespace monde::root_complex
