#include "tlm/gpu/gpu_model_stats.hpp"

#include <nlohmann/json.hpp>

namespace monde::gpu {

nlohmann::json to_json(const GpuModelStats& s, double elapsed_ps) {
  const auto util = [elapsed_ps](std::uint64_t busy) {
    return elapsed_ps > 0 ? static_cast<double>(busy) / elapsed_ps : 0.0;
  };
  // bytes / ps * 1e12 = B/s; / 1e9 = GB/s, so bytes / ps * 1e3.
  const double fetch_GBps =
      s.dma_busy_ps > 0 ? static_cast<double>(s.bytes_fetched) / static_cast<double>(s.dma_busy_ps) * 1e3 : 0.0;
  return nlohmann::json{{"runs", s.runs},
                        {"experts", s.experts},
                        {"experts_failed", s.experts_failed},
                        {"tokens", s.tokens},
                        {"dma_reads", s.dma_reads},
                        {"dma_errors", s.dma_errors},
                        {"bytes_fetched", s.bytes_fetched},
                        {"max_dma_in_flight", s.max_dma_in_flight},
                        {"dma_busy_ns", static_cast<double>(s.dma_busy_ps) / 1000.0},
                        {"dma_utilisation", util(s.dma_busy_ps)},
                        {"fetch_GBps", fetch_GBps},
                        {"compute_busy_ns", static_cast<double>(s.compute_busy_ps) / 1000.0},
                        {"compute_utilisation", util(s.compute_busy_ps)},
                        {"dense_runs", s.dense_runs},
                        {"dense_busy_ns", static_cast<double>(s.dense_busy_ps) / 1000.0},
                        {"dense_utilisation", util(s.dense_busy_ps)}};
}

}  // namespace monde::gpu
