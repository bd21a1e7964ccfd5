// The gating network (router) of one MoE layer: logits = W_gate x (+ bias), softmax over all
// experts, top-k, then the model's weight convention.
//
// Precision: fp32 throughout (logits accumulated over d_model in index order, softmax with the
// maximum subtracted). Real routers run in fp32 too (Switch's router_dtype, Megatron's
// moe_router_dtype) because the top-k choice is sensitive to rounding; the experts themselves are
// bf16 on the NDP, which is not this file's business.
//
// Ranking: experts are ranked by logit, highest first; equal logits rank the lower expert index
// first. Ranking by logit rather than by probability gives the same order (softmax is strictly
// increasing) without the ties that fp32 rounding of the probabilities would create.
//
// Weights: with normalize_topk the chosen probabilities are divided by their sum (Mixtral, Qwen3;
// GPT-OSS's softmax over the top-k logits is the same thing); without it the raw probabilities
// are kept (Switch, OLMoE, DeepSeek-V2-Lite). Both are then multiplied by scaling_factor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/config/model_config.hpp"
#include "host/moe/token_route.hpp"

namespace monde::moe {

// Softmax in fp32 with the maximum subtracted first; throws std::invalid_argument on an empty or
// non-finite input.
std::vector<float> softmax(const std::vector<float>& logits);

// Indices of the k largest logits, ranked as described above.
std::vector<std::uint32_t> top_k_by_logit(const std::vector<float>& logits, std::uint32_t k);

// The whole gate after the logits: softmax, top-k, weight convention.
TokenRoute route_from_logits(const std::vector<float>& logits, std::uint32_t k, const config::RouterConfig& router);

class GatingNetwork {
 public:
  // weight: experts x d_model, row e holding expert e's gate vector (the layout of PyTorch's
  // nn.Linear(d_model, experts).weight). bias: empty, or one value per expert (GPT-OSS has one).
  GatingNetwork(std::uint32_t d_model, std::uint32_t experts, std::uint32_t top_k, config::RouterConfig router,
                std::vector<float> weight, std::vector<float> bias = {});

  std::uint32_t d_model() const { return d_model_; }
  std::uint32_t experts() const { return experts_; }
  std::uint32_t top_k() const { return top_k_; }
  const config::RouterConfig& router() const { return router_; }

  // x: d_model values.
  std::vector<float> logits(const float* x) const;
  TokenRoute route(const float* x) const;
  // activations: tokens x d_model, row-major.
  std::vector<TokenRoute> route_batch(const std::vector<float>& activations, std::size_t tokens) const;

 private:
  std::uint32_t d_model_;
  std::uint32_t experts_;
  std::uint32_t top_k_;
  config::RouterConfig router_;
  std::vector<float> weight_;
  std::vector<float> bias_;
};

}  // namespace monde::moe
