// Mixed precision per expert (device.ndp.expert_weight_error_budget > 0; README "Mixed precision
// per expert"), after arXiv 2512.04476 (Fan et al.: hot experts pinned in GPU memory, the others
// on the CXL-NDP with per-expert bit widths chosen from prefill-stage statistics). Only that paper's
// abstract was available to this work; the rule below is ours:
//   - when: once, at placement, before the first step (the driver must place every expert's
//     data in its format before the run), from the run's routing (each expert's tokens over the
//     whole run, as static_freq counts popularity): offline, as the paper's placement is;
//   - hot experts: per MoE layer, the most popular experts that fit in
//     run.gpu_memory_budget_bytes_per_layer (policy::choose_pinned: the set static_freq and the
//     GPU cache pin; none with budget 0) stay bf16;
//   - every other (cold) expert: the lowest-bit candidate format (int4 then int8, down to
//     device.ndp.expert_weight_format, group expert_weight_group) whose measured relative RMS error
//     is within the budget; bf16 when none is.
// The error of a format is measured with the code the stats measure quantised experts with
// (full_data.hpp: ndp_operand_weights, golden_expert_output, OutputError), relative RMS of the
// output in that format against bf16 (golden both), with kProbeTokens tokens of seeded activations
// (make_activations: step 0, the expert's layer), on
//   - data: full: each expert's own weights, those the driver places (make_expert_weights:
//     routing.seed, its layer, its index), their first min(d_ff, kProbeDff) hidden units (rows of
//     up and gate, the same columns of down: whole quantisation groups, as a split slice): every
//     expert's own error, and its own format;
//   - timing_only (no weights exist): one seeded probe expert of the model's d_model and gating
//     and min(d_ff, kProbeDff) hidden units drawn as data: full draws them (the first MoE layer,
//     expert 0) that stands for every expert (the seeded experts all come from one distribution),
//     so every cold expert gets the same format.
// No SystemC here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/system_config.hpp"
#include "core/config/weight_format.hpp"
#include "core/perf/expert_formats.hpp"
#include "system/full_data.hpp"

namespace monde::system {

inline constexpr std::uint32_t kProbeDff = 128;    // a multiple of every group size
inline constexpr std::uint32_t kProbeTokens = 8;  // 8 x d_model output elements per format

struct FormatError {
  config::WeightEncoding format;
  OutputError error;  // the probe's output in this format against bf16 (golden both)
};

// One entry per format, in the given order (bf16: zero error). std::invalid_argument when the
// group size does not divide d_model and the probe's d_ff.
std::vector<FormatError> measure_format_errors(const config::MoeModelConfig& model,
                                               const std::vector<config::WeightEncoding>& formats, std::uint64_t seed);

// data: full: each expert's own error in each format (the rule above): [MoE layer][expert], one
// entry per format in the given order. Measured once per process for the same model, seed and
// formats (the experiment check, the runtime and the outputs all ask).
using ExpertErrors = std::vector<std::vector<std::vector<FormatError>>>;
ExpertErrors measure_expert_errors(const config::MoeModelConfig& model,
                                   const std::vector<config::WeightEncoding>& formats, std::uint64_t seed);

// The rule above, given the measurements. popularity: [MoE layer][expert] tokens over the run;
// candidates: lowest bits first, [MoE layer][expert][format] (each expert's own errors) or one
// list for every expert (the probe's). Returns every expert's format.
perf::ExpertFormats choose_expert_formats(const std::vector<std::vector<double>>& popularity,
                                          std::uint64_t expert_weight_bytes, std::uint64_t gpu_budget_bytes,
                                          const ExpertErrors& candidates, double error_budget);
perf::ExpertFormats choose_expert_formats(const std::vector<std::vector<double>>& popularity,
                                          std::uint64_t expert_weight_bytes, std::uint64_t gpu_budget_bytes,
                                          const std::vector<FormatError>& candidates, double error_budget);

// A run's formats: the uniform table of device.ndp.expert_weights() without mixed precision;
// with it, the candidates' measured errors and the choice from the run's routing.
struct ExpertFormatPlan {
  perf::ExpertFormats formats;
  std::vector<FormatError> errors;  // the candidates' on the probe (mixed precision, timing_only)
  ExpertErrors expert_errors;       // each expert's own (mixed precision, data: full)
  // The error of expert e of MoE layer l in its chosen format (bf16: 0).
  double chosen_rel_rms(std::size_t layer, std::size_t expert) const;
};
ExpertFormatPlan expert_format_plan(const config::SystemConfig& c);

// The error measured for the format config::describe names ("int4/g128") in `errors` (0 for
// "bf16"; std::invalid_argument if absent).
double format_rel_rms(const std::vector<FormatError>& errors, const std::string& format);

}  // namespace monde::system
