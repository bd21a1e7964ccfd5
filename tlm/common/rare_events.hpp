// Rare random events in a long stream of trials (a 64 B line read returning poison, a flit failing
// its CRC), drawn by skipping: the number of trials before the next event is geometric, so a
// stream of N trials costs one draw per event, not one per trial, and a rate of 0 costs nothing.
// Deterministic: SplitMix64 from a seed and a stream number, and integer/IEEE arithmetic only
// (std::log of the same double is the same on every IEEE machine with the same libm; the gap is
// rounded down, so a last-ulp difference moves an event by at most one trial at rare boundaries).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace monde {

class RareEvents {
 public:
  struct Hits {
    std::uint64_t count = 0;  // events among the trials
    std::uint64_t first = 0;  // index of the first event among them (== the trial count when none)
  };

  RareEvents() = default;
  // p: probability of an event per trial, in [0, 1]; stream: a different sequence per user.
  RareEvents(double p, std::uint64_t seed, std::uint64_t stream)
      : p_(p), state_(seed ^ (0x9E3779B97F4A7C15ull * (stream + 1))) {
    if (p_ > 0) to_next_ = gap();
  }

  bool active() const { return p_ > 0; }

  // The next n trials.
  Hits take(std::uint64_t n) {
    Hits h{0, n};
    if (p_ <= 0) return h;
    std::uint64_t at = 0;  // trials of this call already passed
    while (n - at > to_next_) {
      at += to_next_;      // the event is trial number `at` of this call
      if (h.count == 0) h.first = at;
      ++h.count;
      ++at;                // past the event
      to_next_ = gap();
    }
    to_next_ -= n - at;
    return h;
  }

 private:
  std::uint64_t next_word() {  // SplitMix64
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Trials before the next event: floor(ln U / ln(1 - p)), U uniform in (0, 1].
  std::uint64_t gap() {
    if (p_ >= 1) return 0;
    const double u = (static_cast<double>(next_word() >> 11) + 1.0) * 0x1.0p-53;
    const double g = std::floor(std::log(u) / std::log1p(-p_));
    return g >= 1.8e19 ? std::numeric_limits<std::uint64_t>::max() / 2 : static_cast<std::uint64_t>(g);
  }

  double p_ = 0;
  std::uint64_t state_ = 0;
  std::uint64_t to_next_ = 0;  // trials before the next event
};

}  // namespace monde
