// Expert FFNs on an NVIDIA GPU with cuBLAS: the hot-expert path on real hardware, and what
// monde-calibrate times. CUDA builds only (MONDE_HAVE_CUDA); this header pulls in no CUDA
// headers, so C++ code using it compiles with the host compiler alone.
//
// Per job: copy x and the weights to the device, GEMM1 = x W1^T in fp32 (W1 = [W_gate; W_up]
// stacked, so gate and up are ONE GEMM when gated), the activation kernel rounds h to bf16,
// GEMM2 = h W_down^T rounded to bf16 by cuBLAS, copy y back.
//
// run_batch groups jobs with the same (d_model, d_ff, gated) and runs each group with
// cublasGemmStridedBatchedEx (one call per GEMM per group) and one activation launch. Token
// counts differ between experts, so each expert's x is zero-padded to the group's largest
// token count: padded rows cost compute but produce zero rows that are never copied back.
// Strided rather than pointer-array batching (cublasGemmBatchedEx), because the group's
// buffers are laid out at equal strides by construction, so no device pointer arrays are
// needed. A group of one uses cublasGemmEx.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "host/gpu_backend/expert_backend.hpp"

namespace monde::gpu_backend {

class CudaBackend final : public ExpertBackend {
 public:
  // Selects the device and creates a stream and a cuBLAS handle; throws CudaError otherwise.
  explicit CudaBackend(int device = 0);
  ~CudaBackend() override;
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  void run(const ExpertJob& job) override;
  void run_batch(const std::vector<ExpertJob>& jobs) override;
  std::string name() const override;  // "cuda:<device name>"

  // On-device time of one expert FFN (GEMM1 + activation + GEMM2, data already resident: no
  // host copies), in microseconds: one warm-up, then the median of `repeats` runs timed with
  // CUDA events. Does not write job.y.
  double time_compute_us(const ExpertJob& job, int repeats);

  const std::string& device_name() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace monde::gpu_backend
