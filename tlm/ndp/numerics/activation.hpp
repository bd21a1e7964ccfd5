// Activation functions of the NDP expert FFN on fp32 bit patterns (docs/ndp_interface.md,
// "Activation numerics"). They follow the numerics contract of docs/mac_array.md: subnormal
// inputs and results flush to a zero of the same sign, every NaN result is 0x7FC00000.
//
// Determinism: relu() and mul_fp32() are integer bit manipulation. silu() uses IEEE-754 binary32
// + - * / only (each correctly rounded, round-to-nearest-even, on x86-64 SSE and any IEEE machine)
// and its own exp(); never libm, whose results differ between versions. It needs:
//   * FLT_EVAL_METHOD == 0 (float expressions evaluated in float; checked at compile time),
//   * the default rounding mode (round to nearest even),
//   * no contraction of a*b+c into a fused multiply-add: build with -ffp-contract=off,
//   * no -ffast-math (no reassociation).
// Its intermediates never leave the normal range, so the FTZ/DAZ state of the FPU is irrelevant.
#pragma once

#include "tlm/ndp/numerics/bf16.hpp"

namespace monde::num {

// max(x, +0): positive normals and +inf pass through; -0, negative values, -inf and every
// subnormal give +0 (a positive subnormal flushes to +0, a negative one to -0 and then to +0).
// NaN -> 0x7FC00000.
fp32_t relu(fp32_t x);

// SiLU (swish): x * sigmoid(x) = x / (1 + e^-x).
//   NaN -> 0x7FC00000; +-0 and subnormals -> zero of the input's sign; +inf -> +inf;
//   -inf -> -0 (the limit is 0 from below); results of magnitude < 2^-126 (x below about
//   -91.9, or |x| < 2^-125) flush to a zero of the result's sign, so large negative x gives -0.
// Accuracy: at most kSiluMaxUlpError ulp from the exact value (measured exhaustively over every
// fp32 input; see docs/ndp_interface.md). Not correctly rounded, but bit-for-bit reproducible.
fp32_t silu(fp32_t x);

// Error bound in ulp of the exact result's binade (results in the flush-to-zero range
// excluded). Measured over all 2^32 inputs against a long double reference: max 2.403 ulp (at
// x = -16.68, where 1 + e^-x has just crossed 2^24 and adding the 1 rounds by up to half its
// ulp); 94.9% of the results are correctly rounded. The tests assert this bound.
inline constexpr double kSiluMaxUlpError = 2.5;

// fp32 x fp32 with round to nearest even, computed with integers (no host FPU):
//   subnormal inputs flush to a zero of the same sign; NaN in -> 0x7FC00000; inf*0 -> 0x7FC00000;
//   inf * nonzero -> signed inf; the exact product is rounded to a 24-bit significand with an
//   unbounded exponent; a rounded magnitude >= 2^128 is inf and one < 2^-126 flushes to a zero of
//   the product's sign (tininess after rounding, like x86 SSE with FTZ).
// This equals an IEEE float multiply followed by flushing a subnormal result, except in the half
// ulp just below 2^-126 where IEEE gradual underflow rounds up to 2^-126 and this flushes.
fp32_t mul_fp32(fp32_t a, fp32_t b);

// The gated activation of SwiGLU experts: mul_fp32(silu(gate), up).
inline fp32_t silu_gated(fp32_t gate, fp32_t up) { return mul_fp32(silu(gate), up); }

}  // namespace monde::num
