// Mixed precision per expert (system/mixed_precision.hpp): the per-expert format table, the rule
// that chooses each expert's format (by hand, from one probe's errors and from each expert's own),
// and the probe and each expert's own measurement, with the code the stats use (full_data.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "experiment_text.hpp"
#include "core/perf/expert_formats.hpp"
#include "system/full_data.hpp"
#include "system/mixed_precision.hpp"

namespace monde::system {
namespace {

using config::WeightEncoding;
using config::WeightFormat;

const WeightEncoding kBf16{};
const WeightEncoding kInt8{WeightFormat::kInt8, 64};
const WeightEncoding kInt4{WeightFormat::kInt4, 64};

// A measured error with a given relative RMS: sqrt(err_sq / ref_sq).
FormatError measured(WeightEncoding f, double rel_rms) {
  FormatError e{f, {}};
  e.error.elements = 1;
  e.error.ref_sq = 1.0;
  e.error.err_sq = rel_rms * rel_rms;
  return e;
}

// Two layers of 4 experts of 100 B each, a GPU budget of 250 B: the two most popular experts of
// each layer (ties to the lower index, never one with 0 tokens) are hot and stay bf16.
//   layer 0 popularity {10, 0, 5, 5}: hot 0 and 2 (5 = 5: the lower index);
//   layer 1 popularity {0, 3, 0, 0}: hot 1 only (the others have no tokens).
// Cold experts get the first candidate (int4 12 %, then int8 0.8 %) within the budget.
TEST(MixedPrecision, HotExpertsStayBf16AndColdOnesGetTheLowestBitFormatWithinTheBudget) {
  const std::vector<std::vector<double>> pop{{10, 0, 5, 5}, {0, 3, 0, 0}};
  const std::vector<FormatError> errors{measured(kInt4, 0.12), measured(kInt8, 0.008)};
  // 5 %: int4 (12 %) is over, int8 (0.8 %) within.
  perf::ExpertFormats f = choose_expert_formats(pop, 100, 250, errors, 0.05);
  EXPECT_FALSE(f.uniform());
  EXPECT_EQ(f.layer(0), (std::vector<WeightEncoding>{kBf16, kInt8, kBf16, kInt8}));
  EXPECT_EQ(f.layer(1), (std::vector<WeightEncoding>{kInt8, kBf16, kInt8, kInt8}));
  EXPECT_EQ(f.counts(0).at("bf16"), 2u);
  EXPECT_EQ(f.counts(0).at("int8/g64"), 2u);
  EXPECT_EQ(f.counts(1).at("int8/g64"), 3u);
  // 12 % exactly: int4 is within (<=).
  f = choose_expert_formats(pop, 100, 250, errors, 0.12);
  EXPECT_EQ(f.layer(0), (std::vector<WeightEncoding>{kBf16, kInt4, kBf16, kInt4}));
  // Below int8's error: every expert stays bf16 (the experiment check refuses such a budget).
  f = choose_expert_formats(pop, 100, 250, errors, 0.001);
  EXPECT_TRUE(f.uniform());
  EXPECT_FALSE(f.any_quantised());
  // No GPU budget: nothing is hot, every expert is cold.
  f = choose_expert_formats(pop, 100, 0, errors, 0.05);
  EXPECT_TRUE(f.uniform());
  EXPECT_EQ(f.of(1, 3), kInt8);
  // The shape of (layer, expert): the base shape with its NDP copy's format.
  const perf::ExpertShape base{128, 448, true, 2};
  EXPECT_EQ(f.shape(base, 0, 1).ndp_weights, kInt8);
  EXPECT_EQ(f.shape(base, 0, 1).d_ff, 448u);
  EXPECT_THROW(f.of(2, 0), std::out_of_range);
  EXPECT_THROW(perf::ExpertFormats({{kBf16}, {kBf16, kInt8}}), std::invalid_argument);
}

// The probe is the stats' own measurement: golden_expert_output on ndp_operand_weights against
// golden_expert_output on the bf16 weights, OutputError over kProbeTokens x d_model elements, with
// the weights and activations data: full draws (mixtral-8x7b-tiny: 128 x 448, so the probe keeps
// d_ff 128; its first MoE layer is 0).
TEST(MixedPrecision, ProbeMeasuresWithTheStatsErrorCode) {
  const config::MoeModelConfig model =
      test::parse_experiment_text(R"({"model": "mixtral-8x7b-tiny", "device": "lpddr5x-8533", "run": {"data": "full"}})").model;
  const WeightEncoding int4{WeightFormat::kInt4, 32}, int8{WeightFormat::kInt8, 32};
  const std::vector<FormatError> e = measure_format_errors(model, {int4, int8, kBf16}, 7);
  ASSERT_EQ(e.size(), 3u);
  config::MoeModelConfig probe = model;
  probe.d_ff = kProbeDff;
  const ExpertWeights w = make_expert_weights(probe, 7, 0, 0);
  const auto x = make_activations(kProbeTokens, probe.d_model, 7, 0, 0);
  const auto ref = golden_expert_output(probe, w, x, kProbeTokens);
  for (std::size_t i = 0; i < 2; ++i) {
    OutputError direct;
    direct.add(golden_expert_output(probe, ndp_operand_weights(probe, w, e[i].format), x, kProbeTokens), ref);
    EXPECT_EQ(e[i].error.elements, std::size_t{kProbeTokens} * 128u);
    EXPECT_EQ(e[i].error.err_sq, direct.err_sq);
    EXPECT_EQ(e[i].error.ref_sq, direct.ref_sq);
    EXPECT_EQ(e[i].error.max_abs, direct.max_abs);
  }
  // The documented sizes (README "Quantised experts", Accuracy): about 1 / (2 qmax) per matrix,
  // 7.1 % (int4) and 0.39 % (int8), chained through three matrices.
  EXPECT_GT(e[0].error.rel_rms(), 0.02);
  EXPECT_LT(e[0].error.rel_rms(), 0.2);
  EXPECT_GT(e[1].error.rel_rms(), 0.001);
  EXPECT_LT(e[1].error.rel_rms(), 0.02);
  EXPECT_EQ(e[2].error.elements, 0u);  // bf16 is the reference itself
  EXPECT_EQ(format_rel_rms(e, "int4/g32"), e[0].error.rel_rms());
  EXPECT_EQ(format_rel_rms(e, "bf16"), 0.0);
  EXPECT_THROW(format_rel_rms(e, "int8/g128"), std::invalid_argument);
  // Deterministic: the same seed gives the same bits.
  EXPECT_EQ(measure_format_errors(model, {int4}, 7)[0].error.err_sq, e[0].error.err_sq);
}

// Each expert's own errors (data: full): the rule per expert. Layer 0 of 3 experts, no GPU
// budget (all cold), a 5 % budget: expert 0 (int4 4 %, int8 0.5 %) takes int4, expert 1 (int4
// 7 %, int8 0.6 %) int8, expert 2 (int4 9 %, int8 6 %) stays bf16; with a 2 % budget expert 0
// takes int8 too.
TEST(MixedPrecision, EachExpertGetsTheLowestBitFormatWithinTheBudgetOfItsOwnErrors) {
  const std::vector<std::vector<double>> pop{{3, 2, 1}};
  const ExpertErrors errors{{{measured(kInt4, 0.04), measured(kInt8, 0.005)},
                             {measured(kInt4, 0.07), measured(kInt8, 0.006)},
                             {measured(kInt4, 0.09), measured(kInt8, 0.06)}}};
  perf::ExpertFormats f = choose_expert_formats(pop, 100, 0, errors, 0.05);
  EXPECT_EQ(f.layer(0), (std::vector<WeightEncoding>{kInt4, kInt8, kBf16}));
  f = choose_expert_formats(pop, 100, 0, errors, 0.02);
  EXPECT_EQ(f.layer(0), (std::vector<WeightEncoding>{kInt8, kInt8, kBf16}));
  // A table that does not match the routing's layers or experts is a bug, never ignored.
  EXPECT_THROW(choose_expert_formats({{3, 2}}, 100, 0, errors, 0.05), std::invalid_argument);
  EXPECT_THROW(choose_expert_formats({{3, 2, 1}, {1, 1, 1}}, 100, 0, errors, 0.05), std::invalid_argument);
}

// Each expert's own error is the stats' measurement on that expert's placed weights (those data:
// full draws for its layer and index), their first kProbeDff = 128 hidden units (a d_ff slice:
// rows of up and gate, the same columns of down), kProbeTokens tokens of its layer's activations
// (mixtral-8x7b-tiny: 4 MoE layers of 8 experts). Experts' errors differ (their own weights).
TEST(MixedPrecision, EachExpertIsMeasuredOnItsOwnWeights) {
  const config::MoeModelConfig model =
      test::parse_experiment_text(R"({"model": "mixtral-8x7b-tiny", "device": "lpddr5x-8533", "run": {"data": "full"}})")
          .model;
  const WeightEncoding int4{WeightFormat::kInt4, 32}, int8{WeightFormat::kInt8, 32};
  const ExpertErrors e = measure_expert_errors(model, {int4, int8}, 7);
  ASSERT_EQ(e.size(), 4u);
  ASSERT_EQ(e[2].size(), 8u);
  config::MoeModelConfig sliced = model;
  sliced.d_ff = kProbeDff;
  const std::uint32_t layer = model.moe_layer_indices()[2];
  const ExpertWeights whole = make_expert_weights(model, 7, layer, 5);
  // The slice by hand: the first 128 rows of up and gate, the first 128 columns of each row of down.
  ExpertWeights w;
  w.up.assign(whole.up.begin(), whole.up.begin() + 128 * 128);
  w.gate.assign(whole.gate.begin(), whole.gate.begin() + 128 * 128);
  for (std::size_t r = 0; r < 128; ++r) {
    const auto row = whole.down.begin() + std::ptrdiff_t(r * 448);
    w.down.insert(w.down.end(), row, row + 128);
  }
  const auto x = make_activations(kProbeTokens, model.d_model, 7, 0, layer);
  const auto ref = golden_expert_output(sliced, w, x, kProbeTokens);
  for (std::size_t i = 0; i < 2; ++i) {
    OutputError direct;
    direct.add(golden_expert_output(sliced, ndp_operand_weights(sliced, w, e[2][5][i].format), x, kProbeTokens), ref);
    EXPECT_EQ(e[2][5][i].error.elements, std::size_t{kProbeTokens} * 128u);
    EXPECT_EQ(e[2][5][i].error.err_sq, direct.err_sq);
    EXPECT_EQ(e[2][5][i].error.ref_sq, direct.ref_sq);
  }
  EXPECT_NE(e[2][5][0].error.err_sq, e[2][4][0].error.err_sq);
  EXPECT_NE(e[2][5][0].error.err_sq, e[1][5][0].error.err_sq);
}

}  // namespace
}  // namespace monde::system
