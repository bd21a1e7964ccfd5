// The size of one expert FFN: everything the cost model needs to know about an expert.
#pragma once

#include <cstdint>

namespace monde::config {
struct MoeModelConfig;
}

namespace monde::perf {

// One expert feed-forward network. A plain FFN has an up and a down projection
// (d_model x d_ff each); a gated FFN (SwiGLU, as in Mixtral) adds a gate projection of the
// same size, so it has three.
struct ExpertShape {
  std::uint64_t d_model = 0;
  std::uint64_t d_ff = 0;
  bool gated = false;
  unsigned bytes_per_param = 2;  // bf16 weights; activations use the same element size

  std::uint64_t matrices() const { return gated ? 3u : 2u; }
  std::uint64_t weight_bytes() const { return matrices() * d_model * d_ff * bytes_per_param; }
  // One token through the expert touches every weight once: one multiply-accumulate each.
  std::uint64_t macs_per_token() const { return matrices() * d_model * d_ff; }
  // A routed token enters as one d_model vector and leaves as one d_model vector.
  std::uint64_t activation_bytes_per_token() const { return d_model * bytes_per_param; }
};

// The routed expert of a model configuration.
ExpertShape expert_shape(const config::MoeModelConfig& model);

}  // namespace monde::perf
