// The measured performance of one GPU (configs/gpu/<gpu>.json, written by monde-calibrate):
// copy bandwidths and latencies, cuBLAS GEMM times and whole expert-FFN times. How expert time
// is read from it: core/perf/gpu_time_model.hpp. Keys: gpu_profile_schema().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/schema.hpp"

namespace monde::config {

struct ProfileProvenance {
  std::string date;    // ISO 8601 (UTC) of the calibration run
  std::string host;    // machine it ran on
  std::string driver;  // CUDA driver (and kernel module) version
  std::string how;     // tool, options and library versions
};

// One measured GEMM: C[m x n] = A[m x k] B[k x n], bf16 in and out, fp32 compute. In expert
// terms m = tokens, n = output features, k = reduction length.
struct GemmPoint {
  std::uint64_t m = 0;
  std::uint64_t n = 0;
  std::uint64_t k = 0;
  double time_us = 0;
};

// One measured expert FFN on the GPU, data already resident (no host transfers).
struct ExpertFfnPoint {
  std::string model;  // model name(s) with this expert shape
  std::uint64_t tokens = 0;
  std::uint64_t d_model = 0;
  std::uint64_t d_ff = 0;
  bool gated = false;
  double time_us = 0;
};

struct GpuProfile {
  std::string gpu;  // device name as the driver reports it
  ProfileProvenance measured;
  double host_to_gpu_pinned_GBps = 0;
  double gpu_to_host_pinned_GBps = 0;
  double host_to_gpu_pageable_GBps = 0;
  double small_copy_latency_us = 0;
  double kernel_launch_us = 0;
  std::vector<GemmPoint> gemm_bf16;
  std::vector<ExpertFfnPoint> expert_ffn;
};

// Every key required (but expert_ffn may be empty); duplicate expert_ffn points for one shape and
// token count are errors.
const Schema<GpuProfile>& gpu_profile_schema();
GpuProfile parse_gpu_profile(const nlohmann::json& json, const std::string& source);
GpuProfile load_gpu_profile(const std::string& path);

// The inverse of parse_gpu_profile (what monde-calibrate writes).
nlohmann::json to_json(const GpuProfile& profile);

// "NVIDIA H100 80GB HBM3" -> "nvidia-h100-80gb-hbm3": the profile's file name.
std::string gpu_slug(const std::string& gpu_name);

}  // namespace monde::config
