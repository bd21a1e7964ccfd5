#include "core/perf/ndp_job_time.hpp"

#include <algorithm>

#include "core/perf/mac_cycles.hpp"

namespace monde::perf {

namespace {

constexpr std::uint64_t kDescriptorBytes = config::kJobDescriptorBytes;
constexpr std::uint64_t kCompletionBytes = config::kCompletionEntryBytes;
constexpr std::uint64_t kElementBytes = 2;  // activations (x, h, y) are bf16 in every weight format

struct Phase {
  double time_s;
  std::uint64_t bytes;
};

// Bytes of `rows` weight rows of length k in the NDP copy's format: codes plus scales.
std::uint64_t weight_rows_bytes(const config::WeightEncoding& w, std::uint64_t rows, std::uint64_t k) {
  return config::weight_matrix_bytes(w.format, rows, k) + config::scale_matrix_bytes(w, rows, k);
}

Phase phase(const NdpTiming& t, const config::WeightEncoding& w, std::uint64_t tokens, std::uint64_t k,
            std::uint64_t n, std::uint64_t matrices) {
  const auto& ndp = t.ndp;
  const std::uint64_t units = ndp.units;
  const std::uint64_t rows = ndp.mac.shape.rows;
  const std::uint64_t cols = ndp.mac.shape.cols;
  const double clock_hz = ndp.mac.clock_mhz * 1e6;
  const std::uint64_t fetches = (n + config::kColumnsPerFetch - 1) / config::kColumnsPerFetch;
  const std::uint64_t per_unit = (fetches + units - 1) / units;
  const std::uint64_t busy_units = std::min(units, fetches);
  // Tiles of one fetch: every block of ROWS tokens against every COLS-wide tile of the 32
  // columns, once per matrix, each over the whole K.
  std::uint64_t block_cycles = 0;
  for (std::uint64_t r0 = 0; r0 < tokens; r0 += rows) block_cycles += mac_tile_cycles(k, std::min(rows, tokens - r0));
  const double fetch_compute_s =
      static_cast<double>(config::kColumnsPerFetch / cols * matrices * block_cycles) / clock_hz;
  const std::uint64_t a_bytes = tokens * k * kElementBytes;
  const std::uint64_t fetch_bytes = matrices * weight_rows_bytes(w, config::kColumnsPerFetch, k);
  const std::uint64_t bytes = busy_units * a_bytes + matrices * weight_rows_bytes(w, n, k) + tokens * n * kElementBytes;
  const double b = t.dram_bytes_per_s;
  const double dram_bound = t.dram_latency_s + static_cast<double>(bytes) / b + fetch_compute_s;
  const double mac_bound = t.dram_latency_s + static_cast<double>(busy_units * (a_bytes + fetch_bytes)) / b +
                           static_cast<double>(per_unit) * fetch_compute_s;
  return Phase{std::max(dram_bound, mac_bound), bytes};
}

}  // namespace

std::uint64_t ndp_tokens_per_job(const config::NdpConfig& ndp, const ExpertShape& shape) {
  const auto widest = static_cast<std::uint32_t>(std::max(shape.d_model, shape.d_ff));
  return std::max<std::uint64_t>(1, ndp.limits().max_tokens_for(widest));
}

NdpExpertTime ndp_expert_time(const NdpTiming& t, const ExpertShape& shape, std::uint64_t tokens) {
  NdpExpertTime out;
  const std::uint64_t per_job = ndp_tokens_per_job(t.ndp, shape);
  const double b = t.dram_bytes_per_s;
  for (std::uint64_t first = 0; first < tokens; first += per_job) {
    const std::uint64_t n = std::min(per_job, tokens - first);
    const Phase up = phase(t, shape.ndp_weights, n, shape.d_model, shape.d_ff, shape.gated ? 2 : 1);
    const Phase down = phase(t, shape.ndp_weights, n, shape.d_ff, shape.d_model, 1);
    const std::uint64_t bytes = kDescriptorBytes + up.bytes + down.bytes + kCompletionBytes;
    out.time_s += 2.0 * t.ndp.mmio_latency_ns * 1e-9 + (t.dram_latency_s + kDescriptorBytes / b) + up.time_s +
                  down.time_s + (t.dram_latency_s + kCompletionBytes / b);
    out.dram_bytes += bytes;
    out.dram_busy_s += static_cast<double>(bytes) / b;
    ++out.jobs;
  }
  return out;
}

}  // namespace monde::perf
