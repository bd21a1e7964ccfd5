// Unit tests of the golden bf16/fp32 arithmetic (tlm/ndp/numerics/bf16.hpp) against the
// numerics contract in docs/mac_array.md. Every check compares exact bit patterns.
//
// Notation in the derivations: fp32 fields are [sign | biased exp | 23-bit frac], a value
// 1.f * 2^(E-127); bf16 likewise with a 7-bit frac. "ulp" is the weight of the last frac bit.
#include <gtest/gtest.h>

#include <cfenv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "tlm/ndp/numerics/bf16.hpp"

namespace num = monde::num;
using num::bf16_t;
using num::fp32_t;

namespace {

constexpr fp32_t kNan = 0x7FC00000u;
constexpr bf16_t kNan16 = 0x7FC0u;
constexpr fp32_t kPosInf = 0x7F800000u;
constexpr fp32_t kNegInf = 0xFF800000u;
constexpr fp32_t kPosZero = 0x00000000u;
constexpr fp32_t kNegZero = 0x80000000u;
constexpr fp32_t kOne = 0x3F800000u;  // 1.0: E = 127, frac 0

// ---------------------------------------------------------------------------------------------
// Classification
// ---------------------------------------------------------------------------------------------

TEST(Classify, Fp32) {
  EXPECT_TRUE(num::fp32_is_nan(0x7F800001u));
  EXPECT_TRUE(num::fp32_is_nan(0xFFFFFFFFu));
  EXPECT_FALSE(num::fp32_is_nan(kPosInf));
  EXPECT_TRUE(num::fp32_is_inf(kPosInf));
  EXPECT_TRUE(num::fp32_is_inf(kNegInf));
  EXPECT_FALSE(num::fp32_is_inf(0x7F7FFFFFu));
  EXPECT_TRUE(num::fp32_is_subnormal(0x00000001u));
  EXPECT_TRUE(num::fp32_is_subnormal(0x807FFFFFu));
  EXPECT_FALSE(num::fp32_is_subnormal(kNegZero));
  EXPECT_FALSE(num::fp32_is_subnormal(0x00800000u));
}

TEST(Classify, Bf16) {
  EXPECT_TRUE(num::bf16_is_nan(0x7F81u));
  EXPECT_TRUE(num::bf16_is_nan(0xFFC0u));
  EXPECT_FALSE(num::bf16_is_nan(0x7F80u));
  EXPECT_TRUE(num::bf16_is_subnormal(0x0001u));
  EXPECT_TRUE(num::bf16_is_subnormal(0x807Fu));
  EXPECT_FALSE(num::bf16_is_subnormal(0x8000u));
  EXPECT_FALSE(num::bf16_is_subnormal(0x0080u));
  EXPECT_EQ(num::to_fp32(0xBFC0u), 0xBFC00000u);
}

// ---------------------------------------------------------------------------------------------
// add: rounding
// ---------------------------------------------------------------------------------------------

TEST(Add, ExactSmallIntegers) {
  // 1.0 + 2.0: 1.0 = 0x3F800000 (E 127), 2.0 = 0x40000000 (E 128).
  // Align 1.0 one place right: 1.0 + 10.0b = 11.0b = 1.1b * 2^1 -> E 128, frac 100..0
  // -> 0x40400000 (3.0).
  EXPECT_EQ(num::add(kOne, 0x40000000u), 0x40400000u);
  // 3.0 + (-1.0) = 2.0 (effective subtraction, one-place renormalisation).
  EXPECT_EQ(num::add(0x40400000u, 0xBF800000u), 0x40000000u);
}

TEST(Add, TieToEvenRoundsDown) {
  // 1.0 + 2^-24. 2^-24 = E 103 = 0x67 -> 0x33800000. The ulp of 1.0 is 2^-23, so the exact
  // sum 1 + 2^-24 lies exactly halfway between 1.0 (frac ...000, even) and 1 + 2^-23
  // (frac ...001, odd). Ties to even: 1.0 = 0x3F800000.
  EXPECT_EQ(num::add(kOne, 0x33800000u), 0x3F800000u);
  EXPECT_EQ(num::add(0x33800000u, kOne), 0x3F800000u);
}

TEST(Add, TieToEvenRoundsUp) {
  // (1 + 2^-23) + 2^-24: 0x3F800001 has frac ...001 (odd). The exact sum 1 + 3*2^-24 is halfway
  // between frac ...001 and ...010; ties to even picks ...010 -> 0x3F800002.
  EXPECT_EQ(num::add(0x3F800001u, 0x33800000u), 0x3F800002u);
  // Same sums negated: rounding is on the magnitude.
  EXPECT_EQ(num::add(0xBF800001u, 0xB3800000u), 0xBF800002u);
  EXPECT_EQ(num::add(0xBF800000u, 0xB3800000u), 0xBF800000u);
}

TEST(Add, AboveAndBelowHalf) {
  // 1.0 + 2^-24*(1 + 2^-23) (0x33800001): the exact sum is 1 + 2^-24 + 2^-47, just above the
  // halfway point -> rounds up to 0x3F800001. The 2^-47 part is 24 places below the kept LSB and
  // reaches the decision only through the sticky bit; without it this would be a tie -> 1.0.
  EXPECT_EQ(num::add(kOne, 0x33800001u), 0x3F800001u);
  // 1.0 + 2^-25 (0x33000000): a quarter ulp, below half -> 1.0.
  EXPECT_EQ(num::add(kOne, 0x33000000u), kOne);
}

TEST(Add, RoundingCarriesIntoExponent) {
  // 0x3F7FFFFF = 1.11..1b * 2^-1 = 1 - 2^-24 (E 126, frac all ones, ulp 2^-24).
  // + 2^-25 (0x33000000) = half an ulp: a tie, and the kept LSB is odd -> round up.
  // 0xFFFFFF + 1 = 0x1000000 overflows the 24-bit significand: shift right, E 126 -> 127,
  // giving exactly 1.0 = 0x3F800000.
  EXPECT_EQ(num::add(0x3F7FFFFFu, 0x33000000u), 0x3F800000u);
  // Carry out of the addition itself: 0x3FFFFFFF (2 - 2^-23) + 2^-23 (0x34000000) = 2.0 exactly,
  // significand 10.0..0b -> shift right, E 128 -> 0x40000000.
  EXPECT_EQ(num::add(0x3FFFFFFFu, 0x34000000u), 0x40000000u);
  // Addition carry plus a sticky tie: 0x3FFFFFFF + 0x3FFFFFFF = 2*(2 - 2^-23) = 4 - 2^-22,
  // representable (E 128, frac all ones) -> 0x407FFFFF, no rounding.
  EXPECT_EQ(num::add(0x3FFFFFFFu, 0x3FFFFFFFu), 0x407FFFFFu);
  // 0x3FFFFFFF + 0x3F800001 = (2 - 2^-23) + (1 + 2^-23) = 3.0 exactly -> 0x40400000.
  EXPECT_EQ(num::add(0x3FFFFFFFu, 0x3F800001u), 0x40400000u);
  // 0x3FFFFFFF + 0x3F800000 = 3 - 2^-23: the sum is 10.11..1b (25 bits) -> 1.011..1|1b * 2^1,
  // the dropped bit is exactly half the new ulp (2^-22) and the kept LSB is odd -> round up
  // to 1.1b * 2^1 = 3.0 = 0x40400000.
  EXPECT_EQ(num::add(0x3FFFFFFFu, kOne), 0x40400000u);
  // Carry-out renormalisation keeps the sticky: (2 - 2^-23) + 2^-22*(1 + 2^-23) (0x34800001)
  // = 2 + 2^-23 + 2^-45. In [2, 4) the ulp is 2^-22, so this is just above the midpoint
  // between 2.0 and 2 + 2^-22 -> 0x40000001. Dropping the sticky in the right shift would make
  // it a tie -> 2.0 (even).
  EXPECT_EQ(num::add(0x3FFFFFFFu, 0x34800001u), 0x40000001u);
}

TEST(Add, OverflowToInf) {
  // Largest finite 0x7F7FFFFF = (2 - 2^-23) * 2^127. Doubling it gives E 255 -> +inf.
  EXPECT_EQ(num::add(0x7F7FFFFFu, 0x7F7FFFFFu), kPosInf);
  EXPECT_EQ(num::add(0xFF7FFFFFu, 0xFF7FFFFFu), kNegInf);
  // Overflow by rounding alone: the ulp at E 254 is 2^104; adding 2^103 (E 230 = 0xE6,
  // 0x73000000) is a tie with an odd LSB -> round up -> 2^128 -> +inf.
  EXPECT_EQ(num::add(0x7F7FFFFFu, 0x73000000u), kPosInf);
  EXPECT_EQ(num::add(0xFF7FFFFFu, 0xF3000000u), kNegInf);
  // A quarter ulp (2^102, E 229 = 0xE5, 0x72800000) rounds back down: stays finite.
  EXPECT_EQ(num::add(0x7F7FFFFFu, 0x72800000u), 0x7F7FFFFFu);
}

// ---------------------------------------------------------------------------------------------
// add: cancellation and alignment
// ---------------------------------------------------------------------------------------------

TEST(Add, CancellationBigLeftShift) {
  // (1 + 2^-23) - 1 = 2^-23: equal exponents, the difference is 0..01b in the last place;
  // renormalising shifts left by 23 places: E 127 - 23 = 104 = 0x68 -> 0x34000000.
  EXPECT_EQ(num::add(0x3F800001u, 0xBF800000u), 0x34000000u);
  // 1.0 - (1 - 2^-24): exponents differ by one (E 127 vs 126), the subtrahend is aligned one
  // place right into the guard bit; the difference is 2^-24 (E 103) -> 0x33800000.
  EXPECT_EQ(num::add(kOne, 0xBF7FFFFFu), 0x33800000u);
  // 0x3F9FFFFF - 0x3F9FFFF0: frac differs by 0xF units of 2^-23 = 1.111b * 2^-20,
  // E 107 = 0x6B, frac .111b = 0x700000 -> 0x35F00000; the sign follows the larger operand.
  EXPECT_EQ(num::add(0x3F9FFFFFu, 0xBF9FFFF0u), 0x35F00000u);
  EXPECT_EQ(num::add(0xBF9FFFFFu, 0x3F9FFFF0u), 0xB5F00000u);
}

TEST(Add, FarAlignmentStickyOnly) {
  // 1.0 + 2^-100 (E 27 = 0x1B, 0x0D800000): the exponent gap (100) is far beyond the 24-bit
  // significand plus guard bits, so the small operand survives only as the sticky bit:
  // below half an ulp -> 1.0.
  EXPECT_EQ(num::add(kOne, 0x0D800000u), kOne);
  // 1.0 - 2^-100: sig 1.000..0|000 minus sticky 1 = 0.111..1|111, renormalise left by one to
  // 1.11..1|11 (E 126), guard/round/sticky above half -> round up, the carry gives 1.0 again.
  EXPECT_EQ(num::add(kOne, 0x8D800000u), kOne);
  // Sticky decides a subtraction: 1 - 2^-25 is a tie between 1 - 2^-24 (0x3F7FFFFF, odd)
  // and 1.0 (even) -> 1.0. Subtracting 2^-25*(1 + 2^-23) (0xB3000001) pushes the exact result
  // just below the midpoint -> 0x3F7FFFFF.
  EXPECT_EQ(num::add(kOne, 0xB3000000u), kOne);
  EXPECT_EQ(num::add(kOne, 0xB3000001u), 0x3F7FFFFFu);
  // Largest finite + smallest normal: gap 253 places, result unchanged.
  EXPECT_EQ(num::add(0x7F7FFFFFu, 0x00800000u), 0x7F7FFFFFu);
}

// ---------------------------------------------------------------------------------------------
// add: flushing
// ---------------------------------------------------------------------------------------------

TEST(Add, SubnormalInputsFlushed) {
  // 0x00400000 is subnormal (0.5 * 2^-126). Flushed to +0, so + 2^-126 (0x00800000) gives
  // 2^-126 = 0x00800000 (not 1.5 * 2^-126 = 0x00C00000 as IEEE would).
  EXPECT_EQ(num::add(0x00400000u, 0x00800000u), 0x00800000u);
  EXPECT_EQ(num::add(0x00800000u, 0x807FFFFFu), 0x00800000u);
  // A flushed subnormal keeps its sign: (-sub) + (-0) = (-0) + (-0) = -0 (IEEE: 0x80000001).
  EXPECT_EQ(num::add(0x80000001u, kNegZero), kNegZero);
  // (-sub) + (+0) = (-0) + (+0) = +0.
  EXPECT_EQ(num::add(0x80000001u, kPosZero), kPosZero);
  // Two subnormals: (+0) + (+0) = +0 (IEEE: 0x00000002).
  EXPECT_EQ(num::add(0x00000001u, 0x00000001u), kPosZero);
}

TEST(Add, SubnormalResultFlushedWithSign) {
  // 2^-126*(1 + 2^-23) (0x00800001) - 2^-126 (0x80800000) = 2^-149 exactly: below 2^-126,
  // a subnormal -> zero with the sign of the exact sum: +0.
  EXPECT_EQ(num::add(0x00800001u, 0x80800000u), kPosZero);
  // Negated: -2^-149 -> -0.
  EXPECT_EQ(num::add(0x80800001u, 0x00800000u), kNegZero);
  // Exponent gap of one: 2^-125 (0x01000000) - (2^-126 + 2^-149) (0x80800001)
  // = 2^-126 - 2^-149 = 0.11..1b * 2^-126, subnormal -> +0 (and -0 mirrored).
  EXPECT_EQ(num::add(0x01000000u, 0x80800001u), kPosZero);
  EXPECT_EQ(num::add(0x81000000u, 0x00800001u), kNegZero);
  // Boundary: 2^-125 - 2^-126 = 2^-126 exactly is normal and kept: 0x00800000.
  EXPECT_EQ(num::add(0x01000000u, 0x80800000u), 0x00800000u);
}

// ---------------------------------------------------------------------------------------------
// add: special values
// ---------------------------------------------------------------------------------------------

TEST(Add, NanInputs) {
  // Any NaN payload and sign -> canonical 0x7FC00000.
  EXPECT_EQ(num::add(0x7F800001u, kOne), kNan);
  EXPECT_EQ(num::add(kOne, 0xFFFFFFFFu), kNan);
  EXPECT_EQ(num::add(0xFFC00000u, kPosInf), kNan);
  EXPECT_EQ(num::add(kNegInf, 0x7FA5A5A5u), kNan);
  EXPECT_EQ(num::add(0x7FC00001u, 0xFF800001u), kNan);
  EXPECT_EQ(num::add(0x00000001u, 0xFF812345u), kNan);
}

TEST(Add, Infinities) {
  EXPECT_EQ(num::add(kPosInf, kNegInf), kNan);  // inf - inf
  EXPECT_EQ(num::add(kNegInf, kPosInf), kNan);
  EXPECT_EQ(num::add(kPosInf, kPosInf), kPosInf);
  EXPECT_EQ(num::add(kNegInf, kNegInf), kNegInf);
  EXPECT_EQ(num::add(kPosInf, 0xFF7FFFFFu), kPosInf);  // inf + finite
  EXPECT_EQ(num::add(0x3F800000u, kNegInf), kNegInf);
  EXPECT_EQ(num::add(kNegInf, kPosZero), kNegInf);
  EXPECT_EQ(num::add(0x80000001u, kPosInf), kPosInf);  // inf + subnormal
}

TEST(Add, SignedZeros) {
  EXPECT_EQ(num::add(kPosZero, kPosZero), kPosZero);
  EXPECT_EQ(num::add(kPosZero, kNegZero), kPosZero);
  EXPECT_EQ(num::add(kNegZero, kPosZero), kPosZero);
  EXPECT_EQ(num::add(kNegZero, kNegZero), kNegZero);
  // x + (-x) = +0 in either order and for either sign of x.
  EXPECT_EQ(num::add(0x3FC00000u, 0xBFC00000u), kPosZero);
  EXPECT_EQ(num::add(0xBFC00000u, 0x3FC00000u), kPosZero);
  EXPECT_EQ(num::add(0xFF7FFFFFu, 0x7F7FFFFFu), kPosZero);
  // zero + nonzero y = y (its sign is kept, whatever the zero's sign).
  EXPECT_EQ(num::add(kNegZero, 0x3F800000u), 0x3F800000u);
  EXPECT_EQ(num::add(kPosZero, 0xBF800000u), 0xBF800000u);
  EXPECT_EQ(num::add(0xC0490FDBu, kNegZero), 0xC0490FDBu);
}

// ---------------------------------------------------------------------------------------------
// mul
// ---------------------------------------------------------------------------------------------

TEST(Mul, ExactProducts) {
  // 1.5 (0x3FC0: E 127, frac 1000000b) * 3.0 (0x4040: E 128, frac 1000000b):
  // ma = mb = 0xC0, p = 0x9000 >= 2^15 -> E = 127 + 128 - 127 + 1 = 129 = 0x81,
  // frac = (0x9000 & 0x7FFF) << 8 = 0x100000 -> 0x40900000 (4.5).
  EXPECT_EQ(num::mul(0x3FC0u, 0x4040u), 0x40900000u);
  // 1.9921875 (0x3FFF) squared: p = 0xFF * 0xFF = 0xFE01 >= 2^15 -> E 128,
  // frac = 0x7E01 << 8 = 0x7E0100 -> 0x407E0100. All 16 product bits are kept.
  EXPECT_EQ(num::mul(0x3FFFu, 0x3FFFu), 0x407E0100u);
  // 1.0 * 1.0: p = 0x80 * 0x80 = 0x4000 < 2^15 -> E 127, frac 0 -> 0x3F800000.
  EXPECT_EQ(num::mul(0x3F80u, 0x3F80u), 0x3F800000u);
  // Signs: (-1.5) * 3.0 = -4.5, (-1.5) * (-3.0) = 4.5.
  EXPECT_EQ(num::mul(0xBFC0u, 0x4040u), 0xC0900000u);
  EXPECT_EQ(num::mul(0xBFC0u, 0xC040u), 0x40900000u);
  // 1.0078125 (0x3F81) * 1.0078125: p = 0x81 * 0x81 = 0x4101 < 2^15, shift left once ->
  // 0x8202, frac = 0x0202 << 8 = 0x020200, E 127 -> 0x3F820200.
  EXPECT_EQ(num::mul(0x3F81u, 0x3F81u), 0x3F820200u);
}

TEST(Mul, OverflowToInf) {
  // 2^127 (0x7F00) * 2.0 (0x4000): E = 254 + 128 - 127 = 255 -> +inf.
  EXPECT_EQ(num::mul(0x7F00u, 0x4000u), kPosInf);
  EXPECT_EQ(num::mul(0xFF00u, 0x4000u), kNegInf);
  // Overflow through the p >= 2^15 step: 1.5*2^127 (0x7F40) * 1.5 (0x3FC0): E 254 + 127 - 127
  // = 254, then p = 0x9000 >= 2^15 -> 255 -> inf.
  EXPECT_EQ(num::mul(0x7F40u, 0xBFC0u), kNegInf);
  // Largest finite bf16 * 1.0 stays finite: 0x7F7F0000.
  EXPECT_EQ(num::mul(0x7F7Fu, 0x3F80u), 0x7F7F0000u);
}

TEST(Mul, UnderflowFlushed) {
  // 2^-126 (0x0080) * 0.5 (0x3F00): E = 1 + 126 - 127 = 0, p = 0x4000 < 2^15 -> biased
  // exponent 0: the exact product 2^-127 is below 2^-126 -> zero with sign sa ^ sb.
  EXPECT_EQ(num::mul(0x0080u, 0x3F00u), kPosZero);
  EXPECT_EQ(num::mul(0x8080u, 0x3F00u), kNegZero);
  EXPECT_EQ(num::mul(0x0080u, 0xBF00u), kNegZero);
  // Far below: 2^-100 * 2^-100.
  EXPECT_EQ(num::mul(0x0D80u, 0x8D80u), kNegZero);
  // Rescued by the p >= 2^15 step: 1.5*2^-126 (0x00C0) * 1.5*2^-1 (0x3F40): E 0, p = 0x9000
  // -> E 1, frac 0x100000: 1.125 * 2^-126 = 0x00900000 (normal, kept).
  EXPECT_EQ(num::mul(0x00C0u, 0x3F40u), 0x00900000u);
  EXPECT_EQ(num::mul(0x80C0u, 0x3F40u), 0x80900000u);
}

TEST(Mul, SubnormalInputsFlushed) {
  // 0x0001 and 0x8040 are bf16 subnormals -> +0 / -0 before multiplying.
  EXPECT_EQ(num::mul(0x0001u, 0x3F80u), kPosZero);
  EXPECT_EQ(num::mul(0x8040u, 0x3F80u), kNegZero);
  EXPECT_EQ(num::mul(0x007Fu, 0xC000u), kNegZero);
  // Flushing comes first, so a subnormal times inf is 0 * inf -> NaN.
  EXPECT_EQ(num::mul(0x0001u, 0x7F80u), kNan);
  EXPECT_EQ(num::mul(0xFF80u, 0x807Fu), kNan);
}

TEST(Mul, NanAndInf) {
  // Any NaN input, any payload and sign -> canonical.
  EXPECT_EQ(num::mul(0x7FC1u, 0x3F80u), kNan);
  EXPECT_EQ(num::mul(0x3F80u, 0xFF81u), kNan);
  EXPECT_EQ(num::mul(0xFFFFu, 0x0000u), kNan);
  EXPECT_EQ(num::mul(0x7F80u, 0x7F81u), kNan);
  // inf * 0 and 0 * inf (either zero sign).
  EXPECT_EQ(num::mul(0x7F80u, 0x0000u), kNan);
  EXPECT_EQ(num::mul(0x0000u, 0x7F80u), kNan);
  EXPECT_EQ(num::mul(0x8000u, 0xFF80u), kNan);
  // inf * nonzero finite and inf * inf: sign sa ^ sb.
  EXPECT_EQ(num::mul(0x7F80u, 0xC000u), kNegInf);
  EXPECT_EQ(num::mul(0xFF80u, 0xFF80u), kPosInf);
  EXPECT_EQ(num::mul(0x0080u, 0xFF80u), kNegInf);
}

TEST(Mul, SignedZeros) {
  EXPECT_EQ(num::mul(0x8000u, 0x3F80u), kNegZero);  // (-0) * (+1) = -0
  EXPECT_EQ(num::mul(0x8000u, 0xBF80u), kPosZero);  // (-0) * (-1) = +0
  EXPECT_EQ(num::mul(0x0000u, 0xBF80u), kNegZero);
  EXPECT_EQ(num::mul(0x8000u, 0x8000u), kPosZero);
  EXPECT_EQ(num::mul(0x7F7Fu, 0x8000u), kNegZero);
}

// ---------------------------------------------------------------------------------------------
// to_bf16
// ---------------------------------------------------------------------------------------------

TEST(ToBf16, Rounding) {
  // Exact: low 16 bits zero.
  EXPECT_EQ(num::to_bf16(0x3FC00000u), 0x3FC0u);
  // Tie, kept LSB even: 0x3F80|8000 -> stays 0x3F80.
  EXPECT_EQ(num::to_bf16(0x3F808000u), 0x3F80u);
  // Tie, kept LSB odd: 0x3F81|8000 -> up to 0x3F82.
  EXPECT_EQ(num::to_bf16(0x3F818000u), 0x3F82u);
  EXPECT_EQ(num::to_bf16(0xBF818000u), 0xBF82u);
  // Just above / below half.
  EXPECT_EQ(num::to_bf16(0x3F808001u), 0x3F81u);
  EXPECT_EQ(num::to_bf16(0x3F807FFFu), 0x3F80u);
  // Carry into the exponent: 0x3FFF|8000 (odd, tie) -> 0x4000 (1.99.. -> 2.0).
  EXPECT_EQ(num::to_bf16(0x3FFF8000u), 0x4000u);
}

TEST(ToBf16, OverflowAndSpecials) {
  // Largest finite fp32 0x7F7F|FFFF: above half -> 0x7F80 (the carry reaches exponent 255).
  EXPECT_EQ(num::to_bf16(0x7F7FFFFFu), 0x7F80u);
  EXPECT_EQ(num::to_bf16(0xFF7FFFFFu), 0xFF80u);
  // 0x7F7F|7FFF is below half: stays the largest finite bf16.
  EXPECT_EQ(num::to_bf16(0x7F7F7FFFu), 0x7F7Fu);
  EXPECT_EQ(num::to_bf16(kPosInf), 0x7F80u);
  EXPECT_EQ(num::to_bf16(kNegInf), 0xFF80u);
  EXPECT_EQ(num::to_bf16(0x7F800001u), kNan16);  // NaN whose payload is all in the low bits
  EXPECT_EQ(num::to_bf16(0xFFFFFFFFu), kNan16);
  EXPECT_EQ(num::to_bf16(0x7FC00000u), kNan16);
  // Subnormals -> signed zero (0x007FFFFF would otherwise round up to 0x0080).
  EXPECT_EQ(num::to_bf16(0x007FFFFFu), 0x0000u);
  EXPECT_EQ(num::to_bf16(0x80000001u), 0x8000u);
  EXPECT_EQ(num::to_bf16(kNegZero), 0x8000u);
  // Smallest normal is kept.
  EXPECT_EQ(num::to_bf16(0x00800000u), 0x0080u);
}

// ---------------------------------------------------------------------------------------------
// mac
// ---------------------------------------------------------------------------------------------

TEST(Mac, ShortSequence) {
  fp32_t acc = kPosZero;
  acc = num::mac(acc, 0x3FC0u, 0x4000u);  // +0 + 1.5*2 = 3.0 = 0x40400000
  EXPECT_EQ(acc, 0x40400000u);
  acc = num::mac(acc, 0x3E80u, 0x3F80u);  // + 0.25*1 = 3.25 = 1.101b * 2^1 -> 0x40500000
  EXPECT_EQ(acc, 0x40500000u);
  acc = num::mac(acc, 0xC050u, 0x3F80u);  // + (-3.25) = exact cancellation -> +0
  EXPECT_EQ(acc, kPosZero);
  acc = num::mac(acc, 0x8000u, 0x3F80u);  // + (-0*1 = -0): (+0) + (-0) = +0
  EXPECT_EQ(acc, kPosZero);
  acc = num::mac(acc, 0x8000u, 0x3F80u);
  EXPECT_EQ(acc, kPosZero);
}

TEST(Mac, RoundingEveryStep) {
  // 2^24 (E 151 = 0x97, 0x4B800000) has ulp 2. Adding 1*1 is a tie with an even LSB -> no
  // change, every time: the fp32 accumulator rounds after each step.
  fp32_t acc = 0x4B800000u;
  for (int i = 0; i < 4; ++i) acc = num::mac(acc, 0x3F80u, 0x3F80u);
  EXPECT_EQ(acc, 0x4B800000u);
  // Whereas 2^24 + 2*1: one ulp -> 2^24 + 2 = 0x4B800001.
  EXPECT_EQ(num::mac(0x4B800000u, 0x4000u, 0x3F80u), 0x4B800001u);
  // Product NaN propagates canonically through the accumulation.
  EXPECT_EQ(num::mac(0x4B800000u, 0x7F80u, 0x0000u), kNan);
}

// ---------------------------------------------------------------------------------------------
// Random cross-checks. The host FPU is used here only, as an independent reference.
// ---------------------------------------------------------------------------------------------

// splitmix64: tiny, fast even at -O0, and fully determined by the seed.
struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(next() % n); }
};

float f32(fp32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
fp32_t bits32(float f) {
  fp32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

fp32_t make_fp32(std::uint32_t sign, std::uint32_t exp, std::uint32_t frac) {
  return (sign << 31) | (exp << 23) | (frac & 0x7FFFFFu);
}

// The references below need the host to do IEEE RNE with subnormals (no FTZ/DAZ).
void require_ieee_host() {
  ASSERT_EQ(std::fegetround(), FE_TONEAREST);
  volatile float tiny = f32(0x00800000u);
  volatile float half = 0.5f;
  ASSERT_EQ(bits32(tiny * half), 0x00400000u) << "host flushes subnormals (FTZ)";
  volatile float sub = f32(0x00400000u);
  ASSERT_EQ(bits32(sub + sub), 0x00800000u) << "host treats subnormal inputs as zero (DAZ)";
}

constexpr int kMaxReported = 10;

TEST(CrossCheck, AddAgainstHostFloat) {
  require_ieee_host();
  const std::uint64_t seed = 0x5EED0001ull;
  std::printf("[ add cross-check seed 0x%llx ]\n", static_cast<unsigned long long>(seed));
  Rng rng{seed};
  const int n = 1000000;
  int failures = 0, subnormal_sums = 0, cancellations = 0, overflows = 0, ties = 0;
  for (int i = 0; i < n && failures < kMaxReported; ++i) {
    const std::uint32_t mode = rng.below(6);
    std::uint32_t ex = 1 + rng.below(254), ey;
    std::uint32_t sx = rng.below(2), sy = rng.below(2);
    std::uint32_t fx = static_cast<std::uint32_t>(rng.next()), fy = static_cast<std::uint32_t>(rng.next());
    switch (mode) {
      case 0:  // independent exponents: mostly far alignment
        ey = 1 + rng.below(254);
        break;
      case 1: {  // close exponents, within the significand + guard range
        const int e = static_cast<int>(ex) + static_cast<int>(rng.below(61)) - 30;
        ey = static_cast<std::uint32_t>(e < 1 ? 1 : (e > 254 ? 254 : e));
        break;
      }
      case 2:  // massive cancellation: opposite signs, near-equal significands
        ey = ex + (ex < 254 ? rng.below(2) : 0);
        sy = sx ^ 1u;
        if (ey == ex) {  // same exponent: fy differs from fx in a few low bits
          fy = fx ^ rng.below(1u << rng.below(24));
        } else {  // y = 1.00..x * 2^(e+1) against x = 1.11..x * 2^e
          fx = 0x7FFFFFu ^ rng.below(1u << rng.below(24));
          fy = rng.below(1u << rng.below(24));
        }
        break;
      case 3:  // near the bottom of the range: subnormal sums
        ex = 1 + rng.below(4);
        ey = 1 + rng.below(4);
        break;
      case 4:  // near the top: overflow
        ex = 250 + rng.below(5);
        ey = 250 + rng.below(5);
        sy = sx;
        break;
      default:  // sparse low bits: exact ties and half-way points are common
        ey = ex > 30 ? ex - rng.below(30) : ex;
        fy &= ~0u << rng.below(24);
        fx &= ~0u << rng.below(24);
        break;
    }
    const fp32_t x = make_fp32(sx, ex, fx), y = make_fp32(sy, ey, fy);
    const float host = f32(x) + f32(y);
    fp32_t expected = bits32(host);
    if (std::fpclassify(host) == FP_SUBNORMAL) {
      expected &= 0x80000000u;  // flushed with the sign of the exact sum
      ++subnormal_sums;
    }
    if (std::isinf(host)) ++overflows;
    if (sx != sy && std::fpclassify(host) == FP_NORMAL &&
        static_cast<int>((expected >> 23) & 0xFF) < static_cast<int>(ex < ey ? ex : ey) - 1)
      ++cancellations;
    const fp32_t got = num::add(x, y);
    if (got != expected) {
      ++failures;
      ADD_FAILURE() << std::hex << "seed 0x" << seed << " i " << std::dec << i << std::hex
                    << ": add(0x" << x << ", 0x" << y << ") = 0x" << got << ", expected 0x"
                    << expected;
    }
    // A tie: the host result is even and the exact sum lies halfway to the odd neighbour.
    if (mode == 5 && (ex - ey) >= 1 && (ex - ey) < 24 && sx == sy &&
        ((fy | 0x800000u) & ((1u << (ex - ey)) - 1u)) == (1u << (ex - ey - 1)))
      ++ties;
  }
  EXPECT_EQ(failures, 0) << "seed 0x" << std::hex << seed;
  // The generator must actually reach the interesting regions, or this test proves little.
  EXPECT_GT(subnormal_sums, 1000);
  EXPECT_GT(cancellations, 10000);
  EXPECT_GT(overflows, 1000);
  EXPECT_GT(ties, 1000);
}

TEST(CrossCheck, MulAgainstExactDouble) {
  const std::uint64_t seed = 0x5EED0002ull;
  std::printf("[ mul cross-check seed 0x%llx ]\n", static_cast<unsigned long long>(seed));
  Rng rng{seed};
  const int n = 1000000;
  const double two_m126 = std::ldexp(1.0, -126), two_128 = std::ldexp(1.0, 128);
  int failures = 0, in_range = 0, flushed = 0, infs = 0;
  for (int i = 0; i < n && failures < kMaxReported; ++i) {
    const std::uint32_t ea = 1 + rng.below(254);
    // Half the pairs are steered so that ea + eb - 127 lands near either end of the range.
    std::uint32_t eb;
    if (rng.below(2) == 0) {
      eb = 1 + rng.below(254);
    } else {
      const int target = rng.below(2) ? 0 : 254;  // biased product exponent
      const int e = target + 127 - static_cast<int>(ea) + static_cast<int>(rng.below(7)) - 3;
      eb = static_cast<std::uint32_t>(e < 1 ? 1 : (e > 254 ? 254 : e));
    }
    const std::uint32_t r = static_cast<std::uint32_t>(rng.next());
    const bf16_t a = static_cast<bf16_t>(((r & 1u) << 15) | (ea << 7) | ((r >> 1) & 0x7Fu));
    const bf16_t b = static_cast<bf16_t>(((r >> 8) & 1u) << 15 | (eb << 7) | ((r >> 9) & 0x7Fu));
    // 8-bit x 8-bit significands: the double product is exact.
    const double p = static_cast<double>(f32(num::to_fp32(a))) *
                     static_cast<double>(f32(num::to_fp32(b)));
    fp32_t expected;
    const fp32_t sign = ((a ^ b) & 0x8000u) ? 0x80000000u : 0u;
    if (std::fabs(p) >= two_128) {
      expected = sign | kPosInf;
      ++infs;
    } else if (std::fabs(p) < two_m126) {
      expected = sign;
      ++flushed;
    } else {
      const float pf = static_cast<float>(p);
      ASSERT_EQ(static_cast<double>(pf), p) << "reference product not exact in fp32";
      expected = bits32(pf);
      ++in_range;
    }
    const fp32_t got = num::mul(a, b);
    if (got != expected) {
      ++failures;
      ADD_FAILURE() << std::hex << "seed 0x" << seed << " i " << std::dec << i << std::hex
                    << ": mul(0x" << a << ", 0x" << b << ") = 0x" << got << ", expected 0x"
                    << expected;
    }
  }
  EXPECT_EQ(failures, 0) << "seed 0x" << std::hex << seed;
  EXPECT_GT(in_range, 500000);
  EXPECT_GT(flushed, 10000);
  EXPECT_GT(infs, 10000);
}

TEST(CrossCheck, ToBf16AgainstNearestByDistance) {
  // Reference: pick the nearer of the two bf16 neighbours by exact double distance, ties to the
  // even one; the neighbour above the largest finite is inf, weighted as 2^128.
  const std::uint64_t seed = 0x5EED0003ull;
  std::printf("[ to_bf16 cross-check seed 0x%llx ]\n", static_cast<unsigned long long>(seed));
  Rng rng{seed};
  int failures = 0;
  for (int i = 0; i < 200000 && failures < kMaxReported; ++i) {
    const std::uint32_t r = static_cast<std::uint32_t>(rng.next());
    // Normal fp32 only; every fifth draw has a low half near 0x8000 to hit ties often.
    const fp32_t x = make_fp32(r >> 31, 1 + rng.below(254),
                               (i % 5 == 0) ? ((r & 0x7F0000u) | (0x7FFEu + rng.below(4))) : r);
    const double v = std::fabs(static_cast<double>(f32(x)));
    const std::uint32_t lo = (x & 0x7FFFFFFFu) >> 16, hi = lo + 1;
    const double vlo = static_cast<double>(f32(lo << 16));
    const double vhi = hi == 0x7F80u ? std::ldexp(1.0, 128) : static_cast<double>(f32(hi << 16));
    const double dlo = v - vlo, dhi = vhi - v;
    const std::uint32_t mag = dlo < dhi ? lo : (dhi < dlo ? hi : ((lo & 1u) ? hi : lo));
    const bf16_t expected = static_cast<bf16_t>(((x >> 16) & 0x8000u) | mag);
    const bf16_t got = num::to_bf16(x);
    if (got != expected) {
      ++failures;
      ADD_FAILURE() << std::hex << "seed 0x" << seed << " i " << std::dec << i << std::hex
                    << ": to_bf16(0x" << x << ") = 0x" << got << ", expected 0x" << expected;
    }
  }
  EXPECT_EQ(failures, 0) << "seed 0x" << std::hex << seed;
}

}  // namespace
