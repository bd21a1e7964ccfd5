// The GPU's dequantise kernel (gpu.fetch_quantised): a hot expert fetched as the NDP's quantised
// copy (int8 / int4 codes and bf16 scales, docs/ndp_interface.md "Quantised weights") is turned
// into bf16 weights in HBM before its GEMMs, with the numerics rule of the NDP's dequantiser
// (dequant(q, s) = to_bf16(int_to_bf16(q) x s), docs/mac_array.md). One elementwise kernel over
// the whole expert, W = matrices x d_model x d_ff weights:
//   HBM bytes = codes + scales read (ExpertShape::ndp_weight_bytes) + bf16 weights written (W x 2)
//   flops     = 2 x W   (per weight: one integer-to-float conversion and one multiply by its
//                        scale; the int4 unpacking and the rounding store are not counted)
// timed with the GPU time model's kernel_time_s (launch + max(flops / peak, bytes / HBM)); at
// these intensities (under 1 flop per byte) it is HBM-bound on every configured GPU. It is
// charged on the GPU's compute units once per fetched expert, before the expert's GEMMs; an
// expert kept in HBM (the expert cache) is kept dequantised and pays nothing.
#pragma once

#include "core/perf/expert_shape.hpp"
#include "core/perf/gpu_time_model.hpp"
#include "core/perf/transformer_work.hpp"

namespace monde::perf {

// The kernel's work; empty (nothing to run) unless shape.gpu_fetch_quantised().
KernelWork gpu_dequant_kernel(const ExpertShape& shape);
// Its time on `gpu` (0 for an empty kernel).
double gpu_dequant_time_s(const GpuTimeModel& gpu, const ExpertShape& shape);

}  // namespace monde::perf
