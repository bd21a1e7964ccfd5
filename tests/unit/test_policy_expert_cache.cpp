// The GPU expert cache (host/policy/expert_cache.hpp) driven the way the runtime drives it: before
// each layer its residency goes into the demand, the policy places the layer, the cache records it.
// A hand-written routing of 2 MoE layers x 4 experts over 3 steps, capacity 3 experts.
#include <gtest/gtest.h>

#include <stdexcept>

#include "core/config/config_node.hpp"
#include "hand_cost_model.hpp"
#include "host/policy/expert_cache.hpp"
#include "host/policy/offload_policy.hpp"
#include "host/policy/static_freq_policy.hpp"

namespace monde::policy {
namespace {

using config::ExpertCacheMode;
using L = ExpertLocation;

// Expert 1000 x 500 plain FFN, bf16: 2e6 weight bytes; fetch 1000 us, GPU c(tok) = 10 tok us
// (the hand model of test_policy_pinning.cpp).
SystemCostModel model() {
  return test::zero_overhead_hand_model();
}
constexpr std::uint64_t kExpertBytes = 2000000;

// [step][layer][expert]: 1 token on each routed expert.
//   step 0: layer 0 {0, 1}, layer 1 {2, 3}
//   step 1: layer 0 {0, 2}, layer 1 {2, 3}
//   step 2: layer 0 {0, 1}, layer 1 {1, 2}
const std::vector<std::vector<std::vector<std::uint64_t>>> kRouting = {
    {{1, 1, 0, 0}, {0, 0, 1, 1}},
    {{1, 0, 1, 0}, {0, 0, 1, 1}},
    {{1, 1, 0, 0}, {0, 1, 1, 0}},
};

std::vector<std::vector<double>> popularity() {
  std::vector<std::vector<double>> p(2, std::vector<double>(4, 0.0));
  for (const auto& step : kRouting) {
    for (std::size_t l = 0; l < 2; ++l) {
      for (std::size_t e = 0; e < 4; ++e) p[l][e] += double(step[l][e]);
    }
  }
  return p;
}

struct LayerResult {
  ExpertCacheCounts counts;
  Placement placement;
};

// The runtime's loop (system/moe_runtime.cpp place()): one policy object per layer.
std::vector<LayerResult> run(ExpertCache& cache, PlacementPolicy& layer0, PlacementPolicy& layer1) {
  std::vector<LayerResult> out;
  PlacementPolicy* policies[2] = {&layer0, &layer1};
  for (const auto& step : kRouting) {
    for (std::size_t l = 0; l < 2; ++l) {
      LayerDemand d;
      d.shape = ExpertShape{1000, 500, false, 2};
      d.tokens_per_expert = step[l];
      d.gpu_resident = cache.resident(l);
      Placement p = policies[l]->place(d, model());
      out.push_back({cache.record(l, d.gpu_resident, d.tokens_per_expert, p), p});
    }
  }
  return out;
}

TEST(ExpertCache, LruHitsMissesAndEvictionsOnAHandRouting) {
  // LRU, 3 slots; uses of a layer in expert order (hits, then inserts); tN = use tick.
  //  s0 L0: empty: miss 0, 1; insert (0,0)t1 (0,1)t2                          h0 m2 ev0
  //  s0 L1: miss 2, 3; insert (1,2)t3 (full now); (1,3) evicts (0,0)t1 -> t4   h0 m2 ev1
  //  s1 L0: held (0,1): not routed; miss 0, 2; (0,0) evicts (0,1)t2 -> t5,
  //         (0,2) evicts (1,2)t3 -> t6                                          h0 m2 ev2
  //  s1 L1: held (1,3): hit 3 (t7); miss 2: (1,2) evicts (0,0)t5 -> t8         h1 m1 ev1
  //  s2 L0: held (0,2): not routed; miss 0, 1; (0,0) evicts (0,2)t6 -> t9,
  //         (0,1) evicts (1,3)t7 -> t10                                         h0 m2 ev2
  //  s2 L1: held (1,2): hit 2 (t11); miss 1: (1,1) evicts (0,0)t9 -> t12       h1 m1 ev1
  // Totals: 2 hits, 10 misses, 7 evictions; 2 x 2e6 B not fetched. Left: (0,1), (1,2), (1,1).
  ExpertCache cache(ExpertCacheMode::kLru, 3, kExpertBytes, popularity());
  OffloadPolicy a("offload_cached"), b("offload_cached");
  const auto r = run(cache, a, b);
  const std::uint64_t hits[] = {0, 0, 0, 1, 0, 1}, misses[] = {2, 2, 2, 1, 2, 1}, evictions[] = {0, 1, 2, 1, 2, 1};
  ExpertCacheCounts total;
  for (std::size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(r[i].counts.hits, hits[i]) << "layer record " << i;
    EXPECT_EQ(r[i].counts.misses, misses[i]) << "layer record " << i;
    EXPECT_EQ(r[i].counts.evictions, evictions[i]) << "layer record " << i;
    EXPECT_EQ(r[i].counts.bytes_not_fetched, hits[i] * kExpertBytes);
    // The policy fetches exactly the misses: link bytes = misses x expert bytes.
    EXPECT_EQ(r[i].placement.cost.experts_gpu_fetched, misses[i]);
    EXPECT_EQ(r[i].placement.cost.experts_gpu_resident, hits[i]);
    EXPECT_EQ(r[i].placement.cost.weights_to_gpu_bytes, misses[i] * kExpertBytes);
    total += r[i].counts;
  }
  EXPECT_EQ(total.hits, 2u);
  EXPECT_EQ(total.misses, 10u);
  EXPECT_EQ(total.evictions, 7u);
  EXPECT_EQ(total.bytes_not_fetched, 4000000u);
  EXPECT_DOUBLE_EQ(total.hit_rate(), 2.0 / 12.0);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_TRUE(cache.holds(0, 1));
  EXPECT_TRUE(cache.holds(1, 2));
  EXPECT_TRUE(cache.holds(1, 1));
  // s1 L1 in the cost model: hit 3 leads (c = 10 us, no fetch), 2 is fetched meanwhile (1000 us)
  // then computed: 1010 us. Without the cache: fetch 1000 + fetch 1000 (the second hides the
  // first's 10 us compute) + 10 = 2010 us: the hit saves one fetch, 1000 us.
  EXPECT_NEAR(r[3].placement.cost.makespan_s, 1010e-6, 1e-12);
  LayerDemand uncached;
  uncached.shape = ExpertShape{1000, 500, false, 2};
  uncached.tokens_per_expert = kRouting[1][1];
  EXPECT_NEAR(OffloadPolicy().place(uncached, model()).cost.makespan_s, 2010e-6, 1e-12);
}

TEST(ExpertCache, PinnedTakesTheMostPopularPairsAcrossLayers) {
  // Popularity over the 3 steps: layer 0 {3, 2, 1, 0}, layer 1 {0, 1, 3, 2}. 3 slots, highest
  // first, ties to the lower layer then the lower expert: (0,0) 3, (1,2) 3, then the 2s: (0,1)
  // before (1,3). Pinned: (0,0), (0,1), (1,2). Nothing enters or leaves.
  ExpertCache cache(ExpertCacheMode::kPinned, 3, kExpertBytes, popularity());
  EXPECT_EQ(cache.resident(0), (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(cache.resident(1), (std::vector<bool>{false, false, true, false}));
  // offload_cached: hits are the routed pinned experts:
  //  s0: L0 {0,1} 2 hits; L1 {2,3} 1 hit (2), 1 miss. s1: L0 {0,2} 1 hit, 1 miss; L1 {2,3} 1, 1.
  //  s2: L0 {0,1} 2 hits; L1 {1,2} 1 hit, 1 miss. Total 8 hits, 4 misses, no evictions.
  OffloadPolicy a("offload_cached"), b("offload_cached");
  const auto r = run(cache, a, b);
  ExpertCacheCounts total;
  for (const auto& l : r) total += l.counts;
  EXPECT_EQ(total.hits, 8u);
  EXPECT_EQ(total.misses, 4u);
  EXPECT_EQ(total.evictions, 0u);
  EXPECT_EQ(total.bytes_not_fetched, 8 * kExpertBytes);
  EXPECT_EQ(cache.resident(0), (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(cache.resident(1), (std::vector<bool>{false, false, true, false}));
}

TEST(ExpertCache, StaticFreqRunsThePinnedSetOnTheGpuAndTheRestOnNdp) {
  // static_freq with no per-layer budget (0 B) and the pinned cache above: in s0 L1 ({2, 3})
  // expert 2 is pinned (kGpuResident), expert 3 runs on the NDP and never enters the cache.
  ExpertCache cache(ExpertCacheMode::kPinned, 3, kExpertBytes, popularity());
  StaticFreqPolicy a({3, 2, 1, 0}), b({0, 1, 3, 2});
  const auto r = run(cache, a, b);
  EXPECT_EQ(r[1].placement.location, (std::vector<L>{L::kIdle, L::kIdle, L::kGpuResident, L::kNdp}));
  EXPECT_EQ(r[0].placement.location, (std::vector<L>{L::kGpuResident, L::kGpuResident, L::kIdle, L::kIdle}));
  ExpertCacheCounts total;
  for (const auto& l : r) total += l.counts;
  EXPECT_EQ(total.hits, 8u);
  EXPECT_EQ(total.misses, 4u);
  EXPECT_EQ(cache.size(), 3u);
}

TEST(ExpertCache, RefusesWhatCannotBeACache) {
  EXPECT_THROW(ExpertCache(ExpertCacheMode::kNone, 3, kExpertBytes, popularity()), std::invalid_argument);
  EXPECT_THROW(ExpertCache(ExpertCacheMode::kLru, 0, kExpertBytes, popularity()), std::invalid_argument);
  EXPECT_THROW(ExpertCache(ExpertCacheMode::kLru, 3, kExpertBytes, {{1, 2}, {1}}), std::invalid_argument);
}

}  // namespace
}  // namespace monde::policy
