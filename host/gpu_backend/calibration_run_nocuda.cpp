// run_calibration in a build without CUDA: there is nothing it could measure, so it says so
// and fails with the usage/no-GPU exit code instead of writing a profile.
#include "host/gpu_backend/calibration_run.hpp"

namespace monde::gpu_backend {

int run_calibration(const CalibrationOptions& /*options*/, std::ostream& log) {
  log << "monde-calibrate: built without CUDA: this binary cannot measure a GPU. Rebuild with CUDA "
         "(cmake -DMONDE_CUDA=ON, or -DMONDE_GPU_ONLY=ON on the GPU machine) and run it there.\n";
  return kCalibrateUsage;
}

}  // namespace monde::gpu_backend
