#include "host/moe/deterministic_random.hpp"

#include <stdexcept>
#include <utility>

namespace monde::moe {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

double uniform_double(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

std::uint64_t uniform_index(std::mt19937_64& rng, std::uint64_t n) {
  if (n == 0) throw std::invalid_argument("uniform_index: n must be at least 1");
  // 2^64 mod n, computed in 64 bits as (2^64 - n) mod n.
  const std::uint64_t reject_below = (0 - n) % n;
  std::uint64_t r = rng();
  while (r < reject_below) r = rng();
  return r % n;
}

void shuffle_in_place(std::vector<std::uint32_t>& v, std::mt19937_64& rng) {
  for (std::size_t i = v.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(uniform_index(rng, i));
    std::swap(v[i - 1], v[j]);
  }
}

std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t stream) {
  return splitmix64(splitmix64(seed) ^ (stream * 0xD1B54A32D192ED03ull + 1));
}

}  // namespace monde::moe
