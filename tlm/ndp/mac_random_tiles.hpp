// Seeded random MAC tiles for the demo, the differential tests and the benchmarks. Values
// are drawn from raw bit patterns (std::mt19937_64's sequence is fixed by the standard and
// we map its bits ourselves), so a seed gives the same tiles on every platform.
#pragma once

#include <cstdint>
#include <random>

#include "tlm/ndp/mac_tile.hpp"

namespace monde::ndp {

// One bf16: with probability `special_fraction` a special value (zeros, infinities, NaNs of
// various payloads, subnormals, extremes); otherwise a normal number, of moderate magnitude
// (2^-8 .. 2^9, so sums cancel and round often) or, with probability `wide_fraction`, from
// the full exponent range (overflow, underflow).
inline constexpr double kDefaultWideFraction = 0.2;
num::bf16_t random_bf16(std::mt19937_64& rng, double special_fraction, double wide_fraction = kDefaultWideFraction);

MacTile random_tile(std::mt19937_64& rng, unsigned rows, unsigned cols, unsigned k, bool first,
                    double special_fraction, double wide_fraction = kDefaultWideFraction);

// The same with a quantised B (int8 or int4): uniform random codes (every code, -128 / -8
// included) and a random_bf16 scale per element (the array does not know the group size, so any
// scale may change at any beat), specials at `special_fraction`.
MacTile random_quantised_tile(std::mt19937_64& rng, unsigned rows, unsigned cols, unsigned k, bool first,
                              config::WeightFormat format, double special_fraction,
                              double wide_fraction = kDefaultWideFraction);

// Uniform integer in [lo, hi] from raw bits (portable, unlike std::uniform_int_distribution).
unsigned random_between(std::mt19937_64& rng, unsigned lo, unsigned hi);

}  // namespace monde::ndp
