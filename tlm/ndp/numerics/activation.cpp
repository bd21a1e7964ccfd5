// Activation functions (activation.hpp). relu() and mul_fp32() are integer-only like bf16.cpp;
// silu() is the one place in the golden model that uses host float arithmetic, restricted to
// correctly rounded IEEE binary32 + - * / so that it is reproducible on every IEEE machine.
#include "tlm/ndp/numerics/activation.hpp"

#include <cfloat>
#include <cstring>

// float expressions must be evaluated in float (not x87 extended precision), or the
// intermediate roundings of silu() change.
static_assert(FLT_EVAL_METHOD == 0, "silu() needs float arithmetic evaluated in float");
static_assert(sizeof(float) == 4 && FLT_MANT_DIG == 24, "silu() needs IEEE binary32 float");

// Clang contracts a*b+c within an expression into an FMA by default (-ffp-contract=on); forbid it
// here as well as with -ffp-contract=off (GCC ignores this pragma and needs the flag).
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

namespace monde::num {
namespace {

constexpr fp32_t kSignMask = 0x80000000u;
constexpr fp32_t kExpMask = 0x7F800000u;
constexpr fp32_t kFracMask = 0x007FFFFFu;
constexpr fp32_t kHidden = 0x00800000u;
constexpr fp32_t kPosInf = 0x7F800000u;
constexpr fp32_t kNegInf = 0xFF800000u;
constexpr fp32_t kNegZero = 0x80000000u;
constexpr int kExpMax = 255;

// |x| below 2^-26 (biased exponent 101): silu(x) = x/2 + x^2/4 - ..., and the correction x^2/4
// is below a quarter ulp of x/2, so the correctly rounded result is exactly x/2.
constexpr fp32_t kSiluHalfBelow = 0x32800000u;  // 2^-26

// Thresholds of silu() (see there).
constexpr float kSiluIdentityAbove = 30.0f;    // e^-30 < 2^-43: x / (1 + e^-x) rounds to x
constexpr float kSiluDropOneBelow = -25.0f;    // e^-25 < 2^-36: 1 + e^-x == e^-x in the result
constexpr float kSiluNegZeroBelow = -128.0f;   // |silu| < 2^-170: flushed to -0

// exp: e^y = 2^n * e^r with n = round(y / ln2) and r = y - n*ln2 in about [-ln2/2, ln2/2].
// ln2 is split in two (Cody-Waite): kLn2Hi has 9 significant bits, so n*kLn2Hi is exact for
// |n| < 2^15 and y - n*kLn2Hi is exact (Sterbenz); the rounding error of the reduction is then
// only that of the tiny second step.
constexpr float kLog2e = 0x1.715476p+0f;   // 1.44269504 (log2(e) rounded to float)
constexpr float kLn2Hi = 0x1.63p-1f;       // 0.693359375
constexpr float kLn2Lo = -0x1.bd0106p-13f;  // -2.12194440e-4; kLn2Hi + kLn2Lo = ln 2
// e^r = 1 + r + r^2 * P(r) on |r| <= ln2/2 (coefficients of the Cephes expf minimax fit,
// relative error about 1 ulp of float).
constexpr float kP0 = 0x1.a0d2cep-13f;  // 1.9875691500e-4
constexpr float kP1 = 0x1.6e879cp-10f;  // 1.3981999507e-3
constexpr float kP2 = 0x1.111210p-7f;   // 8.3334519073e-3
constexpr float kP3 = 0x1.555382p-5f;   // 4.1665795894e-2
constexpr float kP4 = 0x1.555554p-3f;   // 1.6666665459e-1
constexpr float kP5 = 0x1.000000p-1f;   // 5.0000001201e-1 (rounds to exactly 0.5 in float)

float as_float(fp32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
fp32_t as_bits(float f) {
  fp32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

bool is_nan(fp32_t x) { return (x & kExpMask) == kExpMask && (x & kFracMask) != 0; }
bool is_zero(fp32_t x) { return (x & ~kSignMask) == 0; }
int exp_field(fp32_t x) { return static_cast<int>((x & kExpMask) >> 23); }
fp32_t flush(fp32_t x) { return fp32_is_subnormal(x) ? (x & kSignMask) : x; }

// x * 2^n for a normal or zero x, exact unless the result leaves the normal range: below it
// flushes to a signed zero, above it saturates to a signed inf.
fp32_t scale_pow2(fp32_t x, int n) {
  if (is_zero(x)) return x;
  const int e = exp_field(x) + n;
  if (e <= 0) return x & kSignMask;
  if (e >= kExpMax) return (x & kSignMask) | kPosInf;
  return (x & ~kExpMask) | (static_cast<fp32_t>(e) << 23);
}

// e^y as p * 2^n with p in about [0.70, 1.42]; requires |y| <= 130 (so n fits comfortably and
// the float -> int conversion below is defined).
struct ExpParts {
  float p;
  int n;
};
ExpParts exp_parts(float y) {
  const float t = y * kLog2e;
  // Round half away from zero; an off-by-one n near a half would only widen r slightly.
  const int n = static_cast<int>(t + (t >= 0.0f ? 0.5f : -0.5f));
  const float nf = static_cast<float>(n);
  const float r = (y - nf * kLn2Hi) - nf * kLn2Lo;
  // Horner, one rounding per operation in this exact order (no FMA: -ffp-contract=off).
  float q = kP0;
  q = q * r + kP1;
  q = q * r + kP2;
  q = q * r + kP3;
  q = q * r + kP4;
  q = q * r + kP5;
  const float p = (q * (r * r) + r) + 1.0f;
  return {p, n};
}

}  // namespace

fp32_t relu(fp32_t x) {
  if (is_nan(x)) return kFp32CanonicalNan;
  x = flush(x);
  // Positive normals and +inf pass; everything with the sign bit set (and +0) becomes +0.
  return (x & kSignMask) != 0 ? kFp32PosZero : x;
}

fp32_t silu(fp32_t x) {
  if (is_nan(x)) return kFp32CanonicalNan;
  x = flush(x);
  if (is_zero(x)) return x;  // silu(+-0) = +-0 * 1/2
  if (x == kPosInf) return kPosInf;
  if (x == kNegInf) return kNegZero;
  if ((x & ~kSignMask) < kSiluHalfBelow) return scale_pow2(x, -1);  // exactly x/2, may flush

  const float f = as_float(x);
  if (f > kSiluIdentityAbove) return x;
  if (f < kSiluNegZeroBelow) return kNegZero;

  const ExpParts e = exp_parts(-f);  // e^-x = p * 2^n
  if (f < kSiluDropOneBelow) {
    // 1 + e^-x rounds to e^-x, so silu(x) = x / (p * 2^n) = (x / p) * 2^-n. Dividing by p first
    // keeps every intermediate normal although e^-x overflows float below x = -88.7; the only
    // rounding is that of x / p, and results below 2^-126 flush to -0.
    return scale_pow2(as_bits(f / e.p), -e.n);
  }
  // -25 <= x <= 30, |x| >= 2^-26: e^-x lies in [e^-30, e^25], normal; so do 1 + e^-x and the
  // quotient (|silu(x)| > 2^-32 here).
  const float t = as_float(scale_pow2(as_bits(e.p), e.n));
  return flush(as_bits(f / (1.0f + t)));
}

fp32_t mul_fp32(fp32_t a, fp32_t b) {
  a = flush(a);
  b = flush(b);
  if (is_nan(a) || is_nan(b)) return kFp32CanonicalNan;
  const fp32_t sign = (a ^ b) & kSignMask;
  const bool a_inf = (a & ~kSignMask) == kPosInf;
  const bool b_inf = (b & ~kSignMask) == kPosInf;
  if ((a_inf && is_zero(b)) || (is_zero(a) && b_inf)) return kFp32CanonicalNan;
  if (a_inf || b_inf) return sign | kPosInf;
  if (is_zero(a) || is_zero(b)) return sign;

  // normal x normal: 24 x 24-bit significands give an exact product in [2^46, 2^48).
  const std::uint64_t p = static_cast<std::uint64_t>(kHidden | (a & kFracMask)) *
                          static_cast<std::uint64_t>(kHidden | (b & kFracMask));
  int exp = exp_field(a) + exp_field(b) - 127;
  int shift = 23;  // bits below the 24-bit result significand
  if (p >= (std::uint64_t{1} << 47)) {  // 1.x * 1.y >= 2
    ++exp;
    shift = 24;
  }
  std::uint64_t m = p >> shift;
  const std::uint64_t rem = p & ((std::uint64_t{1} << shift) - 1u);
  const std::uint64_t half = std::uint64_t{1} << (shift - 1);
  if (rem > half || (rem == half && (m & 1u) != 0)) ++m;  // round to nearest, ties to even
  if (m == (std::uint64_t{kHidden} << 1)) {                 // rounding carried out: 2.0
    m >>= 1;
    ++exp;
  }
  if (exp >= kExpMax) return sign | kPosInf;
  if (exp <= 0) return sign;  // rounded magnitude below 2^-126: flushed
  return sign | (static_cast<fp32_t>(exp) << 23) | (static_cast<fp32_t>(m) & kFracMask);
}

}  // namespace monde::num
