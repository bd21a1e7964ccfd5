#include "host/gpu_backend/cublas_gemm.hpp"

#include "host/gpu_backend/cuda_check.hpp"

namespace monde::gpu_backend {

void gemm_linear(cublasHandle_t handle, const LinearGemm& g) {
  // Scale factors are fp32 for CUBLAS_COMPUTE_32F and live on the host (default pointer mode).
  const float alpha = 1.0f;
  const float beta = 0.0f;
  if (g.batch == 1) {
    MONDE_CUBLAS_CHECK(cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, g.n, g.m, g.k, &alpha, g.w, CUDA_R_16BF, g.k,
                                    g.x, CUDA_R_16BF, g.k, &beta, g.c, g.c_type, g.n, CUBLAS_COMPUTE_32F,
                                    CUBLAS_GEMM_DEFAULT));
    return;
  }
  MONDE_CUBLAS_CHECK(cublasGemmStridedBatchedEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, g.n, g.m, g.k, &alpha, g.w,
                                                CUDA_R_16BF, g.k, g.stride_w, g.x, CUDA_R_16BF, g.k, g.stride_x,
                                                &beta, g.c, g.c_type, g.n, g.stride_c, g.batch, CUBLAS_COMPUTE_32F,
                                                CUBLAS_GEMM_DEFAULT));
}

}  // namespace monde::gpu_backend
