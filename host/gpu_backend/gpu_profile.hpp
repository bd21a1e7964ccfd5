// The measured performance of one GPU (configs/gpu/<gpu>.json, written by monde-calibrate):
// copy bandwidths and latencies, cuBLAS GEMM times and whole expert-FFN times. The TLM GPU
// model charges compute from it; link transfers are modelled separately.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "host/gpu_backend/roofline.hpp"

namespace monde::gpu_backend {

struct ProfileProvenance {
  std::string date;    // ISO 8601 (UTC) of the calibration run
  std::string host;    // machine it ran on
  std::string driver;  // CUDA driver (and kernel module) version
  std::string how;     // tool, options and library versions
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

  // Seconds for one expert FFN on `tokens` tokens (0 for 0 tokens), data resident:
  //  - measured points of the same (d_model, d_ff, gated): piecewise linear in tokens between
  //    the two neighbouring measured token counts;
  //  - outside them: the nearest measured point scaled by the roofline's ratio,
  //    t(T) = t(T_edge) * R(T) / R(T_edge), so the curve is continuous at the edge;
  //  - a shape never measured: the roofline R(T) itself (optimistic: it has no overheads but
  //    kernel launches).
  double expert_time_s(std::uint64_t tokens, std::uint64_t d_model, std::uint64_t d_ff, bool gated) const;

  Roofline roofline() const;
};

// Validates everything (errors name source, key and allowed range; unknown keys are errors;
// duplicate expert_ffn points for one shape and token count are errors).
GpuProfile parse_gpu_profile(const nlohmann::json& json, const std::string& source);
GpuProfile parse_gpu_profile_text(const std::string& text, const std::string& source);
GpuProfile load_gpu_profile(const std::string& path);

// The inverse of parse_gpu_profile (what monde-calibrate writes).
nlohmann::json to_json(const GpuProfile& profile);

// "NVIDIA H100 80GB HBM3" -> "nvidia-h100-80gb-hbm3": the profile's file name.
std::string gpu_slug(const std::string& gpu_name);

}  // namespace monde::gpu_backend
