#include "host/gpu_backend/cuda_raii.hpp"

#include "host/gpu_backend/cuda_check.hpp"

namespace monde::gpu_backend {

// Destructors ignore errors: they cannot throw, and a failing free means the context is
// already broken, which the next checked call reports.

DeviceBuffer::~DeviceBuffer() {
  if (ptr_ != nullptr) {
    cudaFree(ptr_);
  }
}

void DeviceBuffer::reserve(std::size_t bytes) {
  if (bytes <= bytes_) {
    return;
  }
  if (ptr_ != nullptr) {
    MONDE_CUDA_CHECK(cudaFree(ptr_));
    ptr_ = nullptr;
    bytes_ = 0;
  }
  MONDE_CUDA_CHECK(cudaMalloc(&ptr_, bytes));
  bytes_ = bytes;
}

PinnedBuffer::PinnedBuffer(std::size_t bytes) { MONDE_CUDA_CHECK(cudaMallocHost(&ptr_, bytes)); }

PinnedBuffer::~PinnedBuffer() {
  if (ptr_ != nullptr) {
    cudaFreeHost(ptr_);
  }
}

CudaStream::CudaStream() { MONDE_CUDA_CHECK(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking)); }

CudaStream::~CudaStream() {
  if (s_ != nullptr) {
    cudaStreamDestroy(s_);
  }
}

CudaEvent::CudaEvent() { MONDE_CUDA_CHECK(cudaEventCreate(&e_)); }

CudaEvent::~CudaEvent() {
  if (e_ != nullptr) {
    cudaEventDestroy(e_);
  }
}

float elapsed_ms(const CudaEvent& start, const CudaEvent& stop) {
  MONDE_CUDA_CHECK(cudaEventSynchronize(stop.get()));
  float ms = 0;
  MONDE_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));
  return ms;
}

CublasHandle::CublasHandle(cudaStream_t stream) {
  MONDE_CUBLAS_CHECK(cublasCreate(&h_));
  try {
    MONDE_CUBLAS_CHECK(cublasSetStream(h_, stream));
  } catch (...) {
    cublasDestroy(h_);
    throw;
  }
}

CublasHandle::~CublasHandle() {
  if (h_ != nullptr) {
    cublasDestroy(h_);
  }
}

}  // namespace monde::gpu_backend
