// The cost-model section: keys carry units and convert to SI; every bad value names its key
// path and allowed range; hand-built models are checked as strictly.
#include <gtest/gtest.h>

#include <string>

#include "core/config/config_node.hpp"
#include "host/policy/gpu_time_model.hpp"
#include "host/policy/system_cost_model.hpp"

namespace monde::policy {
namespace {

const char* kSection = R"({"cost": {
  "device_to_gpu_GBps": 32, "host_to_device_GBps": 30, "device_to_host_GBps": 28,
  "link_latency_us": 1.5, "ndp_dram_GBps": 273, "ndp_macs_per_s": 8.192e12, "ndp_job_overhead_us": 2,
  "cpu_weight_GBps": 40, "cpu_gflops": 2000, "gpu_host_activation_GBps": 25,
  "gpu_memory_budget_bytes_per_layer": 2147483648,
  "gpu": {"model": "roofline", "peak_tflops": 989, "hbm_GBps": 3350, "launch_us": 5}
}})";

SystemCostModel parse(const std::string& text) {
  const auto json = config::parse_json_text(text, "sys.json");
  return parse_system_cost_model(config::ConfigNode(json, "sys.json").child("cost"));
}

std::string with(const std::string& from, const std::string& to) {
  std::string s = kSection;
  const auto p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  return s.replace(p, from.size(), to);
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(PolicyConfig, ParsesAndConvertsToSi) {
  const SystemCostModel m = parse(kSection);
  EXPECT_DOUBLE_EQ(m.device_to_gpu_bytes_per_s, 32e9);  // GBps = 1e9 bytes/s
  EXPECT_DOUBLE_EQ(m.host_to_device_bytes_per_s, 30e9);
  EXPECT_DOUBLE_EQ(m.device_to_host_bytes_per_s, 28e9);
  EXPECT_DOUBLE_EQ(m.link_latency_s, 1.5e-6);
  EXPECT_DOUBLE_EQ(m.ndp_dram_bytes_per_s, 273e9);
  EXPECT_DOUBLE_EQ(m.ndp_macs_per_s, 8.192e12);
  EXPECT_DOUBLE_EQ(m.ndp_job_overhead_s, 2e-6);
  EXPECT_DOUBLE_EQ(m.cpu_weight_bytes_per_s, 40e9);
  EXPECT_DOUBLE_EQ(m.cpu_flops_per_s, 2e12);  // gflops = 1e9 flop/s
  EXPECT_DOUBLE_EQ(m.gpu_host_activation_bytes_per_s, 25e9);
  EXPECT_EQ(m.gpu_memory_budget_bytes_per_layer, 2147483648u);
  const auto* roofline = dynamic_cast<const RooflineGpuTimeModel*>(m.gpu.get());
  ASSERT_NE(roofline, nullptr);
  EXPECT_DOUBLE_EQ(roofline->peak_flops_per_s(), 989e12);
  EXPECT_DOUBLE_EQ(roofline->hbm_bytes_per_s(), 3350e9);
  EXPECT_DOUBLE_EQ(roofline->launch_s(), 5e-6);
  EXPECT_NO_THROW(validate(m));
}

TEST(PolicyConfig, OutOfRangeNamesKeyAndRange) {
  const auto e = error_of(with("\"device_to_gpu_GBps\": 32", "\"device_to_gpu_GBps\": 0"));
  EXPECT_NE(e.find("sys.json: key 'cost.device_to_gpu_GBps' = 0 is out of range (allowed 0.001 .. 100000)"),
            std::string::npos) << e;
  const auto l = error_of(with("\"link_latency_us\": 1.5", "\"link_latency_us\": -1"));
  EXPECT_NE(l.find("'cost.link_latency_us' = -1 is out of range (allowed 0 .. 1e+06)"), std::string::npos) << l;
  const auto b = error_of(with("2147483648", "-5"));
  EXPECT_NE(b.find("'cost.gpu_memory_budget_bytes_per_layer' = -5 must be a non-negative integer (allowed 0.."),
            std::string::npos) << b;
}

TEST(PolicyConfig, NestedGpuKeysNameTheirPath) {
  const auto e = error_of(with("\"peak_tflops\": 989", "\"peak_tflops\": 0"));
  EXPECT_NE(e.find("'cost.gpu.peak_tflops' = 0 is out of range (allowed 0.001 .. 100000)"), std::string::npos) << e;
  const auto m = error_of(with("\"model\": \"roofline\"", "\"model\": \"profile\""));
  EXPECT_NE(m.find("'cost.gpu.model' = \"profile\" is not one of: roofline"), std::string::npos) << m;
}

TEST(PolicyConfig, MissingAndUnknownKeysAreErrors) {
  const auto missing = error_of(with("\"ndp_macs_per_s\": 8.192e12, ", ""));
  EXPECT_NE(missing.find("'cost.ndp_macs_per_s' is missing"), std::string::npos) << missing;
  const auto typo = error_of(with("\"cpu_gflops\"", "\"cpu_gflop\""));
  EXPECT_NE(typo.find("'cost.cpu_gflop' is not a known key here"), std::string::npos) << typo;
  const auto wrong_type = error_of(with("\"ndp_dram_GBps\": 273", "\"ndp_dram_GBps\": \"fast\""));
  EXPECT_NE(wrong_type.find("'cost.ndp_dram_GBps' = \"fast\" must be a number"), std::string::npos) << wrong_type;
}

TEST(PolicyConfig, HandBuiltModelsAreValidated) {
  SystemCostModel m = parse(kSection);
  m.ndp_macs_per_s = 0;
  try {
    validate(m);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("ndp_macs_per_s must be > 0"), std::string::npos) << e.what();
  }
  m = parse(kSection);
  m.gpu.reset();
  EXPECT_THROW(validate(m), std::invalid_argument);
  EXPECT_THROW(RooflineGpuTimeModel(0.0, 1.0, 0.0), std::invalid_argument);
  EXPECT_THROW(RooflineGpuTimeModel(1.0, 1.0, -1.0), std::invalid_argument);
}

TEST(PolicyConfig, RooflineTimes) {
  // Expert 1000 x 500, plain FFN, bf16: 2 * 1000 * 500 = 1e6 MACs per token, 2e6 weight bytes.
  const ExpertShape shape{1000, 500, false, 2};
  const RooflineGpuTimeModel gpu(0.2, 2000, 5);  // 2e11 flop/s, 2e12 B/s, 5 us launch
  // 100 tokens: 2 * 1e6 * 100 / 2e11 = 1e-3 s of compute > 2e6 / 2e12 = 1e-6 s of HBM; + 5 us.
  EXPECT_NEAR(gpu.expert_time_s(100, shape), 1.005e-3, 1e-15);
  // 1 token: compute 1e-5 s; HBM 1e-6 s; + 5 us = 15 us.
  EXPECT_NEAR(gpu.expert_time_s(1, shape), 15e-6, 1e-15);
  // Memory-bound: with 2 GB/s HBM the weights take 1e-3 s, more than 1 token's 1e-5 s.
  EXPECT_NEAR(RooflineGpuTimeModel(0.2, 2, 0).expert_time_s(1, shape), 1e-3, 1e-15);
  EXPECT_EQ(gpu.expert_time_s(0, shape), 0.0);  // not launched
  // Gated (SwiGLU) adds a third matrix of the same size: 3e6 bytes, 1.5e6 MACs per token.
  const ExpertShape gated{1000, 500, true, 2};
  EXPECT_EQ(gated.weight_bytes(), 3000000u);
  EXPECT_EQ(gated.macs_per_token(), 1500000u);
  EXPECT_EQ(gated.activation_bytes_per_token(), 2000u);
}

}  // namespace
}  // namespace monde::policy
