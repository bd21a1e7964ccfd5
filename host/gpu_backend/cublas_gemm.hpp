// The one cuBLAS call shape the backend needs: a linear layer on row-major data,
//   C[m x n] = X[m x k] * W[n x k]^T      (W in PyTorch nn.Linear layout [out, in]),
// bf16 X and W, fp32 compute (CUBLAS_COMPUTE_32F), C in bf16 or fp32. CUDA builds only.
//
// cuBLAS is column-major, and a row-major matrix is its transpose in column-major, so we ask
// for C^T = W * X^T: cuBLAS m' = n, n' = m, k' = k, A = W with op T (lda = k), B = X with op N
// (ldb = k), C with ldc = n. No data is transposed or copied.
#pragma once

#include <cublas_v2.h>
#include <library_types.h>

namespace monde::gpu_backend {

struct LinearGemm {
  int m = 0;  // rows of X and C (tokens)
  int n = 0;  // outputs (rows of W)
  int k = 0;  // inputs (reduction length)
  const void* x = nullptr;
  const void* w = nullptr;
  void* c = nullptr;
  cudaDataType_t c_type = CUDA_R_16BF;
  // batch > 1: cublasGemmStridedBatchedEx over `batch` problems laid out at these element
  // strides; batch == 1: cublasGemmEx.
  int batch = 1;
  long long stride_x = 0;
  long long stride_w = 0;
  long long stride_c = 0;
};

// Enqueues on the handle's stream; throws CudaError naming the cuBLAS call on failure.
void gemm_linear(cublasHandle_t handle, const LinearGemm& g);

}  // namespace monde::gpu_backend
