// Unit tests of the NDP activation functions (tlm/ndp/numerics/activation.hpp): relu, silu,
// mul_fp32. Exact bits where the value is derived by hand; silu's accuracy against a long
// double reference over every bf16 input and a random fp32 sample.
//
// fp32 notation: [sign | biased exp E | 23-bit frac], value 1.f * 2^(E-127). 2^k has E = 127+k,
// bits (127+k) << 23.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>

#include "tlm/ndp/numerics/activation.hpp"
#include "tlm/ndp/numerics/bf16.hpp"

namespace num = monde::num;
using num::fp32_t;

namespace {

constexpr fp32_t kNan = 0x7FC00000u;
constexpr fp32_t kPosInf = 0x7F800000u;
constexpr fp32_t kNegInf = 0xFF800000u;
constexpr fp32_t kPosZero = 0x00000000u;
constexpr fp32_t kNegZero = 0x80000000u;
constexpr fp32_t kMinNormal = 0x00800000u;  // 2^-126

float as_float(fp32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}
fp32_t as_bits(float f) {
  fp32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// ---------------------------------------------------------------------------------------------
// relu
// ---------------------------------------------------------------------------------------------

TEST(Relu, SignsZerosAndInfinities) {
  EXPECT_EQ(num::relu(0x3F800000u), 0x3F800000u);  // 1.0 passes
  EXPECT_EQ(num::relu(0x7F7FFFFFu), 0x7F7FFFFFu);  // largest finite passes
  EXPECT_EQ(num::relu(kMinNormal), kMinNormal);    // smallest normal passes
  EXPECT_EQ(num::relu(0xBF800000u), kPosZero);     // -1.0 -> +0
  EXPECT_EQ(num::relu(kNegZero), kPosZero);        // -0 -> +0 (max(-0, +0) is +0 here)
  EXPECT_EQ(num::relu(kPosZero), kPosZero);
  EXPECT_EQ(num::relu(kPosInf), kPosInf);
  EXPECT_EQ(num::relu(kNegInf), kPosZero);
}

TEST(Relu, SubnormalsFlushToPositiveZero) {
  EXPECT_EQ(num::relu(0x00000001u), kPosZero);  // positive subnormal flushes first
  EXPECT_EQ(num::relu(0x007FFFFFu), kPosZero);
  EXPECT_EQ(num::relu(0x80000001u), kPosZero);  // -subnormal -> -0 -> +0
}

TEST(Relu, NanIsCanonical) {
  EXPECT_EQ(num::relu(0x7F800001u), kNan);  // signalling
  EXPECT_EQ(num::relu(0xFFC00000u), kNan);  // negative quiet
  EXPECT_EQ(num::relu(0x7FFFFFFFu), kNan);
}

// ---------------------------------------------------------------------------------------------
// silu: special inputs
// ---------------------------------------------------------------------------------------------

TEST(Silu, Specials) {
  EXPECT_EQ(num::silu(kPosZero), kPosZero);  // 0 * sigmoid(0) = 0 * 1/2
  EXPECT_EQ(num::silu(kNegZero), kNegZero);  // sign kept
  EXPECT_EQ(num::silu(kPosInf), kPosInf);    // inf * sigmoid(inf) = inf * 1
  EXPECT_EQ(num::silu(kNegInf), kNegZero);   // limit from below: -0
  EXPECT_EQ(num::silu(0x7F800001u), kNan);
  EXPECT_EQ(num::silu(0xFFFFFFFFu), kNan);
  EXPECT_EQ(num::silu(0x00000001u), kPosZero);  // subnormal input flushes, sign kept
  EXPECT_EQ(num::silu(0x807FFFFFu), kNegZero);
}

TEST(Silu, TinyInputsHalve) {
  // |x| < 2^-26: silu(x) = x/2 + x^2/4 + O(x^4), and x^2/4 is below a quarter ulp of x/2, so the
  // correctly rounded result is exactly x/2 (exponent minus one).
  EXPECT_EQ(num::silu(0x30800000u), 0x30000000u);  // 2^-30 (E 97) -> 2^-31 (E 96)
  EXPECT_EQ(num::silu(0xB2000000u), 0xB1800000u);  // -2^-27 (E 100) -> -2^-28 (E 99)
  EXPECT_EQ(num::silu(0x01000000u), kMinNormal);   // 2^-125 -> 2^-126, still normal
  // 2^-126 / 2 = 2^-127 and 1.5*2^-126 / 2 are subnormal results: flushed, sign kept.
  EXPECT_EQ(num::silu(kMinNormal), kPosZero);
  EXPECT_EQ(num::silu(0x80C00000u), kNegZero);
}

TEST(Silu, LargePositiveIsIdentity) {
  // x > 30: e^-x < 2^-43, so x / (1 + e^-x) is within 2^-43 relative of x: rounds to x.
  EXPECT_EQ(num::silu(0x42200000u), 0x42200000u);  // 40.0
  EXPECT_EQ(num::silu(0x7F7FFFFFu), 0x7F7FFFFFu);  // FLT_MAX (no overflow inside)
  EXPECT_EQ(num::silu(0x4B800000u), 0x4B800000u);  // 2^24
}

TEST(Silu, LargeNegativeFlushesToNegativeZero) {
  // silu(-100) = -100 e^-100 = -3.7e-42 < 2^-126 = 1.18e-38: flushed to -0.
  EXPECT_EQ(num::silu(0xC2C80000u), kNegZero);  // -100
  EXPECT_EQ(num::silu(0xC3480000u), kNegZero);  // -200
  EXPECT_EQ(num::silu(0xFF7FFFFFu), kNegZero);  // -FLT_MAX
}

// Reference vectors. "exact" and "cr" (the correctly rounded float) are derived with 50-digit
// decimal arithmetic from silu(x) = x / (1 + e^-x); "pos" is where the exact value lies between
// its two neighbouring floats (0 = the one nearer zero), so "cr" is unambiguous. "golden" is what
// this implementation returns: the bits every port of the algorithm (another host, compiler or
// an RTL activation unit) must reproduce. The golden silu is not correctly rounded; the test
// also checks that each vector is within one ulp of "cr".
//   x          exact                        pos   cr          golden
//   1.0        0.731058578630004879...      0.68  0x3F3B26A8  0x3F3B26A8
//  -1.0       -0.268941421369995120...      0.64  0xBE89B2B1  0xBE89B2B1
//   2.0        1.761594155955764888...      0.83  0x3FE17BEB  0x3FE17BEA  (-1 ulp)
//  -2.0       -0.238405844044235111...      0.36  0xBE7420A9  0xBE7420A9
//   5.0        4.966535745378575722...      0.37  0x409EEDDC  0x409EEDDC
//  -10.0      -4.5397868702434394e-4        0.91  0xB9EE03FD  0xB9EE03FE  (+1 ulp)
//  -20.0      -4.1223072363804071e-8        0.33  0xB3310D3F  0xB3310D40  (+1 ulp)
//  -30.0      -2.8072868906517896e-12       0.70  0xAC458B96  0xAC458B96  (x < -25: 1 dropped)
//  -87.0      -1.4318559450415780e-36       0.30  0x83F39E1F  0x83F39E1F  (x < -25: (x / p) * 2^-n)
//  -90.0      -7.3746113615914638e-38       0.31  0x81C8C18A  0x81C8C18A  (e^90 overflows float)
//   0.20605.. 0.113604579273534750...       0.52  0x3DE8A985  0x3DE8A985  (x = 0x3E530000)
//   1.7578125  1.499300647630580106...      0.41  0x3FBFE915  0x3FBFE915
//  -0.1298828125 -0.0607299388019790798...  0.82  0xBD78BFF5  0xBD78BFF4  (-1 ulp)
// The last three and -87.0 change when the compiler contracts a*b+c into FMA (checked with
// -march=haswell -ffp-contract=fast): they guard the -ffp-contract=off requirement.
TEST(Silu, ReferenceVectors) {
  struct Case {
    fp32_t x, cr, golden;
  };
  const Case cases[] = {
      {0x3F800000u, 0x3F3B26A8u, 0x3F3B26A8u}, {0xBF800000u, 0xBE89B2B1u, 0xBE89B2B1u},
      {0x40000000u, 0x3FE17BEBu, 0x3FE17BEAu}, {0xC0000000u, 0xBE7420A9u, 0xBE7420A9u},
      {0x40A00000u, 0x409EEDDCu, 0x409EEDDCu}, {0xC1200000u, 0xB9EE03FDu, 0xB9EE03FEu},
      {0xC1A00000u, 0xB3310D3Fu, 0xB3310D40u}, {0xC1F00000u, 0xAC458B96u, 0xAC458B96u},
      {0xC2AE0000u, 0x83F39E1Fu, 0x83F39E1Fu}, {0xC2B40000u, 0x81C8C18Au, 0x81C8C18Au},
      {0x3E530000u, 0x3DE8A985u, 0x3DE8A985u}, {0x3FE10000u, 0x3FBFE915u, 0x3FBFE915u},
      {0xBE050000u, 0xBD78BFF5u, 0xBD78BFF4u},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(num::silu(c.x), c.golden) << "x = " << as_float(c.x);
    // Same sign, so the encodings are adjacent exactly when the values are one ulp apart.
    const fp32_t d = c.golden > c.cr ? c.golden - c.cr : c.cr - c.golden;
    EXPECT_LE(d, 1u) << "x = " << as_float(c.x);
  }
}

// ---------------------------------------------------------------------------------------------
// silu: accuracy against a long double reference
// ---------------------------------------------------------------------------------------------

struct ErrorStats {
  double max_ulp = 0.0;
  fp32_t worst_x = 0;
  std::uint64_t checked = 0;
  std::uint64_t flush_violations = 0;
};

// Compares silu(x) with the exact value (long double: 64-bit significand, 40 bits more than
// float). When the exact |silu| < 2^-126 the contract flushes: the result must be a zero of the
// exact value's sign, or 2^-126 where the exact value rounds up to it.
void check_silu(fp32_t x, ErrorStats& s) {
  if (num::fp32_is_nan(x) || num::fp32_is_inf(x) || num::fp32_is_subnormal(x)) return;
  const fp32_t y = num::silu(x);
  const long double lx = as_float(x);
  const long double exact = lx / (1.0L + std::exp(-lx));
  ++s.checked;
  if (std::fabs(exact) < 0x1p-126L) {
    const bool sign_ok = (y >> 31) == (std::signbit(exact) ? 1u : 0u);
    const fp32_t mag = y & 0x7FFFFFFFu;
    if (!sign_ok || (mag != 0 && mag != kMinNormal)) ++s.flush_violations;
    return;
  }
  int e = 0;
  std::frexp(exact, &e);  // |exact| in [2^(e-1), 2^e): float ulp there is 2^(e-24)
  const long double ulp = std::ldexp(1.0L, e - 24);
  const double err =
      static_cast<double>(std::fabs(static_cast<long double>(as_float(y)) - exact) / ulp);
  if (err > s.max_ulp) {
    s.max_ulp = err;
    s.worst_x = x;
  }
}

TEST(Silu, EveryBf16InputWithinBound) {
  ErrorStats s;
  for (std::uint32_t b = 0; b <= 0xFFFFu; ++b) check_silu(num::to_fp32(static_cast<num::bf16_t>(b)), s);
  EXPECT_GT(s.checked, 60000u);
  EXPECT_EQ(s.flush_violations, 0u);
  EXPECT_LE(s.max_ulp, num::kSiluMaxUlpError) << "worst x = " << as_float(s.worst_x);
}

TEST(Silu, RandomFp32WithinBound) {
  // Uniform over bit patterns with |x| in [2^-27, 2^7]: the range where every code path of
  // silu() runs (halving, both exp formulas, the flush boundary near x = -91.9).
  std::mt19937_64 rng(0x51105EEDu);
  std::uniform_int_distribution<std::uint32_t> mag(0x32000000u, 0x43000000u);
  ErrorStats s;
  for (int i = 0; i < 1000000; ++i) {
    const fp32_t m = mag(rng);
    check_silu((rng() & 1u) != 0 ? (m | 0x80000000u) : m, s);
  }
  EXPECT_EQ(s.flush_violations, 0u);
  EXPECT_LE(s.max_ulp, num::kSiluMaxUlpError) << "worst x = " << as_float(s.worst_x);
}

// ---------------------------------------------------------------------------------------------
// mul_fp32
// ---------------------------------------------------------------------------------------------

TEST(MulFp32, ExactAndRounded) {
  // 1.5 * 1.5 = 2.25 = 1.001b * 2^1: E 128, frac 0010..0 -> 0x40100000 (exact).
  EXPECT_EQ(num::mul_fp32(0x3FC00000u, 0x3FC00000u), 0x40100000u);
  // (1 + 2^-23) * 1.5 = 1.5 + 2^-23 + 2^-24: halfway between frac 0x400001 (odd) and 0x400002
  // (even): ties to even -> 0x3FC00002.
  EXPECT_EQ(num::mul_fp32(0x3F800001u, 0x3FC00000u), 0x3FC00002u);
  // (1 + 3*2^-23) * 1.5 = 1.5 + 4*2^-23 + 2^-24: halfway between 0x400004 (even) and 0x400005:
  // -> 0x3FC00004.
  EXPECT_EQ(num::mul_fp32(0x3F800003u, 0x3FC00000u), 0x3FC00004u);
  // (1 + 2^-23)^2 = 1 + 2^-22 + 2^-46: below halfway -> 1 + 2^-22 = 0x3F800002.
  EXPECT_EQ(num::mul_fp32(0x3F800001u, 0x3F800001u), 0x3F800002u);
  // Signs: -2 * 3 = -6 = -1.1b * 2^2 -> 0xC0C00000.
  EXPECT_EQ(num::mul_fp32(0xC0000000u, 0x40400000u), 0xC0C00000u);
}

TEST(MulFp32, OverflowAndUnderflow) {
  EXPECT_EQ(num::mul_fp32(0x7F000000u, 0x40000000u), kPosInf);  // 2^127 * 2 = 2^128
  EXPECT_EQ(num::mul_fp32(0x7F7FFFFFu, 0x3F800000u), 0x7F7FFFFFu);  // FLT_MAX * 1
  // FLT_MAX * (1 + 2^-23) = (2 + 2^-23 - 2^-46) * 2^127 >= 2^128: inf, sign of the product.
  EXPECT_EQ(num::mul_fp32(0xFF7FFFFFu, 0x3F800001u), kNegInf);
  // 2^-63 (E 64) * 2^-63 = 2^-126: the smallest normal survives.
  EXPECT_EQ(num::mul_fp32(0x20000000u, 0x20000000u), kMinNormal);
  // 2^-63 * 2^-64 (E 63) = 2^-127: subnormal -> flushed, sign of the product.
  EXPECT_EQ(num::mul_fp32(0x20000000u, 0x1F800000u), kPosZero);
  EXPECT_EQ(num::mul_fp32(0xA0000000u, 0x1F800000u), kNegZero);
  // (2 - 2^-23)*2^-63 * (1 + 2^-23)*2^-64 = (2 - 2^-46) * 2^-127: the 24-bit rounding carries to
  // 2.0 * 2^-127 = 2^-126: normal, kept (tininess is judged after rounding).
  EXPECT_EQ(num::mul_fp32(0x207FFFFFu, 0x1F800001u), kMinNormal);
  // (2 - 2^-23)*2^-63 * 2^-64 = (2 - 2^-23) * 2^-127 = 2^-126 - 2^-150: exact in 24 bits and
  // below 2^-126 -> flushed. (IEEE gradual underflow would round this tie up to 2^-126: the
  // one documented difference from "float multiply, then flush".)
  EXPECT_EQ(num::mul_fp32(0x207FFFFFu, 0x1F800000u), kPosZero);
}

TEST(MulFp32, SpecialOperands) {
  EXPECT_EQ(num::mul_fp32(kPosInf, kPosZero), kNan);      // inf * 0
  EXPECT_EQ(num::mul_fp32(kNegZero, kNegInf), kNan);
  EXPECT_EQ(num::mul_fp32(0x00000001u, kPosInf), kNan);   // subnormal flushes to 0 first
  EXPECT_EQ(num::mul_fp32(kPosInf, 0xC0000000u), kNegInf);  // inf * -2
  EXPECT_EQ(num::mul_fp32(kNegInf, kNegInf), kPosInf);
  EXPECT_EQ(num::mul_fp32(kNegZero, 0x40A00000u), kNegZero);  // -0 * 5
  EXPECT_EQ(num::mul_fp32(0x80000001u, 0x40A00000u), kNegZero);  // -subnormal * 5
  EXPECT_EQ(num::mul_fp32(0x7F800001u, kPosZero), kNan);
  EXPECT_EQ(num::mul_fp32(0x3F800000u, 0xFFC00001u), kNan);
}

TEST(MulFp32, MatchesHostFloatMultiplyThenFlush) {
  // The host FPU as an independent reference (default rounding, no FTZ): a single float
  // multiply is correctly rounded. Results exactly at 2^-126 are skipped: that is where IEEE
  // gradual underflow and mul_fp32's flush may legitimately differ (see OverflowAndUnderflow).
  std::mt19937_64 rng(0xF32F32u);
  std::uniform_int_distribution<std::uint32_t> exp_near(0, 60);
  int compared = 0;
  for (int i = 0; i < 2000000; ++i) {
    fp32_t a = static_cast<fp32_t>(rng());
    fp32_t b = static_cast<fp32_t>(rng());
    if ((i & 1) != 0) {
      // Half the pairs get exponents summing near the bias edges (under/overflow regions).
      const std::uint32_t ea = exp_near(rng), eb = (i & 2) != 0 ? 254 - exp_near(rng) : exp_near(rng) + 40;
      a = (a & 0x807FFFFFu) | (ea << 23);
      b = (b & 0x807FFFFFu) | (eb << 23);
    }
    const fp32_t fa = num::fp32_is_subnormal(a) ? (a & 0x80000000u) : a;
    const fp32_t fb = num::fp32_is_subnormal(b) ? (b & 0x80000000u) : b;
    fp32_t want = as_bits(as_float(fa) * as_float(fb));
    if (num::fp32_is_nan(want)) want = kNan;
    if ((want & 0x7FFFFFFFu) == kMinNormal) continue;
    if (num::fp32_is_subnormal(want)) want &= 0x80000000u;
    ASSERT_EQ(num::mul_fp32(a, b), want) << std::hex << a << " * " << b;
    ++compared;
  }
  EXPECT_GT(compared, 1900000);
}

TEST(SiluGated, IsSiluTimesUp) {
  // silu(+0) = +0, times -3 -> -0 (sign of the product).
  EXPECT_EQ(num::silu_gated(kPosZero, 0xC0400000u), kNegZero);
  // silu(40) = 40 exactly; 40 * 0.5 = 20 = 1.01b * 2^4 -> 0x41A00000.
  EXPECT_EQ(num::silu_gated(0x42200000u, 0x3F000000u), 0x41A00000u);
  // NaN up propagates canonically; silu(-inf) = -0 times inf is 0 * inf -> NaN.
  EXPECT_EQ(num::silu_gated(0x3F800000u, 0xFF800001u), kNan);
  EXPECT_EQ(num::silu_gated(kNegInf, kPosInf), kNan);
}

}  // namespace
