// Counters of the GPU model over a whole simulation, and their JSON form (keys carry units, as in
// the rest of stats.json). No SystemC.
#pragma once

#include <cstdint>

#include <nlohmann/json_fwd.hpp>

namespace monde::gpu {

struct GpuModelStats {
  std::uint64_t runs = 0;             // run_hot_experts calls
  std::uint64_t experts = 0;          // experts requested
  std::uint64_t experts_failed = 0;   // a chunk failed, or the shape was invalid
  std::uint64_t tokens = 0;           // tokens of the experts that were computed
  std::uint64_t dma_reads = 0;        // chunks (TLM transactions) issued
  std::uint64_t dma_errors = 0;       // chunks answered with an error status
  std::uint64_t bytes_fetched = 0;    // bytes of chunks answered OK
  std::uint64_t dma_busy_ps = 0;      // time at least one chunk was in flight
  std::uint64_t max_dma_in_flight = 0;
  std::uint64_t compute_busy_ps = 0;  // time the compute units ran an expert
  std::uint64_t dense_runs = 0;       // run_dense calls (the transformer's non-expert kernels)
  std::uint64_t dense_busy_ps = 0;    // time the compute units ran them
};

// {"runs", "experts", ..., "dma_busy_ns", "dma_utilisation", "fetch_GBps" (bytes over DMA busy
// time), "compute_busy_ns", "compute_utilisation", "dense_runs", "dense_busy_ns",
// "dense_utilisation"}; utilisations are busy / elapsed_ps.
nlohmann::json to_json(const GpuModelStats& s, double elapsed_ps);

}  // namespace monde::gpu
