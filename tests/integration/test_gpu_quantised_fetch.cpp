// gpu.fetch_quantised on the whole modelled system: one MoE layer of the default experiment
// (full-size Mixtral-8x7B, 4096 x 14336 gated, on the default LPDDR5X device with the bandwidth
// DRAM model and its GPU settings), offload, data timing_only, every one of the 8 experts routed
// 8 tokens (batch 32, top-2), with the NDP copy in int4/G128; the refusals before simulating.
// One elaboration per TEST.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "experiment_text.hpp"
#include "core/perf/gpu_dequant.hpp"
#include "host/policy/expert_costs.hpp"
#include "run_on_host.hpp"
#include "system/builder.hpp"

namespace monde::system {
namespace {

// Per expert: bf16 3 x 4096 x 14336 x 2 = 352,321,536 B; int4/G128 codes 88,080,384 B + scales
// 3 x 14336 x 32 x 2 = 2,752,512 B = 90,832,896 B, 0.2578125 of bf16.
constexpr std::uint64_t kBf16Bytes = 352321536, kInt4Bytes = 90832896;

std::string experiment(bool fetch_quantised, const std::string& data = "timing_only",
                       const std::string& format = "int4", const std::string& model = "mixtral-8x7b",
                       int group = 128) {
  return R"({
    "model": {"preset": ")" + model + R"(", "layers": 1, "moe_layers": 1},
    "device": {"preset": "lpddr5x-8533", "memory": {"model": "bandwidth", "organization": {"ranks": 4}},
               "ndp": {"expert_weight_format": ")" + format + R"(", "expert_weight_group": )" + std::to_string(group) + R"(}},
    "gpu": {"dma_chunk_bytes": 262144, "dma_outstanding": 16, "fetch_quantised": )" +
         (fetch_quantised ? "true" : "false") + R"(},
    "routing": {"source": "uniform", "seed": 7},
    "run": {"phase": "decode", "batch": 32, "steps": 1, "scope": "moe_only", "data": ")" + data + R"(",
            "policies": ["offload"]}})";
}

struct Result {
  config::SystemConfig config;
  LayerRecord layer;
  double fetch_s = 0, dequant_s = 0, gemm_s = 0;  // the cost model's, per expert
  std::string error;
};

Result run_offload_layer(bool fetch_quantised) {
  Result r;
  r.config = test::load_experiment_text(experiment(fetch_quantised)).config;
  auto sys = build_system(r.config);
  r.error = test::run_on_host(*sys, [&](MoeRuntime& rt) {
    const auto& cost = rt.cost_model();
    const perf::ExpertShape shape = perf::expert_shape(r.config);
    r.fetch_s = policy::fetch_time_s(cost, shape);
    r.dequant_s = perf::gpu_dequant_time_s(*cost.gpu, shape);
    r.gemm_s = cost.gpu->expert_time_s(8, shape);
    const Demand demand = {{std::vector<std::uint64_t>(8, 8)}};
    r.layer = rt.run_policy("offload", demand).layers.at(0);
  });
  return r;
}

// The layer's GPU fetch: first chunk out to last chunk in, s.
double fetch_span_s(const LayerRecord& l) {
  std::uint64_t first = std::numeric_limits<std::uint64_t>::max(), last = 0;
  for (const auto& s : l.spans) {
    if (s.track != "GPU fetch") continue;
    first = std::min(first, s.start_ps);
    last = std::max(last, s.end_ps);
  }
  return double(last - first) * 1e-12;
}

// The cost model's fetch of one expert, by hand: the CXL read rate (below PCIe Gen5's) is
// 32 GT/s x 16 lanes / 8 x 128/130 x 64 B of data per 4.5 slots of 17 B = 52.71875 GB/s
// (test_expert_cache.cpp derives it), plus 45 ns of latency: 6.6832 ms bf16, 1.7230 ms int4/G128.
double fetch_by_hand_s(std::uint64_t bytes) {
  return 45e-9 + double(bytes) / (32e9 * 16 / 8 * 128 / 130 * 64 / (4.5 * 17));
}

// Offload is fetch-bound (8 tokens' GEMMs: 10 us + 352 MB / 2728 GB/s = 139.2 us each, well under a
// fetch): the layer's GPU fetch is 8 fetches back to back, which the simulation streams within
// 0.5 % of the cost model's 8 x fetch (measured 13.784 ms against 8 x 1.7230 ms for int4; the
// int4 copy's 0.9 MB scale tensors are separate, smaller DMA jobs). So the layer's fetch moves
// by the byte ratio, 90,832,896 / 352,321,536 = 0.2578 (simulated 0.25782).
TEST(GpuQuantisedFetchRuntime, OffloadLayerFetchesTheBf16Copy) {
  const Result b = run_offload_layer(false);
  ASSERT_TRUE(b.error.empty()) << b.error;
  EXPECT_EQ(b.layer.pcie_to_gpu_bytes, 8 * kBf16Bytes);
  EXPECT_NEAR(b.fetch_s, fetch_by_hand_s(kBf16Bytes), 1e-12);
  EXPECT_EQ(b.dequant_s, 0.0);
  EXPECT_NEAR(fetch_span_s(b.layer), 8 * b.fetch_s, 0.005 * 8 * b.fetch_s);
  EXPECT_NEAR(b.layer.moe_predicted_s, 8 * b.fetch_s + b.gemm_s, 1e-12);
}

TEST(GpuQuantisedFetchRuntime, OffloadLayerFetchesTheInt4CopyAndDequantises) {
  const Result q = run_offload_layer(true);
  ASSERT_TRUE(q.error.empty()) << q.error;
  EXPECT_EQ(q.layer.pcie_to_gpu_bytes, 8 * kInt4Bytes);
  EXPECT_NEAR(q.fetch_s, fetch_by_hand_s(kInt4Bytes), 1e-12);
  // The dequantise kernel on the default roofline (2728 GB/s, 10 us launch): HBM bytes 90,832,896
  // read + 352,321,536 written = 443,154,432 B / 2728 GB/s = 162.45 us (flops 3.52e8 / 883e12 =
  // 0.4 us); + 10 us = 172.45 us.
  EXPECT_NEAR(q.dequant_s, 10e-6 + 443154432 / 2728e9, 1e-12);
  const double span_s = fetch_span_s(q.layer);
  EXPECT_NEAR(span_s, 8 * q.fetch_s, 0.005 * 8 * q.fetch_s);
  // Against the bf16 copy's fetch by hand: the byte ratio (within the same 0.5 %).
  EXPECT_NEAR(span_s / (8 * fetch_by_hand_s(kBf16Bytes)), 0.2578125, 0.005 * 0.2578125);
  // Every expert's GPU compute span is the dequantise kernel then its GEMMs, to the picosecond.
  int computes = 0;
  for (const auto& s : q.layer.spans) {
    if (s.track != "GPU compute") continue;
    ++computes;
    EXPECT_NEAR(double(s.end_ps - s.start_ps), std::round((q.dequant_s + q.gemm_s) * 1e12), 1.0) << s.name;
  }
  EXPECT_EQ(computes, 8);
  // The predicted makespan: 8 fetches, then the last expert's dequantise and GEMMs.
  EXPECT_NEAR(q.layer.moe_predicted_s, 8 * q.fetch_s + q.dequant_s + q.gemm_s, 1e-12);
}

std::string error_of(const std::string& json) {
  try {
    test::load_experiment_text(json);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(GpuQuantisedFetchRuntime, RefusedWithoutAQuantisedCopyOrWithASplitInFullData) {
  const std::string bf16 = error_of(experiment(true, "timing_only", "bf16"));
  EXPECT_NE(bf16.find("test.json: key 'gpu.fetch_quantised' = true"), std::string::npos) << bf16;
  EXPECT_NE(bf16.find("expert_weight_format is \"bf16\""), std::string::npos) << bf16;
  EXPECT_NE(bf16.find("allowed false, or expert_weight_format \"int8\" or \"int4\""), std::string::npos) << bf16;
  EXPECT_EQ(error_of(experiment(true, "full", "int8", "mixtral-8x7b-tiny", 64)), "no error");
  EXPECT_EQ(error_of(experiment(true, "timing_only", "int8")), "no error");
  // A split layer's fetched slices are checked as bf16 only.
  std::string split = experiment(true, "full", "int8", "mixtral-8x7b-tiny", 64);
  split.insert(split.rfind('}'), R"(, "devices": {"count": 2, "split": "always"})");
  const std::string e = error_of(split);
  EXPECT_NE(e.find("key 'gpu.fetch_quantised' = true"), std::string::npos) << e;
  EXPECT_NE(e.find("allowed false, run.data \"timing_only\", or devices.split \"none\""), std::string::npos) << e;
  split.replace(split.find("\"full\""), 6, "\"timing_only\"");
  EXPECT_EQ(error_of(split), "no error");
  // The host-memory copy is bf16 only.
  std::string host = experiment(true);
  host.insert(host.rfind('}'), R"(, "host_memory": {"expert_home": "host_memory"})");
  const std::string h = error_of(host);
  EXPECT_NE(h.find("allowed false, or host_memory.expert_home \"device\""), std::string::npos) << h;
}

}  // namespace
}  // namespace monde::system

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
