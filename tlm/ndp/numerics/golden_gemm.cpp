// Golden tile GEMM: one MAC chain per output, in the order the PE array performs it.
#include "tlm/ndp/numerics/golden_gemm.hpp"

namespace monde::num {

void golden_tile_gemm(const bf16_t* a, const bf16_t* b, fp32_t* c_fp32,
                      unsigned rows, unsigned cols, unsigned k, bool first) {
  for (unsigned r = 0; r < rows; ++r) {
    for (unsigned c = 0; c < cols; ++c) {
      fp32_t& out = c_fp32[r * cols + c];
      // A cleared accumulator holds +0, so the first beat is add(+0, p): a -0 product gives +0.
      fp32_t acc = first ? kFp32PosZero : out;
      // fp32 addition is not associative: the order must be ascending k, like the array.
      for (unsigned kk = 0; kk < k; ++kk) acc = mac(acc, a[r * k + kk], b[kk * cols + c]);
      out = acc;
    }
  }
}

}  // namespace monde::num
