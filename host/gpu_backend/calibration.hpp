// GPU measurements for monde-calibrate. Each returns the median of `repeats` samples; what a
// sample is, is stated per function (and in docs/gpu_backend.md). CUDA builds only.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace monde::gpu_backend {

struct DeviceInfo {
  std::string name;    // cudaDeviceProp::name
  std::string driver;  // "CUDA driver API 13.0 (cudaDriverGetVersion 13000); NVRM ..." when readable
  std::string libraries;  // "CUDA runtime 13.0, cuBLAS 13.0.0"
};

DeviceInfo device_info(int device);

struct CopyBandwidth {
  double host_to_gpu_pinned_GBps = 0;
  double gpu_to_host_pinned_GBps = 0;
  double host_to_gpu_pageable_GBps = 0;
};

// One sample: one cudaMemcpyAsync of `bytes` (GB = 1e9 bytes), timed with CUDA events on a
// stream; the pageable source is malloc'd memory that has been touched.
CopyBandwidth measure_copy_bandwidth(std::size_t bytes, int repeats);

// One sample: the mean wall time of 1000 synchronous cudaMemcpy calls of `bytes` from pinned
// host memory to the device (what a tiny transfer costs end to end).
double measure_small_copy_latency_us(std::size_t bytes, int repeats);

// One sample: the mean time per kernel of 1000 empty kernels launched back to back on one
// stream, timed with CUDA events (what each dependent kernel adds to a sequence).
double measure_kernel_launch_us(int repeats);

// Times cuBLAS GEMMs C[m x n] = X[m x k] W[n x k]^T (bf16 in and out, fp32 compute, random
// data). One sample: the mean time of 10 back-to-back cublasGemmEx calls, timed with CUDA
// events, after one warm-up call. Keeps W between calls with the same (n, k), because random
// weights for large experts take seconds to generate: time GEMMs ordered by (n, k).
class GemmTimer {
 public:
  GemmTimer();
  ~GemmTimer();
  GemmTimer(const GemmTimer&) = delete;
  GemmTimer& operator=(const GemmTimer&) = delete;

  double time_us(int m, int n, int k, int repeats);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace monde::gpu_backend
