// Seeded random differential run of the MAC array: the Verilated RTL against the golden GEMM
// (bits) and the C++ cycle model (bits and cycles), and the RTL's cycles against the formula
// of docs/mac_array.md plus the stalls that took effect. One routine for the CI test (one fixed
// seed) and for `make regress` (many seeds), so both check exactly the same things.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace monde::ndp {

struct DifferentialOptions {
  unsigned min_tiles = 240;         // run at least this many tiles ...
  std::uint64_t min_macs = 0;       // ... and at least this many MACs
  unsigned max_k = 96;              // k drawn from 1..max_k (the first 8 tiles have k = 1)
  double in_bubble_probability = 0.0;  // random handshake stalls (0: none)
  double out_stall_probability = 0.0;
  unsigned max_failures = 10;       // stop describing after this many
};

struct DifferentialResult {
  unsigned tiles = 0;
  std::uint64_t macs = 0;
  std::uint64_t stall_cycles = 0;
  std::vector<std::string> failures;  // each names the seed, tile, shape and what differed
};

// Tiles of random shape (partial rows/cols, k = 1 included) cycling through special-value
// fractions 0, 0.5 % and 5 %; every fourth tile has a quantised B, int8 and int4 in turn
// (random codes and scales, docs/mac_array.md "Quantised weights"). Deterministic for a seed on every platform.
DifferentialResult run_random_differential(std::uint64_t seed, const DifferentialOptions& options);

}  // namespace monde::ndp
