#include "host/gpu_backend/gpu_available.hpp"

#ifdef MONDE_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

namespace monde::gpu_backend {

bool built_with_cuda() {
#ifdef MONDE_HAVE_CUDA
  return true;
#else
  return false;
#endif
}

GpuStatus gpu_status() {
  GpuStatus s;
#ifdef MONDE_HAVE_CUDA
  const cudaError_t e = cudaGetDeviceCount(&s.devices);
  if (e != cudaSuccess) {
    s.devices = 0;
    s.reason = std::string("cudaGetDeviceCount failed: ") + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
    cudaGetLastError();  // reset the runtime's last-error state so later calls start clean
  } else if (s.devices == 0) {
    s.reason = "cudaGetDeviceCount reports no CUDA device";
  } else {
    s.available = true;
  }
#else
  s.reason = "monde_gpu_backend was built without CUDA";
#endif
  return s;
}

}  // namespace monde::gpu_backend
