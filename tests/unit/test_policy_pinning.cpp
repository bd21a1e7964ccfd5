// Policies that keep experts in GPU memory: static_freq (pinned by past popularity) and
// context (pinned from the request's prefill statistics, then fixed for its decode steps).
#include <gtest/gtest.h>

#include <stdexcept>

#include "hand_cost_model.hpp"
#include "host/policy/context_policy.hpp"
#include "host/policy/pinned_set.hpp"
#include "host/policy/static_freq_policy.hpp"

namespace monde::policy {
namespace {

using L = ExpertLocation;
constexpr double kUs = 1e-6;
constexpr double kTol = 1e-12;

// Expert 1000 x 500 plain FFN, bf16: 2e6 weight bytes. No latencies or overheads:
//   fetch 1000 us; GPU c(tok) = max(10 * tok, 1) us; NDP n(tok) = 2 * tok + max(100, 100 * tok) us
//   (n(1) = 102, n(2) = 204, n(5) = 510, n(50) = 5100, n(100) = 10200)
SystemCostModel model(std::uint64_t budget_bytes) {
  SystemCostModel m = test::zero_overhead_hand_model();
  m.gpu_memory_budget_bytes_per_layer = budget_bytes;
  return m;
}

constexpr std::uint64_t kTwoExperts = 4000000;  // 2 x 2e6 bytes

LayerDemand demand(std::vector<std::uint64_t> tokens, Phase phase = Phase::kDecode) {
  LayerDemand d;
  d.shape = ExpertShape{1000, 500, false, 2};
  d.tokens_per_expert = std::move(tokens);
  d.phase = phase;
  return d;
}

TEST(PolicyPinning, ChoosePinnedTakesTheTopScoresThatFit) {
  // Budget 5 bytes at 2 bytes each: 2 slots. Scores 3 > 2 = 2 > 0: experts 0 then 1 (lower
  // index wins the tie); expert 3 (score 0) is never pinned.
  EXPECT_EQ(choose_pinned({3, 2, 2, 0}, 2, 5), (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(choose_pinned({0, 0, 1}, 2, 100), (std::vector<bool>{false, false, true}));
  EXPECT_EQ(choose_pinned({1, 1}, 2, 1), (std::vector<bool>{false, false}));  // nothing fits
  EXPECT_THROW(choose_pinned({1, -1}, 2, 4), std::invalid_argument);
  EXPECT_THROW(choose_pinned({1}, 0, 4), std::invalid_argument);
}

TEST(PolicyPinning, StaticFreqRunsPinnedExpertsWithoutCopies) {
  // Popularity {0.1, 0.5, 0.3, 0.1}, room for 2: experts 1 and 2 are pinned.
  // Batch {100, 1, 0, 2}: expert 1 runs resident (c(1) = 10 us); expert 2 is idle; experts
  // 0 and 3 were not popular, so they run on NDP: 10200 + 204 = 10404 us. The static choice
  // pays for a hot expert it did not foresee.
  StaticFreqPolicy policy({0.1, 0.5, 0.3, 0.1});
  const Placement p = policy.place(demand({100, 1, 0, 2}), model(kTwoExperts));
  EXPECT_EQ(p.location, (std::vector<L>{L::kNdp, L::kGpuResident, L::kIdle, L::kNdp}));
  EXPECT_NEAR(p.cost.gpu_path_s, 10 * kUs, kTol);
  EXPECT_NEAR(p.cost.makespan_s, 10404 * kUs, kTol);
  EXPECT_EQ(p.cost.weights_to_gpu_bytes, 0u);  // pinned once before the run, never per layer
}

TEST(PolicyPinning, StaticFreqWithoutBudgetIsNdpOnly) {
  StaticFreqPolicy policy({0.1, 0.5, 0.3, 0.1});
  const Placement p = policy.place(demand({100, 1, 0, 2}), model(kTwoExperts - 1));  // room for 1
  EXPECT_EQ(p.location, (std::vector<L>{L::kNdp, L::kGpuResident, L::kIdle, L::kNdp}));
  const Placement none = policy.place(demand({100, 1, 0, 2}), model(1999999));  // room for 0
  EXPECT_EQ(none.location, (std::vector<L>{L::kNdp, L::kNdp, L::kIdle, L::kNdp}));
  // 10200 + 204 + 102 = 10506 us
  EXPECT_NEAR(none.cost.makespan_s, 10506 * kUs, kTol);
  EXPECT_THROW(policy.place(demand({1, 2, 3}), model(kTwoExperts)), std::invalid_argument);  // 3 != 4
  EXPECT_THROW(StaticFreqPolicy(std::vector<double>{}), std::invalid_argument);
}

TEST(PolicyPinning, ContextPlansDecodeFromPrefill) {
  ContextPolicy policy;
  // Prefill {100, 50, 0, 5} is placed by monde:
  //   1 hot: GPU 2000; NDP 5100 + 510 = 5610 -> 5610 us
  //   2 hot: copies [0,1000],[1000,2000]; computes [1000,2000],[2000,2500]; NDP 510 -> 2500 us
  //   3 hot: third copy [2000,3000], compute [3000,3050] -> 3050 us;  0 hot: 15810 us
  // Best 2 hot. Pinned (room for 2, by prefill tokens): experts 0 and 1, both already
  // copied during the prefill.
  const Placement pre = policy.place(demand({100, 50, 0, 5}, Phase::kPrefill), model(kTwoExperts));
  EXPECT_EQ(pre.location, (std::vector<L>{L::kGpuFetched, L::kGpuFetched, L::kIdle, L::kNdp}));
  EXPECT_NEAR(pre.cost.makespan_s, 2500 * kUs, kTol);
  EXPECT_EQ(policy.pinned(), (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(policy.loaded(), (std::vector<bool>{true, true, false, false}));

  // Decode {1, 0, 1, 1}: expert 0 resident, c(1) = 10 us; experts 2, 3 on NDP: 102 + 102.
  const Placement d1 = policy.place(demand({1, 0, 1, 1}), model(kTwoExperts));
  EXPECT_EQ(d1.location, (std::vector<L>{L::kGpuResident, L::kIdle, L::kNdp, L::kNdp}));
  EXPECT_NEAR(d1.cost.makespan_s, 204 * kUs, kTol);
  EXPECT_EQ(d1.cost.weights_to_gpu_bytes, 0u);
  // Decode {0, 2, 1, 0}: expert 1 resident (20 us); expert 2 on NDP (102 us).
  const Placement d2 = policy.place(demand({0, 2, 1, 0}), model(kTwoExperts));
  EXPECT_EQ(d2.location, (std::vector<L>{L::kIdle, L::kGpuResident, L::kNdp, L::kIdle}));
  EXPECT_NEAR(d2.cost.makespan_s, 102 * kUs, kTol);
}

TEST(PolicyPinning, ContextCopiesAPinnedExpertOnceOnFirstUse) {
  ContextPolicy policy;
  // Room for 3: pinned 0, 1 and 3 (expert 2 had no prefill tokens). Prefill ran expert 3 on
  // NDP (same split as above), so it is pinned but not yet in GPU memory.
  policy.place(demand({100, 50, 0, 5}, Phase::kPrefill), model(3 * 2000000));
  EXPECT_EQ(policy.pinned(), (std::vector<bool>{true, true, false, true}));
  EXPECT_EQ(policy.loaded(), (std::vector<bool>{true, true, false, false}));
  // Decode {1, 0, 1, 1}: expert 0 resident [0,10]; expert 3 copied [0,1000] and computed
  // [1000,1010]; expert 2 on NDP 102 us -> 1010 us.
  const Placement d1 = policy.place(demand({1, 0, 1, 1}), model(3 * 2000000));
  EXPECT_EQ(d1.location, (std::vector<L>{L::kGpuResident, L::kIdle, L::kNdp, L::kGpuFetched}));
  EXPECT_NEAR(d1.cost.makespan_s, 1010 * kUs, kTol);
  // The same step again: both resident (10 + 10 us), NDP 102 us -> 102 us.
  const Placement d2 = policy.place(demand({1, 0, 1, 1}), model(3 * 2000000));
  EXPECT_EQ(d2.location, (std::vector<L>{L::kGpuResident, L::kIdle, L::kNdp, L::kGpuResident}));
  EXPECT_NEAR(d2.cost.makespan_s, 102 * kUs, kTol);
}

TEST(PolicyPinning, ContextNeedsAPrefillFirst) {
  ContextPolicy policy;
  EXPECT_THROW(policy.place(demand({1, 1}), model(kTwoExperts)), std::invalid_argument);
  policy.place(demand({3, 1}, Phase::kPrefill), model(kTwoExperts));
  EXPECT_THROW(policy.place(demand({1, 1, 1}), model(kTwoExperts)), std::invalid_argument);
  EXPECT_NO_THROW(policy.place(demand({1, 1}), model(kTwoExperts)));
}

}  // namespace
}  // namespace monde::policy
