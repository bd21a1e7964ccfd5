// Element-wise comparison of bf16 results with a mixed absolute/relative tolerance: the only
// way GPU (cuBLAS) results are checked (docs/gpu_backend.md, "Numerics").
#pragma once

#include <cstddef>
#include <string>

#include "host/gpu_backend/bf16.hpp"

namespace monde::gpu_backend {

struct CompareStats {
  std::size_t n = 0;
  std::size_t violations = 0;   // elements with |got - ref| > abs_tol + rel_tol * |ref|
  std::size_t worst_index = 0;  // element with the largest error relative to its allowance
  double worst_ratio = 0;       // |got - ref| / (abs_tol + rel_tol * |ref|) there (inf for NaN mismatch)
  double max_abs_err = 0;       // max |got - ref| over finite pairs
  double max_rel_err = 0;       // max |got - ref| / |ref| over finite pairs with ref != 0
  bool ok() const { return violations == 0; }
  std::string summary() const;
};

// A pair passes when |got - ref| <= abs_tol + rel_tol * |ref|. NaN matches NaN (any payload),
// an infinity matches the same infinity; any other NaN/inf pairing is a violation.
CompareStats compare_bf16(const bf16_bits* got, const bf16_bits* ref, std::size_t n, double rel_tol,
                          double abs_tol);

}  // namespace monde::gpu_backend
