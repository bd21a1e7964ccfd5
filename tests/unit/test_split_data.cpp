// The bytes and numerics of a split expert (system/split_data.hpp), by hand.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/config/model_config.hpp"
#include "core/perf/gpu_time_model.hpp"
#include "experiment_text.hpp"
#include "host/policy/device_placement.hpp"
#include "system/cost_model.hpp"
#include "system/split_data.hpp"
#include "system/split_layers.hpp"

namespace monde::system {
namespace {

// A 2 x 4 expert (d_model 2, d_ff 4, gated) split in two slices of 2 columns: device 0 holds rows
// 0-1 of w_up and w_gate ([d_ff x d_model]) and columns 0-1 of w_down ([d_model x d_ff]).
TEST(SplitData, SlicesAndJoinsTheMatrices) {
  config::MoeModelConfig m;
  m.d_model = 2;
  m.d_ff = 4;
  m.gated = true;
  ExpertWeights w;
  w.up = {1, 2, 3, 4, 5, 6, 7, 8};        // rows f = 0..3: (1 2) (3 4) (5 6) (7 8)
  w.gate = {11, 12, 13, 14, 15, 16, 17, 18};
  w.down = {21, 22, 23, 24, 25, 26, 27, 28};  // rows m = 0, 1: (21 22 23 24) (25 26 27 28)
  const std::vector<perf::DffSlice> at = {{0, 2}, {2, 2}};
  const ExpertWeights s1 = slice_expert_weights(m, w, at[1]);
  EXPECT_EQ(s1.up, (std::vector<num::bf16_t>{5, 6, 7, 8}));
  EXPECT_EQ(s1.gate, (std::vector<num::bf16_t>{15, 16, 17, 18}));
  EXPECT_EQ(s1.down, (std::vector<num::bf16_t>{23, 24, 27, 28}));
  const ExpertWeights back = join_expert_slices(m, {slice_expert_weights(m, w, at[0]), s1}, at);
  EXPECT_EQ(back.up, w.up);
  EXPECT_EQ(back.gate, w.gate);
  EXPECT_EQ(back.down, w.down);
}

// The reduction adds in fp32 from +0 in device order and rounds once: partials 1.0 (0x3F80),
// 2^-8 (0x3B80), 2^-8: 1 + 2^-8 + 2^-8 = 1 + 2^-7 exactly in fp32 -> bf16 0x3F81. Rounding after
// the first two would have lost both: 1 + 2^-8 is a tie at bf16's half ulp (2^-8), even -> 1.0.
// Zeros: +0 + (-0) = +0 (the chain starts from +0), and a lone -0 partial gives +0.
TEST(SplitData, ReducesPartialsInFp32AndRoundsOnce) {
  EXPECT_EQ(reduce_partials({{0x3F80}, {0x3B80}, {0x3B80}}), (std::vector<num::bf16_t>{0x3F81}));
  EXPECT_EQ(reduce_partials({{0x3F80}, {0x3B80}}), (std::vector<num::bf16_t>{0x3F80}));
  EXPECT_EQ(reduce_partials({{0x8000}, {0x8000}}), (std::vector<num::bf16_t>{0x0000}));
  EXPECT_THROW(reduce_partials({{1, 2}, {3}}), std::invalid_argument);
  EXPECT_THROW(reduce_partials({}), std::invalid_argument);
}

// devices.split: none splits no layer, always every layer, auto the layers whose summed predicted
// makespan (monde on every step's routing) is smaller split. 8 devices, decode, uniform routing:
//   Mixtral-8x7B at batch 1 routes 2 of 8 experts a layer: whole experts keep 2 devices busy, the
//   split all 8, so auto splits every layer (the simulation: 59.7 -> 18.2 ms, README);
//   Qwen3-30B-A3B at batch 32 routes 256 (token, expert) pairs over 128 small experts: whole
//   placement is balanced, the split only adds its costs, so auto splits none.
std::vector<LayerSplitChoice> choices(const std::string& model, std::uint32_t batch, const std::string& split) {
  const config::SystemConfig c = test::parse_experiment_text(R"({
    "model": ")" + model + R"(", "device": {"preset": "lpddr5x-8533", "memory": {"model": "bandwidth"}},
    "devices": {"count": 8, "split": ")" + split + R"("},
    "routing": {"source": "uniform", "seed": 7},
    "run": {"phase": "decode", "batch": )" + std::to_string(batch) + R"(, "steps": 1, "data": "timing_only"}})");
  const auto cost = derive_cost_model(c, perf::make_gpu_time_model(c.gpu));
  const std::size_t layers = c.model.moe_layer_indices().size();
  const std::vector<std::vector<std::uint32_t>> device_of(
      layers, policy::place_experts_on_devices(config::DevicePlacement::kRoundRobin, 8,
                                               std::vector<std::uint64_t>(c.model.experts, 0)));
  return split_layers(c, cost, device_of);
}

TEST(SplitLayers, NoneAlwaysAndAutoFollowTheCostModel) {
  for (const auto& l : choices("mixtral-8x7b", 1, "none")) EXPECT_EQ(l.split_devices, 0u);
  for (const auto& l : choices("mixtral-8x7b", 1, "always")) EXPECT_EQ(l.split_devices, 8u);
  const auto mixtral = choices("mixtral-8x7b", 1, "auto");
  ASSERT_EQ(mixtral.size(), 32u);
  for (const auto& l : mixtral) {
    EXPECT_EQ(l.split_devices, 8u);
    EXPECT_LT(l.predicted_split_s, l.predicted_whole_s);
  }
  const auto qwen = choices("qwen3-30b-a3b", 32, "auto");
  ASSERT_EQ(qwen.size(), 48u);
  for (const auto& l : qwen) {
    EXPECT_EQ(l.split_devices, 0u);
    EXPECT_GT(l.predicted_split_s, l.predicted_whole_s);
  }
}

}  // namespace
}  // namespace monde::system
