// Deterministic random bf16 data for tests and calibration (same seed, same bits on every
// machine: no std::uniform_real_distribution, whose output is implementation-defined).
#pragma once

#include <cstdint>
#include <vector>

#include "host/gpu_backend/bf16.hpp"

namespace monde::gpu_backend {

// n values uniform in [-scale, scale), rounded to bf16; the stream is SplitMix64(seed).
std::vector<bf16_bits> random_bf16(std::size_t n, float scale, std::uint64_t seed);

}  // namespace monde::gpu_backend
