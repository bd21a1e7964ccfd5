#include "host/gpu_backend/random_bf16.hpp"

namespace monde::gpu_backend {

namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

std::vector<bf16_bits> random_bf16(std::size_t n, float scale, std::uint64_t seed) {
  std::vector<bf16_bits> out(n);
  std::uint64_t state = seed;
  for (auto& v : out) {
    // 24 random bits -> [0, 1) exactly representable in fp32.
    const float u = static_cast<float>(splitmix64(state) >> 40) * (1.0f / 16777216.0f);
    v = float_to_bf16((2.0f * u - 1.0f) * scale);
  }
  return out;
}

}  // namespace monde::gpu_backend
