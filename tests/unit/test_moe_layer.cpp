// MoE layer dispatch and combine on a hand example, the fixed fp32 summation order (routed
// experts in route order, then shared experts), and the checks on malformed routes.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#include "host/moe/moe_layer.hpp"

namespace monde::moe {
namespace {

// 3 tokens, d_model 2, 3 experts, top-2:
//   x0 = (1, 2) -> experts (2, 0) weights (0.75, 0.25)
//   x1 = (3, 4) -> experts (1, 2) weights (0.5, 0.5)
//   x2 = (5, 6) -> experts (0, 1) weights (0.6, 0.4)
const std::vector<float> kX = {1, 2, 3, 4, 5, 6};
std::vector<TokenRoute> hand_routes() {
  return {{{2, 0}, {0.75f, 0.25f}}, {{1, 2}, {0.5f, 0.5f}}, {{0, 1}, {0.6f, 0.4f}}};
}

TEST(MoeLayer, DispatchGroupsTokensPerExpertInTokenOrder) {
  const Dispatch d = dispatch_tokens(hand_routes(), 3, 2);
  EXPECT_EQ(d.tokens_of_expert[0], (std::vector<std::uint32_t>{0, 2}));
  EXPECT_EQ(d.tokens_of_expert[1], (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(d.tokens_of_expert[2], (std::vector<std::uint32_t>{0, 1}));
  // Token 0's first expert is 2, where it is row 0; its second is 0, row 0.
  EXPECT_EQ(d.row_in_expert[0], (std::vector<std::uint32_t>{0, 0}));
  EXPECT_EQ(d.row_in_expert[1], (std::vector<std::uint32_t>{0, 1}));  // expert 1 row 0, expert 2 row 1
  EXPECT_EQ(d.row_in_expert[2], (std::vector<std::uint32_t>{1, 1}));  // expert 0 row 1, expert 1 row 1
  EXPECT_EQ(tokens_per_expert(hand_routes(), 3), (std::vector<std::uint64_t>{2, 2, 2}));
  EXPECT_EQ(gather_rows(kX, 2, d.tokens_of_expert[0]), (std::vector<float>{1, 2, 5, 6}));
}

TEST(MoeLayer, RunCombinesTheWeightedExpertOutputs) {
  // Expert e multiplies its input by (e + 1). By hand:
  //   out0 = 0.75 * 3 x0 + 0.25 * 1 x0 = 2.5 x0 = (2.5, 5)
  //   out1 = 0.5  * 2 x1 + 0.5  * 3 x1 = 2.5 x1 = (7.5, 10)
  //   out2 = 0.6  * 1 x2 + 0.4  * 2 x2 = 1.4 x2 = (7, 8.4)
  std::vector<std::pair<std::uint32_t, std::vector<float>>> calls;
  const ExpertFn scale = [&](std::uint32_t e, const std::vector<float>& in, std::size_t rows,
                             std::vector<float>& out) {
    calls.emplace_back(e, in);
    ASSERT_EQ(in.size(), rows * 2);
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = static_cast<float>(e + 1) * in[i];
  };
  const std::vector<float> out = run_moe_layer(kX, 2, hand_routes(), 3, 2, scale);
  const float expected[] = {2.5f, 5.0f, 7.5f, 10.0f, 7.0f, 8.4f};
  ASSERT_EQ(out.size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(out[i], expected[i]) << i;
  // One call per expert, in expert order, with the rows of its tokens in token order.
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0], (std::pair<std::uint32_t, std::vector<float>>{0, {1, 2, 5, 6}}));
  EXPECT_EQ(calls[1], (std::pair<std::uint32_t, std::vector<float>>{1, {3, 4, 5, 6}}));
  EXPECT_EQ(calls[2], (std::pair<std::uint32_t, std::vector<float>>{2, {1, 2, 3, 4}}));
}

TEST(MoeLayer, ExpertsWithoutTokensAreNotCalled) {
  std::vector<std::uint32_t> called;
  const ExpertFn copy = [&](std::uint32_t e, const std::vector<float>& in, std::size_t, std::vector<float>& out) {
    called.push_back(e);
    out = in;
  };
  // 5 experts; only experts 1 and 3 receive tokens.
  run_moe_layer({1, 2}, 2, {{{3, 1}, {0.5f, 0.5f}}}, 5, 2, copy);
  EXPECT_EQ(called, (std::vector<std::uint32_t>{1, 3}));
}

// Expert e outputs the constant value[e] in every element.
ExpertFn constant_experts(std::vector<float> value) {
  return [value](std::uint32_t e, const std::vector<float>&, std::size_t, std::vector<float>& out) {
    for (float& v : out) v = value[e];
  };
}

TEST(MoeLayer, CombineAddsInTheRoutesOrder) {
  // Outputs 1e8, 1, -1e8 with weight 1. fp32 has 24 significand bits, so 1e8 + 1 rounds back to
  // 1e8: in the order (0, 1, 2) the sum is (1e8 + 1) - 1e8 = 0; in the order (0, 2, 1) it is
  // (1e8 - 1e8) + 1 = 1. The layer must follow the route's order, not sort the experts.
  const ExpertFn experts = constant_experts({1e8f, 1.0f, -1e8f});
  const std::vector<float> x = {0.0f};
  EXPECT_EQ(run_moe_layer(x, 1, {{{0, 1, 2}, {1, 1, 1}}}, 3, 3, experts), std::vector<float>{0.0f});
  EXPECT_EQ(run_moe_layer(x, 1, {{{0, 2, 1}, {1, 1, 1}}}, 3, 3, experts), std::vector<float>{1.0f});
}

TEST(MoeLayer, SharedExpertsRunOnEveryTokenAfterTheRoutedSum) {
  // Hand example plus two shared experts computing 10 x and 20 x (no weight):
  //   out0 = 2.5 x0 + 30 x0 = 32.5 x0 = (32.5, 65), out1 = 32.5 x1, out2 = 31.4 x2.
  const ExpertFn scale = [](std::uint32_t e, const std::vector<float>& in, std::size_t, std::vector<float>& out) {
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = static_cast<float>(e + 1) * in[i];
  };
  std::vector<std::size_t> shared_rows;
  const SharedExpertFn shared = [&](std::uint32_t s, const std::vector<float>& in, std::size_t rows,
                                    std::vector<float>& out) {
    shared_rows.push_back(rows);
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = 10.0f * static_cast<float>(s + 1) * in[i];
  };
  const std::vector<float> out = run_moe_layer(kX, 2, hand_routes(), 3, 2, scale, 2, shared);
  const float expected[] = {32.5f, 65.0f, 97.5f, 130.0f, 157.0f, 188.4f};
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(out[i], expected[i]) << i;
  EXPECT_EQ(shared_rows, (std::vector<std::size_t>{3, 3}));

  // Order: routed 1e8 and -1e8 cancel to 0 before the shared expert adds 1, giving 1. Adding the
  // shared expert first would give (1 + 1e8) - 1e8 = 0.
  const SharedExpertFn one = [](std::uint32_t, const std::vector<float>&, std::size_t, std::vector<float>& o) {
    for (float& v : o) v = 1.0f;
  };
  EXPECT_EQ(run_moe_layer({0.0f}, 1, {{{0, 1}, {1, 1}}}, 2, 2, constant_experts({1e8f, -1e8f}), 1, one),
            std::vector<float>{1.0f});
}

TEST(MoeLayer, MalformedRoutesAndShapesAreRejected) {
  const ExpertFn copy = [](std::uint32_t, const std::vector<float>& in, std::size_t, std::vector<float>& out) {
    out = in;
  };
  EXPECT_THROW(dispatch_tokens({{{1, 1}, {0.5f, 0.5f}}}, 3, 2), std::invalid_argument);  // expert twice
  EXPECT_THROW(dispatch_tokens({{{1, 3}, {0.5f, 0.5f}}}, 3, 2), std::invalid_argument);  // expert 3 of 3
  EXPECT_THROW(dispatch_tokens({{{1}, {1.0f}}}, 3, 2), std::invalid_argument);           // k = 1, not 2
  EXPECT_THROW(dispatch_tokens({{{0, 1}, {1.0f}}}, 3, 2), std::invalid_argument);        // one weight
  EXPECT_THROW(run_moe_layer({1, 2, 3}, 2, hand_routes(), 3, 2, copy), std::invalid_argument);  // 3 values
  EXPECT_THROW(run_moe_layer(kX, 2, hand_routes(), 3, 2, copy, 1), std::invalid_argument);  // no shared fn
  const ExpertFn shrink = [](std::uint32_t, const std::vector<float>&, std::size_t, std::vector<float>& out) {
    out.pop_back();
  };
  EXPECT_THROW(run_moe_layer(kX, 2, hand_routes(), 3, 2, shrink), std::invalid_argument);
}

}  // namespace
}  // namespace monde::moe
