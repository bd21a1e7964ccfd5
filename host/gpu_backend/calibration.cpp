#include "host/gpu_backend/calibration.hpp"

#include <chrono>
#include <cstring>
#include <fstream>
#include <vector>

#include "host/gpu_backend/calibration_plan.hpp"
#include "host/gpu_backend/cublas_gemm.hpp"
#include "host/gpu_backend/activation_kernels.hpp"
#include "host/gpu_backend/cuda_check.hpp"
#include "host/gpu_backend/cuda_raii.hpp"
#include "host/gpu_backend/random_bf16.hpp"

namespace monde::gpu_backend {

namespace {

// The kernel module's version line, e.g. "NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.86.15 ...".
std::string kernel_module_version() {
  std::ifstream in("/proc/driver/nvidia/version");
  std::string line;
  if (in && std::getline(in, line)) {
    return line;
  }
  return "";
}

double gbps(std::size_t bytes, float ms) { return static_cast<double>(bytes) / (static_cast<double>(ms) * 1e-3) / 1e9; }

double time_copy_GBps(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind, cudaStream_t s, int repeats) {
  CudaEvent start;
  CudaEvent stop;
  MONDE_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, kind, s));  // warm-up (maps pages, wakes the link)
  MONDE_CUDA_CHECK(cudaStreamSynchronize(s));
  std::vector<double> samples;
  for (int r = 0; r < repeats; ++r) {
    MONDE_CUDA_CHECK(cudaEventRecord(start.get(), s));
    MONDE_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, kind, s));
    MONDE_CUDA_CHECK(cudaEventRecord(stop.get(), s));
    samples.push_back(gbps(bytes, elapsed_ms(start, stop)));
  }
  return median(samples);
}

}  // namespace

DeviceInfo device_info(int device) {
  cudaDeviceProp prop{};
  MONDE_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  int v = 0;
  MONDE_CUDA_CHECK(cudaDriverGetVersion(&v));
  DeviceInfo info;
  info.name = prop.name;
  info.driver = "CUDA driver API " + std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10) +
                " (cudaDriverGetVersion " + std::to_string(v) + ")";
  int rt = 0;
  MONDE_CUDA_CHECK(cudaRuntimeGetVersion(&rt));
  int major = 0;
  int minor = 0;
  int patch = 0;
  MONDE_CUBLAS_CHECK(cublasGetProperty(MAJOR_VERSION, &major));
  MONDE_CUBLAS_CHECK(cublasGetProperty(MINOR_VERSION, &minor));
  MONDE_CUBLAS_CHECK(cublasGetProperty(PATCH_LEVEL, &patch));
  info.libraries = "CUDA runtime " + std::to_string(rt / 1000) + "." + std::to_string((rt % 1000) / 10) +
                   ", cuBLAS " + std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  const std::string nvrm = kernel_module_version();
  if (!nvrm.empty()) {
    info.driver += "; " + nvrm;
  }
  return info;
}

CopyBandwidth measure_copy_bandwidth(std::size_t bytes, int repeats) {
  CudaStream stream;
  DeviceBuffer dev(bytes);
  PinnedBuffer pinned(bytes);
  std::memset(pinned.get(), 1, bytes);
  std::vector<unsigned char> pageable(bytes, 1);  // touched, so no first-use page faults are timed
  CopyBandwidth bw;
  bw.host_to_gpu_pinned_GBps =
      time_copy_GBps(dev.get(), pinned.get(), bytes, cudaMemcpyHostToDevice, stream.get(), repeats);
  bw.gpu_to_host_pinned_GBps =
      time_copy_GBps(pinned.get(), dev.get(), bytes, cudaMemcpyDeviceToHost, stream.get(), repeats);
  bw.host_to_gpu_pageable_GBps =
      time_copy_GBps(dev.get(), pageable.data(), bytes, cudaMemcpyHostToDevice, stream.get(), repeats);
  return bw;
}

double measure_small_copy_latency_us(std::size_t bytes, int repeats) {
  constexpr int kCopies = 1000;
  DeviceBuffer dev(bytes);
  PinnedBuffer pinned(bytes);
  std::memset(pinned.get(), 1, bytes);
  MONDE_CUDA_CHECK(cudaMemcpy(dev.get(), pinned.get(), bytes, cudaMemcpyHostToDevice));  // warm-up
  std::vector<double> samples;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kCopies; ++i) {
      MONDE_CUDA_CHECK(cudaMemcpy(dev.get(), pinned.get(), bytes, cudaMemcpyHostToDevice));
    }
    const auto t1 = std::chrono::steady_clock::now();
    samples.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / kCopies);
  }
  return median(samples);
}

double measure_kernel_launch_us(int repeats) {
  constexpr int kLaunches = 1000;
  CudaStream stream;
  CudaEvent start;
  CudaEvent stop;
  MONDE_CUDA_CHECK(launch_empty_kernel(stream.get()));  // warm-up: loads the module
  MONDE_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
  std::vector<double> samples;
  for (int r = 0; r < repeats; ++r) {
    MONDE_CUDA_CHECK(cudaEventRecord(start.get(), stream.get()));
    for (int i = 0; i < kLaunches; ++i) {
      MONDE_CUDA_CHECK(launch_empty_kernel(stream.get()));
    }
    MONDE_CUDA_CHECK(cudaEventRecord(stop.get(), stream.get()));
    samples.push_back(1000.0 * elapsed_ms(start, stop) / kLaunches);
  }
  return median(samples);
}

struct GemmTimer::Impl {
  CudaStream stream;
  CublasHandle blas{stream.get()};
  DeviceBuffer x, w, c;
  std::size_t x_elems = 0;  // random elements currently in x
  int n = 0;
  int k = 0;  // shape of the weights currently in w

  void prepare(int m, int new_n, int new_k) {
    const auto sm = static_cast<std::size_t>(m);
    const auto sn = static_cast<std::size_t>(new_n);
    const auto sk = static_cast<std::size_t>(new_k);
    if (new_n != n || new_k != k) {
      w.reserve(sn * sk * 2);
      const auto hw = random_bf16(sn * sk, 1.0f, 2);
      MONDE_CUDA_CHECK(cudaMemcpy(w.get(), hw.data(), hw.size() * 2, cudaMemcpyHostToDevice));
      n = new_n;
      k = new_k;
      x_elems = 0;  // x was generated for another k
    }
    if (sm * sk > x_elems) {
      x.reserve(sm * sk * 2);
      const auto hx = random_bf16(sm * sk, 1.0f, 1);
      MONDE_CUDA_CHECK(cudaMemcpy(x.get(), hx.data(), hx.size() * 2, cudaMemcpyHostToDevice));
      x_elems = sm * sk;
    }
    c.reserve(sm * sn * 2);
  }
};

GemmTimer::GemmTimer() : impl_(std::make_unique<Impl>()) {}

GemmTimer::~GemmTimer() = default;

double GemmTimer::time_us(int m, int n, int k, int repeats) {
  constexpr int kCalls = 10;  // small GEMMs take a few microseconds: time a run of them
  impl_->prepare(m, n, k);
  LinearGemm g;
  g.m = m;
  g.n = n;
  g.k = k;
  g.x = impl_->x.get();
  g.w = impl_->w.get();
  g.c = impl_->c.get();
  g.c_type = CUDA_R_16BF;
  cublasHandle_t h = impl_->blas.get();
  cudaStream_t s = impl_->stream.get();
  gemm_linear(h, g);  // warm-up: heuristics and kernel loading
  MONDE_CUDA_CHECK(cudaStreamSynchronize(s));
  CudaEvent start;
  CudaEvent stop;
  std::vector<double> samples;
  for (int r = 0; r < repeats; ++r) {
    MONDE_CUDA_CHECK(cudaEventRecord(start.get(), s));
    for (int i = 0; i < kCalls; ++i) {
      gemm_linear(h, g);
    }
    MONDE_CUDA_CHECK(cudaEventRecord(stop.get(), s));
    samples.push_back(1000.0 * elapsed_ms(start, stop) / kCalls);
  }
  return median(samples);
}

}  // namespace monde::gpu_backend
