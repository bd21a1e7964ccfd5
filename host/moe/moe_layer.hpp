// One MoE layer's data movement around the experts: dispatch (which tokens go to which expert),
// the expert computation (a callback, so that the NDP golden model or a GPU backend can plug in),
// and combine (each token's weighted sum of its experts' outputs, plus shared experts).
//
// Dispatch: expert e's batch lists the tokens whose route contains e in ascending token order;
// row r of the batch is that token's input row. Combine, in fp32, for token t with route
// (e_0, w_0), ..., (e_{k-1}, w_{k-1}):
//     acc = 0; for j = 0..k-1: acc += w_j * out_{e_j}[t]        (in the route's order)
//     for s = 0..shared-1:     acc += shared_s(x_t)             (shared experts, in index order)
// The order is fixed because fp32 addition is not associative and the result is compared with
// other backends bit for bit. Routed first, then shared, is the order of DeepSeek-V2's reference
// code (y = moe(x) + shared_experts(x)); shared experts take no weight.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "host/moe/token_route.hpp"

namespace monde::moe {

struct Dispatch {
  // tokens_of_expert[e]: tokens routed to e, ascending.
  std::vector<std::vector<std::uint32_t>> tokens_of_expert;
  // row_in_expert[t][j]: row of token t in the batch of its j-th routed expert.
  std::vector<std::vector<std::uint32_t>> row_in_expert;
};

// Groups the tokens by expert; checks the routes (check_routes) first.
Dispatch dispatch_tokens(const std::vector<TokenRoute>& routes, std::uint32_t experts, std::uint32_t top_k);

// Rows `tokens` of x (n x d_model, row-major), stacked in that order.
std::vector<float> gather_rows(const std::vector<float>& x, std::size_t d_model,
                               const std::vector<std::uint32_t>& tokens);

// Computes `rows` output rows of expert `expert` from `input` (rows x d_model, row-major) into
// `output` (resized by the caller to rows x d_model).
using ExpertFn = std::function<void(std::uint32_t expert, const std::vector<float>& input, std::size_t rows,
                                    std::vector<float>& output)>;
// Same for shared expert `shared`, run on every token.
using SharedExpertFn = std::function<void(std::uint32_t shared, const std::vector<float>& input, std::size_t rows,
                                          std::vector<float>& output)>;

// The weighted sum above without shared experts. expert_outputs[e] holds
// tokens_of_expert[e].size() x d_model values.
std::vector<float> combine(const std::vector<TokenRoute>& routes, const Dispatch& dispatch,
                           const std::vector<std::vector<float>>& expert_outputs, std::size_t d_model);

// The whole layer on x (tokens x d_model): dispatch, one ExpertFn call per expert that received
// tokens (experts without tokens are not called), combine, then the shared experts.
std::vector<float> run_moe_layer(const std::vector<float>& x, std::size_t d_model,
                                 const std::vector<TokenRoute>& routes, std::uint32_t experts, std::uint32_t top_k,
                                 const ExpertFn& expert, std::uint32_t shared_experts = 0,
                                 const SharedExpertFn& shared = nullptr);

}  // namespace monde::moe
