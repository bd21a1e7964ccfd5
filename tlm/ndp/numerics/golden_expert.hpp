// Golden expert FFN: the reference the NDP units' results are checked against, bit for bit
// (docs/ndp_interface.md, "Expert numerics"). Built from mul()/add()/to_bf16() of bf16.hpp and
// the activations of activation.hpp.
//
// Layouts are PyTorch nn.Linear ([out_features x in_features], row-major, bf16 bit patterns):
//   x      [T x d_model]        w_up   [d_ff x d_model]    w_gate [d_ff x d_model] (gated only)
//   w_down [d_model x d_ff]     h      [T x d_ff]          y      [T x d_model]
// so each output is a dot product of two contiguous rows.
//
// Every sum runs over k ascending, starting from +0 exactly like golden_tile_gemm with
// first = true: acc = add(+0, p0), acc = add(acc, p1), ... Any tiling that keeps this order per
// output (K split into chunks continued with first = false, outputs split across tiles/units)
// gives identical bits.
#pragma once

#include <cstddef>
#include <vector>

#include "tlm/ndp/numerics/bf16.hpp"

namespace monde::num {

enum class ExpertActivation {
  kRelu,       // h = to_bf16(relu(x . w_up))
  kSiluGated,  // h = to_bf16(mul_fp32(silu(x . w_gate), x . w_up))   (SwiGLU)
};

struct ExpertDims {
  std::size_t tokens = 0;   // T
  std::size_t d_model = 0;
  std::size_t d_ff = 0;
};

// Inputs by pointer (sizes per the layouts above). w_gate is read only for kSiluGated and may be
// null for kRelu.
struct ExpertInputs {
  const bf16_t* x = nullptr;
  const bf16_t* w_up = nullptr;
  const bf16_t* w_gate = nullptr;
  const bf16_t* w_down = nullptr;
};

struct ExpertResult {
  std::vector<fp32_t> up;      // [T x d_ff]  x . w_up^T, fp32 sums
  std::vector<fp32_t> gate;    // [T x d_ff]  x . w_gate^T (empty for kRelu)
  std::vector<bf16_t> h;       // [T x d_ff]  activated hidden, bf16 (what goes to the h scratch)
  std::vector<fp32_t> y_fp32;  // [T x d_model] h . w_down^T before rounding
  std::vector<bf16_t> y;       // [T x d_model] to_bf16(y_fp32): the job's output
};

// out[t][o] = sum over k ascending of mul(x[t][k], w[o][k]), from +0 (nn.Linear without bias).
// x: [rows x in], w: [out x in], out: [rows x out] (fp32, overwritten).
void golden_linear(const bf16_t* x, const bf16_t* w, fp32_t* out, std::size_t rows,
                   std::size_t in, std::size_t out_features);

// One element of h from its fp32 sums (gate ignored for kRelu). The NDP units apply exactly
// this to their up/gate tile results before writing h.
bf16_t expert_hidden(ExpertActivation act, fp32_t up, fp32_t gate);

// The whole expert. Throws std::invalid_argument on a null input that the activation needs.
ExpertResult golden_expert(const ExpertInputs& in, const ExpertDims& dims, ExpertActivation act);

}  // namespace monde::num
