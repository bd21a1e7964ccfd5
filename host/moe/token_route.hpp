// One token's routing decision in one MoE layer, as every routing source produces it and the
// MoE layer consumes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace monde::moe {

// experts[j] gets weight weights[j]. The experts are distinct; their order is the order in
// which the layer combines them (the gate ranks them by score, sampled sources by expert id).
struct TokenRoute {
  std::vector<std::uint32_t> experts;
  std::vector<float> weights;
};

// Throws std::invalid_argument unless every route has exactly top_k distinct experts below
// `experts` and one weight per expert; `what` prefixes the message.
void check_routes(const std::vector<TokenRoute>& routes, std::uint32_t experts, std::uint32_t top_k,
                  const char* what);

// How many tokens each expert receives: histogram[e] = number of routes that contain e.
std::vector<std::uint64_t> tokens_per_expert(const std::vector<TokenRoute>& routes, std::uint32_t experts);

}  // namespace monde::moe
