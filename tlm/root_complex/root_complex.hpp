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
//
// One range interleaved across the devices (config `devices.interleave_granularity`,
// docs/interleave.md): add_interleaved_window() makes the next `ways` bindings the range's
// interleave set, in position order, as a host bridge's HDM decoder with its target list does
// (CXL 2.0 §8.2.5.12: the decoder's IW and IG, "Decoder n Target List": the port of each way).
// Granule k of the range (k = (HPA - base) / granularity) goes to position k mod ways. An access
// inside one granule goes to its device as it is. One that spans several is split: each device
// gets one transaction with the bytes it owns, packed, starting at its first owned HPA and
// carrying an InterleaveSpan (tlm/common/interleave_span.hpp) so that its link and HDM decoder
// walk its granules; the devices' transactions run concurrently (each handed at the same time to
// a worker process of its port; a port has as many workers as parts were ever in flight on it at
// once) and the access completes when the last has, with the first error
// status any of them got and the poisoned lines of all (PoisonReport offsets in the original
// payload). An access that already carries an active InterleaveSpan of the window's ways and
// granularity is one device's walk (a host addressing one device's memory through the range): it
// goes to that device's port whole, as one of those parts would (one of other ways or
// granularity, or past the window's end, is a TLM_ADDRESS_ERROR_RESPONSE). Byte enables are split
// with the data; a streaming width below the length is a TLM_BURST_ERROR_RESPONSE (CXL.mem has no
// streaming access). DMI is not granted on an interleaved window (no device holds a contiguous
// HPA range); transport_dbg is split per granule.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
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
  // The interleaved range [base, base + bytes): the next `ways` bindings, position 0 first.
  // std::invalid_argument as add_window, or for ways < 2 or a granularity that is not a power of
  // two of at least 64 B, or bytes that are not whole stripes (ways x granularity).
  // timing_only (data: timing_only): the devices keep no bytes, so the parts carry none (the
  // caller's buffer satisfies the base protocol's data pointer) and nothing is copied.
  void add_interleaved_window(std::uint64_t base, std::uint64_t bytes, unsigned ways, std::uint64_t granularity,
                              bool timing_only = false);
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
  struct Window {
    std::uint64_t base, bytes;
    unsigned first_port = 0;  // its cxl_port binding (interleaved: of position 0)
    unsigned ways = 1;        // > 1: interleaved
    std::uint64_t granularity = 0;
    bool timing_only = false;
  };
  // The window that holds all of [address, address + bytes), or nullptr.
  const Window* window_of(std::uint64_t address, std::uint64_t bytes) const;
  // The interleaved window of a transaction that carries an active InterleaveSpan of that window's
  // ways and granularity and whose whole walk lies in it (one device's bytes), else nullptr.
  const Window* walk_window(const tlm::tlm_generic_payload& trans) const;
  // The cxl_port binding of the byte at `address` in window w.
  unsigned port_of(const Window& w, std::uint64_t address) const;
  // The cxl_port binding that owns [address, address + bytes) whole, or -1 (no window holds it
  // all, or an interleaved access spans several granules).
  int route(std::uint64_t address, std::uint64_t bytes) const;
  void check_new_window(std::uint64_t base, std::uint64_t bytes) const;
  // An access over several granules of an interleaved window: one transaction per device, run
  // concurrently (see the header comment).
  void split_interleaved(const Window& w, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int split_interleaved_dbg(const Window& w, tlm::tlm_generic_payload& trans);

  std::vector<Window> windows_;
  unsigned next_port_ = 0;
  // One device's part of an interleaved access, run by a worker process of its port (persistent:
  // a process per part would cost a coroutine stack each).
  struct Part {
    tlm::tlm_generic_payload* gp;
    unsigned* running;       // the access's parts not finished
    sc_core::sc_event* done;  // notified by the last
  };
  struct PortPool {
    std::deque<Part> queue;
    sc_core::sc_event work;
    std::size_t idle = 0;  // workers waiting for work
  };
  void post_part(unsigned port, Part part);
  void part_worker(unsigned port);
  std::vector<std::unique_ptr<PortPool>> pools_;  // [cxl_port binding], made on first use
  Window host_window_{0, 0};  // bytes 0: none
  // -1: not in the host window; 0: inside it and the access fits; 1: runs past its end.
  int host_route(std::uint64_t address, std::uint64_t bytes) const;

  config::RootComplexConfig config_;
  sc_core::sc_time latency_;
  RootComplexPortStats stats_[2];
};

}  // namespace monde::root_complex
