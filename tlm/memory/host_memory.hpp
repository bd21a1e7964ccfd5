// The host CPU socket's DRAM as a TLM-2.0 target (config host_memory): where the host-memory
// baselines keep their copy of the experts (README "Experts in host memory"). The root complex
// routes its host address window here (root_complex.hpp), so both the GPU's DMA (over its PCIe
// link) and the host CPU reach it.
//
// Timing: the bandwidth DRAM model's FIFO server (bandwidth_model.hpp) at the host's sustained
// rate, perf::host_memory_bytes_per_s (peak x efficiency), with host_memory.latency_ns per
// transfer:
//   done = max(start, end of the previous transfer's streaming) + bytes / rate + latency
// so concurrent readers (the GPU's outstanding DMA chunks, the CPU) share the bandwidth, and a
// stream of chunks reaches the rate (the latency overlaps). b_transport waits until done and
// returns with the delay consumed. No per-bank timing, no refresh (efficiency stands for it).
// Data: a sparse backing store unless timing_only (then reads return without touching the data
// pointer); preload() writes bytes with no simulated time (the copy placed before the run).
// Errors: an access outside [0, capacity) -> TLM_ADDRESS_ERROR_RESPONSE; a byte-enabled or
// streaming access -> TLM_BYTE_ENABLE_ERROR_RESPONSE / TLM_BURST_ERROR_RESPONSE. No DMI.
#pragma once

#include <cstdint>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "core/config/host_memory_config.hpp"
#include "tlm/memory/backing_store.hpp"
#include "tlm/memory/bandwidth_model.hpp"

namespace monde::mem {

struct HostMemoryStats {
  std::uint64_t reads = 0, writes = 0, errors = 0;
  std::uint64_t bytes_read = 0, bytes_written = 0;
  std::uint64_t busy_ps = 0;  // time the DRAM streamed (bytes / rate, summed)
};

class HostMemory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<HostMemory, 64> socket;

  HostMemory(sc_core::sc_module_name name, const config::HostMemoryConfig& config, bool timing_only);

  // Host-side write of the placed copy (no simulated time); std::out_of_range past the capacity.
  void preload(std::uint64_t address, const unsigned char* data, std::uint64_t bytes);

  const HostMemoryStats& stats() const { return stats_; }
  double sustained_bytes_per_s() const { return model_.sustained_bandwidth(); }
  std::uint64_t capacity_bytes() const { return capacity_; }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  bool check(tlm::tlm_generic_payload& trans);

  std::uint64_t capacity_;
  bool timing_only_;
  BandwidthModel model_;
  BackingStore store_;
  HostMemoryStats stats_;
};

}  // namespace monde::mem
