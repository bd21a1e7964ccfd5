// The cost model's parts, each on hand-derived numbers: validation of hand-built models, the
// roofline, the NDP job time from the documented schedule and the MAC tile cycles (the formula
// the simulation follows), the hand-specified NDP bound, and the GPU-copy / NDP DRAM sharing.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/perf/ndp_job_time.hpp"
#include "core/perf/roofline.hpp"
#include "hand_cost_model.hpp"
#include "host/policy/evaluator.hpp"
#include "host/policy/ndp_time_model.hpp"
#include "host/policy/path_timers.hpp"
#include "host/policy/system_cost_model.hpp"

namespace monde::policy {
namespace {

constexpr double kNs = 1e-9;

const char* kModel = R"({
  "device_to_gpu_GBps": 32, "host_to_device_GBps": 30, "device_to_host_GBps": 28,
  "link_latency_us": 1.5, "ndp_dram_GBps": 273, "ndp_macs_per_s": 8.192e12, "ndp_job_overhead_us": 2,
  "cpu_weight_GBps": 40, "cpu_gflops": 2000, "gpu_host_activation_GBps": 25,
  "gpu_memory_budget_bytes_per_layer": 2147483648,
  "gpu": {"model": "roofline", "peak_tflops": 989, "hbm_GBps": 3350, "launch_us": 5}})";

TEST(PolicyCostModel, HandBuiltModelsAreValidated) {
  SystemCostModel m = test::hand_cost_model(std::string(kModel));
  EXPECT_NO_THROW(validate(m));
  EXPECT_DOUBLE_EQ(m.device_to_gpu_bytes_per_s, 32e9);  // GBps = 1e9 bytes/s
  EXPECT_DOUBLE_EQ(m.cpu_flops_per_s, 2e12);             // gflops = 1e9 flop/s
  m.device_to_host_bytes_per_s = 0;
  try {
    validate(m);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("device_to_host_bytes_per_s must be > 0"), std::string::npos) << e.what();
  }
  m = test::hand_cost_model(std::string(kModel));
  m.gpu.reset();
  EXPECT_THROW(validate(m), std::invalid_argument);
  m = test::hand_cost_model(std::string(kModel));
  m.ndp.reset();
  EXPECT_THROW(validate(m), std::invalid_argument);
  EXPECT_THROW(perf::datasheet_roofline(0.0, 1.0, 0.0), std::invalid_argument);
  EXPECT_THROW(perf::datasheet_roofline(1.0, 1.0, -1.0), std::invalid_argument);
  EXPECT_THROW(BoundNdpTime(0.0, 1e10, 0.0, 1), std::invalid_argument);
}

TEST(PolicyCostModel, RooflineTimes) {
  // Expert 1000 x 500, plain FFN, bf16: 2 * 1000 * 500 = 1e6 MACs per token, 2e6 weight bytes.
  const ExpertShape shape{1000, 500, false, 2};
  const perf::Roofline gpu = perf::datasheet_roofline(0.2, 2000, 5);  // 2e11 flop/s, 2e12 B/s, 5 us launch
  // 100 tokens: 2 * 1e6 * 100 / 2e11 = 1e-3 s of compute > 2e6 / 2e12 = 1e-6 s of HBM; + 5 us.
  EXPECT_NEAR(gpu.expert_time_s(100, shape), 1.005e-3, 1e-15);
  // 1 token: compute 1e-5 s; HBM 1e-6 s; + 5 us = 15 us.
  EXPECT_NEAR(gpu.expert_time_s(1, shape), 15e-6, 1e-15);
  // Memory-bound: with 2 GB/s HBM the weights take 1e-3 s, more than 1 token's 1e-5 s.
  EXPECT_NEAR(perf::datasheet_roofline(0.2, 2, 0).expert_time_s(1, shape), 1e-3, 1e-15);
  EXPECT_EQ(gpu.expert_time_s(0, shape), 0.0);  // not launched
  // Gated (SwiGLU) adds a third matrix of the same size: 3e6 bytes, 1.5e6 MACs per token.
  const ExpertShape gated{1000, 500, true, 2};
  EXPECT_EQ(gated.weight_bytes(), 3000000u);
  EXPECT_EQ(gated.macs_per_token(), 1500000u);
  EXPECT_EQ(gated.activation_bytes_per_token(), 2000u);
}

// A small device: 2 units of 4 x 16 arrays at 1 GHz (1 ns per cycle), DRAM at 64 B/ns with
// 100 ns latency, 100 ns per register access. Expert: d_model 64, d_ff 128, gated, 5 tokens
// (blocks of 4 and 1 token rows).
perf::NdpTiming small_device() {
  perf::NdpTiming t;
  t.ndp.units = 2;
  t.ndp.mac.shape = {4, 16};
  t.ndp.mac.clock_mhz = 1000;
  t.ndp.mmio_latency_ns = 100;
  t.dram_bytes_per_s = 64e9;
  t.dram_latency_s = 100 * kNs;
  return t;
}

// Phase 1 (K 64, N 128, gate + up): 4 fetches, 2 per unit, both units busy.
//   tiles per fetch: (32 / 16 cols) x 2 matrices x [(64 + 2 + 4) + (64 + 2 + 1)] = 548 cycles
//   bytes: 2 x 5 x 64 x 2 (x, each unit) + 2 x 128 x 64 x 2 (weights) + 5 x 128 x 2 (h) = 35,328
//   DRAM-bound: 100 + 35,328 / 64 + 548 = 1200 ns
//   MAC-bound:  100 + 2 x (640 + 2 x 32 x 64 x 2) / 64 + 2 x 548 = 100 + 276 + 1096 = 1472 ns
// Phase 2 (K 128, N 64, down): 2 fetches, 1 per unit.
//   tiles per fetch: 2 x 1 x [(128 + 2 + 4) + (128 + 2 + 1)] = 530 cycles
//   bytes: 2 x 5 x 128 x 2 + 64 x 128 x 2 + 5 x 64 x 2 = 19,584
//   DRAM-bound: 100 + 306 + 530 = 936 ns;  MAC-bound: 100 + 2 x (1280 + 8192) / 64 + 530 = 926 ns
// Job: 2 x 100 (registers) + (100 + 128 / 64) + 1472 + 936 + (100 + 32 / 64) = 2810.5 ns;
// DRAM bytes 128 + 35,328 + 19,584 + 32 = 55,072, busy 55,072 / 64 = 860.5 ns.
TEST(PolicyCostModel, NdpJobTimeFollowsTheSchedule) {
  const perf::NdpTiming t = small_device();
  const ExpertShape shape{64, 128, true, 2};
  const perf::NdpExpertTime j = perf::ndp_expert_time(t, shape, 5);
  EXPECT_NEAR(j.time_s, 2810.5 * kNs, 1e-15);
  EXPECT_EQ(j.dram_bytes, 55072u);
  EXPECT_NEAR(j.dram_busy_s, 860.5 * kNs, 1e-15);
  EXPECT_EQ(j.jobs, 1u);
  EXPECT_EQ(perf::ndp_expert_time(t, shape, 0).time_s, 0.0);
  // The policies' view is the same number.
  EXPECT_EQ(ScheduleNdpTime(t).expert_time(5, shape).time_s, j.time_s);
}

// A 4-bit expert against its bf16 time on a memory-bound shape: the small device above with its
// DRAM slowed to 8 B/ns (the arrays could take 2 units x 32 B/ns of bf16 weights), the same expert
// (d_model 64, d_ff 128, gated, 5 tokens). W(n) = the bytes of n weight rows: bf16 n x K x 2;
// int4 with G = 32 n x K / 2 + n x K / 32 x 2 (36 n at K = 64, 72 n at K = 128).
//   bf16 phase 1: bytes 1,280 (x) + 2 x 128 x 64 x 2 (32,768) + 1,280 (h) = 35,328
//                 DRAM-bound 100 + 35,328 / 8 + 548 = 5,064;  MAC-bound 100 + 2 x (640 + 8,192) / 8 + 2 x 548 = 3,404
//        phase 2: bytes 2,560 + 16,384 + 640 = 19,584
//                 DRAM-bound 100 + 2,448 + 530 = 3,078;  MAC-bound 100 + 2 x (1,280 + 8,192) / 8 + 530 = 2,998
//        job 200 + (100 + 16) + 5,064 + 3,078 + (100 + 4) = 8,562 ns; DRAM bytes 128 + 35,328 + 19,584 + 32 = 55,072
//   int4 phase 1: bytes 1,280 + 2 x 36 x 128 (9,216) + 1,280 = 11,776
//                 DRAM-bound 100 + 1,472 + 548 = 2,120;  MAC-bound 100 + 2 x (640 + 2 x 1,152) / 8 + 1,096 = 1,932
//        phase 2: bytes 2,560 + 72 x 64 (4,608) + 640 = 7,808
//                 DRAM-bound 100 + 976 + 530 = 1,606;  MAC-bound 100 + 2 x (1,280 + 2,304) / 8 + 530 = 1,526
//        job 200 + 116 + 2,120 + 1,606 + 104 = 4,146 ns; DRAM bytes 128 + 11,776 + 7,808 + 32 = 19,744
// The weights stream 49,152 / 13,824 = 3.56x fewer bytes (4x less the G = 32 scales); the job is
// 8,562 / 4,146 = 2.07x faster, because x, h, y and the last fetch's tiles do not shrink.
TEST(PolicyCostModel, Int4ExpertStreamsAQuarterOfTheBytes) {
  perf::NdpTiming t = small_device();
  t.dram_bytes_per_s = 8e9;
  ExpertShape bf16{64, 128, true, 2};
  ExpertShape int4 = bf16;
  int4.ndp_weights = {monde::config::WeightFormat::kInt4, 32};
  EXPECT_EQ(bf16.ndp_weight_bytes(), 49152u);
  EXPECT_EQ(int4.ndp_weight_bytes(), 13824u);
  EXPECT_EQ(int4.weight_bytes(), 49152u);  // the GPU's bf16 copy is unchanged
  const perf::NdpExpertTime a = perf::ndp_expert_time(t, bf16, 5);
  const perf::NdpExpertTime b = perf::ndp_expert_time(t, int4, 5);
  EXPECT_NEAR(a.time_s, 8562 * kNs, 1e-15);
  EXPECT_EQ(a.dram_bytes, 55072u);
  EXPECT_NEAR(b.time_s, 4146 * kNs, 1e-15);
  EXPECT_EQ(b.dram_bytes, 19744u);
  EXPECT_NEAR(b.dram_busy_s, 19744 / 8.0 * kNs, 1e-15);
  // The policies see the same numbers through the shape.
  EXPECT_EQ(ScheduleNdpTime(t).expert_time(5, int4).time_s, b.time_s);
  // With int8 (W(n) = 64 n + 4 n at K = 64, 128 n + 8 n at K = 128) the weights are 2 x 68 x 128
  // + 136 x 64 = 26,112 bytes: phase 1 DRAM-bound 100 + (1,280 + 17,408 + 1,280) / 8 + 548 = 3,144,
  // phase 2 100 + (2,560 + 8,704 + 640) / 8 + 530 = 2,118, job 200 + 116 + 3,144 + 2,118 + 104 = 5,682.
  ExpertShape int8 = bf16;
  int8.ndp_weights = {monde::config::WeightFormat::kInt8, 32};
  EXPECT_NEAR(perf::ndp_expert_time(t, int8, 5).time_s, 5682 * kNs, 1e-15);
}

// Mixed precision per expert: one layer of three such experts, bf16, int8/G32 and int4/G32
// (LayerDemand::ndp_weights), 5 tokens each, all on NDP. The evaluator charges each its own
// format's jobs, so the layer's NDP job time is the sum of the three times above, 8,562 + 5,682 +
// 4,146 = 18,390 ns, and it streams 49,152 + 26,112 + 13,824 = 89,088 weight bytes (int8/G32:
// 3 x (64 x 128 codes + 128 x 2 x 2 B of scales) = 26,112; int4/G32: 3 x (4,096 + 512) = 13,824).
// The same experts in one format each sum to 3 x their time. The GPU's fetch stays the bf16 copy.
TEST(PolicyCostModel, MixedLayerNdpTimeIsTheSumOfItsExpertsFormats) {
  perf::NdpTiming t = small_device();
  t.dram_bytes_per_s = 8e9;
  SystemCostModel m = test::hand_cost_model(std::string(kModel));
  m.ndp = std::make_shared<ScheduleNdpTime>(t);
  LayerDemand d;
  d.shape = ExpertShape{64, 128, true, 2};
  d.tokens_per_expert = {5, 5, 5};
  d.ndp_weights = {{}, {config::WeightFormat::kInt8, 32}, {config::WeightFormat::kInt4, 32}};
  EXPECT_TRUE(d.mixed_formats());
  EXPECT_EQ(d.shape_of(2).ndp_weight_bytes(), 13824u);
  const Placement all_ndp = scored_placement(std::vector<ExpertLocation>(3, ExpertLocation::kNdp), d, m);
  EXPECT_NEAR(all_ndp.cost.ndp_job_s, 18390 * kNs, 1e-15);
  EXPECT_EQ(all_ndp.cost.ndp_dram_read_bytes, 89088u);
  // Fetching the int4 expert moves its bf16 copy (gpu.fetch_quantised off): 49,152 B.
  const Placement one_fetched = scored_placement(
      {ExpertLocation::kNdp, ExpertLocation::kNdp, ExpertLocation::kGpuFetched}, d, m);
  EXPECT_EQ(one_fetched.cost.weights_to_gpu_bytes, 49152u);
  EXPECT_NEAR(one_fetched.cost.ndp_job_s, (8562 + 5682) * kNs, 1e-15);
  EXPECT_EQ(one_fetched.cost.ndp_dram_read_bytes, 49152u + 26112u);
  // One format for all (the single-format device): the old numbers.
  d.ndp_weights.assign(3, config::WeightEncoding{config::WeightFormat::kInt4, 32});
  EXPECT_FALSE(d.mixed_formats());
  EXPECT_NEAR(scored_placement(std::vector<ExpertLocation>(3, ExpertLocation::kNdp), d, m).cost.ndp_job_s,
              3 * 4146 * kNs, 1e-15);
  d.ndp_weights.resize(2);
  EXPECT_THROW(validate(d), std::invalid_argument);
}

// An activation buffer of 512 B holds 512 / (2 x max(64, 128)) = 2 tokens: 5 tokens run as jobs
// of 2, 2 and 1, back to back.
TEST(PolicyCostModel, NdpTokensBeyondOneJobSplitLikeTheRuntime) {
  perf::NdpTiming t = small_device();
  t.ndp.act_buffer_bytes = 512;
  const ExpertShape shape{64, 128, true, 2};
  EXPECT_EQ(perf::ndp_tokens_per_job(t.ndp, shape), 2u);
  const perf::NdpExpertTime j = perf::ndp_expert_time(t, shape, 5);
  EXPECT_EQ(j.jobs, 3u);
  const double two = perf::ndp_expert_time(t, shape, 2).time_s, one = perf::ndp_expert_time(t, shape, 1).time_s;
  EXPECT_NEAR(j.time_s, 2 * two + one, 1e-15);
}

// r = 50, B = 200 bytes per unit time: the NDP gets 150, so each of its streaming seconds takes
// 200 / 150 = 4/3: s = rho x 50 / 150.
TEST(PolicyCostModel, SharedDramDelaysTheNdpPath) {
  // rho = 1, s = 1/3: 9 s of NDP inside a 15 s copy window become 12 s (delay 3).
  EXPECT_NEAR(shared_stream_delay_s(9, 9, 15, 50, 200, 200), 3.0, 1e-12);
  // The copies end first (window 8 s): 8 s of wall time cover 8 / (4/3) = 6 s of NDP work,
  // the rest runs at full speed: delay = 8 x (1/3) / (4/3) = 2.
  EXPECT_NEAR(shared_stream_delay_s(9, 9, 8, 50, 200, 200), 2.0, 1e-12);
  // rho = 1/2 (half the path streams): s = 1/6, delay = 9 / 6 = 1.5.
  EXPECT_NEAR(shared_stream_delay_s(9, 4.5, 100, 50, 200, 200), 1.5, 1e-12);
  EXPECT_EQ(shared_stream_delay_s(9, 9, 15, 50, 0, 200), 0.0);   // not modelled
  EXPECT_EQ(shared_stream_delay_s(9, 9, 0, 50, 200, 200), 0.0);  // no copies
  EXPECT_EQ(shared_stream_delay_s(0, 0, 15, 50, 200, 200), 0.0); // no NDP path
  // r >= B: the copies take all of it, so the streaming path waits out the whole window
  // (the limit of 15 x s / (1 + s) as s grows); a path that does not stream is not delayed.
  EXPECT_EQ(shared_stream_delay_s(9, 9, 15, 50, 50, 50), 15.0);
  EXPECT_EQ(shared_stream_delay_s(9, 4.5, 15, 60, 50, 50), 15.0);
  EXPECT_EQ(shared_stream_delay_s(9, 0, 15, 50, 50, 50), 0.0);
  // A path streaming at its own c below B: a = 150 left. c = 100 <= a: not slowed. c = 180:
  // s = (180 - 150) / 150 = 0.2, 9 x 1.2 = 10.8 <= 15, delay 9 x 0.2 = 1.8.
  EXPECT_EQ(shared_stream_delay_s(9, 9, 15, 50, 200, 100), 0.0);
  EXPECT_NEAR(shared_stream_delay_s(9, 9, 15, 50, 200, 180), 1.8, 1e-12);
}

// The evaluator applies the delay to the NDP path: expert 0 (3 tokens) fetched, expert 1 (1
// token) on NDP. Hand model: fetch = 1 us + 2e6 B / 2 GB/s = 1001 us; NDP path = 2 us (latency
// each way) + 1 us (2000 B in at 2 GB/s) + max(2e6 / 20 GB/s = 100 us, 1e6 / 1e10 = 100 us) +
// 0 overhead + 1 us (out) = 104 us, 100 us of it streaming DRAM. With shared DRAM at 4 GB/s and
// the copy at 2 GB/s: s = (100 / 104) x 2 / (4 - 2) = 0.961538..., 104 x (1 + s) = 204 us < 1001 us,
// so the delay is 104 x s = 100 us.
TEST(PolicyCostModel, EvaluatorChargesTheSharedDram) {
  auto json = nlohmann::json::parse(R"({"device_to_gpu_GBps": 2, "host_to_device_GBps": 2, "device_to_host_GBps": 2,
    "link_latency_us": 1, "ndp_dram_GBps": 20, "ndp_macs_per_s": 1e10, "ndp_job_overhead_us": 0,
    "cpu_weight_GBps": 10, "cpu_gflops": 100, "gpu_host_activation_GBps": 1, "gpu_memory_budget_bytes_per_layer": 0,
    "shared_dram_GBps": 4,
    "gpu": {"model": "roofline", "peak_tflops": 0.2, "hbm_GBps": 2000, "launch_us": 5}})");
  const SystemCostModel m = test::hand_cost_model(json);
  LayerDemand d;
  d.shape = ExpertShape{1000, 500, false, 2};
  d.tokens_per_expert = {3, 1};
  const CostBreakdown c = evaluate(Placement{{ExpertLocation::kGpuFetched, ExpertLocation::kNdp}, {}}, d, m);
  EXPECT_NEAR(c.ndp_dram_wait_s, 100e-6, 1e-12);
  EXPECT_NEAR(c.ndp_path_s, 204e-6, 1e-12);
  json["shared_dram_GBps"] = 0;
  EXPECT_EQ(evaluate(Placement{{ExpertLocation::kGpuFetched, ExpertLocation::kNdp}, {}}, d, test::hand_cost_model(json))
                .ndp_dram_wait_s,
            0.0);
}

// The CPU path shares the CXL link with the GPU's copies: expert 0 (3 tokens) fetched, expert 1
// (1 token) on the CPU. Hand model: fetch = 1 us + 2e6 B / 2 GB/s = 1001 us (the copy window).
// CPU expert: read 2e6 B / 4 GB/s = 500 us, compute 2 x 1e6 x 1 / 1e11 = 20 us, activations
// 2 x 2000 B / 1 GB/s = 4 us: max(500, 20) + 4 = 504 us; path = 2 us fixed + 504 = 506 us, 500 us
// of it streaming (rho = 500 / 506). Link at 5 GB/s, copy at 2: a = 3 GB/s left of the CPU's 4,
// s = rho x (4 - 3) / 3; 506 x (1 + s) = 506 + 500 / 3 < 1001 us, so delay = 506 x s = 500 / 3 us.
TEST(PolicyCostModel, EvaluatorChargesTheSharedLinkToTheCpuPath) {
  auto json = nlohmann::json::parse(R"({"device_to_gpu_GBps": 2, "host_to_device_GBps": 2, "device_to_host_GBps": 2,
    "link_latency_us": 1, "ndp_dram_GBps": 20, "ndp_macs_per_s": 1e10, "ndp_job_overhead_us": 0,
    "cpu_weight_GBps": 4, "cpu_gflops": 100, "gpu_host_activation_GBps": 1, "gpu_memory_budget_bytes_per_layer": 0,
    "shared_link_GBps": 5,
    "gpu": {"model": "roofline", "peak_tflops": 0.2, "hbm_GBps": 2000, "launch_us": 5}})");
  LayerDemand d;
  d.shape = ExpertShape{1000, 500, false, 2};
  d.tokens_per_expert = {3, 1};
  const Placement p{{ExpertLocation::kGpuFetched, ExpertLocation::kCpu}, {}};
  const CostBreakdown c = evaluate(p, d, test::hand_cost_model(json));
  EXPECT_NEAR(c.cpu_link_wait_s, 500.0 / 3.0 * 1e-6, 1e-12);
  EXPECT_NEAR(c.cpu_path_s, (506.0 + 500.0 / 3.0) * 1e-6, 1e-12);
  // A link the copies saturate (2 GB/s, the copy's own rate): the CPU waits out the whole
  // window, 506 + 1001 = 1507 us.
  json["shared_link_GBps"] = 2;
  EXPECT_NEAR(evaluate(p, d, test::hand_cost_model(json)).cpu_path_s, 1507e-6, 1e-12);
  // A link with 6 GB/s left beside the copy: the CPU's 4 GB/s is not slowed.
  json["shared_link_GBps"] = 8;
  EXPECT_NEAR(evaluate(p, d, test::hand_cost_model(json)).cpu_path_s, 506e-6, 1e-12);
  json["shared_link_GBps"] = 0;  // not modelled
  EXPECT_NEAR(evaluate(p, d, test::hand_cost_model(json)).cpu_path_s, 506e-6, 1e-12);
}

}  // namespace
}  // namespace monde::policy
