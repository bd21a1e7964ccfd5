// Unit tests of the golden tile GEMM (docs/mac_array.md, "MAC and tile"). Exact bits only.
#include <gtest/gtest.h>

#include <vector>

#include "tlm/ndp/numerics/bf16.hpp"
#include "tlm/ndp/numerics/golden_gemm.hpp"

namespace num = monde::num;
using num::bf16_t;
using num::fp32_t;

namespace {

// Small integers: bf16 n = fp32 bits >> 16 (all exact).
constexpr bf16_t k0 = 0x0000, kNeg0 = 0x8000, k1 = 0x3F80, k2 = 0x4000, k3 = 0x4040,
                 k4 = 0x4080, k5 = 0x40A0, k6 = 0x40C0, kNeg1 = 0xBF80, kNeg2 = 0xC000;

TEST(GoldenGemm, TwoByTwoByThree) {
  // A (2x3) = [1 2 3; 4 5 6], B (3x2) = [1 -1; 2 0; -2 1].
  // C = [1+4-6, -1+0+3; 4+10-12, -4+0+6] = [-1 2; 2 2].
  const bf16_t a[6] = {k1, k2, k3, k4, k5, k6};
  const bf16_t b[6] = {k1, kNeg1, k2, k0, kNeg2, k1};
  fp32_t c[4] = {0xDEADBEEFu, 0xDEADBEEFu, 0xDEADBEEFu, 0xDEADBEEFu};  // ignored when first
  num::golden_tile_gemm(a, b, c, 2, 2, 3, true);
  EXPECT_EQ(c[0], 0xBF800000u);  // -1.0
  EXPECT_EQ(c[1], 0x40000000u);  // 2.0
  EXPECT_EQ(c[2], 0x40000000u);  // 2.0
  EXPECT_EQ(c[3], 0x40000000u);  // 2.0
}

TEST(GoldenGemm, ContinuationFromExistingValues) {
  // first = false: C = C_in + A*B. A (1x2) = [1 2], B (2x3) = [1 2 3; 1 1 1].
  // A*B = [3 4 5]; C_in = [0.5, -4.0, 2^24]:
  //   0.5 + 1 + 2 = 3.5 = 1.11b * 2^1 -> 0x40600000
  //   -4 + 2 + 2  = +0 (exact cancellation at the last step gives +0)
  //   2^24 + 3 + 2: 2^24 + 3 is a tie between 2^24+2 (odd frac ..01) and 2^24+4 (even) -> 2^24+4,
  //   then + 2 -> 2^24 + 6 = 0x4B800003. (Summing 3+2 first would give 2^24+5 -> tie -> 2^24+4.)
  const bf16_t a[2] = {k1, k2};
  const bf16_t b[6] = {k1, k2, k3, k1, k1, k1};
  fp32_t c[3] = {0x3F000000u, 0xC0800000u, 0x4B800000u};
  num::golden_tile_gemm(a, b, c, 1, 3, 2, false);
  EXPECT_EQ(c[0], 0x40600000u);
  EXPECT_EQ(c[1], 0x00000000u);
  EXPECT_EQ(c[2], 0x4B800003u);
}

TEST(GoldenGemm, NegativeZeroFirstProductGivesPositiveZero) {
  // first: acc = add(+0, -0 * 1 = -0) = +0, then + (0 * -1 = -0) -> still +0.
  const bf16_t a[2] = {kNeg0, k0};
  const bf16_t b[2] = {k1, kNeg1};
  fp32_t c[1] = {0x80000000u};
  num::golden_tile_gemm(a, b, c, 1, 1, 2, true);
  EXPECT_EQ(c[0], 0x00000000u);
  // Continuing from -0 instead (first = false): (-0) + (-0) + (-0) = -0.
  c[0] = 0x80000000u;
  num::golden_tile_gemm(a, b, c, 1, 1, 2, false);
  EXPECT_EQ(c[0], 0x80000000u);
}

TEST(GoldenGemm, ZeroDepth) {
  // k == 0: first clears every output to +0; a continuation leaves them as they are.
  fp32_t c[2] = {0xBF800000u, 0x80000000u};
  num::golden_tile_gemm(nullptr, nullptr, c, 1, 2, 0, false);
  EXPECT_EQ(c[0], 0xBF800000u);
  EXPECT_EQ(c[1], 0x80000000u);
  num::golden_tile_gemm(nullptr, nullptr, c, 1, 2, 0, true);
  EXPECT_EQ(c[0], 0x00000000u);
  EXPECT_EQ(c[1], 0x00000000u);
}

TEST(GoldenGemm, MatchesMacChainInAscendingK) {
  // A non-square tile (3x4, k = 5) against an explicit mac() chain per output. The inputs are
  // distinct values of widely different magnitude (plus a negative one and a bf16 subnormal),
  // so the sums round and a wrong index or order changes the bits.
  const unsigned rows = 3, cols = 4, k = 5;
  std::vector<bf16_t> a(rows * k), b(k * cols);
  for (unsigned i = 0; i < a.size(); ++i) a[i] = static_cast<bf16_t>(0x3F80u + 0x1357u * i % 0x900u);
  for (unsigned i = 0; i < b.size(); ++i) b[i] = static_cast<bf16_t>(0x3B00u + 0x2468u * i % 0x1200u);
  b[3] = 0xC2F1u;
  a[7] = 0x0003u;
  std::vector<fp32_t> c(rows * cols, 0x3F800000u), ref(c);
  num::golden_tile_gemm(a.data(), b.data(), c.data(), rows, cols, k, false);
  for (unsigned r = 0; r < rows; ++r)
    for (unsigned cc = 0; cc < cols; ++cc) {
      fp32_t acc = ref[r * cols + cc];
      for (unsigned kk = 0; kk < k; ++kk) acc = num::mac(acc, a[r * k + kk], b[kk * cols + cc]);
      EXPECT_EQ(c[r * cols + cc], acc) << "r " << r << " c " << cc;
    }
}

}  // namespace
