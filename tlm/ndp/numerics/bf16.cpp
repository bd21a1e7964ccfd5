// bf16 / fp32 arithmetic of the MAC array (docs/mac_array.md), integer bit manipulation only.
// No host floating-point type appears in this file: the host FPU's rounding and denormal modes are
// not part of the contract.
#include "tlm/ndp/numerics/bf16.hpp"

namespace monde::num {
namespace {

constexpr fp32_t kFp32SignMask = 0x80000000u;
constexpr fp32_t kFp32ExpMask = 0x7F800000u;
constexpr fp32_t kFp32FracMask = 0x007FFFFFu;
constexpr fp32_t kFp32Inf = 0x7F800000u;
constexpr fp32_t kFp32Hidden = 0x00800000u;  // implicit leading 1 of a normal significand
constexpr int kFp32ExpMax = 255;             // all-ones biased exponent (inf / NaN)

constexpr bf16_t kBf16SignMask = 0x8000u;
constexpr bf16_t kBf16ExpMask = 0x7F80u;
constexpr bf16_t kBf16FracMask = 0x007Fu;

// add() keeps three extra bits below the 24-bit significand: guard, round and sticky.
constexpr int kGrsBits = 3;
constexpr std::uint32_t kSigTop = 1u << (23 + kGrsBits);  // leading 1 of a normalised sum
constexpr std::uint32_t kSigCarry = kSigTop << 1;         // sum overflowed into one more bit

fp32_t fp32_sign(fp32_t x) { return x & kFp32SignMask; }
int fp32_exp(fp32_t x) { return static_cast<int>((x & kFp32ExpMask) >> 23); }

// Subnormals are flushed to a zero of the same sign before any other rule (rule 1).
fp32_t flush_fp32(fp32_t x) { return fp32_is_subnormal(x) ? fp32_sign(x) : x; }
bf16_t flush_bf16(bf16_t x) {
  return bf16_is_subnormal(x) ? static_cast<bf16_t>(x & kBf16SignMask) : x;
}

bool fp32_is_zero(fp32_t x) { return (x & ~kFp32SignMask) == 0; }
bool bf16_is_zero(bf16_t x) { return (x & ~kBf16SignMask) == 0; }
bool bf16_is_inf(bf16_t x) { return (x & ~kBf16SignMask) == kBf16ExpMask; }

// Shift right by `n`, OR-ing every bit shifted out into bit 0 (the sticky bit), so the
// rounding decision sees "something nonzero was below" without keeping those bits.
std::uint32_t shift_right_sticky(std::uint32_t v, int n) {
  if (n == 0) return v;
  if (n >= 32) return v != 0 ? 1u : 0u;
  const std::uint32_t lost = v & ((1u << n) - 1u);
  return (v >> n) | (lost != 0 ? 1u : 0u);
}

// Pack a normalised significand with GRS bits (leading 1 at kSigTop) and a biased exponent
// into fp32, rounding to nearest, ties to even.
fp32_t round_and_pack(fp32_t sign, int exp, std::uint32_t sig) {
  const std::uint32_t grs = sig & ((1u << kGrsBits) - 1u);
  std::uint32_t m = sig >> kGrsBits;  // 24 bits, leading 1 at bit 23
  const std::uint32_t half = 1u << (kGrsBits - 1);
  // Round up above halfway, or exactly halfway when the kept LSB is odd (ties to even).
  if (grs > half || (grs == half && (m & 1u) != 0)) ++m;
  if (m == (kFp32Hidden << 1)) {  // 0xFFFFFF + 1: the carry moves into the exponent
    m >>= 1;
    ++exp;
  }
  if (exp >= kFp32ExpMax) return sign | kFp32Inf;
  return sign | (static_cast<fp32_t>(exp) << 23) | (m & kFp32FracMask);
}

}  // namespace

bool fp32_is_nan(fp32_t x) {
  return (x & kFp32ExpMask) == kFp32ExpMask && (x & kFp32FracMask) != 0;
}
bool fp32_is_inf(fp32_t x) { return (x & ~kFp32SignMask) == kFp32Inf; }
bool fp32_is_subnormal(fp32_t x) {
  return (x & kFp32ExpMask) == 0 && (x & kFp32FracMask) != 0;
}
bool bf16_is_nan(bf16_t x) {
  return (x & kBf16ExpMask) == kBf16ExpMask && (x & kBf16FracMask) != 0;
}
bool bf16_is_subnormal(bf16_t x) {
  return (x & kBf16ExpMask) == 0 && (x & kBf16FracMask) != 0;
}

fp32_t mul(bf16_t a, bf16_t b) {
  a = flush_bf16(a);
  b = flush_bf16(b);
  if (bf16_is_nan(a) || bf16_is_nan(b)) return kFp32CanonicalNan;
  const fp32_t sign = static_cast<fp32_t>((a ^ b) & kBf16SignMask) << 16;
  const bool a_inf = bf16_is_inf(a);
  const bool b_inf = bf16_is_inf(b);
  const bool a_zero = bf16_is_zero(a);
  const bool b_zero = bf16_is_zero(b);
  if ((a_inf && b_zero) || (a_zero && b_inf)) return kFp32CanonicalNan;
  if (a_inf || b_inf) return sign | kFp32Inf;
  if (a_zero || b_zero) return sign;

  // normal x normal: the 8x8-bit significand product is exact in 16 bits.
  const std::uint32_t ma = 0x80u | (a & kBf16FracMask);
  const std::uint32_t mb = 0x80u | (b & kBf16FracMask);
  std::uint32_t p = ma * mb;  // in [2^14, 2^16)
  int exp = ((a & kBf16ExpMask) >> 7) + ((b & kBf16ExpMask) >> 7) - 127;
  if (p >= (1u << 15)) {  // 1.x * 1.y >= 2: one more exponent step
    ++exp;
  } else {
    p <<= 1;  // normalise: leading 1 at bit 15
  }
  if (exp >= kFp32ExpMax) return sign | kFp32Inf;
  if (exp <= 0) return sign;  // exact product below 2^-126: flushed
  // Leading 1 at bit 15 -> bit 23 of the fp32 significand; no bits are lost.
  return sign | (static_cast<fp32_t>(exp) << 23) | ((p << 8) & kFp32FracMask);
}

fp32_t add(fp32_t x, fp32_t y) {
  x = flush_fp32(x);
  y = flush_fp32(y);
  if (fp32_is_nan(x) || fp32_is_nan(y)) return kFp32CanonicalNan;
  if (fp32_is_inf(x) && fp32_is_inf(y)) return x == y ? x : kFp32CanonicalNan;
  if (fp32_is_inf(x)) return x;
  if (fp32_is_inf(y)) return y;
  if (fp32_is_zero(x) && fp32_is_zero(y)) return x & y;  // -0 only if both are -0
  if (fp32_is_zero(x)) return y;
  if (fp32_is_zero(y)) return x;

  // Both normal. Order by magnitude (the encoding is monotonic in magnitude) so that the
  // result has the sign of x and the subtraction below never goes negative.
  if ((x & ~kFp32SignMask) < (y & ~kFp32SignMask)) {
    const fp32_t t = x;
    x = y;
    y = t;
  }
  const fp32_t sign = fp32_sign(x);
  int exp = fp32_exp(x);
  const std::uint32_t mx = (kFp32Hidden | (x & kFp32FracMask)) << kGrsBits;
  const std::uint32_t my = shift_right_sticky((kFp32Hidden | (y & kFp32FracMask)) << kGrsBits,
                                              exp - fp32_exp(y));
  std::uint32_t sig;
  if (fp32_sign(x) == fp32_sign(y)) {
    sig = mx + my;
    if (sig >= kSigCarry) {  // sum reached [2, 4): renormalise right, keeping the sticky
      sig = shift_right_sticky(sig, 1);
      ++exp;
    }
  } else {
    sig = mx - my;
    if (sig == 0) return kFp32PosZero;  // exact cancellation x = -y gives +0
    // Renormalise after cancellation. A shift of more than one place only happens when the
    // exponents differ by at most 1, and then no bits were lost to the sticky: it is exact.
    while (sig < kSigTop) {
      sig <<= 1;
      --exp;
    }
    // Below 2^-126 the exact sum is subnormal (and exact): flush with the sum's sign.
    if (exp <= 0) return sign;
  }
  return round_and_pack(sign, exp, sig);
}

bf16_t to_bf16(fp32_t x) {
  if (fp32_is_nan(x)) return kBf16CanonicalNan;
  if (fp32_is_subnormal(x)) return static_cast<bf16_t>(fp32_sign(x) >> 16);
  // RNE on the low 16 bits; the carry may ripple into the exponent, up to inf at the top.
  // inf itself has zero low bits and passes through unchanged.
  const fp32_t lsb = (x >> 16) & 1u;
  return static_cast<bf16_t>((x + 0x7FFFu + lsb) >> 16);
}

}  // namespace monde::num
