// Every CUDA runtime and cuBLAS call goes through these checks: a failure becomes a CudaError
// whose message names the call, the error and the source line, so that a failure on the lent
// GPU machine can be diagnosed from the log alone. CUDA builds only.
#pragma once

#include <stdexcept>
#include <string>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

namespace monde::gpu_backend {

class CudaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void check_cuda(cudaError_t status, const char* call, const char* file, int line);
void check_cublas(cublasStatus_t status, const char* call, const char* file, int line);

}  // namespace monde::gpu_backend

// Macros only to capture the call text and line; the checks themselves are functions.
#define MONDE_CUDA_CHECK(call) ::monde::gpu_backend::check_cuda((call), #call, __FILE__, __LINE__)
#define MONDE_CUBLAS_CHECK(call) ::monde::gpu_backend::check_cublas((call), #call, __FILE__, __LINE__)
