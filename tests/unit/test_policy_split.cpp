// Tensor-parallel split of one expert across devices (devices.split, core/perf/expert_split.hpp)
// in the policies' cost model: how d_ff is divided, what each device streams, and the NDP path of
// a split memory-bound expert on 2 and 4 devices. Every number is derived in a comment.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "core/perf/expert_split.hpp"
#include "hand_cost_model.hpp"
#include "host/policy/evaluator.hpp"
#include "host/policy/expert_costs.hpp"
#include "host/policy/hot_cold_split.hpp"

namespace monde::policy {
namespace {

using L = ExpertLocation;

constexpr double kUs = 1e-6;
constexpr double kTol = 1e-12;

// The hand model of test_policy_devices.cpp with MACs 10x faster (1e11 / s), so that the NDP is
// memory-bound, and the GPU <-> host PCIe hop modelled (1 GB/s, 2 us per copy).
SystemCostModel hand_model(std::uint32_t devices) {
  SystemCostModel m = test::hand_device_model(devices, 1e11);
  m.gpu_host_copy = perf::GpuHostCopy{2e-6, 1e9};
  return m;
}

// Experts of d_model 1000 x d_ff 512, plain FFN, bf16: 2 x 1000 x 512 x 2 = 2,048,000 B of
// weights, 1,024,000 MACs and 2000 activation bytes per token.
LayerDemand layer(std::vector<std::uint64_t> tokens, std::uint32_t split) {
  LayerDemand d;
  d.shape = ExpertShape{1000, 512, false, 2};
  d.tokens_per_expert = std::move(tokens);
  d.split_devices = split;
  return d;
}

// d_ff in granules of 32 (bf16) or max(32, G): 512 = 16 granules; 4 devices take 4 each
// (128 columns); 3 devices take 6, 5, 5 (the first takes the remainder): 192, 160, 160.
// int4 with G = 128: 4 granules, so 5 devices do not fit; 3 devices take 2, 1, 1 x 128.
TEST(ExpertSplit, DividesDffInGranules) {
  const ExpertShape s{1000, 512, false, 2};
  EXPECT_EQ(perf::split_granule(s), 32u);
  const auto four = perf::split_d_ff(s, 4);
  ASSERT_EQ(four.size(), 4u);
  for (std::uint32_t d = 0; d < 4; ++d) {
    EXPECT_EQ(four[d].begin, 128u * d);
    EXPECT_EQ(four[d].size, 128u);
  }
  const auto three = perf::split_d_ff(s, 3);
  EXPECT_EQ(three[0].size, 192u);
  EXPECT_EQ(three[1].begin, 192u);
  EXPECT_EQ(three[1].size, 160u);
  EXPECT_EQ(three[2].begin, 352u);
  EXPECT_EQ(three[2].size, 160u);
  ExpertShape q = s;
  q.ndp_weights = config::WeightEncoding{config::WeightFormat::kInt4, 128};
  EXPECT_EQ(perf::split_granule(q), 128u);
  EXPECT_TRUE(perf::split_fits(q, 4));
  EXPECT_FALSE(perf::split_fits(q, 5));
  EXPECT_THROW(perf::split_d_ff(q, 5), std::invalid_argument);
  const auto q3 = perf::split_d_ff(q, 3);
  EXPECT_EQ(q3[0].size, 256u);
  EXPECT_EQ(q3[1].size, 128u);
  EXPECT_EQ(q3[2].size, 128u);
  // 500 columns are not whole granules of 32.
  EXPECT_FALSE(perf::split_fits(ExpertShape{1000, 500, false, 2}, 2));
}

// Per device: the expert's bytes / N. bf16: 2,048,000 / 2 = 1,024,000 B (d_ff 256) and / 4 =
// 512,000 B (d_ff 128). int4 G = 128 on a 1024 x 512 expert (d_model a multiple of G), 2 slices
// of d_ff 256: per matrix codes 256 x 1024 / 2 = 131,072 B and scales 256 x 1024 / 128 x 2 =
// 4,096 B, x 2 matrices = 270,336 B a device; the unsplit int4 expert 2 x (262,144 + 8,192) =
// 540,672 B = 2 x 270,336.
TEST(ExpertSplit, EachDeviceHoldsTheExpertsBytesOverN) {
  const ExpertShape s{1000, 512, false, 2};
  for (const std::uint32_t n : {2u, 4u}) {
    for (const auto& slice : perf::split_d_ff(s, n)) {
      EXPECT_EQ(perf::slice_shape(s, slice).ndp_weight_bytes(), 2048000u / n);
      EXPECT_EQ(perf::slice_shape(s, slice).macs_per_token(), 1024000u / n);
    }
  }
  ExpertShape q{1024, 512, false, 2};
  q.ndp_weights = config::WeightEncoding{config::WeightFormat::kInt4, 128};
  EXPECT_EQ(q.ndp_weight_bytes(), 540672u);
  for (const auto& slice : perf::split_d_ff(q, 2)) EXPECT_EQ(perf::slice_shape(q, slice).ndp_weight_bytes(), 270336u);
}

// The GPU's reduction of N partials of T tokens x 1000: (N - 1) x T x 1000 adds and
// (N + 1) x T x 1000 x 2 bytes; roofline 0.2 TFLOP/s, 2000 GB/s, launch 5 us.
//   N = 2, T = 1: 1000 flop / 2e11 = 5 ns, 6000 B / 2e12 = 3 ns -> 5 us + 5 ns = 5.005 us
//   N = 4, T = 1: 3000 flop -> 15 ns, 10000 B -> 5 ns          -> 5.015 us
//   N = 4, T = 1000: 3e6 flop -> 15 us, 1e7 B -> 5 us          -> 20 us
TEST(ExpertSplit, ReductionBytesAndTime) {
  const ExpertShape s{1000, 512, false, 2};
  const perf::KernelWork k = perf::split_reduce_kernel(s, 4, 1000);
  EXPECT_EQ(k.flops, 3e6);
  EXPECT_EQ(k.bytes, 1e7);
  const SystemCostModel m = hand_model(4);
  EXPECT_NEAR(split_reduce_time_s(m, s, 2, 1), 5.005 * kUs, kTol);
  EXPECT_NEAR(split_reduce_time_s(m, s, 4, 1), 5.015 * kUs, kTol);
  EXPECT_NEAR(split_reduce_time_s(m, s, 4, 1000), 20 * kUs, kTol);
  EXPECT_EQ(split_reduce_time_s(m, s, 4, 0), 0.0);  // not launched
}

// One memory-bound expert, 1 token, on the NDP path. Fixed per layer: 2 x 1 us link latency +
// 2 x 2 us copy latency = 6 us. Its share of a device's path: x in 2000 B / 2 GB/s = 1 us, the
// job max(bytes / 20 GB/s, MACs / 1e11) + 10 us, y out 1 us, the PCIe hop (1 + partials) x 2000 B
// / 1 GB/s; then, once per split layer, the reduction:
//   whole (1 device): job max(102.4, 10.24) + 10 = 112.4; PCIe 4 us;  share 118.4, path 124.4 us
//   2 devices:        job max(51.2, 5.12) + 10 = 61.2;    PCIe 6 us;  share 69.2 + reduce 5.005 -> 80.205 us
//   4 devices:        job max(25.6, 2.56) + 10 = 35.6;    PCIe 10 us; share 47.6 + reduce 5.015 -> 58.615 us
// Each device streams 102.4 / N us, so the DRAM bandwidth the expert gets is N x 20 GB/s; the job's
// fixed 10 us, the activations' bytes and the reduction are what keeps the path from 1 / N.
TEST(ExpertSplit, OneMemoryBoundExpertOverTwoAndFourDevices) {
  const Placement ndp{{L::kNdp}, {}};
  const CostBreakdown whole = evaluate(ndp, layer({1}, 0), hand_model(1));
  EXPECT_NEAR(whole.ndp_path_s, 124.4 * kUs, kTol);
  const double expected_us[] = {80.205, 58.615};
  const double job_us[] = {61.2, 35.6};
  const std::uint32_t n[] = {2, 4};
  for (int i = 0; i < 2; ++i) {
    const CostBreakdown c = evaluate(ndp, layer({1}, n[i]), hand_model(n[i]));
    EXPECT_NEAR(c.ndp_path_s, expected_us[i] * kUs, kTol) << n[i];
    EXPECT_NEAR(c.makespan_s, expected_us[i] * kUs, kTol);
    EXPECT_NEAR(c.split_reduce_s, (i == 0 ? 5.005 : 5.015) * kUs, kTol);
    EXPECT_NEAR(c.ndp_job_s, n[i] * job_us[i] * kUs, kTol);  // the units' busy time over the devices
    EXPECT_EQ(c.ndp_dram_read_bytes, 2048000u);              // the slices add up to the expert
    EXPECT_EQ(c.activations_to_ndp_bytes, n[i] * 2000u);     // every device gets x ...
    EXPECT_EQ(c.results_from_ndp_bytes, n[i] * 2000u);       // ... and returns a partial y
    const auto per_device = ndp_device_costs(hand_model(n[i]), layer({1}, n[i]), 0);
    ASSERT_EQ(per_device.size(), n[i]);
    for (std::uint32_t d = 0; d < n[i]; ++d) {
      EXPECT_EQ(per_device[d].device, d);
      // Aggregate DRAM bandwidth: the N devices stream the 2,048,000 B concurrently, each for
      // 102.4 / N us: 2,048,000 B / (102.4 / N us) = N x 20 GB/s.
      EXPECT_NEAR(per_device[d].cost.dram_busy_s, 102.4 / n[i] * kUs, kTol);
      EXPECT_NEAR(2048000.0 / per_device[d].cost.dram_busy_s, n[i] * 20e9, 1.0);
    }
  }
}

// A balanced layer of 8 memory-bound experts (1 token each) on 4 devices: whole (2 experts a
// device, round robin) 6 + 2 x 118.4 = 242.8 us; split (8 slices a device) 6 + 8 x 47.6 + the
// reduction of 8 tokens (24,000 flop -> 120 ns, 80,000 B -> 40 ns: 5.12 us) = 391.92 us: with whole
// experts already spread evenly, the split only adds PCIe bytes, a reduction and job overheads.
// One expert alone (the others idle): whole 124.4 us, split 58.615 us.
// The hot/cold split of the monde policy plans with the same per-device costs.
TEST(ExpertSplit, SplitPaysOffForAFewExpertsNotForABalancedLayer) {
  const SystemCostModel m = hand_model(4);
  LayerDemand whole = layer(std::vector<std::uint64_t>(8, 1), 0);
  whole.ndp_device = {0, 1, 2, 3, 0, 1, 2, 3};
  LayerDemand split = whole;
  split.split_devices = 4;
  const Placement all_ndp{std::vector<L>(8, L::kNdp), {}};
  EXPECT_NEAR(evaluate(all_ndp, whole, m).ndp_path_s, 242.8 * kUs, kTol);
  EXPECT_NEAR(evaluate(all_ndp, split, m).ndp_path_s, 391.92 * kUs, 1e-11);
  // Only expert 0 routed.
  std::vector<std::uint64_t> one(8, 0);
  one[0] = 1;
  whole.tokens_per_expert = one;
  split.tokens_per_expert = one;
  std::vector<L> loc(8, L::kIdle);
  loc[0] = L::kNdp;
  EXPECT_NEAR(evaluate(Placement{loc, {}}, whole, m).ndp_path_s, 124.4 * kUs, kTol);
  EXPECT_NEAR(evaluate(Placement{loc, {}}, split, m).ndp_path_s, 58.615 * kUs, kTol);
  // The hot/cold scan's makespan of its chosen split is the evaluator's.
  const std::vector<L> chosen = split_hot_cold(split, m, L::kNdp);
  const HotPrefixScan scan = scan_hot_prefixes(split, m, L::kNdp);
  double best = scan.makespan_s[0];
  for (const double t : scan.makespan_s) best = std::min(best, t);
  EXPECT_DOUBLE_EQ(evaluate(Placement{chosen, {}}, split, m).makespan_s, best);
}

TEST(ExpertSplit, RefusesSplitsThatDoNotFit) {
  // A split over 1 device, over more devices than the model has, and d_ff 500 (not whole
  // granules of 32).
  const Placement ndp{{L::kNdp}, {}};
  EXPECT_THROW(evaluate(ndp, layer({1}, 1), hand_model(2)), std::invalid_argument);
  EXPECT_THROW(evaluate(ndp, layer({1}, 4), hand_model(2)), std::invalid_argument);
  LayerDemand odd = layer({1}, 2);
  odd.shape.d_ff = 500;
  EXPECT_THROW(evaluate(ndp, odd, hand_model(2)), std::invalid_argument);
}

}  // namespace
}  // namespace monde::policy
