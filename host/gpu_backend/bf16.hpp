// bf16 <-> fp32 conversions for the GPU backend and its CPU reference.
// These use the host FPU on purpose: the GPU path is compared with a tolerance, never bit for
// bit, so it does not need the golden model's integer arithmetic (tlm/ndp/numerics). Unlike the
// golden model, subnormals are kept (cuBLAS keeps them too) and NaN becomes the canonical
// quiet NaN 0x7FC0.
#pragma once

#include <cstdint>
#include <cstring>

namespace monde::gpu_backend {

using bf16_bits = std::uint16_t;

inline constexpr bf16_bits kBf16QuietNan = 0x7FC0u;

// Exact widening: a bf16 is the top half of an fp32.
inline float bf16_to_float(bf16_bits b) {
  const std::uint32_t u = static_cast<std::uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// fp32 -> bf16, round to nearest, ties to even (adding 0x7FFF plus the kept LSB carries into
// the kept half exactly when the dropped half is above, or at and odd, the midpoint).
inline bf16_bits float_to_bf16(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) {
    return kBf16QuietNan;
  }
  const std::uint32_t lsb = (u >> 16) & 1u;
  return static_cast<bf16_bits>((u + 0x7FFFu + lsb) >> 16);
}

}  // namespace monde::gpu_backend
