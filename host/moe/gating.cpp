#include "host/moe/gating.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

namespace monde::moe {

std::vector<float> softmax(const std::vector<float>& logits) {
  if (logits.empty()) throw std::invalid_argument("softmax: no logits");
  float max = logits[0];
  for (float v : logits) {
    if (!std::isfinite(v)) throw std::invalid_argument("softmax: non-finite logit " + std::to_string(v));
    max = std::max(max, v);
  }
  std::vector<float> p(logits.size());
  float sum = 0.0f;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    p[i] = std::exp(logits[i] - max);
    sum += p[i];
  }
  for (float& v : p) v /= sum;
  return p;
}

std::vector<std::uint32_t> top_k_by_logit(const std::vector<float>& logits, std::uint32_t k) {
  if (k == 0 || k > logits.size()) {
    throw std::invalid_argument("top_k_by_logit: k = " + std::to_string(k) + " with " +
                                std::to_string(logits.size()) + " experts");
  }
  std::vector<std::uint32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0u);
  // A strict weak order on (logit descending, index ascending); partial_sort is then exact.
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
  });
  order.resize(k);
  return order;
}

TokenRoute route_from_logits(const std::vector<float>& logits, std::uint32_t k, const config::RouterConfig& router) {
  const std::vector<float> p = softmax(logits);
  TokenRoute r;
  r.experts = top_k_by_logit(logits, k);
  float chosen_sum = 0.0f;
  for (std::uint32_t e : r.experts) chosen_sum += p[e];
  const auto scale = static_cast<float>(router.scaling_factor);
  for (std::uint32_t e : r.experts) {
    const float w = router.normalize_topk ? p[e] / chosen_sum : p[e];
    r.weights.push_back(w * scale);
  }
  return r;
}

GatingNetwork::GatingNetwork(std::uint32_t d_model, std::uint32_t experts, std::uint32_t top_k, config::RouterConfig router,
                             std::vector<float> weight, std::vector<float> bias)
    : d_model_(d_model),
      experts_(experts),
      top_k_(top_k),
      router_(std::move(router)),
      weight_(std::move(weight)),
      bias_(std::move(bias)) {
  if (d_model_ == 0 || experts_ == 0 || top_k_ == 0 || top_k_ > experts_) {
    throw std::invalid_argument("GatingNetwork: need d_model >= 1 and 1 <= top_k <= experts (d_model " +
                                std::to_string(d_model_) + ", experts " + std::to_string(experts_) + ", top_k " +
                                std::to_string(top_k_) + ")");
  }
  if (weight_.size() != std::size_t{experts_} * d_model_) {
    throw std::invalid_argument("GatingNetwork: weight has " + std::to_string(weight_.size()) +
                                " values, expected experts x d_model = " +
                                std::to_string(std::size_t{experts_} * d_model_));
  }
  if (!bias_.empty() && bias_.size() != experts_) {
    throw std::invalid_argument("GatingNetwork: bias has " + std::to_string(bias_.size()) +
                                " values, expected 0 or experts = " + std::to_string(experts_));
  }
}

std::vector<float> GatingNetwork::logits(const float* x) const {
  std::vector<float> out(experts_);
  for (std::uint32_t e = 0; e < experts_; ++e) {
    const float* w = weight_.data() + std::size_t{e} * d_model_;
    float acc = 0.0f;
    for (std::uint32_t d = 0; d < d_model_; ++d) acc += w[d] * x[d];
    out[e] = bias_.empty() ? acc : acc + bias_[e];
  }
  return out;
}

TokenRoute GatingNetwork::route(const float* x) const { return route_from_logits(logits(x), top_k_, router_); }

std::vector<TokenRoute> GatingNetwork::route_batch(const std::vector<float>& activations, std::size_t tokens) const {
  if (activations.size() != tokens * d_model_) {
    throw std::invalid_argument("GatingNetwork::route_batch: " + std::to_string(activations.size()) +
                                " activation values for " + std::to_string(tokens) + " tokens x d_model " +
                                std::to_string(d_model_));
  }
  std::vector<TokenRoute> routes;
  routes.reserve(tokens);
  for (std::size_t t = 0; t < tokens; ++t) routes.push_back(route(activations.data() + t * d_model_));
  return routes;
}

}  // namespace monde::moe
