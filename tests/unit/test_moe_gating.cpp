// Gating network: softmax values, top-k ranking and its tie rule, both weight conventions and
// the scaling factor, on hand-computed 4-expert examples; the gate routing source around it.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <vector>

#include "host/moe/gate_routing.hpp"
#include "host/moe/gating.hpp"

namespace monde::moe {
namespace {

const float kLn2 = std::log(2.0f);
const float kLn3 = std::log(3.0f);
const float kLn5 = std::log(5.0f);

// A gate whose logits for x = (1, 2) are (ln 1, ln 2, ln 3, ln 4):
//   e0 = (0, 0)          -> 0
//   e1 = (ln 2, 0)       -> ln 2
//   e2 = (ln 3, 0)       -> ln 3
//   e3 = (ln 2, ln 2/2)  -> ln 2 + 2 * ln 2 / 2 = ln 4
// so softmax = (1, 2, 3, 4) / (1 + 2 + 3 + 4) = (0.1, 0.2, 0.3, 0.4).
std::vector<float> hand_gate_weight() { return {0, 0, kLn2, 0, kLn3, 0, kLn2, kLn2 / 2}; }
const float kX[] = {1.0f, 2.0f};

config::RouterConfig router(bool normalize, double scale = 1.0) {
  config::RouterConfig r;
  r.normalize_topk = normalize;
  r.scaling_factor = scale;
  return r;
}

TEST(MoeGating, SoftmaxOfAHandExample) {
  // e^1 = 2.7182818, e^0 = 1, e^-1 = 0.3678794, e^0.5 = 1.6487213; sum = 5.7348825.
  // p = (0.4739908, 0.1743715, 0.0641477, 0.2874900).
  const std::vector<float> p = softmax({1.0f, 0.0f, -1.0f, 0.5f});
  ASSERT_EQ(p.size(), 4u);
  EXPECT_NEAR(p[0], 0.4739908f, 1e-6);
  EXPECT_NEAR(p[1], 0.1743715f, 1e-6);
  EXPECT_NEAR(p[2], 0.0641477f, 1e-6);
  EXPECT_NEAR(p[3], 0.2874900f, 1e-6);
}

TEST(MoeGating, SoftmaxIsShiftInvariantAndRejectsNonFinite) {
  // Subtracting the maximum keeps huge logits finite: softmax(1000, 1000) = (0.5, 0.5).
  const std::vector<float> p = softmax({1000.0f, 1000.0f});
  EXPECT_FLOAT_EQ(p[0], 0.5f);
  EXPECT_FLOAT_EQ(p[1], 0.5f);
  EXPECT_THROW(softmax({0.0f, std::numeric_limits<float>::quiet_NaN()}), std::invalid_argument);
  EXPECT_THROW(softmax({}), std::invalid_argument);
}

TEST(MoeGating, LogitsOfTheHandGate) {
  const GatingNetwork g(2, 4, 2, router(true), hand_gate_weight());
  const std::vector<float> l = g.logits(kX);
  EXPECT_NEAR(l[0], 0.0f, 1e-7);
  EXPECT_NEAR(l[1], std::log(2.0f), 1e-6);
  EXPECT_NEAR(l[2], std::log(3.0f), 1e-6);
  EXPECT_NEAR(l[3], std::log(4.0f), 1e-6);
}

TEST(MoeGating, NormalizedTopTwo) {
  // Top-2 of (0.1, 0.2, 0.3, 0.4) is experts 3, 2; renormalised 0.4 / 0.7 and 0.3 / 0.7.
  const TokenRoute r = GatingNetwork(2, 4, 2, router(true), hand_gate_weight()).route(kX);
  EXPECT_EQ(r.experts, (std::vector<std::uint32_t>{3, 2}));
  EXPECT_NEAR(r.weights[0], 0.5714286f, 1e-6);
  EXPECT_NEAR(r.weights[1], 0.4285714f, 1e-6);
}

TEST(MoeGating, RawTopTwoAndScalingFactor) {
  TokenRoute r = GatingNetwork(2, 4, 2, router(false), hand_gate_weight()).route(kX);
  EXPECT_EQ(r.experts, (std::vector<std::uint32_t>{3, 2}));
  EXPECT_NEAR(r.weights[0], 0.4f, 1e-6);
  EXPECT_NEAR(r.weights[1], 0.3f, 1e-6);
  // scaling_factor 2.5 multiplies after the convention: 0.4 * 2.5 = 1.0, 0.3 * 2.5 = 0.75.
  r = GatingNetwork(2, 4, 2, router(false, 2.5), hand_gate_weight()).route(kX);
  EXPECT_NEAR(r.weights[0], 1.0f, 1e-6);
  EXPECT_NEAR(r.weights[1], 0.75f, 1e-6);
}

TEST(MoeGating, SwitchStyleTopOne) {
  // Unnormalised top-1 keeps the probability (Switch: y = p_i E_i); normalised it becomes 1.
  const std::vector<float> logits = {0.0f, kLn2, kLn3, 2 * kLn2};
  TokenRoute r = route_from_logits(logits, 1, router(false));
  EXPECT_EQ(r.experts, (std::vector<std::uint32_t>{3}));
  EXPECT_NEAR(r.weights[0], 0.4f, 1e-6);
  r = route_from_logits(logits, 1, router(true));
  EXPECT_FLOAT_EQ(r.weights[0], 1.0f);
}

TEST(MoeGating, EqualLogitsRankTheLowerExpertFirst) {
  EXPECT_EQ(top_k_by_logit({1.0f, 3.0f, 3.0f, 0.0f}, 1), (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(top_k_by_logit({1.0f, 3.0f, 3.0f, 0.0f}, 2), (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(top_k_by_logit({0.5f, 0.5f, 0.5f, 0.5f}, 3), (std::vector<std::uint32_t>{0, 1, 2}));
  // The tie weights: both 3.0 logits have p = e^3 / (e^1 + 2 e^3 + e^0) = 20.0855 / 43.8894 = 0.4576,
  // renormalised 0.5 each.
  const TokenRoute r = route_from_logits({1.0f, 3.0f, 3.0f, 0.0f}, 2, router(true));
  EXPECT_FLOAT_EQ(r.weights[0], 0.5f);
  EXPECT_FLOAT_EQ(r.weights[1], 0.5f);
}

TEST(MoeGating, RankingUsesLogitsNotRoundedProbabilities) {
  // The two logits differ by one ulp: their fp32 probabilities are both exactly 0.5, but the
  // higher logit (expert 1) must still rank first.
  const float up = std::nextafter(0.0f, 1.0f);
  const std::vector<float> p = softmax({0.0f, up});
  ASSERT_EQ(p[0], p[1]);
  EXPECT_EQ(top_k_by_logit({0.0f, up}, 1), (std::vector<std::uint32_t>{1}));
}

TEST(MoeGating, BiasIsAddedToTheLogits) {
  // bias (ln 5, 0, 0, 0) turns the logits into (ln 5, ln 2, ln 3, ln 4): p = (5, 2, 3, 4) / 14.
  // Top-2 = experts 0, 3 with raw weights 5/14 = 0.3571429 and 4/14 = 0.2857143.
  const GatingNetwork g(2, 4, 2, router(false), hand_gate_weight(), {kLn5, 0, 0, 0});
  const TokenRoute r = g.route(kX);
  EXPECT_EQ(r.experts, (std::vector<std::uint32_t>{0, 3}));
  EXPECT_NEAR(r.weights[0], 0.3571429f, 1e-6);
  EXPECT_NEAR(r.weights[1], 0.2857143f, 1e-6);
}

TEST(MoeGating, BadShapesAreRejected) {
  EXPECT_THROW(GatingNetwork(2, 4, 2, router(true), std::vector<float>(7)), std::invalid_argument);
  EXPECT_THROW(GatingNetwork(2, 4, 5, router(true), std::vector<float>(8)), std::invalid_argument);
  EXPECT_THROW(GatingNetwork(2, 4, 2, router(true), std::vector<float>(8), {1.0f}), std::invalid_argument);
  const GatingNetwork g(2, 4, 2, router(true), hand_gate_weight());
  EXPECT_THROW(g.route_batch(std::vector<float>(5), 3), std::invalid_argument);
  EXPECT_THROW(top_k_by_logit({1.0f, 2.0f}, 3), std::invalid_argument);
}

// ---- gate routing source ---------------------------------------------------------------------

config::MoeModelConfig two_layer_model() {
  config::MoeModelConfig m;
  m.name = "gate-test";
  m.d_model = 2;
  m.d_ff = 8;
  m.experts = 4;
  m.top_k = 2;
  m.layers = 3;
  m.moe_layer_rule = config::MoeLayerRule::kAfterFirstDenseK;
  m.first_dense_layers = 1;  // MoE layers 1 and 2
  m.moe_layers = 2;
  m.router = router(true);
  return m;
}

TEST(MoeGateRouting, RoutesEachLayerWithItsOwnGateOnProvidedActivations) {
  std::map<std::uint32_t, GatingNetwork> gates;
  gates.emplace(1, GatingNetwork(2, 4, 2, router(true), hand_gate_weight()));
  // Layer 2's gate negates layer 1's, so its logits are (0, -ln 2, -ln 3, -ln 4): experts 0, 1
  // with p proportional to (1, 1/2, 1/3, 1/4), renormalised (1, 1/2) / 1.5 = (2/3, 1/3).
  std::vector<float> negated = hand_gate_weight();
  for (float& w : negated) w = -w;
  gates.emplace(2, GatingNetwork(2, 4, 2, router(true), negated));
  std::vector<std::uint32_t> asked;
  GateRoutingSource src(two_layer_model(), std::move(gates), [&](std::uint32_t layer, std::size_t tokens) {
    asked.push_back(layer);
    std::vector<float> x;
    for (std::size_t t = 0; t < tokens; ++t) x.insert(x.end(), {1.0f, 2.0f});
    return x;
  });
  const std::vector<TokenRoute> l1 = src.route(1, 3);
  ASSERT_EQ(l1.size(), 3u);
  for (const TokenRoute& r : l1) EXPECT_EQ(r.experts, (std::vector<std::uint32_t>{3, 2}));
  const std::vector<TokenRoute> l2 = src.route(2, 1);
  EXPECT_EQ(l2[0].experts, (std::vector<std::uint32_t>{0, 1}));
  EXPECT_NEAR(l2[0].weights[0], 2.0f / 3.0f, 1e-6);
  EXPECT_NEAR(l2[0].weights[1], 1.0f / 3.0f, 1e-6);
  EXPECT_EQ(asked, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_THROW(src.route(0, 1), std::invalid_argument);  // layer 0 is dense
  EXPECT_STREQ(src.kind(), "gate");
}

TEST(MoeGateRouting, GatesMustCoverExactlyTheMoeLayersWithTheModelsShape) {
  const auto provider = [](std::uint32_t, std::size_t) { return std::vector<float>(); };
  std::map<std::uint32_t, GatingNetwork> only_one;
  only_one.emplace(1, GatingNetwork(2, 4, 2, router(true), hand_gate_weight()));
  EXPECT_THROW(GateRoutingSource(two_layer_model(), only_one, provider), std::invalid_argument);

  std::map<std::uint32_t, GatingNetwork> with_dense = only_one;
  with_dense.emplace(2, GatingNetwork(2, 4, 2, router(true), hand_gate_weight()));
  with_dense.emplace(0, GatingNetwork(2, 4, 2, router(true), hand_gate_weight()));
  EXPECT_THROW(GateRoutingSource(two_layer_model(), with_dense, provider), std::invalid_argument);

  std::map<std::uint32_t, GatingNetwork> wrong_k = only_one;
  wrong_k.emplace(2, GatingNetwork(2, 4, 1, router(true), hand_gate_weight()));
  EXPECT_THROW(GateRoutingSource(two_layer_model(), wrong_k, provider), std::invalid_argument);

  std::map<std::uint32_t, GatingNetwork> wrong_convention = only_one;
  wrong_convention.emplace(2, GatingNetwork(2, 4, 2, router(false), hand_gate_weight()));
  EXPECT_THROW(GateRoutingSource(two_layer_model(), wrong_convention, provider), std::invalid_argument);
}

}  // namespace
}  // namespace monde::moe
