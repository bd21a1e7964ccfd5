#include "host/moe/moe_layer.hpp"

#include <stdexcept>
#include <string>

namespace monde::moe {

Dispatch dispatch_tokens(const std::vector<TokenRoute>& routes, std::uint32_t experts, std::uint32_t top_k) {
  check_routes(routes, experts, top_k, "dispatch");
  Dispatch d;
  d.tokens_of_expert.resize(experts);
  d.row_in_expert.resize(routes.size());
  for (std::size_t t = 0; t < routes.size(); ++t) {
    for (std::uint32_t e : routes[t].experts) {
      auto& batch = d.tokens_of_expert[e];
      d.row_in_expert[t].push_back(static_cast<std::uint32_t>(batch.size()));
      batch.push_back(static_cast<std::uint32_t>(t));
    }
  }
  return d;
}

std::vector<float> gather_rows(const std::vector<float>& x, std::size_t d_model,
                               const std::vector<std::uint32_t>& tokens) {
  std::vector<float> out;
  out.reserve(tokens.size() * d_model);
  for (std::uint32_t t : tokens) {
    if ((std::size_t{t} + 1) * d_model > x.size()) {
      throw std::invalid_argument("gather_rows: token " + std::to_string(t) + " beyond the input");
    }
    out.insert(out.end(), x.begin() + static_cast<std::ptrdiff_t>(t * d_model),
               x.begin() + static_cast<std::ptrdiff_t>((t + 1) * d_model));
  }
  return out;
}

std::vector<float> combine(const std::vector<TokenRoute>& routes, const Dispatch& dispatch,
                           const std::vector<std::vector<float>>& expert_outputs, std::size_t d_model) {
  if (expert_outputs.size() != dispatch.tokens_of_expert.size()) {
    throw std::invalid_argument("combine: outputs for " + std::to_string(expert_outputs.size()) + " experts, " +
                                std::to_string(dispatch.tokens_of_expert.size()) + " dispatched");
  }
  for (std::size_t e = 0; e < expert_outputs.size(); ++e) {
    if (expert_outputs[e].size() != dispatch.tokens_of_expert[e].size() * d_model) {
      throw std::invalid_argument("combine: expert " + std::to_string(e) + " output has " +
                                  std::to_string(expert_outputs[e].size()) + " values, expected " +
                                  std::to_string(dispatch.tokens_of_expert[e].size()) + " rows x " +
                                  std::to_string(d_model));
    }
  }
  std::vector<float> out(routes.size() * d_model, 0.0f);
  for (std::size_t t = 0; t < routes.size(); ++t) {
    float* acc = out.data() + t * d_model;
    for (std::size_t j = 0; j < routes[t].experts.size(); ++j) {
      const float w = routes[t].weights[j];
      const float* row = expert_outputs[routes[t].experts[j]].data() + dispatch.row_in_expert[t][j] * d_model;
      for (std::size_t i = 0; i < d_model; ++i) acc[i] += w * row[i];
    }
  }
  return out;
}

std::vector<float> run_moe_layer(const std::vector<float>& x, std::size_t d_model,
                                 const std::vector<TokenRoute>& routes, std::uint32_t experts, std::uint32_t top_k,
                                 const ExpertFn& expert, std::uint32_t shared_experts, const SharedExpertFn& shared) {
  if (x.size() != routes.size() * d_model) {
    throw std::invalid_argument("run_moe_layer: " + std::to_string(x.size()) + " input values for " +
                                std::to_string(routes.size()) + " routed tokens x d_model " + std::to_string(d_model));
  }
  if (!expert) throw std::invalid_argument("run_moe_layer: no expert function");
  if (shared_experts > 0 && !shared) throw std::invalid_argument("run_moe_layer: shared experts but no function");
  const Dispatch dispatch = dispatch_tokens(routes, experts, top_k);
  std::vector<std::vector<float>> outputs(experts);
  for (std::uint32_t e = 0; e < experts; ++e) {
    const auto& tokens = dispatch.tokens_of_expert[e];
    if (tokens.empty()) continue;
    outputs[e].assign(tokens.size() * d_model, 0.0f);
    expert(e, gather_rows(x, d_model, tokens), tokens.size(), outputs[e]);
    if (outputs[e].size() != tokens.size() * d_model) {
      throw std::invalid_argument("run_moe_layer: expert " + std::to_string(e) + " resized its output");
    }
  }
  std::vector<float> out = combine(routes, dispatch, outputs, d_model);
  std::vector<float> shared_out(x.size());
  for (std::uint32_t s = 0; s < shared_experts; ++s) {
    shared(s, x, routes.size(), shared_out);
    if (shared_out.size() != x.size()) {
      throw std::invalid_argument("run_moe_layer: shared expert " + std::to_string(s) + " resized its output");
    }
    for (std::size_t i = 0; i < out.size(); ++i) out[i] += shared_out[i];
  }
  return out;
}

}  // namespace monde::moe
