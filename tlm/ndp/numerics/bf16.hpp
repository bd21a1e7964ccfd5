// bf16 / fp32 arithmetic of the MAC array, done with integer bit manipulation only.
// The exact rules (flush-to-zero, canonical NaN, RNE) are in docs/mac_array.md; the RTL
// and the cycle model implement the same rules bit for bit. Never use the host FPU here:
// its rounding and denormal modes are not ours.
#pragma once

#include <cstdint>

namespace monde::num {

using bf16_t = std::uint16_t;
using fp32_t = std::uint32_t;

inline constexpr fp32_t kFp32CanonicalNan = 0x7FC00000u;
inline constexpr bf16_t kBf16CanonicalNan = 0x7FC0u;
inline constexpr fp32_t kFp32PosZero = 0x00000000u;

// Classification (raw encodings, before any flushing).
bool fp32_is_nan(fp32_t x);
bool fp32_is_inf(fp32_t x);
bool fp32_is_subnormal(fp32_t x);
bool bf16_is_nan(bf16_t x);
bool bf16_is_subnormal(bf16_t x);

// Exact bf16 x bf16 product as fp32 (flush, NaN and inf rules of docs/mac_array.md).
fp32_t mul(bf16_t a, bf16_t b);

// fp32 + fp32 rounded to nearest, ties to even, subnormal inputs and results flushed.
fp32_t add(fp32_t x, fp32_t y);

// One multiply-accumulate step: add(acc, mul(a, b)).
inline fp32_t mac(fp32_t acc, bf16_t a, bf16_t b) { return add(acc, mul(a, b)); }

// fp32 -> bf16, round to nearest even; NaN -> canonical, subnormal -> signed zero.
bf16_t to_bf16(fp32_t x);

// bf16 -> fp32 widening (exact; subnormals are kept as encoded, mul() flushes them).
inline fp32_t to_fp32(bf16_t x) { return static_cast<fp32_t>(x) << 16; }

}  // namespace monde::num
