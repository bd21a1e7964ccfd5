// The bytes and numerics of a split expert (system/split_data.hpp), by hand.
#include <gtest/gtest.h>

#include <vector>

#include "core/config/model_config.hpp"
#include "system/split_data.hpp"

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

}  // namespace
}  // namespace monde::system
