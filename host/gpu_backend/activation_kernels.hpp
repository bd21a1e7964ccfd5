// Element-wise CUDA kernels of the expert FFN (activation_kernels.cu), callable from C++
// translation units compiled by the host compiler. Each launcher returns the launch status
// (cudaGetLastError) for the caller to check and name. CUDA builds only.
#pragma once

#include <cstddef>
#include <cstdint>

#include <cuda_runtime_api.h>

namespace monde::gpu_backend {

// h[i] = bf16_rne(relu(u[i])) for i < n; u fp32, h bf16 bits.
cudaError_t launch_relu_to_bf16(const float* u, std::uint16_t* h, std::size_t n, cudaStream_t stream);

// Rows of gate_up are [gate(d_ff) | up(d_ff)] (the fused first GEMM's output);
// h[r][j] = bf16_rne(silu(gate[r][j]) * up[r][j]) with silu(g) = g / (1 + exp(-g)).
cudaError_t launch_silu_gated_to_bf16(const float* gate_up, std::uint16_t* h, std::size_t rows, std::size_t d_ff,
                                      cudaStream_t stream);

// An empty kernel: what one launch costs (monde-calibrate's kernel_launch_us).
cudaError_t launch_empty_kernel(cudaStream_t stream);

}  // namespace monde::gpu_backend
