// The interface every expert-FFN backend implements (CPU reference, CUDA). The driver and
// the calibration tool only see this, so a machine without a GPU runs the same code paths.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "host/gpu_backend/expert_job.hpp"

namespace monde::gpu_backend {

class ExpertBackend {
 public:
  virtual ~ExpertBackend() = default;

  // Runs one expert FFN; y is written before the call returns. Throws on invalid jobs and on
  // device errors (the message names the failing call).
  virtual void run(const ExpertJob& job) = 0;

  // Several experts at once (one MoE layer's hot experts). The default runs them in order;
  // device backends override it to share launches.
  virtual void run_batch(const std::vector<ExpertJob>& jobs);

  virtual std::string name() const = 0;
};

// A CudaBackend on device 0 when monde_gpu_backend was built with CUDA; otherwise throws
// std::runtime_error saying it was built without CUDA.
std::unique_ptr<ExpertBackend> make_cuda_backend();

}  // namespace monde::gpu_backend
