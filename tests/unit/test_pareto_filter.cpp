// The oracle's Pareto filter against the definition, pair by pair: on random points with few
// distinct coordinate values (many ties and duplicates, as the oracle's states have), below and
// above the size where it switches from comparing pairs to its k-d tree.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "host/policy/pareto_filter.hpp"

namespace {

using Key = std::array<double, 6>;

// keep[i]: no other point is <= keys[i] everywhere, except that of equal points the first stays.
std::vector<bool> by_definition(const std::vector<Key>& keys) {
  std::vector<bool> keep(keys.size(), true);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = 0; j < keys.size() && keep[i]; ++j) {
      if (j == i) continue;
      bool below = true;
      for (std::size_t d = 0; d < 6; ++d) below = below && keys[j][d] <= keys[i][d];
      if (below && (keys[j] != keys[i] || j < i)) keep[i] = false;
    }
  }
  return keep;
}

std::vector<Key> random_keys(std::size_t n, int values, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pick(0, values - 1);
  std::vector<Key> keys(n);
  for (Key& k : keys) {
    // Like the oracle's states: a copy count (few values), times, a 0/1 flag.
    k = {double(pick(rng) % 4), double(pick(rng)), 1e-3 * pick(rng), 1e-4 * pick(rng), 1e-3 * pick(rng),
         double(pick(rng) % 2)};
  }
  return keys;
}

TEST(ParetoFilter, MatchesTheDefinition) {
  std::size_t kept_total = 0;
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{40}, std::size_t{1024},
                              std::size_t{1025}, std::size_t{3000}}) {
    for (const int values : {3, 20, 1000}) {
      const std::vector<Key> keys = random_keys(n, values, static_cast<std::uint32_t>(n * 7 + values));
      const std::vector<bool> expected = by_definition(keys);
      EXPECT_EQ(monde::policy::non_dominated(keys), expected) << n << " points, " << values << " values";
      for (const bool k : expected) kept_total += k ? 1 : 0;
    }
  }
  EXPECT_GT(kept_total, 100u);  // the sets are not trivial: many points stay
}

TEST(ParetoFilter, HandWorkedPoints) {
  const std::vector<Key> keys = {
      {1, 1, 1, 1, 1, 1},  // dominated by the next point, which is below it in coordinate 0
      {0, 1, 1, 1, 1, 1},  // kept
      {0, 1, 1, 1, 1, 1},  // equal to the one before: only the first stays
      {2, 0, 2, 2, 2, 2},  // kept: the smallest in coordinate 1
      {0, 1, 1, 1, 1, 2},  // dominated by the second point
  };
  EXPECT_EQ(monde::policy::non_dominated(keys), (std::vector<bool>{false, true, false, true, false}));
}

}  // namespace
