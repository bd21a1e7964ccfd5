// The bytes of a tensor-parallel split expert (config devices.split; core/perf/expert_split.hpp
// says how d_ff is divided) in `data: full` runs, and the numerics of its reduction.
//
// Reduction (on the GPU, README "Tensor-parallel split"): y'[t][m] = to_bf16(acc) with
// acc = add(+0, p_0), add(acc, p_1), ..., add(acc, p_{N-1}) over the devices' bf16 partials p_d
// widened to fp32 (exact), in device order, with the contract's fp32 add (RNE, subnormals
// flushed: what a GPU kernel built with -ftz=true computes). Deterministic, but NOT bit-exact to
// the unsplit expert y = to_bf16(sum over all f ascending): each partial is rounded to bf16 on its
// device, and the sum is associated differently. (Reducing fp32 partials instead would not be
// bit-exact either: the array accumulates one chain per output from +0 in ascending f, and
// (((a + b) + c) + d) != (a + b) + (c + d) in fp32 in general.) h is bit-identical: each of its
// columns is the same dot product over d_model on whichever device holds it.
//
// The stated tolerance (split_error_bound), per output element, with u = 2^-8 (bf16 RNE), K = d_ff,
// the terms t_f = h[t][f] x w_down[m][f] (exact in fp32) and S = their exact sum:
//   |y' - y| <= u (|y'| + |y| + sum_d |p_d|)        the N + 2 bf16 roundings (each <= u |result|)
//             + 2^-23 (N - 1) sum_d |p_d|           the N - 1 fp32 additions of the reduction
//             + 2^-22 K sum_f |t_f|                  the fp32 chains, unsplit and split (2 x K x 2^-24)
//             + (K + N) 2^-126                       flushed subnormals
// No SystemC here.
#pragma once

#include <cstddef>
#include <vector>

#include "core/config/model_config.hpp"
#include "core/perf/expert_split.hpp"
#include "system/full_data.hpp"

namespace monde::system {

// The model with d_ff = slice.size (the expert one device holds).
config::MoeModelConfig slice_model(const config::MoeModelConfig& model, const perf::DffSlice& slice);
// Device d's matrices: rows [begin, begin + size) of w_up and w_gate, the same columns of w_down.
ExpertWeights slice_expert_weights(const config::MoeModelConfig& model, const ExpertWeights& w,
                                   const perf::DffSlice& slice);
// The inverse: the expert from its slices (in device order), e.g. what a GPU fetch assembled.
ExpertWeights join_expert_slices(const config::MoeModelConfig& model, const std::vector<ExpertWeights>& slices,
                                 const std::vector<perf::DffSlice>& at);
// The reduction above (every partial [tokens x d_model], same size; at least one).
std::vector<num::bf16_t> reduce_partials(const std::vector<std::vector<num::bf16_t>>& partials);
// What the split expert returns: golden_expert_output of every slice, reduced.
std::vector<num::bf16_t> golden_split_output(const config::MoeModelConfig& model, const ExpertWeights& w,
                                             const std::vector<perf::DffSlice>& slices,
                                             const std::vector<num::bf16_t>& x, std::size_t tokens);

// The split output against the unsplit golden output of the same weights: the largest
// |y' - y|, and whether every element is within split_error_bound.
struct SplitError {
  std::size_t elements = 0;
  double max_abs = 0;
  double max_bound_ratio = 0;  // largest |y' - y| / bound (<= 1: within the tolerance)
  bool within_bound() const { return max_bound_ratio <= 1.0; }
  void add(const SplitError& o);
};
SplitError split_error(const config::MoeModelConfig& model, const ExpertWeights& w,
                       const std::vector<perf::DffSlice>& slices, const std::vector<num::bf16_t>& x,
                       std::size_t tokens);

}  // namespace monde::system
