// The oracle's Pareto filter against the definition, pair by pair: on random points with few
// distinct coordinate values (many ties and duplicates, as the oracle's states have), below and
// above the size where it switches from comparing pairs to its k-d tree; and filtered within
// classes of coordinates that can only compare equal, the same answer.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <set>
#include <stdexcept>
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

// Keys whose coordinates 0 and 1 are a value and its negation (as the oracle's copy end T, -T)
// and 2 and 3 two counts summing to it (as copies per device): no point can dominate one of
// another class, so filtering within classes on the other 4 coordinates must give the answer of
// the whole filter, below and above the size where the classes are used (1024 points by default;
// also with every size through the classes).
TEST(ParetoFilter, WithinClassesMatchesTheWholeFilter) {
  using Key8 = std::array<double, 8>;
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> pick(0, 19);
  std::size_t classes_seen = 0, kept_total = 0;
  for (const std::size_t n : {std::size_t{10}, std::size_t{1024}, std::size_t{1025}, std::size_t{4000}}) {
    std::vector<Key8> keys(n);
    for (Key8& k : keys) {
      const int t = pick(rng) % 4;
      const int first = t == 0 ? 0 : pick(rng) % (t + 1);
      k = {double(t), -double(t), double(first), double(t - first), 1e-3 * pick(rng), 1e-4 * pick(rng),
           1e-3 * pick(rng), double(pick(rng) % 2)};
    }
    const std::array<bool, 8> in_class{true, true, true, true, false, false, false, false};
    const std::vector<bool> whole = monde::policy::non_dominated(keys);
    EXPECT_EQ((monde::policy::non_dominated_within_classes<4>(keys, in_class)), whole) << n << " points";
    EXPECT_EQ((monde::policy::non_dominated_within_classes<4>(keys, in_class, 0)), whole)
        << n << " points, all classed";
    std::set<std::array<double, 4>> classes;
    for (const Key8& k : keys) classes.insert({k[0], k[1], k[2], k[3]});
    classes_seen += classes.size();
    for (const bool k : whole) kept_total += k ? 1 : 0;
  }
  EXPECT_GT(classes_seen, 20u);  // many classes, each with many points
  EXPECT_GT(kept_total, 100u);
  const std::array<bool, 8> wrong{true, false, false, false, false, false, false, false};
  EXPECT_THROW((monde::policy::non_dominated_within_classes<4>(std::vector<Key8>{}, wrong)), std::invalid_argument);
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
