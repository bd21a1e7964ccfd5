#include "host/gpu_backend/cuda_check.hpp"

namespace monde::gpu_backend {

namespace {

std::string where(const char* file, int line) { return std::string(" at ") + file + ":" + std::to_string(line); }

}  // namespace

void check_cuda(cudaError_t status, const char* call, const char* file, int line) {
  if (status != cudaSuccess) {
    throw CudaError(std::string("CUDA call ") + call + " failed: " + cudaGetErrorName(status) + " (" +
                    cudaGetErrorString(status) + ")" + where(file, line));
  }
}

void check_cublas(cublasStatus_t status, const char* call, const char* file, int line) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    throw CudaError(std::string("cuBLAS call ") + call + " failed: " + cublasGetStatusName(status) + " (" +
                    cublasGetStatusString(status) + ")" + where(file, line));
  }
}

}  // namespace monde::gpu_backend
