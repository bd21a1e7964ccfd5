// The expert shape of each model preset (configs/models/*.json): what monde-calibrate
// measures. Only the keys the GPU backend needs are read; the model files carry more.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/gpu_backend/expert_job.hpp"

namespace monde::gpu_backend {

struct ModelShape {
  std::string name;
  std::uint64_t d_model = 0;
  std::uint64_t d_ff = 0;
  bool gated = false;
  Activation activation = Activation::relu;
};

// Reads "name", "d_model", "d_ff", "gated", "activation" from one model file. Errors name the
// file and key; gated must agree with the activation (relu: false, silu_gated: true).
ModelShape load_model_shape(const std::string& path);

// All *.json files of a directory, sorted by file name. Throws if the directory does not exist
// or holds no model file.
std::vector<ModelShape> load_model_shapes(const std::string& dir);

}  // namespace monde::gpu_backend
