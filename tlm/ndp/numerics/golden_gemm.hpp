// Golden tile GEMM of the MAC array ("MAC and tile" in docs/mac_array.md): the reference that
// the RTL and the cycle model are checked against, built from mul()/add() of bf16.hpp.
#pragma once

#include "tlm/ndp/numerics/bf16.hpp"

namespace monde::num {

// A: rows x k (row-major, a[r*k + kk]), B: k x cols (row-major, b[kk*cols + c]).
// c_fp32: rows x cols (row-major), in/out. If `first`, the sums start from +0 (acc = add(+0, p0), ...);
// otherwise they continue from the values already in c_fp32.
// Each output accumulates its products in ascending k. With k == 0 and `first`, outputs become +0.
void golden_tile_gemm(const bf16_t* a, const bf16_t* b, fp32_t* c_fp32,
                      unsigned rows, unsigned cols, unsigned k, bool first);

}  // namespace monde::num
