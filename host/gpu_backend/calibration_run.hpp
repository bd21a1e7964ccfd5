// The whole monde-calibrate procedure (docs/gpu_backend.md, "Calibration"): measure, verify
// every expert shape against the CPU reference, write the profile. Declared in every build so
// that the tool builds everywhere; without CUDA, run_calibration only reports that
// (calibration_run_nocuda.cpp) and returns kCalibrateUsage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace monde::gpu_backend {

struct CalibrationOptions {
  std::string models_dir;  // empty: the model presets compiled in
  std::vector<std::uint64_t> tokens{1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
  std::string out;  // empty: configs/gpu/<gpu-slug>.json
  int repeats = 5;
  std::size_t copy_bytes = std::size_t{256} << 20;
  std::size_t small_copy_bytes = 64;
};

// Exit codes of monde-calibrate.
inline constexpr int kCalibrateOk = 0;
inline constexpr int kCalibrateVerifyFailed = 1;  // a GPU result was outside tolerance: no profile written
inline constexpr int kCalibrateUsage = 2;         // bad options or inputs, no GPU, or a CUDA error

// Progress and errors go to `log`. Never throws: every failure maps to an exit code.
int run_calibration(const CalibrationOptions& options, std::ostream& log);

}  // namespace monde::gpu_backend
