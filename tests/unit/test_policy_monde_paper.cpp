// monde_paper, the MoNDE paper's rule, on hand-worked layers: how many experts reach
// H = alpha x BW_gpu / (BW_device + BW_gpu) x volume, which ones, and which alpha the
// calibration picks over a two-layer batch.
#include <gtest/gtest.h>

#include <stdexcept>

#include "hand_cost_model.hpp"
#include "host/policy/evaluator.hpp"
#include "host/policy/monde_paper_policy.hpp"
#include "host/policy/policy_registry.hpp"
#include "policy_hand_layer.hpp"

namespace monde::policy {
namespace {

using L = ExpertLocation;
constexpr double kUs = 1e-6;

// test_policy_monde.cpp's decode model with the device DRAM shared: expert 1000 x 500 plain
// FFN, 2e6 weight bytes. fetch = 2e6 / 2 GB/s = 1000 us; GPU c(tok) = max(10 tok, 1) us;
// NDP n(tok) = tok + max(100, 100 tok) + tok us, each job streaming its weights for
// b = 2e6 / 20 GB/s = 100 us. BW_gpu = 2 GB/s, BW_device = shared DRAM 18 GB/s, so the GPU's
// volume share is 2 / (18 + 2) = 0.1. While copies run (r = 2 of B = 18 GB/s), the NDP units get
// a = 16 GB/s of the c = 18 they stream at: s = rho x (c - a) / a = rho / 8 (docs/policies.md).
SystemCostModel shared_model() {
  SystemCostModel m = test::zero_overhead_hand_model();
  m.shared_dram_bytes_per_s = 18e9;  // the GPU's copies and the NDP share an 18 GB/s DRAM
  return m;
}

LayerDemand demand(std::vector<std::uint64_t> tokens, std::vector<bool> resident = {}) {
  return test::hand_layer(std::move(tokens), std::move(resident));
}

TEST(PolicyMondePaper, VolumeShareIsGpuOverBothBandwidths) {
  EXPECT_DOUBLE_EQ(MondePaperPolicy::gpu_volume_share(shared_model()), 0.1);
  // Without a device DRAM rate the rule has no BW_device.
  SystemCostModel m = shared_model();
  m.shared_dram_bytes_per_s = 0;
  EXPECT_THROW(MondePaperPolicy::gpu_volume_share(m), std::invalid_argument);
}

TEST(PolicyMondePaper, HotCountIsTheFirstCountReachingH) {
  // H / W = alpha x share x n; the GPU takes experts until their volume reaches H.
  EXPECT_EQ(MondePaperPolicy::hot_count(1.0, 0.1, 8), 1u);   // 0.8 -> 1
  EXPECT_EQ(MondePaperPolicy::hot_count(2.5, 0.1, 8), 2u);   // 2.0 exactly (in real arithmetic) -> 2
  EXPECT_EQ(MondePaperPolicy::hot_count(2.6, 0.1, 8), 3u);   // 2.08 -> 3
  EXPECT_EQ(MondePaperPolicy::hot_count(0.0, 0.1, 8), 0u);   // alpha 0: everything on NDP
  EXPECT_EQ(MondePaperPolicy::hot_count(100.0, 0.1, 8), 8u); // 80 -> all 8
  EXPECT_EQ(MondePaperPolicy::hot_count(1.0, 0.1, 0), 0u);
  // The calibration's own alphas k / (share x n) give back k, not k + 1.
  for (std::size_t n = 1; n <= 256; ++n) {
    for (std::size_t k = 1; k <= n; ++k) {
      ASSERT_EQ(MondePaperPolicy::hot_count(double(k) / (0.1 * double(n)), 0.1, n), k) << k << " of " << n;
    }
  }
}

TEST(PolicyMondePaper, TakesTheMostTokenExpertsUpToH) {
  // Tokens {5, 40, 0, 12, 40, 3, 7, 1}: 7 routed. alpha 3: 3 x 0.1 x 7 = 2.1 -> 3 hot: the two
  // 40s (lower index first) and the 12; the rest on NDP; the idle one idle.
  MondePaperPolicy p(3.0);
  p.prepare({}, shared_model());
  const Placement a = p.place(demand({5, 40, 0, 12, 40, 3, 7, 1}), shared_model());
  EXPECT_EQ(a.location, (std::vector<L>{L::kNdp, L::kGpuFetched, L::kIdle, L::kGpuFetched, L::kGpuFetched, L::kNdp,
                                        L::kNdp, L::kNdp}));
  // Its cost is evaluate()'s.
  EXPECT_EQ(a.cost.makespan_s, evaluate(a, demand({5, 40, 0, 12, 40, 3, 7, 1}), shared_model()).makespan_s);
  // Expert 0 resident: it runs on the GPU for free and is not a candidate; 6 candidates,
  // 3 x 0.1 x 6 = 1.8 -> 2 fetched: the two 40s.
  const Placement b = p.place(demand({5, 40, 0, 12, 40, 3, 7, 1}, {true, false, false, false, false, false, false, false}),
                              shared_model());
  EXPECT_EQ(b.location, (std::vector<L>{L::kGpuResident, L::kGpuFetched, L::kIdle, L::kNdp, L::kGpuFetched, L::kNdp,
                                        L::kNdp, L::kNdp}));
  const auto params = p.parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].name, "alpha");
  EXPECT_EQ(params[0].value, 3.0);
  EXPECT_DOUBLE_EQ(params[1].value, 0.1);
}

TEST(PolicyMondePaper, CalibrationPicksTheAlphaOfTheLeastBatchTime) {
  // Layer X: tokens {100, 1, 1, 1} (4 candidates); layer Y: {30, 30} (2). Makespans by hot count:
  //  X k=0: NDP 10200 + 3 x 102                                                   = 10506 us
  //  X k=1: GPU copy [0,1000] + compute 1000 = 2000; NDP P = 306, rho = 300/306, inside the copy
  //         window (P (1 + s) = 343.5 <= 1000): 343.5                              -> 2000 us
  //  X k=2: copies end 2000, computes [1000,2000], [2000,2010]                     -> 2010 us
  //  X k=3: 3010; k=4: 4010 (one more copy each)
  //  Y k=0: 2 x 3060 = 6120; Y k=2: copies [0,1000], [1000,2000], computes end 2300 -> 2300 us
  //  Y k=1: GPU 1000 + 300 = 1300; NDP P = 3060, rho = 100/3060, s = rho / 8 = 0.00408497;
  //         P (1 + s) > T_F = 1000, so w = 1000 s / (1 + s) = 4.06835: NDP 3064.068  -> 3064.068 us
  // The alphas where a count changes (share 0.1): X k / 0.4 = 2.5, 5, 7.5, 10; Y k / 0.2 = 5, 10.
  //  alpha 0: 10506 + 6120 = 16626; 2.5: X1 + Y1 (0.5 -> 1) = 5064.068; 5: X2 + Y1 = 5074.068;
  //  7.5: X3 + Y2 = 5310; 10: X4 + Y2 = 6310.  Best: alpha 2.5.
  const std::vector<LayerDemand> batch{demand({100, 1, 1, 1}), demand({30, 30})};
  EXPECT_DOUBLE_EQ(MondePaperPolicy::calibrate_alpha(batch, shared_model()), 2.5);
  MondePaperPolicy p;
  RunHistory h;
  h.calibration = batch;
  EXPECT_TRUE(p.calibrates_on_a_batch());
  p.prepare(h, shared_model());
  EXPECT_DOUBLE_EQ(p.parameters().at(0).value, 2.5);
  const Placement y = p.place(demand({30, 30}), shared_model());
  EXPECT_EQ(y.location, (std::vector<L>{L::kGpuFetched, L::kNdp}));
  EXPECT_NEAR(y.cost.makespan_s, 3064.068 * kUs, 0.001 * kUs);
  // The batch alone would place Y best with both on the GPU (2300 us): one alpha for every layer
  // is the rule's cost, which monde (a per-layer choice) does not pay.
}

TEST(PolicyMondePaper, NeedsACalibrationBatchOrAFixedAlpha) {
  MondePaperPolicy p;
  EXPECT_THROW(p.place(demand({1, 2}), shared_model()), std::logic_error);
  EXPECT_THROW(p.prepare({}, shared_model()), std::invalid_argument);
  EXPECT_THROW(MondePaperPolicy(-1.0), std::invalid_argument);
  // From the registry with a fixed alpha: nothing to calibrate.
  PolicyOptions o;
  o.monde_paper_alpha = 0.0;
  auto fixed = make_policy("monde_paper", o);
  EXPECT_FALSE(fixed->calibrates_on_a_batch());
  fixed->prepare({}, shared_model());
  const Placement all_ndp = fixed->place(demand({9, 9, 9}), shared_model());
  EXPECT_EQ(all_ndp.location, (std::vector<L>{L::kNdp, L::kNdp, L::kNdp}));
}

}  // namespace
}  // namespace monde::policy
