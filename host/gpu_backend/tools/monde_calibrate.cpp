// monde-calibrate: measures this machine's GPU (copies, launches, cuBLAS GEMMs, expert FFNs
// for every model preset), verifies the GPU results against the CPU reference and writes the
// profile configs/gpu/<gpu>.json that the GPU timing model reads.
// Exit codes: 0 profile written, 1 verification failed, 2 usage error / no GPU / built without CUDA.
#include <iostream>

#include <CLI/CLI.hpp>

#include "host/gpu_backend/calibration_run.hpp"

int main(int argc, char** argv) {
  monde::gpu_backend::CalibrationOptions o;
  CLI::App app{"Measure this GPU and write its profile (configs/gpu/<gpu>.json) for the MoNDE GPU model"};
  app.add_option("--models-dir", o.models_dir, "Directory of model presets (*.json); default: every model preset "
                                               "compiled into this binary");
  app.add_option("--tokens", o.tokens, "Token counts per expert to measure, comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--out", o.out, "Profile to write (default: configs/gpu/<gpu-name-slug>.json)");
  app.add_option("--repeats", o.repeats, "Samples per measurement; the profile holds their median")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);  // prints help (rc 0) or the error
    return rc == 0 ? 0 : monde::gpu_backend::kCalibrateUsage;
  }
  return monde::gpu_backend::run_calibration(o, std::cerr);
}
