// The size of one expert FFN: everything the cost model needs to know about an expert.
#pragma once

#include <cstdint>

#include "core/config/weight_format.hpp"

namespace monde::config {
struct MoeModelConfig;
struct SystemConfig;
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
  // bf16, or int8 / int4 codes with bf16 scales. The CPU path reads the bf16 copy; the GPU path
  // too, unless gpu_fetches_ndp_copy (gpu.fetch_quantised) and the NDP copy is quantised.
  config::WeightEncoding ndp_weights{};
  // gpu.fetch_quantised: the GPU fetches the NDP copy (codes and scales) and dequantises it in HBM
  // (core/perf/gpu_dequant.hpp) instead of fetching the bf16 copy. No effect with bf16 NDP weights.
  bool gpu_fetches_ndp_copy = false;

  std::uint64_t matrices() const { return gated ? 3u : 2u; }
  std::uint64_t weight_bytes() const { return matrices() * d_model * d_ff * bytes_per_param; }
  // What the NDP units stream for one pass over the expert: codes and scales when quantised.
  std::uint64_t ndp_weight_bytes() const {
    if (!ndp_weights.quantised()) return weight_bytes();
    return matrices() * (config::weight_matrix_bytes(ndp_weights.format, d_ff, d_model) +
                         config::scale_matrix_bytes(ndp_weights, d_ff, d_model));
  }
  // The GPU fetches the quantised NDP copy (and dequantises it before its GEMMs).
  bool gpu_fetch_quantised() const { return gpu_fetches_ndp_copy && ndp_weights.quantised(); }
  // What one GPU fetch of the expert moves over the links: the NDP copy's codes and scales with
  // gpu_fetch_quantised(), else the bf16 weights.
  std::uint64_t gpu_fetch_bytes() const { return gpu_fetch_quantised() ? ndp_weight_bytes() : weight_bytes(); }
  // One token through the expert touches every weight once: one multiply-accumulate each.
  std::uint64_t macs_per_token() const { return matrices() * d_model * d_ff; }
  // A routed token enters as one d_model vector and leaves as one d_model vector.
  std::uint64_t activation_bytes_per_token() const { return d_model * bytes_per_param; }
};

// The routed expert of a model configuration (NDP copy in bf16), and with the NDP copy in the
// given format (device.ndp.expert_weight_format / expert_weight_group).
ExpertShape expert_shape(const config::MoeModelConfig& model);
ExpertShape expert_shape(const config::MoeModelConfig& model, const config::WeightEncoding& ndp_weights);
// The routed expert of a run as it is stored and fetched: the NDP copy's format
// (device.ndp.expert_weight_*) and whether the GPU fetches that copy (gpu.fetch_quantised).
ExpertShape expert_shape(const config::SystemConfig& c);

}  // namespace monde::perf
