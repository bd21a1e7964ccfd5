#include "host/policy/placement.hpp"

namespace monde::policy {

const char* to_string(ExpertLocation location) {
  switch (location) {
    case ExpertLocation::kIdle: return "idle";
    case ExpertLocation::kGpuFetched: return "gpu_fetched";
    case ExpertLocation::kGpuResident: return "gpu_resident";
    case ExpertLocation::kNdp: return "ndp";
    case ExpertLocation::kCpu: return "cpu";
  }
  return "?";
}

bool runs_on_gpu(ExpertLocation location) {
  return location == ExpertLocation::kGpuFetched || location == ExpertLocation::kGpuResident;
}

}  // namespace monde::policy
