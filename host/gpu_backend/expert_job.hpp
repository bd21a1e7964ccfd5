// One expert FFN invocation as the backends see it: shapes plus host pointers.
// Layouts follow PyTorch nn.Linear ([out, in], row-major) so weights exported from a model can
// be passed without transposing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "host/gpu_backend/bf16.hpp"

namespace monde::gpu_backend {

enum class Activation {
  relu,        // h = relu(x W_up^T)
  silu_gated,  // h = silu(x W_gate^T) * (x W_up^T)   (SwiGLU)
};

// "relu" / "silu_gated" (the spelling used in configs/models/*.json).
std::string to_string(Activation a);
// Throws std::invalid_argument naming the allowed spellings.
Activation parse_activation(const std::string& s);

// y = act(x) W_down^T with
//   x      [tokens x d_model]  bf16 row-major
//   w_up   [d_ff x d_model]    bf16 row-major
//   w_gate [d_ff x d_model]    bf16 row-major, only when gated
//   w_down [d_model x d_ff]    bf16 row-major
//   y      [tokens x d_model]  bf16 row-major (written; must not overlap the inputs)
// Numerics: fp32 accumulation; h is rounded to bf16 (RNE) before the down projection; y is
// rounded to bf16 (RNE).
struct ExpertJob {
  std::size_t tokens = 0;
  std::size_t d_model = 0;
  std::size_t d_ff = 0;
  bool gated = false;
  Activation activation = Activation::relu;
  const bf16_bits* x = nullptr;
  const bf16_bits* w_up = nullptr;
  const bf16_bits* w_gate = nullptr;
  const bf16_bits* w_down = nullptr;
  bf16_bits* y = nullptr;

  // Rows of the first GEMM's weight: gate and up are separate outputs when gated.
  std::size_t first_gemm_outputs() const { return gated ? 2 * d_ff : d_ff; }
  // Floating-point operations of the whole FFN (2 per multiply-accumulate), for reporting.
  double flops() const;
};

// Throws std::invalid_argument naming the bad field: zero dimensions, null pointers for a
// non-empty job, gated/activation disagreeing, or a w_gate given to an ungated job.
void validate(const ExpertJob& job);

}  // namespace monde::gpu_backend
