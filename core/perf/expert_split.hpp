// Tensor-parallel split of one expert across N MoNDE devices (config devices.split; arXiv
// 2601.03992): device d holds rows [begin_d, begin_d + size_d) of w_up and w_gate ([d_ff x d_model],
// PyTorch [out x in]) and the same columns of w_down ([d_model x d_ff]), i.e. an expert of its own
// with d_ff = size_d. Its NDP job computes h's columns [begin_d, ...) (bit-identical to the unsplit
// expert's: each h column is its own dot product over d_model) and a partial y_d [tokens x d_model]
// over those columns only; the partials are summed on the GPU (README "Tensor-parallel split").
//
// How d_ff is divided: in granules of g = max(32, G) columns (32: NdpLimits::dim_align, the NDP
// descriptor's line granularity; G: the quantisation group along K of w_down, so that no group
// spans two devices and each slice's scales are the unsplit expert's), U = d_ff / g granules,
// device d gets floor(U / N) granules plus one more when d < U mod N (the first devices take the
// remainder). Every device needs at least one granule: U >= N (split_fits).
//
// The reduction (one elementwise-add kernel per split layer over all its NDP experts' partials, on
// the GPU, after the partials have crossed each device's CXL link and then the PCIe hop like any
// NDP result; T = those experts' routed tokens): it reads the N partials and writes one output,
// bf16, and adds (N - 1) values per output element:
//   flops = (N - 1) x T x d_model,   HBM bytes = (N + 1) x T x d_model x 2
// timed with the GPU time model's kernel_time_s (launch + roofline).
#pragma once

#include <cstdint>
#include <vector>

#include "core/perf/expert_shape.hpp"
#include "core/perf/transformer_work.hpp"

namespace monde::perf {

struct DffSlice {
  std::uint64_t begin = 0;  // first column of d_ff
  std::uint64_t size = 0;   // columns
};

// g = max(32, G) for quantised NDP weights, 32 for bf16.
std::uint64_t split_granule(const ExpertShape& shape);
// d_ff is a multiple of the granule and holds at least one granule per device.
bool split_fits(const ExpertShape& shape, std::uint32_t devices);
// split_fits, and every device gets the same number of granules (U mod N = 0): every device's
// slice, and so its NDP path, is the same (what the exact oracle needs of a split layer).
bool split_even(const ExpertShape& shape, std::uint32_t devices);
// The N slices, in device order (std::invalid_argument unless split_fits).
std::vector<DffSlice> split_d_ff(const ExpertShape& shape, std::uint32_t devices);
// The expert a device holds: `shape` with d_ff = slice.size.
ExpertShape slice_shape(const ExpertShape& shape, const DffSlice& slice);
// The GPU's reduction of `devices` partial outputs of `tokens` tokens (0 tokens: an empty kernel).
KernelWork split_reduce_kernel(const ExpertShape& shape, std::uint32_t devices, std::uint64_t tokens);

}  // namespace monde::perf
