// GPU profile: parsing a good profile (core/config), each bad key named in the error, the
// profile time model on hand numbers (core/perf: interpolation, roofline extrapolation), and the
// JSON round trip monde-calibrate uses.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "core/config/gpu_profile.hpp"
#include "core/perf/gpu_time_model.hpp"

namespace monde::config {
namespace {

// Test numbers chosen for hand arithmetic; they are not measurements of any GPU.
const char* kGood = R"({
  "gpu": "Test GPU",
  "measured": {"date": "2000-01-01T00:00:00Z", "host": "test", "driver": "none", "how": "hand-written test data"},
  "host_to_gpu_pinned_GBps": 50, "gpu_to_host_pinned_GBps": 40, "host_to_gpu_pageable_GBps": 8,
  "small_copy_latency_us": 3, "kernel_launch_us": 0,
  "gemm_bf16": [
    {"m": 1000, "n": 1000, "k": 1000, "time_us": 2},
    {"m": 1, "n": 1000, "k": 1000, "time_us": 2.002}
  ],
  "expert_ffn": [
    {"model": "toy", "tokens": 2, "d_model": 1000, "d_ff": 1000, "gated": false, "time_us": 10},
    {"model": "toy", "tokens": 10, "d_model": 1000, "d_ff": 1000, "gated": false, "time_us": 30},
    {"model": "toy", "tokens": 4, "d_model": 1000, "d_ff": 1000, "gated": false, "time_us": 14}
  ]
})";

GpuProfile parse(const std::string& text) { return parse_gpu_profile(parse_json_text(text, "test.json"), "test.json"); }

// The profile's expert time (perf::ProfileGpuTime) for d_model x d_ff.
double expert_s(const GpuProfile& p, std::uint64_t tokens, std::uint64_t d_model, std::uint64_t d_ff, bool gated) {
  return perf::ProfileGpuTime(p).expert_time_s(tokens, perf::ExpertShape{d_model, d_ff, gated});
}

std::string with(const std::string& from, const std::string& to) {
  std::string s = kGood;
  const auto p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  return s.replace(p, from.size(), to);
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(GpuProfile, ParsesGoodProfile) {
  const GpuProfile p = parse(kGood);
  EXPECT_EQ(p.gpu, "Test GPU");
  EXPECT_EQ(p.measured.how, "hand-written test data");
  EXPECT_DOUBLE_EQ(p.host_to_gpu_pinned_GBps, 50);
  EXPECT_DOUBLE_EQ(p.gpu_to_host_pinned_GBps, 40);
  EXPECT_DOUBLE_EQ(p.host_to_gpu_pageable_GBps, 8);
  EXPECT_DOUBLE_EQ(p.small_copy_latency_us, 3);
  ASSERT_EQ(p.gemm_bf16.size(), 2u);
  EXPECT_EQ(p.gemm_bf16[1].m, 1u);
  ASSERT_EQ(p.expert_ffn.size(), 3u);
  EXPECT_EQ(p.expert_ffn[2].tokens, 4u);
  EXPECT_FALSE(p.expert_ffn[2].gated);
}

struct BadCase {
  const char* from;
  const char* to;
  const char* expect;  // substrings of the message: key path and allowed range/values
  const char* expect2;
};

TEST(GpuProfile, EachBadKeyIsNamed) {
  const BadCase cases[] = {
      {R"("gpu": "Test GPU")", R"("gpu": "")", "key 'gpu' = \"\": ", "non-empty string"},
      {R"("date": "2000-01-01T00:00:00Z", )", "", "key 'measured.date': missing", "required"},
      {R"("host": "test")", R"("host": 5)", "key 'measured.host' = 5: ", "non-empty string"},
      {R"("host_to_gpu_pinned_GBps": 50)", R"("host_to_gpu_pinned_GBps": 0)", "key 'host_to_gpu_pinned_GBps' = 0: ",
       "out of range; allowed 1e-09 .. 10000"},
      {R"("gpu_to_host_pinned_GBps": 40)", R"("gpu_to_host_pinned_GBps": 4e10)", "key 'gpu_to_host_pinned_GBps'",
       "allowed 1e-09 .. 10000"},
      {R"("host_to_gpu_pageable_GBps": 8)", R"("host_to_gpu_pageable_GBps": "8")",
       "key 'host_to_gpu_pageable_GBps' = \"8\": ", "must be a number; allowed 1e-09 .. 10000"},
      {R"("small_copy_latency_us": 3, )", "", "key 'small_copy_latency_us': missing", "required"},
      {R"("kernel_launch_us": 0)", R"("kernel_launch_us": -1)", "key 'kernel_launch_us' = -1: ", "allowed 0 .. 1e+06"},
      {R"({"m": 1, "n": 1000)", R"({"m": 0, "n": 1000)", "key 'gemm_bf16[1].m' = 0: ", "allowed 1 .. 16777216"},
      {R"("k": 1000, "time_us": 2})", R"("k": 1000, "time_us": 0})", "key 'gemm_bf16[0].time_us' = 0: ",
       "allowed 1e-09 .. 1e+09"},
      {R"("k": 1000, "time_us": 2})", R"("k": 1.5, "time_us": 2})", "key 'gemm_bf16[0].k' = 1.5: ", "integer"},
      {R"("tokens": 2, )", R"("tokens": 2, "d_modle": 3, )", "key 'expert_ffn[0].d_modle': unknown key",
       "allowed model, tokens"},
      {R"("tokens": 10, "d_model": 1000, "d_ff": 1000, "gated": false)",
       R"("tokens": 10, "d_model": 1000, "d_ff": 1000, "gated": 0)", "key 'expert_ffn[1].gated'", "true or false"},
      {R"("tokens": 4, "d_model": 1000, "d_ff": 1000, "gated": false, "time_us": 14)",
       R"("tokens": 4, "d_model": 1000, "d_ff": 0, "gated": false, "time_us": 14)", "key 'expert_ffn[2].d_ff'",
       "allowed 1 .. 4194304"},
      {R"("tokens": 4, "d_model")", R"("tokens": 2, "d_model")", "key 'expert_ffn[2].tokens'", "repeats"},
      {R"("small_copy_latency_us")", R"("smal_copy_latency_us": 1, "small_copy_latency_us")",
       "key 'smal_copy_latency_us': unknown key", "kernel_launch_us"},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of(with(c.from, c.to));
    EXPECT_NE(msg.find("test.json: "), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "got: " << msg;
    EXPECT_NE(msg.find(c.expect2), std::string::npos) << "got: " << msg;
  }
  EXPECT_NE(error_of(with(R"("gemm_bf16": [)", R"("gemm_bf16": [], "_comment": [)"))
                .find("key 'gemm_bf16' = []: has 0 elements; allowed an array of 1 .. "),
            std::string::npos);
  EXPECT_NE(error_of("{").find("test.json:1:2: invalid JSON"), std::string::npos) << error_of("{");
}

// Roofline of kGood (kernel_launch_us 0 keeps the arithmetic exact):
//   point 0: 2e9 FLOP / 2 us = 1e15 FLOP/s; bytes 2 * 3e6 = 6e6 / 2 us = 3e12 B/s
//   point 1: 2e6 FLOP / 2.002 us < 1e15;    bytes 2 * (1e3 + 1e6 + 1e3) = 2.004e6 / 2.002e-6 = 1.000999e12
//   -> P = 1e15 FLOP/s, W = 3e12 B/s.
TEST(GpuProfile, RooflineFit) {
  const GpuProfile p = parse(kGood);
  const perf::Roofline r = perf::fit_roofline(p.gemm_bf16, p.kernel_launch_us);
  EXPECT_DOUBLE_EQ(r.flops_per_s, 1e15);
  EXPECT_DOUBLE_EQ(r.bytes_per_s, 3e12);
  EXPECT_DOUBLE_EQ(r.launch_s, 0);
}

TEST(GpuProfile, ExpertTimeInterpolatesMeasuredPoints) {
  const GpuProfile p = parse(kGood);  // toy points: T=2 -> 10 us, T=4 -> 14 us, T=10 -> 30 us
  EXPECT_DOUBLE_EQ(expert_s(p, 0, 1000, 1000, false), 0.0);
  EXPECT_DOUBLE_EQ(expert_s(p, 2, 1000, 1000, false), 10e-6);
  EXPECT_DOUBLE_EQ(expert_s(p, 4, 1000, 1000, false), 14e-6);
  EXPECT_NEAR(expert_s(p, 3, 1000, 1000, false), 12e-6, 1e-15);  // halfway 10..14
  EXPECT_NEAR(expert_s(p, 7, 1000, 1000, false), 22e-6, 1e-15);  // halfway 14..30
  EXPECT_NEAR(expert_s(p, 9, 1000, 1000, false), 27.333333333333333e-6, 1e-15);
}

// Outside [2, 10] tokens: t(T) = t_edge * R(T) / R(T_edge), with R the roofline expert time
// (P = 1e15, W = 3e12, no launch cost). For d_model = d_ff = 1000, relu, all memory bound:
//   GEMM1 bytes = 2 (T*1000 + 1e6) + 4 T*1000 = 2e6 + 6000 T, act bytes = 4 T*1000 + 2 T*1000 = 6000 T,
//   GEMM2 bytes = 2 (T*1000 + 1e6 + T*1000) = 2e6 + 4000 T  ->  B(T) = 4e6 + 16000 T; R = B / 3e12
//   (each GEMM's 2e6 T FLOP / 1e15 is far below its bytes / 3e12 here: memory bound)
//   T = 1 : 10 us * (4e6 + 16000) / (4e6 + 32000) = 10 * 4.016 / 4.032 us
//   T = 20: 30 us * (4e6 + 320000) / (4e6 + 160000) = 30 * 4.32 / 4.16 us
TEST(GpuProfile, ExpertTimeExtrapolatesWithRooflineShape) {
  const GpuProfile p = parse(kGood);
  EXPECT_NEAR(expert_s(p, 1, 1000, 1000, false), 10e-6 * 4.016 / 4.032, 1e-15);
  EXPECT_NEAR(expert_s(p, 20, 1000, 1000, false), 30e-6 * 4.32 / 4.16, 1e-15);
}

// A shape never measured: the roofline alone. Gated d_model = d_ff = 1000, T = 1:
//   GEMM1 n = 2000: bytes 2 (1000 + 2e6) + 4 * 2000 = 4.01e6; compute 4e6 FLOP / 1e15 = 4 ns
//   act: 4 * 2000 + 2 * 1000 = 1e4 bytes;  GEMM2: 2 (1000 + 1e6 + 1000) = 2.004e6 bytes
//   total 6.024e6 B / 3e12 B/s = 2.008 us
TEST(GpuProfile, ExpertTimeUnmeasuredShapeUsesRoofline) {
  const GpuProfile p = parse(kGood);
  EXPECT_NEAR(expert_s(p, 1, 1000, 1000, true), 2.008e-6, 1e-15);
}

TEST(GpuProfile, JsonRoundTrip) {
  const GpuProfile p = parse(kGood);
  const GpuProfile q = parse_gpu_profile(to_json(p), "roundtrip");
  EXPECT_EQ(to_json(q), to_json(p));
  EXPECT_EQ(q.expert_ffn.size(), 3u);
  EXPECT_DOUBLE_EQ(expert_s(q, 3, 1000, 1000, false), expert_s(p, 3, 1000, 1000, false));
}

TEST(GpuProfile, Slug) {
  EXPECT_EQ(gpu_slug("NVIDIA H100 80GB HBM3"), "nvidia-h100-80gb-hbm3");
  EXPECT_EQ(gpu_slug("  NVIDIA H200 (SXM) "), "nvidia-h200-sxm");
  EXPECT_EQ(gpu_slug("???"), "gpu");
}

}  // namespace
}  // namespace monde::config
