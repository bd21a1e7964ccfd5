// The data of a `data: full` MoE runtime run (scaled-down models only) and the checks on it.
//
// Real bytes, made up deterministically (the runtime times attention and the dense layers but
// does not compute them, so no real model state exists to take them from):
//   weights      per (MoE layer, expert): w_up and w_gate [d_ff x d_model] uniform in
//                [-2/sqrt(d_model), 2/sqrt(d_model)), w_down [d_model x d_ff] uniform in
//                [-2/sqrt(d_ff), 2/sqrt(d_ff)), rounded to bf16 (gpu_backend::random_bf16), seeded from
//                (routing.seed, transformer layer, expert, matrix). The 1/sqrt(fan-in) scale
//                keeps h and y of order one (no overflow, no flushing) for every preset shape.
//   activations  per (step, MoE layer): x [tokens x d_model] uniform in [-1, 1), bf16, seeded
//                from (routing.seed, step, transformer layer). They stand in for the attention
//                output entering the layer: each layer gets fresh x, not the previous layer's y.
// Routing: the experiment's routing source (uniform / zipf / trace) exactly as for timing;
// the combine weights are the source's weights (1/top_k for these sampled sources).
//
// Checks of one expert's output (all on bf16 bit patterns):
//   NDP path     bit for bit against num::golden_expert on the placed weights (mismatches counted).
//   GPU/CPU path the fp32 CpuReferenceBackend's y against golden_expert, within the tolerance of
//                host/gpu_backend/tolerance.hpp (gpu_tolerance with the reference's own hidden activation).
//                That tolerance is stated for cuBLAS against the CPU reference; the golden model
//                differs from the CPU reference in the same way (fp32 sums in another order, so h
//                may round to the adjacent bf16), so the same bound applies.
// No SystemC here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "host/gpu_backend/cpu_reference_backend.hpp"
#include "host/gpu_backend/tolerance.hpp"
#include "core/config/model_config.hpp"
#include "core/config/weight_format.hpp"
#include "host/moe/moe_layer.hpp"
#include "tlm/ndp/numerics/bf16.hpp"

namespace monde::system {

// Full-data runs keep the weights on the host (reference) and in the device's backing store, so
// they are refused above this much routed expert weight (a scaled-down -tiny preset is a few MB).
inline constexpr std::uint64_t kFullDataMaxWeightBytes = std::uint64_t{1} << 30;

// Throws std::invalid_argument naming the model, its weight bytes and the limit, and telling the
// user to use a -tiny preset or data: timing_only, when the model is too big for full data.
void check_full_data_fits(const config::MoeModelConfig& model);

struct ExpertWeights {
  std::vector<num::bf16_t> up, gate, down;  // gate empty for an ungated model
};

ExpertWeights make_expert_weights(const config::MoeModelConfig& model, std::uint64_t seed, std::uint32_t layer,
                                  std::uint32_t expert);
std::vector<num::bf16_t> make_activations(std::size_t tokens, std::uint32_t d_model, std::uint64_t seed,
                                          std::uint32_t step, std::uint32_t layer);

// Rows `tokens` of x [n x d_model] (bf16), stacked in that order (moe::gather_rows on floats:
// widening bf16 to fp32 and back is exact).
std::vector<num::bf16_t> gather_rows_bf16(const std::vector<num::bf16_t>& x, std::size_t d_model,
                                          const std::vector<std::uint32_t>& tokens);

// y [tokens x d_model] of the bit-exact NDP reference.
std::vector<num::bf16_t> golden_expert_output(const config::MoeModelConfig& model, const ExpertWeights& w,
                                              const std::vector<num::bf16_t>& x, std::size_t tokens);

// Pointers to one expert's matrices (host copies or bytes fetched from the device).
struct WeightView {
  const num::bf16_t* up = nullptr;
  const num::bf16_t* gate = nullptr;
  const num::bf16_t* down = nullptr;
};
WeightView view_of(const ExpertWeights& w);

// y of the fp32 CPU reference backend (what the GPU path computes when no GPU is present).
std::vector<num::bf16_t> reference_expert_output(gpu_backend::CpuReferenceBackend& backend, const config::MoeModelConfig& model,
                                                 const WeightView& w, const std::vector<num::bf16_t>& x,
                                                 std::size_t tokens);
// The stated GPU tolerance for this expert and input (from the reference's hidden activation).
gpu_backend::Tolerance expert_tolerance(const gpu_backend::CpuReferenceBackend& backend, const config::MoeModelConfig& model,
                                const ExpertWeights& w, const std::vector<num::bf16_t>& x, std::size_t tokens);

// The operands the NDP units multiply for an expert stored in `ndp_weights`: each matrix
// quantised with num::quantise (what the driver places) and dequantised with the array's rule.
// A copy of `w` for bf16.
ExpertWeights ndp_operand_weights(const config::MoeModelConfig& model, const ExpertWeights& w,
                                  const config::WeightEncoding& ndp_weights);

// The expert the GPU computes from a fetched quantised copy (gpu.fetch_quantised): `fetched` holds
// the copy's tensors in driver::quantised_copy_ranges order (codes then scales of up, gate when
// gated, down), each dequantised with the NDP's rule (num::dequantise). `mismatched` gains the
// fetched bytes that differ from the driver's quantisation of `placed` (num::quantise, what
// ndp_operand_weights dequantises), so equal bytes give exactly ndp_operand_weights(placed).
ExpertWeights dequantise_fetched_copy(const config::MoeModelConfig& model, const config::WeightEncoding& ndp_weights,
                                      const ExpertWeights& placed,
                                      const std::vector<const std::vector<num::bf16_t>*>& fetched,
                                      std::uint64_t& mismatched);

// The error of expert outputs against a reference (quantised NDP experts against the same
// experts with bf16 weights): the largest |got - ref| and the relative RMS
// sqrt(sum (got - ref)^2 / sum ref^2), over the elements added so far. A NaN or inf anywhere
// makes max_abs infinite.
struct OutputError {
  std::size_t elements = 0;
  double max_abs = 0;
  double err_sq = 0;  // sum (got - ref)^2
  double ref_sq = 0;  // sum ref^2
  void add(const std::vector<num::bf16_t>& got, const std::vector<num::bf16_t>& ref);
  void add(const OutputError& o);
  double rel_rms() const;
};

// bf16 bits -> floats (exact), for the combine.
std::vector<float> widen(const std::vector<num::bf16_t>& v);

// Elements whose bits differ (sizes must match: std::invalid_argument otherwise).
std::size_t count_mismatches(const std::vector<num::bf16_t>& got, const std::vector<num::bf16_t>& ref);

}  // namespace monde::system
