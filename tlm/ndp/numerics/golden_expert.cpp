// Golden expert FFN (golden_expert.hpp): three nn.Linear products and an activation, each
// output a single ascending-k MAC chain, in plain loops over contiguous rows.
#include "tlm/ndp/numerics/golden_expert.hpp"

#include <stdexcept>

#include "tlm/ndp/numerics/activation.hpp"

namespace monde::num {

void golden_linear(const bf16_t* x, const bf16_t* w, fp32_t* out, std::size_t rows,
                   std::size_t in, std::size_t out_features) {
  for (std::size_t t = 0; t < rows; ++t) {
    const bf16_t* xr = x + t * in;
    for (std::size_t o = 0; o < out_features; ++o) {
      const bf16_t* wr = w + o * in;
      // A cleared accumulator is +0, and the order is ascending k: golden_tile_gemm's rule.
      fp32_t acc = kFp32PosZero;
      for (std::size_t k = 0; k < in; ++k) acc = mac(acc, xr[k], wr[k]);
      out[t * out_features + o] = acc;
    }
  }
}

bf16_t expert_hidden(ExpertActivation act, fp32_t up, fp32_t gate) {
  switch (act) {
    case ExpertActivation::kRelu:
      return to_bf16(relu(up));
    case ExpertActivation::kSiluGated:
      return to_bf16(silu_gated(gate, up));
  }
  throw std::invalid_argument("expert_hidden: unknown activation");
}

ExpertResult golden_expert(const ExpertInputs& in, const ExpertDims& dims, ExpertActivation act) {
  const bool gated = act == ExpertActivation::kSiluGated;
  if (in.x == nullptr || in.w_up == nullptr || in.w_down == nullptr ||
      (gated && in.w_gate == nullptr)) {
    throw std::invalid_argument("golden_expert: missing input tensor");
  }
  const std::size_t t = dims.tokens, dm = dims.d_model, dff = dims.d_ff;
  ExpertResult r;
  r.up.resize(t * dff);
  golden_linear(in.x, in.w_up, r.up.data(), t, dm, dff);
  if (gated) {
    r.gate.resize(t * dff);
    golden_linear(in.x, in.w_gate, r.gate.data(), t, dm, dff);
  }
  r.h.resize(t * dff);
  for (std::size_t i = 0; i < t * dff; ++i) {
    r.h[i] = expert_hidden(act, r.up[i], gated ? r.gate[i] : kFp32PosZero);
  }
  // The down projection consumes h as stored in bf16 (the h scratch in device memory).
  r.y_fp32.resize(t * dm);
  golden_linear(r.h.data(), in.w_down, r.y_fp32.data(), t, dff, dm);
  r.y.resize(t * dm);
  for (std::size_t i = 0; i < t * dm; ++i) r.y[i] = to_bf16(r.y_fp32[i]);
  return r;
}

}  // namespace monde::num
