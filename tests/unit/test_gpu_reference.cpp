// CPU reference expert FFN on tiny hand-computed examples (bf16 bits derived in comments),
// its determinism, job validation, bf16 conversion and the comparison helper.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "host/gpu_backend/bf16.hpp"
#include "host/gpu_backend/compare.hpp"
#include "host/gpu_backend/cpu_reference_backend.hpp"
#include "host/gpu_backend/random_bf16.hpp"
#include "host/gpu_backend/tolerance.hpp"

namespace monde::gpu_backend {
namespace {

// bf16 constants used below (sign | 8-bit exponent, bias 127 | 7-bit fraction):
constexpr bf16_bits k1 = 0x3F80;         // 1.0
constexpr bf16_bits kHalf = 0x3F00;      // 0.5
constexpr bf16_bits k0_75 = 0x3F40;      // 0.75   = 1.5 * 2^-1
constexpr bf16_bits k1_5 = 0x3FC0;       // 1.5
constexpr bf16_bits k2 = 0x4000;         // 2.0
constexpr bf16_bits k5 = 0x40A0;         // 5.0   = 1.25 * 2^2
constexpr bf16_bits kM1 = 0xBF80;        // -1.0
constexpr bf16_bits k0 = 0x0000;         // +0
constexpr bf16_bits k3x2m9 = 0x3BC0;     // 3 * 2^-9 = 1.5 * 2^-8 (exponent 119 = 0x77)

TEST(GpuBf16, RoundToNearestEven) {
  EXPECT_EQ(float_to_bf16(1.0f), k1);
  // 1 + 2^-8 is exactly between 1.0 (fraction 0, even) and 1 + 2^-7 (fraction 1): ties to even.
  EXPECT_EQ(float_to_bf16(1.0f + 0x1p-8f), 0x3F80);
  // 1 + 3 * 2^-8 is between 1 + 2^-7 (odd) and 1 + 2^-6 (even): ties to even goes up.
  EXPECT_EQ(float_to_bf16(1.0f + 3 * 0x1p-8f), 0x3F82);
  // Just above the midpoint rounds up.
  EXPECT_EQ(float_to_bf16(1.0f + 0x1p-8f + 0x1p-20f), 0x3F81);
  EXPECT_EQ(float_to_bf16(std::numeric_limits<float>::quiet_NaN()), kBf16QuietNan);
  EXPECT_EQ(float_to_bf16(-std::numeric_limits<float>::infinity()), 0xFF80);
  EXPECT_EQ(bf16_to_float(k3x2m9), 3 * 0x1p-9f);
}

// ReLU expert: tokens 1, d_model 2, d_ff 3.
//   x      = [1, 1]
//   W_up   = [[1, 3*2^-9], [0.5, 0.5], [-1, -1]]
//   u      = x W_up^T = [1 + 3*2^-9, 1, -2]        (exact in fp32)
//   h      = bf16(relu(u)): 1 + 3*2^-9 = 1 + 0.75 ulp (ulp 2^-7) -> rounds up to 1 + 2^-7 = 0x3F81;
//            1 -> 0x3F80; relu(-2) = 0
//   W_down = [[1, -1, 5], [2, 0, 1]]
//   y0     = (1 + 2^-7) - 1 + 0 = 2^-7 -> exponent 120 = 0x78, fraction 0 -> 0x3C00
//            (had h not been rounded: 3*2^-9 -> 0x3BC0; this is what makes the rounding observable)
//   y1     = 2 (1 + 2^-7) = 2 + 2^-6 -> exponent 128, fraction 1 -> 0x4001
TEST(GpuCpuReference, ReluHandExample) {
  const std::vector<bf16_bits> x{k1, k1};
  const std::vector<bf16_bits> w_up{k1, k3x2m9, kHalf, kHalf, kM1, kM1};
  const std::vector<bf16_bits> w_down{k1, kM1, k5, k2, k0, k1};
  std::vector<bf16_bits> y(2, 0xFFFF);
  ExpertJob job;
  job.tokens = 1;
  job.d_model = 2;
  job.d_ff = 3;
  job.gated = false;
  job.activation = Activation::relu;
  job.x = x.data();
  job.w_up = w_up.data();
  job.w_down = w_down.data();
  job.y = y.data();

  CpuReferenceBackend cpu(1);
  EXPECT_EQ(cpu.hidden(job), (std::vector<bf16_bits>{0x3F81, 0x3F80, 0x0000}));
  cpu.run(job);
  EXPECT_EQ(y[0], 0x3C00) << "h must be rounded to bf16 before the down projection (0x3BC0 if not)";
  EXPECT_EQ(y[1], 0x4001);
}

// SiLU-gated expert: tokens 1, d_model 2, d_ff 2.
//   x      = [1, 1]
//   W_gate = [[1, 0], [0, 1]]      -> g = [1, 1]
//   W_up   = [[1, 0], [0.75, 0.75]] -> u = [1, 1.5]
//   silu(1) = 1 / (1 + e^-1) = 0.7310586 (fp32)
//   h0 = bf16(0.7310586 * 1)   = 1.4621172 * 2^-1: fraction 0.4621172 * 128 = 59.15 -> 59
//        -> (126 << 7) | 59 = 0x3F3B = 0.73046875
//   h1 = bf16(0.7310586 * 1.5) = 1.0965879: fraction 0.0965879 * 128 = 12.36 -> 12
//        -> 0x3F8C = 1.09375
//   W_down = [[1.5, -1], [1, 1]]
//   y0 = 1.5 * 0.73046875 - 1.09375 = 1.095703125 - 1.09375 = 2^-9 -> (118 << 7) = 0x3B00
//        (with unrounded h: 1.5 silu(1) - 1.5 silu(1) ~ 0: the rounding is observable)
//   y1 = 0.73046875 + 1.09375 = 1.82421875: fraction 0.82421875 * 128 = 105.5, a tie between 105
//        (odd) and 106 (even) -> 106 -> 0x3F80 + 0x6A = 0x3FEA
TEST(GpuCpuReference, SiluGatedHandExample) {
  const std::vector<bf16_bits> x{k1, k1};
  const std::vector<bf16_bits> w_gate{k1, k0, k0, k1};
  const std::vector<bf16_bits> w_up{k1, k0, k0_75, k0_75};
  const std::vector<bf16_bits> w_down{k1_5, kM1, k1, k1};
  std::vector<bf16_bits> y(2, 0xFFFF);
  ExpertJob job;
  job.tokens = 1;
  job.d_model = 2;
  job.d_ff = 2;
  job.gated = true;
  job.activation = Activation::silu_gated;
  job.x = x.data();
  job.w_up = w_up.data();
  job.w_gate = w_gate.data();
  job.w_down = w_down.data();
  job.y = y.data();

  CpuReferenceBackend cpu(1);
  EXPECT_EQ(cpu.hidden(job), (std::vector<bf16_bits>{0x3F3B, 0x3F8C}));
  cpu.run(job);
  EXPECT_EQ(y[0], 0x3B00) << "h must be rounded to bf16 before the down projection";
  EXPECT_EQ(y[1], 0x3FEA) << "y is rounded to nearest, ties to even";
}

// Two tokens with the rows swapped give swapped outputs: catches token/feature index mix-ups
// that a one-token example cannot.
TEST(GpuCpuReference, TokensAreRows) {
  const std::vector<bf16_bits> x{k1, k0, k0, k2};        // token 0 = [1, 0], token 1 = [0, 2]
  const std::vector<bf16_bits> w_up{k1, k0, k0, k1, k1, k1};  // d_ff 3: u = [x0, x1, x0 + x1]
  const std::vector<bf16_bits> w_down{k1, k0, k0, k0, k1, k1};  // y = [h0, h1 + h2]
  std::vector<bf16_bits> y(4);
  ExpertJob job;
  job.tokens = 2;
  job.d_model = 2;
  job.d_ff = 3;
  job.x = x.data();
  job.w_up = w_up.data();
  job.w_down = w_down.data();
  job.y = y.data();
  CpuReferenceBackend(1).run(job);
  // token 0: h = [1, 0, 1] -> y = [1, 1]; token 1: h = [0, 2, 2] -> y = [0, 4]
  EXPECT_EQ(y, (std::vector<bf16_bits>{k1, k1, k0, 0x4080}));
}

ExpertJob random_job(std::size_t T, std::size_t dm, std::size_t df, bool gated, std::vector<std::vector<bf16_bits>>& keep) {
  keep.clear();
  keep.push_back(random_bf16(T * dm, 1.0f, 11));
  keep.push_back(random_bf16(df * dm, 0.1f, 12));
  keep.push_back(random_bf16(df * dm, 0.1f, 13));
  keep.push_back(random_bf16(dm * df, 0.1f, 14));
  keep.emplace_back(T * dm);
  ExpertJob j;
  j.tokens = T;
  j.d_model = dm;
  j.d_ff = df;
  j.gated = gated;
  j.activation = gated ? Activation::silu_gated : Activation::relu;
  j.x = keep[0].data();
  j.w_up = keep[1].data();
  j.w_gate = gated ? keep[2].data() : nullptr;
  j.w_down = keep[3].data();
  j.y = keep[4].data();
  return j;
}

TEST(GpuCpuReference, SameBitsForAnyThreadCount) {
  for (const bool gated : {false, true}) {
    std::vector<std::vector<bf16_bits>> keep;
    const ExpertJob job = random_job(7, 96, 2048, gated, keep);
    CpuReferenceBackend(1).run(job);
    const std::vector<bf16_bits> one = keep[4];
    CpuReferenceBackend(4).run(job);
    EXPECT_EQ(keep[4], one) << (gated ? "silu_gated" : "relu");
  }
}

// The reference is a tolerance reference: against an fp64 evaluation of the same formula
// (h rounded to bf16 the same way) it must be within the tolerance stated for the GPU.
TEST(GpuCpuReference, WithinStatedToleranceOfFp64) {
  for (const bool gated : {false, true}) {
    std::vector<std::vector<bf16_bits>> keep;
    const ExpertJob job = random_job(5, 64, 256, gated, keep);
    CpuReferenceBackend cpu(2);
    cpu.run(job);
    const auto h = cpu.hidden(job);
    std::vector<bf16_bits> y64(job.tokens * job.d_model);
    for (std::size_t t = 0; t < job.tokens; ++t) {
      for (std::size_t i = 0; i < job.d_model; ++i) {
        double s = 0;
        for (std::size_t j = 0; j < job.d_ff; ++j) {
          s += static_cast<double>(bf16_to_float(h[t * job.d_ff + j])) * bf16_to_float(job.w_down[i * job.d_ff + j]);
        }
        y64[t * job.d_model + i] = float_to_bf16(static_cast<float>(s));
      }
    }
    const Tolerance tol = gpu_tolerance(job, h);
    const CompareStats st = compare_bf16(job.y, y64.data(), y64.size(), tol.rel, tol.abs);
    EXPECT_TRUE(st.ok()) << st.summary();
  }
}

TEST(GpuExpertJob, ValidationNamesTheField) {
  std::vector<std::vector<bf16_bits>> keep;
  const ExpertJob good = random_job(2, 8, 16, true, keep);
  auto message = [](const ExpertJob& j) {
    try {
      validate(j);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  ExpertJob j = good;
  j.d_model = 0;
  EXPECT_NE(message(j).find("d_model"), std::string::npos);
  j = good;
  j.w_gate = nullptr;
  EXPECT_NE(message(j).find("w_gate"), std::string::npos);
  j = good;
  j.activation = Activation::relu;
  EXPECT_NE(message(j).find("disagrees"), std::string::npos);
  j = good;
  j.y = nullptr;
  EXPECT_NE(message(j).find("y is null"), std::string::npos);
  j = good;
  j.tokens = 0;
  j.x = nullptr;
  EXPECT_EQ(message(j), "no error");  // an empty job touches no memory
  EXPECT_THROW(parse_activation("gelu"), std::invalid_argument);
  EXPECT_EQ(parse_activation("silu_gated"), Activation::silu_gated);
}

TEST(GpuCompare, MixedToleranceAndSpecialValues) {
  const bf16_bits nan = kBf16QuietNan;
  const bf16_bits inf = 0x7F80;
  // ref 1.0 vs 1 + 2^-7 (err 2^-7): inside rel 2^-7; ref 0 vs 2^-7: needs abs >= 2^-7.
  const std::vector<bf16_bits> ref{k1, k0, nan, inf, k2};
  const std::vector<bf16_bits> got{0x3F81, 0x3C00, 0x7FFF, inf, k2};
  CompareStats st = compare_bf16(got.data(), ref.data(), ref.size(), 1.0 / 128, 1.0 / 128);
  EXPECT_TRUE(st.ok()) << st.summary();
  EXPECT_DOUBLE_EQ(st.max_abs_err, 1.0 / 128);
  st = compare_bf16(got.data(), ref.data(), ref.size(), 1.0 / 128, 0.0);
  EXPECT_EQ(st.violations, 1u);
  EXPECT_EQ(st.worst_index, 1u);
  const std::vector<bf16_bits> bad{k1, k0, k1, 0xFF80, k2};  // NaN vs number, +inf vs -inf
  st = compare_bf16(bad.data(), ref.data(), ref.size(), 1.0, 1.0);
  EXPECT_EQ(st.violations, 2u);
}

}  // namespace
}  // namespace monde::gpu_backend
