// What monde-calibrate measures, decided without a GPU so that it can be tested anywhere:
// each distinct expert shape once (models sharing a shape share its points), the GEMM shapes
// CudaBackend runs for them, and the token count each shape is verified at.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/gpu_profile.hpp"
#include "core/config/model_config.hpp"
#include "host/gpu_backend/expert_job.hpp"

namespace monde::gpu_backend {

struct FfnShape {
  std::string models;  // comma-separated names of the models with this shape
  std::uint64_t d_model = 0;
  std::uint64_t d_ff = 0;
  bool gated = false;
  Activation activation = Activation::relu;
};

struct CalibrationPlan {
  std::vector<FfnShape> shapes;          // in first-seen model order
  std::vector<std::uint64_t> tokens;     // sorted, unique
  std::vector<config::GemmPoint> gemms;  // (m, n, k) to time; time_us unset; unique, sorted
  std::uint64_t verify_tokens = 0;       // token count each shape is checked against the CPU at
};

// tokens: non-empty, each >= 1 (throws std::invalid_argument otherwise).
// GEMMs per shape and token count T: (T, d_ff or 2 d_ff when gated, d_model) and
// (T, d_model, d_ff), as CudaBackend runs them (gate and up fused into one GEMM).
// verify_tokens: the smallest listed count >= 4 (so that row/column mix-ups show), or the
// largest listed if all are below 4.
CalibrationPlan make_calibration_plan(const std::vector<config::MoeModelConfig>& models, std::vector<std::uint64_t> tokens);

// The model presets to measure: every *.json in `dir` (sorted by file name), or, for an empty
// `dir`, every model preset compiled into the binary (core/config/presets.hpp). Throws
// config::ConfigError for a bad file, std::runtime_error for a missing or empty directory.
std::vector<config::MoeModelConfig> load_models(const std::string& dir);

// Median of a non-empty sample (mean of the middle two for even sizes).
double median(std::vector<double> samples);

}  // namespace monde::gpu_backend
