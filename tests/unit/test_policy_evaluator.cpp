// The shared evaluator on hand-timed layers: every number below is derived in a comment.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "core/config/config_node.hpp"
#include "hand_cost_model.hpp"
#include "host/policy/evaluator.hpp"
#include "host/policy/expert_costs.hpp"
#include "host/policy/path_timers.hpp"
#include "policy_hand_layer.hpp"

namespace monde::policy {
namespace {

using L = ExpertLocation;

// Hand model. Expert 1000 x 500, plain FFN, bf16:
//   weights 2 * 1000 * 500 * 2 B = 2e6 B; 1e6 MACs per token; activations 2000 B per token.
// Per expert, with link_latency 1 us, GPU launch 5 us, NDP job overhead 10 us:
//   fetch        = 1 us + 2e6 B / 2 GB/s                        = 1001 us
//   GPU compute  = 5 us + max(2 * 1e6 * tok / 2e11, 2e6 / 2e12)  = 5 + 10 * tok us
//   NDP job      = max(2e6 / 20 GB/s, 1e6 * tok / 1e10) + 10 us  = max(100, 100 * tok) + 10 us
//   NDP in / out = 2000 * tok B / 2 GB/s                         = tok us each
//   NDP fixed    = 2 * 1 us
//   CPU          = max(2e6 / 10 GB/s, 2e6 * tok / 1e11) + 2 * 2000 * tok / 1 GB/s
//                = max(200, 20 * tok) + 4 * tok us;  CPU fixed = 2 us
const char* kHandModel = R"({
  "device_to_gpu_GBps": 2, "host_to_device_GBps": 2, "device_to_host_GBps": 2, "link_latency_us": 1,
  "ndp_dram_GBps": 20, "ndp_macs_per_s": 1e10, "ndp_job_overhead_us": 10,
  "cpu_weight_GBps": 10, "cpu_gflops": 100, "gpu_host_activation_GBps": 1,
  "gpu_memory_budget_bytes_per_layer": 0,
  "gpu": {"model": "roofline", "peak_tflops": 0.2, "hbm_GBps": 2000, "launch_us": 5}})";

SystemCostModel hand_model() {
  static const auto json = config::parse_json_text(kHandModel, "hand");
  return test::hand_cost_model(json);
}

LayerDemand demand(std::vector<std::uint64_t> tokens, std::vector<bool> resident = {}) {
  return test::hand_layer(std::move(tokens), std::move(resident));
}

constexpr double kUs = 1e-6;
constexpr double kTol = 1e-12;  // seconds; the sums below are a few terms of ~1e-3 s

TEST(PolicyEvaluator, EveryPathOnAHandLayer) {
  // Expert:  0        1         2     3     4
  // tokens:  100      20        3     0     7
  // where:   fetched  resident  ndp   idle  cpu
  const LayerDemand d = demand({100, 20, 3, 0, 7});
  const CostBreakdown c =
      evaluate(Placement{{L::kGpuFetched, L::kGpuResident, L::kNdp, L::kIdle, L::kCpu}, {}}, d, hand_model());
  // GPU: the resident expert 1 runs first (no copy): compute 5 + 200 = 205 us, [0, 205].
  // Expert 0's copy takes [0, 1001]; its compute 5 + 1000 = 1005 us runs [1001, 2006].
  EXPECT_NEAR(c.gpu_path_s, 2006 * kUs, kTol);
  EXPECT_NEAR(c.gpu_transfer_s, 1001 * kUs, kTol);
  EXPECT_NEAR(c.gpu_compute_s, (205 + 1005) * kUs, kTol);
  // NDP, expert 2 (3 tokens): fixed 2 + in 3 + job max(100, 300) + 10 + out 3 = 318 us.
  EXPECT_NEAR(c.ndp_path_s, 318 * kUs, kTol);
  EXPECT_NEAR(c.ndp_job_s, 310 * kUs, kTol);
  // CPU, expert 4 (7 tokens): fixed 2 + max(200, 140) + 4 * 7 = 230 us.
  EXPECT_NEAR(c.cpu_path_s, 230 * kUs, kTol);
  EXPECT_NEAR(c.makespan_s, 2006 * kUs, kTol);  // max(2006, 318, 230)

  EXPECT_EQ(c.weights_to_gpu_bytes, 2000000u);      // one fetched expert
  EXPECT_EQ(c.activations_to_ndp_bytes, 6000u);      // 3 tokens x 2000 B
  EXPECT_EQ(c.results_from_ndp_bytes, 6000u);
  EXPECT_EQ(c.ndp_dram_read_bytes, 2000000u);        // the NDP expert's weights, read once
  EXPECT_EQ(c.weights_to_cpu_bytes, 2000000u);
  EXPECT_EQ(c.cpu_activation_bytes, 28000u);         // 7 tokens x 2000 B, both directions
  EXPECT_EQ(c.experts_gpu_fetched, 1u);
  EXPECT_EQ(c.experts_gpu_resident, 1u);
  EXPECT_EQ(c.experts_ndp, 1u);
  EXPECT_EQ(c.experts_cpu, 1u);
}


// The NDP copy in int4 (G = 32): the NDP reads codes and scales, the GPU still fetches bf16.
// Expert 1024 x 512, plain FFN: bf16 2 x 512 x 1024 x 2 = 2,097,152 B; int4 per matrix
// 512 x 1024 / 2 = 262,144 B of codes + 512 x 1024 / 32 x 2 = 32,768 B of scales, so the NDP
// streams 2 x 294,912 = 589,824 B: 29.4912 us at 20 GB/s against 104.8576 us for bf16. This
// hand NDP's MACs (1e10/s) take 2 x 1024 x 512 / 1e10 = 104.8576 us per token, so the job is
// MAC-bound with int4 (3 tokens: max(29.4912, 314.5728) + 10 us; 1 token: 104.8576 + 10 us) and
// only the DRAM time it occupies shrinks.
TEST(PolicyEvaluator, QuantisedNdpCopyShrinksOnlyTheNdpBytes) {
  LayerDemand d = demand({100, 3});
  d.shape = ExpertShape{1024, 512, false, 2};
  d.shape.ndp_weights = {config::WeightFormat::kInt4, 32};
  const CostBreakdown c = evaluate(Placement{{L::kGpuFetched, L::kNdp}, {}}, d, hand_model());
  EXPECT_EQ(c.ndp_dram_read_bytes, 589824u);
  EXPECT_EQ(c.weights_to_gpu_bytes, 2097152u);
  EXPECT_NEAR(c.ndp_job_s, (314.5728 + 10) * kUs, kTol);
  const perf::NdpExpertTime t = hand_model().ndp->expert_time(1, d.shape);
  EXPECT_NEAR(t.time_s, (104.8576 + 10) * kUs, kTol);
  EXPECT_NEAR(t.dram_busy_s, 29.4912 * kUs, kTol);
  EXPECT_EQ(t.dram_bytes, 589824u);
}

TEST(PolicyEvaluator, TransferBoundPipelineRunsMoreTokensFirst) {
  // Two fetched experts, 10 and 50 tokens (index order deliberately ascending).
  // Evaluator order: 50 tokens first. Copies [0, 1001] and [1001, 2002].
  // Compute 50 tok: 505 us, [1001, 1506]; 10 tok: 105 us, [max(1506, 2002), 2107].
  // (The other order would end at max(1106, 2002) + 505 = 2507 us.)
  const LayerDemand d = demand({10, 50});
  const CostBreakdown c = evaluate(Placement{{L::kGpuFetched, L::kGpuFetched}, {}}, d, hand_model());
  EXPECT_NEAR(c.gpu_path_s, 2107 * kUs, kTol);
  EXPECT_NEAR(c.makespan_s, 2107 * kUs, kTol);
  EXPECT_EQ(c.ndp_path_s, 0.0);  // unused paths cost nothing, not even their fixed latency
  EXPECT_EQ(c.cpu_path_s, 0.0);
  EXPECT_EQ(c.weights_to_gpu_bytes, 4000000u);
}

TEST(PolicyEvaluator, ComputeBoundPipelineIsCopyPlusComputes) {
  // 300 and 200 tokens: computes 3005 and 2005 us exceed the 1001 us copies, so the GPU never
  // waits after the first copy: 1001 + 3005 + 2005 = 6011 us.
  const LayerDemand d = demand({300, 200});
  const CostBreakdown c = evaluate(Placement{{L::kGpuFetched, L::kGpuFetched}, {}}, d, hand_model());
  EXPECT_NEAR(c.gpu_path_s, 6011 * kUs, kTol);
}

TEST(PolicyEvaluator, NdpPathSumsExperts) {
  // Experts of 1 and 2 tokens on NDP: fixed 2 + (1 + 110 + 1) + (2 + 210 + 2) = 328 us.
  const LayerDemand d = demand({1, 2});
  const CostBreakdown c = evaluate(Placement{{L::kNdp, L::kNdp}, {}}, d, hand_model());
  EXPECT_NEAR(c.ndp_path_s, 328 * kUs, kTol);
  EXPECT_NEAR(c.ndp_job_s, 320 * kUs, kTol);
  EXPECT_EQ(c.ndp_dram_read_bytes, 4000000u);
}

// Token blocks: with ndp_token_block 16, 17 tokens occupy 32 token rows of the arrays, so the
// NDP job's MAC term is 1e6 * 32 / 1e10 = 3200 us (not 1700): max(100, 3200) + 10 = 3210 us.
// 16 tokens fill one block exactly: max(100, 1600) + 10 = 1610 us, as with no blocking.
TEST(PolicyEvaluator, NdpMacTermCountsWholeTokenBlocks) {
  SystemCostModel m = hand_model();
  const ExpertShape shape{1000, 500, false, 2};
  EXPECT_NEAR(ndp_job_time_s(m, shape, 17), 1710 * kUs, kTol);
  m.ndp = std::make_shared<BoundNdpTime>(20e9, 1e10, 10e-6, 16);
  EXPECT_NEAR(ndp_job_time_s(m, shape, 17), 3210 * kUs, kTol);
  EXPECT_NEAR(ndp_job_time_s(m, shape, 16), 1610 * kUs, kTol);
  EXPECT_THROW(BoundNdpTime(20e9, 1e10, 10e-6, 0), std::invalid_argument);
}

TEST(PolicyEvaluator, RejectsPlacementsThatDoNotFit) {
  const LayerDemand d = demand({5, 0});
  const auto m = hand_model();
  EXPECT_THROW(evaluate(Placement{{L::kNdp}, {}}, d, m), std::invalid_argument);  // too short
  try {
    evaluate(Placement{{L::kIdle, L::kIdle}, {}}, d, m);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("expert 0 has 5 tokens but is placed 'idle'"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(evaluate(Placement{{L::kNdp, L::kNdp}, {}}, d, m), std::invalid_argument);  // 0 tokens on NDP
  EXPECT_THROW(evaluate(Placement{{L::kNdp, L::kIdle}, {}}, demand({5, 0}, {true}), m), std::invalid_argument);
  EXPECT_THROW(evaluate(Placement{{}, {}}, demand({}), m), std::invalid_argument);
}

TEST(PolicyEvaluator, PipelineTimerResidentDoesNotWaitForCopies) {
  // A resident expert added after a copy still starts when the GPU is free, not when the
  // link is: copy 10 -> compute [10, 13]; resident compute 2 -> [13, 15].
  GpuPipelineTimer t;
  t.add(10.0, 3.0);
  t.add(0.0, 2.0);
  EXPECT_EQ(t.makespan_s(), 15.0);
  SerialPathTimer s(4.0);
  EXPECT_EQ(s.time_s(), 0.0);
  s.add(1.0);
  s.add(2.0);
  EXPECT_EQ(s.time_s(), 7.0);  // fixed once + each expert
}

}  // namespace
}  // namespace monde::policy
