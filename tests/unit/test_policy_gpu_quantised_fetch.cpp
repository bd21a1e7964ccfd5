// gpu.fetch_quantised in the policies' cost model: the bytes a GPU fetch moves (the NDP copy's
// codes and scales instead of the bf16 weights), the dequantise kernel on the roofline, and the
// evaluator charging both; every number derived by hand.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/config/config_node.hpp"
#include "core/perf/gpu_dequant.hpp"
#include "core/perf/roofline.hpp"
#include "hand_cost_model.hpp"
#include "host/policy/evaluator.hpp"
#include "host/policy/expert_costs.hpp"
#include "host/policy/offload_policy.hpp"
#include "policy_hand_layer.hpp"

namespace monde::policy {
namespace {

using config::WeightFormat;

// The roofline: 989 TFLOP/s, 3350 GB/s, 5 us launch; the fetch: 1.5 us + bytes / 32 GB/s.
SystemCostModel model() {
  static const auto json = config::parse_json_text(R"({
    "device_to_gpu_GBps": 32, "host_to_device_GBps": 30, "device_to_host_GBps": 28,
    "link_latency_us": 1.5, "ndp_dram_GBps": 273, "ndp_macs_per_s": 8.192e12, "ndp_job_overhead_us": 2,
    "cpu_weight_GBps": 40, "cpu_gflops": 2000, "gpu_host_activation_GBps": 25,
    "gpu_memory_budget_bytes_per_layer": 2147483648,
    "gpu": {"model": "roofline", "peak_tflops": 989, "hbm_GBps": 3350, "launch_us": 5}})", "quantised fetch");
  return test::hand_cost_model(json);
}

// d_model 64, d_ff 128, gated: three matrices of 64 x 128 = 8192 weights each.
ExpertShape small(config::WeightEncoding ndp, bool fetch_quantised) {
  ExpertShape s{64, 128, true, 2};
  s.ndp_weights = ndp;
  s.gpu_fetches_ndp_copy = fetch_quantised;
  return s;
}

TEST(GpuQuantisedFetch, FetchedBytesOfAnInt4G32ExpertByHand) {
  // bf16: 3 x 8192 x 2 B = 49,152 B.
  // int4/G32: codes 8192 x 4 bit / 8 = 4096 B per matrix; scales: one bf16 per output row and
  // 32 weights along K: w_up [128 x 64] -> 128 x 2 x 2 B = 512 B (w_down [64 x 128]: 64 x 4 x 2 B,
  // the same 512 B); 3 x (4096 + 512) = 13,824 B, 28.1 % of bf16.
  const config::WeightEncoding int4{WeightFormat::kInt4, 32};
  EXPECT_EQ(small(int4, false).gpu_fetch_bytes(), 49152u);  // the default: the bf16 copy
  EXPECT_EQ(small(int4, true).gpu_fetch_bytes(), 13824u);
  EXPECT_EQ(small(int4, true).ndp_weight_bytes(), 13824u);
  // int8/G64: codes 8192 B, scales 128 x 1 x 2 = 256 B: 3 x 8448 = 25,344 B.
  EXPECT_EQ(small({WeightFormat::kInt8, 64}, true).gpu_fetch_bytes(), 25344u);
  // With bf16 NDP weights there is no quantised copy: the flag changes nothing.
  EXPECT_EQ(small({}, true).gpu_fetch_bytes(), 49152u);
  EXPECT_FALSE(small({}, true).gpu_fetch_quantised());

  // fetch_time_s = 1.5 us + bytes / 32 GB/s: 1.5 us + 0.432 us against 1.5 us + 1.536 us.
  const SystemCostModel m = model();
  EXPECT_NEAR(fetch_time_s(m, small(int4, true)), 1.5e-6 + 13824 / 32e9, 1e-18);
  EXPECT_NEAR(fetch_time_s(m, small(int4, false)), 1.5e-6 + 49152 / 32e9, 1e-18);
}

TEST(GpuQuantisedFetch, DequantiseKernelOnTheRooflineByHand) {
  const SystemCostModel m = model();
  // The small int4/G32 expert: 24,576 weights, flops = 2 x 24,576 = 49,152; HBM bytes = 13,824
  // read + 49,152 written = 62,976. 62,976 B / 3350 GB/s = 18.8 ns > 49,152 / 989e12 = 0.05 ns:
  // HBM-bound; + 5 us launch = 5.0188 us.
  const ExpertShape s = small({WeightFormat::kInt4, 32}, true);
  const perf::KernelWork k = perf::gpu_dequant_kernel(s);
  EXPECT_DOUBLE_EQ(k.flops, 49152.0);
  EXPECT_DOUBLE_EQ(k.bytes, 62976.0);
  EXPECT_NEAR(perf::gpu_dequant_time_s(*m.gpu, s), 5e-6 + 62976 / 3350e9, 1e-18);
  // Mixtral-8x7B's expert (4096 x 14336, gated) in int4/G128: W = 176,160,768 weights; codes
  // W / 2 = 88,080,384 B, scales 3 x 14336 x 32 x 2 = 2,752,512 B; bf16 out 352,321,536 B:
  // 443,154,432 B / 3350 GB/s = 132.28 us (flops 3.52e8 / 989e12 = 0.36 us); + 5 us = 137.28 us.
  ExpertShape mixtral{4096, 14336, true, 2};
  mixtral.ndp_weights = {WeightFormat::kInt4, 128};
  mixtral.gpu_fetches_ndp_copy = true;
  EXPECT_EQ(mixtral.gpu_fetch_bytes(), 90832896u);
  EXPECT_NEAR(perf::gpu_dequant_time_s(*m.gpu, mixtral), 5e-6 + 443154432 / 3350e9, 1e-15);
  // Nothing to dequantise: the bf16 fetch, or bf16 NDP weights.
  EXPECT_TRUE(perf::gpu_dequant_kernel(small({WeightFormat::kInt4, 32}, false)).empty());
  EXPECT_EQ(perf::gpu_dequant_time_s(*m.gpu, small({}, true)), 0.0);
  // The GPU pays it for a fetched expert only: a resident one was kept dequantised.
  const double gemm_s = m.gpu->expert_time_s(3, s);
  EXPECT_EQ(gpu_compute_time_s(m, s, 3, false), gemm_s);
  EXPECT_NEAR(gpu_compute_time_s(m, s, 3, true), gemm_s + 5e-6 + 62976 / 3350e9, 1e-18);
}

TEST(GpuQuantisedFetch, EvaluatorChargesTheSmallerFetchAndTheDequantise) {
  // offload of {1, 1}: both fetched, one after the other; each computes after its fetch and the
  // previous compute. With the quantised fetch f = 1.5 us + 13,824 B / 32 GB/s = 1.932 us and
  // c = dequant 5.0188 us + GEMMs (launch 5 us + 49,152 B / 3350 GB/s = 14.7 ns; 1 token's
  // 49,152 flops take 0.05 ns) = 10.03 us > f, so the computes chain: makespan = f + 2 c.
  const SystemCostModel m = model();
  LayerDemand d = test::hand_layer({1, 1});
  d.shape = small({WeightFormat::kInt4, 32}, true);
  OffloadPolicy offload;
  const Placement p = offload.place(d, m);
  const double f = 1.5e-6 + 13824 / 32e9;
  const double gemm = 5e-6 + std::max(49152 / 3350e9, 2.0 * 24576 / 989e12);
  const double c = 5e-6 + 62976 / 3350e9 + gemm;
  EXPECT_EQ(p.cost.weights_to_gpu_bytes, 2u * 13824u);
  EXPECT_NEAR(p.cost.gpu_transfer_s, 2 * f, 1e-15);
  EXPECT_NEAR(p.cost.gpu_compute_s, 2 * c, 1e-15);
  EXPECT_NEAR(p.cost.makespan_s, f + 2 * c, 1e-15);
  // The same layer fetching bf16: 49,152 B each, no dequantise.
  d.shape.gpu_fetches_ndp_copy = false;
  const Placement b = offload.place(d, m);
  EXPECT_EQ(b.cost.weights_to_gpu_bytes, 2u * 49152u);
  EXPECT_NEAR(b.cost.gpu_compute_s, 2 * gemm, 1e-15);
  EXPECT_NEAR(b.cost.makespan_s, 1.5e-6 + 49152 / 32e9 + 2 * gemm, 1e-15);
}

}  // namespace
}  // namespace monde::policy
