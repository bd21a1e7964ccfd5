// Random numbers that are the same on every standard library. std::mt19937_64's output is fixed
// by the standard, but std::uniform_*_distribution, std::discrete_distribution and std::shuffle
// are not (libstdc++ and libc++ give different sequences), so routing built on them would not
// reproduce across machines. Everything here is derived from raw mt19937_64 words.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace monde::moe {

// Uniform in [0, 1) from the top 53 bits of one word (every value a multiple of 2^-53).
double uniform_double(std::mt19937_64& rng);

// Uniform in [0, n), n >= 1, without modulo bias: words below 2^64 mod n are redrawn.
std::uint64_t uniform_index(std::mt19937_64& rng, std::uint64_t n);

// Fisher-Yates from the back: for i = n-1 .. 1 swap v[i] with v[uniform_index(i + 1)].
void shuffle_in_place(std::vector<std::uint32_t>& v, std::mt19937_64& rng);

// A seed for an independent stream (e.g. one per layer) of a run seed: SplitMix64 of the pair,
// so that neighbouring streams do not start from correlated mt19937_64 states.
std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t stream);

}  // namespace monde::moe
