#include "host/gpu_backend/expert_backend.hpp"

#include <stdexcept>

#ifdef MONDE_HAVE_CUDA
#include "host/gpu_backend/cuda_backend.hpp"
#endif

namespace monde::gpu_backend {

void ExpertBackend::run_batch(const std::vector<ExpertJob>& jobs) {
  for (const auto& job : jobs) {
    run(job);
  }
}

std::unique_ptr<ExpertBackend> make_cuda_backend() {
#ifdef MONDE_HAVE_CUDA
  return std::make_unique<CudaBackend>(0);
#else
  throw std::runtime_error(
      "monde_gpu_backend was built without CUDA (configure with MONDE_CUDA=ON on a machine with nvcc)");
#endif
}

}  // namespace monde::gpu_backend
