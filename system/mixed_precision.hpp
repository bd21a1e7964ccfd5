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
// (full_data.hpp: ndp_operand_weights, golden_expert_output, OutputError) on a seeded probe expert:
// the model's d_model and gating, min(d_ff, kProbeDff) hidden units, weights drawn as data: full
// draws them (make_expert_weights: routing.seed, the first MoE layer, expert 0) and kProbeTokens
// tokens of seeded activations (make_activations: step 0, that layer). Every expert's seeded
// weights come from the same distribution, so the probe stands for each of them; with real
// weights each expert's own error would differ (not modelled). No SystemC here.
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

// The rule above, given the measurements. popularity: [MoE layer][expert] tokens over the run;
// candidates: lowest bits first. Returns every expert's format.
perf::ExpertFormats choose_expert_formats(const std::vector<std::vector<double>>& popularity,
                                          std::uint64_t expert_weight_bytes, std::uint64_t gpu_budget_bytes,
                                          const std::vector<FormatError>& candidates, double error_budget);

// A run's formats: the uniform table of device.ndp.expert_weights() without mixed precision;
// with it, the candidates' measured errors and the choice from the run's routing.
struct ExpertFormatPlan {
  perf::ExpertFormats formats;
  std::vector<FormatError> errors;  // the candidates' (mixed precision only)
};
ExpertFormatPlan expert_format_plan(const config::SystemConfig& c);

// The error measured for the format config::describe names ("int4/g128") in `errors` (0 for
// "bf16"; std::invalid_argument if absent).
double format_rel_rms(const std::vector<FormatError>& errors, const std::string& format);

}  // namespace monde::system
