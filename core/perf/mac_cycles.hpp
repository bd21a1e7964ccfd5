// The MAC array's cycle formula (docs/mac_array.md, "Cycle contract"): the C++ cycle model,
// the tests that hold the RTL to it and the NDP job-time formula (ndp_job_time.hpp) all use it.
#pragma once

#include <cstdint>

namespace monde::perf {

// Input register + product register stages before the accumulators.
inline constexpr std::uint64_t kMacPipelineStages = 2;

// Edges from the first accepted beat to the first transferred result row.
constexpr std::uint64_t mac_first_result_latency(std::uint64_t k) { return k + kMacPipelineStages; }

// Cycles a tile of k beats draining `rows` rows occupies with continuous streams:
// k input beats, 2 pipeline cycles, one cycle per drained row.
constexpr std::uint64_t mac_tile_cycles(std::uint64_t k, std::uint64_t rows) {
  return k + kMacPipelineStages + rows;
}

}  // namespace monde::perf
