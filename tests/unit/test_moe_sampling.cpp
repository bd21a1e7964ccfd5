// Library-independent random numbers, the systematic (Madow) sampler, and the uniform and Zipf
// routing sources against their analytic expectations. Statistical checks use fixed seeds and a
// 5-sigma binomial bound: a count n with success probability p over T trials has sigma =
// sqrt(T p (1 - p)); a correct implementation exceeds 5 sigma for one of ~10 checks with
// probability below 1e-5, and the seeds are fixed, so the tests are also reproducible.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

#include "host/moe/deterministic_random.hpp"
#include "host/moe/systematic_sampler.hpp"
#include "host/moe/uniform_routing.hpp"
#include "host/moe/zipf_routing.hpp"

namespace monde::moe {
namespace {

double five_sigma(double trials, double p) { return 5.0 * std::sqrt(trials * p * (1.0 - p)); }

config::MoeModelConfig model(std::uint32_t experts, std::uint32_t top_k, std::uint32_t layers = 2) {
  config::MoeModelConfig m;
  m.name = "sampling-test";
  m.d_model = 16;
  m.d_ff = 32;
  m.experts = experts;
  m.top_k = top_k;
  m.layers = layers;
  m.moe_layers = layers;
  m.moe_layer_rule = config::MoeLayerRule::kEvery;
  return m;
}

// ---- deterministic random ----------------------------------------------------------------------

TEST(MoeDeterministicRandom, UniformDoubleIsInUnitIntervalWithMeanOneHalf) {
  std::mt19937_64 rng(1);
  const int n = 100000;
  double sum = 0.0;
  for (int i = 0; i < n; ++i) {
    const double u = uniform_double(rng);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    ASSERT_EQ(u * 0x1.0p53, std::floor(u * 0x1.0p53));  // a multiple of 2^-53
    sum += u;
  }
  // Mean of U[0,1) is 1/2 with standard error sqrt(1/12 / n) = 0.000913; 5 sigma = 0.0046.
  EXPECT_NEAR(sum / n, 0.5, 0.0046);
}

TEST(MoeDeterministicRandom, UniformIndexCoversItsRangeEvenly) {
  std::mt19937_64 rng(2);
  EXPECT_THROW(uniform_index(rng, 0), std::invalid_argument);
  EXPECT_EQ(uniform_index(rng, 1), 0u);
  std::vector<int> hist(3, 0);
  const int n = 30000;
  for (int i = 0; i < n; ++i) ++hist[uniform_index(rng, 3)];
  for (int h : hist) EXPECT_NEAR(h, 10000.0, five_sigma(n, 1.0 / 3.0));  // sigma = 81.6
  // n just above 2^63 rejects almost half the words; results must stay below n.
  const std::uint64_t big = (std::uint64_t{1} << 63) + 1;
  for (int i = 0; i < 100; ++i) EXPECT_LT(uniform_index(rng, big), big);
}

TEST(MoeDeterministicRandom, ShuffleMakesEveryPermutationEquallyLikely) {
  // 4 items have 24 orders; 24000 shuffles give each 1000 expected, sigma = sqrt(24000/24*23/24) = 31.
  std::mt19937_64 rng(3);
  std::map<std::vector<std::uint32_t>, int> seen;
  for (int i = 0; i < 24000; ++i) {
    std::vector<std::uint32_t> v = {0, 1, 2, 3};
    shuffle_in_place(v, rng);
    ++seen[v];
  }
  ASSERT_EQ(seen.size(), 24u);
  for (const auto& [order, count] : seen) EXPECT_NEAR(count, 1000.0, five_sigma(24000, 1.0 / 24.0));
}

TEST(MoeDeterministicRandom, StreamSeedsDifferPerStreamAndSeed) {
  EXPECT_EQ(stream_seed(1, 0), stream_seed(1, 0));
  EXPECT_NE(stream_seed(1, 0), stream_seed(1, 1));
  EXPECT_NE(stream_seed(1, 0), stream_seed(2, 0));
  EXPECT_NE(stream_seed(0, 1), stream_seed(1, 0));
}

// ---- systematic sampler ------------------------------------------------------------------------

TEST(MoeSystematicSampler, HandExampleInclusionProbabilities) {
  // weights (1, 1, 0, 2) over unit 2: p = (0.5, 0.5, 0, 1), k = 2. Item 3 must be in every
  // sample, item 2 in none, items 0 and 1 in half (sigma = sqrt(10000 * 0.25) = 50).
  const SystematicSampler s({1, 1, 0, 2}, 2);
  EXPECT_EQ(s.sample_size(), 2u);
  EXPECT_DOUBLE_EQ(s.inclusion_probability(3), 1.0);
  std::mt19937_64 rng(4);
  std::vector<int> hist(4, 0);
  for (int i = 0; i < 10000; ++i) {
    const std::vector<std::uint32_t> d = s.draw(rng);
    ASSERT_EQ(d.size(), 2u);
    ASSERT_NE(d[0], d[1]);
    for (std::uint32_t e : d) ++hist[e];
  }
  EXPECT_EQ(hist[3], 10000);
  EXPECT_EQ(hist[2], 0);
  EXPECT_NEAR(hist[0], 5000.0, five_sigma(10000, 0.5));
  EXPECT_NEAR(hist[1], 5000.0, five_sigma(10000, 0.5));
}

TEST(MoeSystematicSampler, RejectsWeightsThatAreNotInclusionProbabilities) {
  EXPECT_THROW(SystematicSampler({3, 1}, 2), std::invalid_argument);     // p = 1.5
  EXPECT_THROW(SystematicSampler({1, 1, 1}, 2), std::invalid_argument);  // sum 1.5, not whole
  EXPECT_THROW(SystematicSampler({0, 0}, 2), std::invalid_argument);     // k = 0
  EXPECT_THROW(SystematicSampler({1, 1}, 0), std::invalid_argument);
}

TEST(MoeSystematicSampler, IntegerWeightsSumExactly) {
  // (1/3, 1/3, 1/3) over unit 10: floors 3, 3, 3 = 9, the missing unit goes to the lowest index
  // among equal remainders.
  EXPECT_EQ(to_integer_weights({1.0 / 3, 1.0 / 3, 1.0 / 3}, 1, 10), (std::vector<std::uint64_t>{4, 3, 3}));
  // (1, 0.55, 0.45) over 10: 10, 5, 4 = 19; remainders 0, 0.5, 0.5 tie -> the lower index (1).
  EXPECT_EQ(to_integer_weights({1.0, 0.55, 0.45}, 2, 10), (std::vector<std::uint64_t>{10, 6, 4}));
  EXPECT_THROW(to_integer_weights({0.5, 0.4}, 1, 10), std::invalid_argument);  // sums to 0.9
}

// ---- uniform routing ---------------------------------------------------------------------------

TEST(MoeUniformRouting, EveryExpertGetsTopKOverExpertsOfTheTokens) {
  // 8 experts, top-2: p = 2/8 = 0.25; 20000 tokens -> 5000 each, sigma = sqrt(20000 * .25 * .75) = 61.
  UniformRoutingSource src(model(8, 2), 11);
  const std::size_t T = 20000;
  const std::vector<TokenRoute> routes = src.route(0, T);
  ASSERT_EQ(routes.size(), T);
  for (const TokenRoute& r : routes) {
    ASSERT_EQ(r.experts.size(), 2u);
    ASSERT_LT(r.experts[0], r.experts[1]);  // distinct, listed ascending
    ASSERT_EQ(r.weights, (std::vector<float>{0.5f, 0.5f}));
  }
  const std::vector<std::uint64_t> hist = tokens_per_expert(routes, 8);
  double chi = 0.0;
  for (std::uint64_t h : hist) {
    EXPECT_NEAR(static_cast<double>(h), 5000.0, five_sigma(T, 0.25));
    chi += (static_cast<double>(h) - 5000.0) * (static_cast<double>(h) - 5000.0) / (T * 0.25 * 0.75);
  }
  // Each term is a squared standardised binomial (mean 1), and the 8 counts are tied by their
  // fixed sum 2T, so chi is about chi-square with 7 degrees of freedom: mean <= 8, sd <= 4.
  // Bound: mean + 5 sd = 28.
  EXPECT_LT(chi, 28.0);
}

TEST(MoeUniformRouting, EveryPairOfExpertsIsEquallyLikely) {
  // 4 experts, top-2: 6 pairs, each 12000 / 6 = 2000 expected, sigma = sqrt(12000/6*5/6) = 40.8.
  // (Without the sampler's shuffle only the pairs {0,2} and {1,3} could ever appear.)
  UniformRoutingSource src(model(4, 2), 12);
  std::map<std::pair<std::uint32_t, std::uint32_t>, int> pairs;
  for (const TokenRoute& r : src.route(1, 12000)) ++pairs[{r.experts[0], r.experts[1]}];
  ASSERT_EQ(pairs.size(), 6u);
  for (const auto& [pair, count] : pairs) EXPECT_NEAR(count, 2000.0, five_sigma(12000, 1.0 / 6.0));
}

TEST(MoeUniformRouting, SameSeedSameRoutesWhateverTheLayerOrder) {
  UniformRoutingSource a(model(8, 2), 5);
  UniformRoutingSource b(model(8, 2), 5);
  UniformRoutingSource c(model(8, 2), 6);
  const auto a0 = a.route(0, 50);
  b.route(1, 30);  // visiting another layer first must not change layer 0
  const auto b0 = b.route(0, 50);
  const auto c0 = c.route(0, 50);
  bool same_ab = true;
  bool same_ac = true;
  for (std::size_t t = 0; t < 50; ++t) {
    same_ab = same_ab && a0[t].experts == b0[t].experts;
    same_ac = same_ac && a0[t].experts == c0[t].experts;
  }
  EXPECT_TRUE(same_ab);
  EXPECT_FALSE(same_ac);
  // Layers are separate streams: layer 1 of the same seed routes differently from layer 0.
  UniformRoutingSource d(model(8, 2), 5);
  const auto d1 = d.route(1, 50);
  bool same_layers = true;
  for (std::size_t t = 0; t < 50; ++t) same_layers = same_layers && a0[t].experts == d1[t].experts;
  EXPECT_FALSE(same_layers);
  // Continuing a layer continues its stream rather than restarting it.
  const auto a0_next = a.route(0, 50);
  bool restarted = true;
  for (std::size_t t = 0; t < 50; ++t) restarted = restarted && a0_next[t].experts == a0[t].experts;
  EXPECT_FALSE(restarted);
}

TEST(MoeUniformRouting, OnlyMoeLayersCanBeRouted) {
  config::MoeModelConfig m = model(8, 2, 4);
  m.moe_layer_rule = config::MoeLayerRule::kEveryOther;  // MoE layers 1 and 3
  m.moe_layers = 2;
  UniformRoutingSource src(m, 1);
  EXPECT_NO_THROW(src.route(1, 1));
  EXPECT_THROW(src.route(0, 1), std::invalid_argument);
  EXPECT_THROW(src.route(4, 1), std::invalid_argument);
}

// ---- Zipf routing ------------------------------------------------------------------------------

TEST(MoeZipfRouting, InclusionProbabilitiesWithoutCap) {
  // s = 1, 8 experts, top-2: pi_r = 2 (1/r) / H_8 with H_8 = 2.7178571.
  const std::vector<double> pi = zipf_inclusion_probabilities(8, 2, 1.0);
  const double expected[] = {0.7358739, 0.3679369, 0.2452913, 0.1839685,
                             0.1471748, 0.1226456, 0.1051248, 0.0919842};
  for (int r = 0; r < 8; ++r) EXPECT_NEAR(pi[r], expected[r], 1e-7) << "rank " << r + 1;
}

TEST(MoeZipfRouting, InclusionProbabilitiesWithCap) {
  // s = 2, 8 experts, top-4. sum_{r=1..8} r^-2 = 1.5274221; rank 1 would get 4 / 1.527 = 2.62 -> 1.
  // Then 3 * (1/4) / 0.5274221 = 1.42 for rank 2 -> 1. The other 2 units spread over ranks 3..8
  // with sum r^-2 = 0.2774221: pi_r = 2 r^-2 / 0.2774221, e.g. pi_3 = 0.8010258 <= 1.
  const std::vector<double> pi = zipf_inclusion_probabilities(8, 4, 2.0);
  const double expected[] = {1.0, 1.0, 0.8010258, 0.4505770, 0.2883693, 0.2002565, 0.1471272, 0.1126443};
  for (int r = 0; r < 8; ++r) EXPECT_NEAR(pi[r], expected[r], 1e-7) << "rank " << r + 1;
  // s = 0 is uniform.
  for (double p : zipf_inclusion_probabilities(8, 4, 0.0)) EXPECT_DOUBLE_EQ(p, 0.5);
}

TEST(MoeZipfRouting, HistogramFollowsTheRanks) {
  ZipfRoutingSource src(model(8, 4), 2.0, 21);
  const std::size_t T = 20000;
  const std::vector<std::uint32_t> expert = src.expert_of_rank(0);
  const std::vector<std::uint64_t> hist = tokens_per_expert(src.route(0, T), 8);
  const double pi[] = {1.0, 1.0, 0.8010258, 0.4505770, 0.2883693, 0.2002565, 0.1471272, 0.1126443};
  EXPECT_EQ(hist[expert[0]], T);  // capped ranks are in every token's top-4
  EXPECT_EQ(hist[expert[1]], T);
  for (int r = 2; r < 8; ++r) {
    EXPECT_NEAR(static_cast<double>(hist[expert[r]]), T * pi[r], five_sigma(T, pi[r])) << "rank " << r + 1;
  }
}

TEST(MoeZipfRouting, RankPermutationIsPerLayerAndPerSeed) {
  const ZipfRoutingSource a(model(16, 2), 1.2, 7);
  const ZipfRoutingSource b(model(16, 2), 1.2, 7);
  const ZipfRoutingSource c(model(16, 2), 1.2, 8);
  const std::vector<std::uint32_t> p0 = a.expert_of_rank(0);
  std::vector<std::uint32_t> sorted = p0;
  std::sort(sorted.begin(), sorted.end());
  for (std::uint32_t i = 0; i < 16; ++i) EXPECT_EQ(sorted[i], i);  // a permutation
  EXPECT_EQ(p0, b.expert_of_rank(0));
  EXPECT_NE(p0, a.expert_of_rank(1));
  EXPECT_NE(p0, c.expert_of_rank(0));
  EXPECT_THROW(ZipfRoutingSource(model(8, 2), -1.0, 1), std::invalid_argument);
}

}  // namespace
}  // namespace monde::moe
