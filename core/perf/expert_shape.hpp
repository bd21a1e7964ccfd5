// The size of one expert FFN: everything the cost model needs to know about an expert.
#pragma once

#include <cstdint>

#include "core/config/weight_format.hpp"

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
  // The format of the copy the NDP units stream (docs/ndp_interface.md, "Quantised weights"):
  // bf16, or int8 / int4 codes with bf16 scales. The GPU and CPU paths read the bf16 copy.
  config::WeightEncoding ndp_weights{};

  std::uint64_t matrices() const { return gated ? 3u : 2u; }
  std::uint64_t weight_bytes() const { return matrices() * d_model * d_ff * bytes_per_param; }
  // What the NDP units stream for one pass over the expert: codes and scales when quantised.
  std::uint64_t ndp_weight_bytes() const {
    if (!ndp_weights.quantised()) return weight_bytes();
    return matrices() * (config::weight_matrix_bytes(ndp_weights.format, d_ff, d_model) +
                         config::scale_matrix_bytes(ndp_weights, d_ff, d_model));
  }
  // One token through the expert touches every weight once: one multiply-accumulate each.
  std::uint64_t macs_per_token() const { return matrices() * d_model * d_ff; }
  // A routed token enters as one d_model vector and leaves as one d_model vector.
  std::uint64_t activation_bytes_per_token() const { return d_model * bytes_per_param; }
};

// The routed expert of a model configuration (NDP copy in bf16), and with the NDP copy in the
// given format (device.ndp.expert_weight_format / expert_weight_group).
ExpertShape expert_shape(const config::MoeModelConfig& model);
ExpertShape expert_shape(const config::MoeModelConfig& model, const config::WeightEncoding& ndp_weights);

}  // namespace monde::perf
