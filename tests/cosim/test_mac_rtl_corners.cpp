// Directed corner cases of the accumulate and output paths, each a 1 x 1 tile (one output,
// B = 1.0 in every beat, so the sum is the A values in order) with its hand-worked result.
// They are the cases the RTL's cover points name (rtl/fp32_add.sv, rtl/fp32_to_bf16.sv) that
// random tiles reach rarely: sign-off coverage requires every cover hit by these tests.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tlm/ndp/mac_cycle_engine.hpp"
#include "tlm/ndp/mac_rtl_engine.hpp"
#include "tlm/ndp/numerics/golden_gemm.hpp"

namespace monde::ndp {
namespace {

constexpr num::bf16_t kOne = 0x3F80;

// bf16 2^-n (n < 127): biased exponent 127 - n, fraction 0.
constexpr num::bf16_t pow2_neg(unsigned n) { return static_cast<num::bf16_t>((127 - n) << 7); }

struct Corner {
  std::string name;
  std::vector<num::bf16_t> a;  // summed in this order (times 1.0)
  num::fp32_t fp32;            // hand-worked accumulator
  num::bf16_t bf16;            // hand-worked RNE of it
};

std::vector<Corner> corners() {
  std::vector<num::bf16_t> ones_to_2_minus_ulp;  // 2^0 + 2^-1 + ... + 2^-23 = 2 - 2^-23
  for (unsigned n = 0; n <= 23; ++n) ones_to_2_minus_ulp.push_back(pow2_neg(n));
  auto carry_out = ones_to_2_minus_ulp;
  carry_out.push_back(pow2_neg(24));  // + 2^-24: a tie between 2 - 2^-23 (odd) and 2.0 (even)
  return {
      // 1 + 2^-24 is half way between 1.0 (even) and 1 + 2^-23: stays 1.0.
      {"adder tie to even", {kOne, pow2_neg(24)}, 0x3F800000, 0x3F80},
      // 1 + 2^-23 + 2^-24 is half way between 1 + 2^-23 (odd) and 1 + 2^-22: rounds up.
      {"adder tie rounds up", {kOne, pow2_neg(23), pow2_neg(24)}, 0x3F800002, 0x3F80},
      {"significand is 24 ones", ones_to_2_minus_ulp, 0x3FFFFFFF, 0x4000},
      {"rounding carries into the exponent", carry_out, 0x40000000, 0x4000},
      // 2^64 - 1: the 1.0 is 64 places below (alignment >= 27, sticky only); rounds to 2^64.
      {"far alignment, subtract", {0x5F80, 0xBF80}, 0x5F800000, 0x5F80},
      {"far alignment, add", {0x5F80, kOne}, 0x5F800000, 0x5F80},
      {"exact cancellation is +0", {0xC040, 0x4040}, 0x00000000, 0x0000},
      // 1.0078125 - 1.0 = 2^-7: the leading one moves 7 places (massive cancellation).
      {"massive cancellation", {0x3F81, 0xBF80}, 0x3C000000, 0x3C00},
      // Largest finite bf16 twice: 2 x 1.9921875 x 2^127 overflows to +inf.
      {"adder overflow to inf", {0x7F7F, 0x7F7F}, 0x7F800000, 0x7F80},
      // -2^-125 + 1.5 x 2^-126 = -2^-127, below 2^-126: flushed, keeping the minus sign.
      {"result below 2^-126 flushed to -0", {0x8100, 0x00C0}, 0x80000000, 0x8000},
      {"inf - inf is NaN", {0x7F80, 0xFF80}, 0x7FC00000, 0x7FC0},
      // 1 + 2^-8 (fp32 exact) to bf16: half way, kept LSB even: 1.0.
      {"bf16 tie to even", {kOne, pow2_neg(8)}, 0x3F808000, 0x3F80},
      // 1.0078125 + 2^-8: half way, kept LSB odd: up to 1.015625.
      {"bf16 tie rounds up", {0x3F81, pow2_neg(8)}, 0x3F818000, 0x3F82},
      // 1.9921875 + 2^-8 = 1.99609375: half way, odd: rounds up into the exponent, 2.0.
      {"bf16 rounding carries into the exponent", {0x3FFF, pow2_neg(8)}, 0x3FFF8000, 0x4000},
      // Largest finite bf16 + 2^119 = 0x7F7F8000, finite in fp32; to bf16 it rounds to +inf.
      {"bf16 rounds a finite fp32 to inf", {0x7F7F, 0x7B00}, 0x7F7F8000, 0x7F80},
  };
}

TEST(MacRtlCorners, HandWorkedSumsOnRtlCycleModelAndGolden) {
  const auto shape = rtl_built_shape();
  RtlMacEngine rtl(shape, {});
  CycleMacEngine cyc(shape);
  for (const auto& c : corners()) {
    SCOPED_TRACE(c.name);
    MacTile t;
    t.rows = 1;
    t.cols = 1;
    t.k = static_cast<unsigned>(c.a.size());
    t.a = c.a;
    t.b.assign(t.k, kOne);
    std::vector<num::fp32_t> want(1, num::kFp32PosZero);
    num::golden_tile_gemm(t.a.data(), t.b.data(), want.data(), 1, 1, t.k, true);
    ASSERT_EQ(want[0], c.fp32) << "golden disagrees with the hand-worked value";
    for (MacEngine* e : std::vector<MacEngine*>{&rtl, &cyc}) {
      const auto r = e->run_tile(t);
      EXPECT_EQ(r.c_fp32.at(0), c.fp32) << std::hex << r.c_fp32.at(0);
      EXPECT_EQ(r.c_bf16.at(0), c.bf16) << std::hex << r.c_bf16.at(0);
    }
  }
}

}  // namespace
}  // namespace monde::ndp
