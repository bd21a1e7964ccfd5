// How long the NDP units take for one expert: the documented schedule (docs/ndp_interface.md,
// "Expert dataflow"; tlm/ndp/ndp_unit.hpp) with the MAC tile cycle formula (mac_cycles.hpp), so
// that the placement policies predict what the simulation then does.
//
// Inputs: U units with R x C arrays at f Hz, the device DRAM at B bytes/s (sustained_dram_bytes_per_s)
// with unloaded latency L, an expert (d_model, d_ff, m = 2 matrices in its first phase when gated,
// else 1) and T tokens. A job has two phases with a barrier between them; in each the output
// features N are split over the units in fetches of 32 columns:
//
//   phase(K, N, m):  F  = N / 32 fetches, at most Fu = ceil(F / U) per unit, Uu = min(U, F) units busy
//                    Cf = (32 / C) x m x sum over token blocks b of mac_tile_cycles(K, rows_b)
//                         cycles of tiles per fetch (blocks of R tokens, the last one partial)
//                    W(n) = n x K x 2 bytes of n weight rows in bf16; with int8 / int4 weights
//                           (the shape's ndp_weights, G per scale) n x K x bits / 8 + n x K / G x 2
//                           (codes and their bf16 scales; docs/ndp_interface.md, "Quantised weights")
//                    bytes = Uu x T x K x 2  (each unit loads all of A, bf16)
//                          + m x W(N)         (the weights, once)
//                          + T x N x 2        (the outputs written back, bf16)
//     DRAM-bound:  L + bytes / B + Cf / f     (the last fetch's tiles run after the stream ends)
//     MAC-bound:   L + Uu x (T x K x 2 + m x W(32)) / B + Fu x Cf / f
//                                             (every unit's first fetch, then its tiles back to back)
//   The MAC cycles do not depend on the format: the array takes one weight row per cycle.
//     phase = max(DRAM-bound, MAC-bound)
//   job = 2 x mmio (doorbell, completion-queue head) + (L + 128 / B) (descriptor)
//       + phase(d_model, d_ff, m) + phase(d_ff, d_model, 1) + (L + 32 / B) (completion)
//
// An expert whose T tokens do not fit one job's activation buffer runs as several jobs of at
// most ndp_tokens_per_job tokens (the runtime splits them the same way).
#pragma once

#include <cstdint>

#include "core/config/ndp_config.hpp"
#include "core/perf/expert_shape.hpp"

namespace monde::perf {

struct NdpExpertTime {
  double time_s = 0;            // all of the expert's jobs, back to back
  double dram_busy_s = 0;       // of which the device DRAM streams for them (bytes / B)
  std::uint64_t dram_bytes = 0;
  std::uint32_t jobs = 0;
};

// The most tokens one job takes: the activation buffer holds x, then h (T x max(d_model, d_ff)).
std::uint64_t ndp_tokens_per_job(const config::NdpConfig& ndp, const ExpertShape& shape);

struct NdpTiming {
  config::NdpConfig ndp;
  double dram_bytes_per_s = 0;  // B
  double dram_latency_s = 0;    // L
};

// 0 tokens: nothing runs (0 s).
NdpExpertTime ndp_expert_time(const NdpTiming& timing, const ExpertShape& shape, std::uint64_t tokens);

}  // namespace monde::perf
