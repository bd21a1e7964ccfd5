// monde's hot/cold split on hand-timed layers: where the best prefix is optimal, where it is
// not (and by exactly how much), and how it treats experts already on the GPU.
#include <gtest/gtest.h>

#include "core/config/config_node.hpp"
#include "hand_cost_model.hpp"
#include "host/policy/evaluator.hpp"
#include "host/policy/gap.hpp"
#include "host/policy/monde_policy.hpp"
#include "host/policy/oracle_policy.hpp"
#include "policy_hand_layer.hpp"

namespace monde::policy {
namespace {

using L = ExpertLocation;
constexpr double kUs = 1e-6;
constexpr double kTol = 1e-12;

// Decode-like model. Expert 1000 x 500 plain FFN, bf16: 2e6 weight bytes, 1e6 MACs and
// 2000 activation bytes per token. No latencies, launch or job overheads, so per expert:
//   fetch = 2e6 / 2 GB/s = 1000 us;  GPU compute c(tok) = max(10 * tok, 1) us
//   NDP n(tok) = tok (in) + max(100, 100 * tok) (job) + tok (out) us
//     n(1) = 102 us, n(30) = 3060 us, n(100) = 10200 us
SystemCostModel decode_model() {
  return test::zero_overhead_hand_model();
}

// Prefill-like model where both paths are compute-bound at the same rate per token:
//   fetch = 2e6 / 200 GB/s = 10 us;  GPU c(tok) = 10 * tok us (>= fetch for tok >= 1)
//   NDP n(tok) = tok + max(2e6 / 250 GB/s = 8, 1e6 * tok / 1.25e11 = 8 * tok) + tok = 10 * tok us
SystemCostModel balanced_model() {
  static const auto json = config::parse_json_text(R"({
    "device_to_gpu_GBps": 200, "host_to_device_GBps": 2, "device_to_host_GBps": 2, "link_latency_us": 0,
    "ndp_dram_GBps": 250, "ndp_macs_per_s": 1.25e11, "ndp_job_overhead_us": 0,
    "cpu_weight_GBps": 10, "cpu_gflops": 100, "gpu_host_activation_GBps": 1,
    "gpu_memory_budget_bytes_per_layer": 0,
    "gpu": {"model": "roofline", "peak_tflops": 0.2, "hbm_GBps": 2000, "launch_us": 0}})", "balanced");
  return test::hand_cost_model(json);
}

LayerDemand demand(std::vector<std::uint64_t> tokens, std::vector<bool> resident = {}) {
  return test::hand_layer(std::move(tokens), std::move(resident));
}

TEST(PolicyMonde, OneHotExpertGoesToGpu) {
  // Tokens {100, 1, 1, 0}; sorted candidates 0, 1, 2. Every hot-prefix size:
  //   0 hot: NDP 10200 + 102 + 102                                     = 10404 us
  //   1 hot: GPU copy [0,1000] + compute 1000 = 2000; NDP 102 + 102 = 204 -> 2000 us
  //   2 hot: expert 1's copy [1000,2000], compute [2000,2010]; NDP 102 -> 2010 us
  //   3 hot: expert 2's copy [2000,3000], compute [3000,3010]            -> 3010 us
  // Best: 1 hot.
  MondePolicy monde;
  const Placement p = monde.place(demand({100, 1, 1, 0}), decode_model());
  EXPECT_EQ(p.location, (std::vector<L>{L::kGpuFetched, L::kNdp, L::kNdp, L::kIdle}));
  EXPECT_NEAR(p.cost.makespan_s, 2000 * kUs, kTol);
  EXPECT_NEAR(p.cost.gpu_path_s, 2000 * kUs, kTol);
  EXPECT_NEAR(p.cost.ndp_path_s, 204 * kUs, kTol);
  EXPECT_EQ(p.cost.weights_to_gpu_bytes, 2000000u);
  EXPECT_EQ(p.cost.activations_to_ndp_bytes, 4000u);  // 2 tokens x 2000 B
}

TEST(PolicyMonde, LoadBalancingTakesASecondHotExpert) {
  // Tokens {100, 30, 30}:
  //   1 hot: GPU 2000; NDP 3060 + 3060 = 6120                             -> 6120 us
  //   2 hot: GPU copies [0,1000],[1000,2000]; computes [1000,2000],[2000,2300]; NDP 3060 -> 3060 us
  //   3 hot: third copy [2000,3000], compute [3000,3300]                  -> 3300 us
  //   0 hot: 10200 + 6120 = 16320 us.  Best: 2 hot (ties on 30 tokens go to the lower index).
  MondePolicy monde;
  const Placement p = monde.place(demand({100, 30, 30}), decode_model());
  EXPECT_EQ(p.location, (std::vector<L>{L::kGpuFetched, L::kGpuFetched, L::kNdp}));
  EXPECT_NEAR(p.cost.makespan_s, 3060 * kUs, kTol);
}

TEST(PolicyMonde, ResidentExpertsAlwaysRunOnGpu) {
  // Tokens {100, 1, 1, 0}, expert 1 already on the GPU: it runs there for c(1) = 10 us
  // first, [0, 10]. Candidates 0 and 2:
  //   0 hot: GPU 10; NDP 10200 + 102 -> 10302 us
  //   1 hot: copy [0,1000], compute [max(10,1000), 2000]; NDP 102 -> 2000 us
  //   2 hot: copy [1000,2000], compute [2000,2010] -> 2010 us.   Best: 1 hot.
  MondePolicy monde;
  const Placement p = monde.place(demand({100, 1, 1, 0}, {false, true, false, false}), decode_model());
  EXPECT_EQ(p.location, (std::vector<L>{L::kGpuFetched, L::kGpuResident, L::kNdp, L::kIdle}));
  EXPECT_NEAR(p.cost.makespan_s, 2000 * kUs, kTol);
  EXPECT_EQ(p.cost.experts_gpu_resident, 1u);
  EXPECT_EQ(p.cost.weights_to_gpu_bytes, 2000000u);
}

TEST(PolicyMonde, EqualsOracleWhereThePrefixIsOptimal) {
  // {100, 1, 1, 0}: a GPU set without expert 0 leaves n(100) = 10200 us on NDP; with it, each
  // further member adds a 1000 us copy after expert 0's, so the GPU path is >= 2010 us. {0}
  // alone (2000 us) is the optimum, and it is the best prefix.
  // (Among GPU/NDP assignments, the paths monde chooses between: this model's CPU would take
  // the 30-token experts in 720 us each.)
  OraclePolicy oracle(OraclePaths::kGpuNdp);
  const Placement best = oracle.place(demand({100, 1, 1, 0}), decode_model());
  EXPECT_NEAR(best.cost.makespan_s, 2000 * kUs, kTol);
  EXPECT_EQ(monde_oracle_gap(demand({100, 1, 1, 0}), decode_model(), OraclePaths::kGpuNdp), 1.0);
  // {100, 30, 30}: the same argument with two hot experts.
  EXPECT_EQ(monde_oracle_gap(demand({100, 30, 30}), decode_model(), OraclePaths::kGpuNdp), 1.0);
}

TEST(PolicyMonde, BalancedPathsMakeThePrefixSuboptimal) {
  // Balanced model, tokens {40, 30, 30, 20} (120 in all). A GPU set S of total s tokens
  // (every compute >= the 10 us copy, so the GPU never waits after the first copy) takes
  // G = 10 + 10 s us; the NDP path takes N = 10 (120 - s) us.
  //   prefixes: s = 0: 1200;  {40}: max(410, 800) = 800;  {40,30}: max(710, 500) = 710;
  //             {40,30,30}: 1010;  all: 1210.           monde: 710 us.
  // Optimum: G < 610 needs s < 60 and N < 610 needs s > 59: impossible in integers, and
  // s = 60 ({40,20} or {30,30}, not prefixes) gives max(610, 600) = 610 us.
  // Gap = 710 / 610.
  MondePolicy monde;
  OraclePolicy oracle(OraclePaths::kGpuNdp);
  const LayerDemand d = demand({40, 30, 30, 20});
  const Placement m = monde.place(d, balanced_model());
  const Placement o = oracle.place(d, balanced_model());
  EXPECT_EQ(m.location, (std::vector<L>{L::kGpuFetched, L::kGpuFetched, L::kNdp, L::kNdp}));
  EXPECT_NEAR(m.cost.makespan_s, 710 * kUs, kTol);
  EXPECT_NEAR(o.cost.makespan_s, 610 * kUs, kTol);
  std::uint64_t gpu_tokens = 0;
  for (std::size_t i = 0; i < d.expert_count(); ++i) {
    if (runs_on_gpu(o.location[i])) gpu_tokens += d.tokens_per_expert[i];
  }
  EXPECT_EQ(gpu_tokens, 60u);
  EXPECT_NEAR(monde_oracle_gap(d, balanced_model(), OraclePaths::kGpuNdp), 710.0 / 610.0, 1e-12);
}

TEST(PolicyMonde, NothingRoutedCostsNothing) {
  MondePolicy monde;
  const Placement p = monde.place(demand({0, 0, 0}), decode_model());
  EXPECT_EQ(p.location, (std::vector<L>{L::kIdle, L::kIdle, L::kIdle}));
  EXPECT_EQ(p.cost.makespan_s, 0.0);
  EXPECT_EQ(monde_oracle_gap(demand({0, 0, 0}), decode_model()), 1.0);
}

}  // namespace
}  // namespace monde::policy
