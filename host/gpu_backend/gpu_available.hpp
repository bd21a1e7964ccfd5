// Whether a CUDA device can be used, and why not: GPU tests exit 77 (ctest skip) and
// monde-calibrate exits 2 when this is false.
#pragma once

#include <string>

namespace monde::gpu_backend {

struct GpuStatus {
  bool available = false;
  int devices = 0;
  std::string reason;  // why not available (empty when available)
};

// Never throws. Without a CUDA build: not available, reason "built without CUDA".
GpuStatus gpu_status();
inline bool gpu_available() { return gpu_status().available; }

// True when monde_gpu_backend was compiled with the CUDA backend.
bool built_with_cuda();

}  // namespace monde::gpu_backend
