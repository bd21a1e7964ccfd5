// An experiment: which model, which hardware, which routing, which policies, how many tokens.
// The `make run` configuration (configs/experiments/*.json):
//   { "model": "configs/models/mixtral-8x7b.json",
//     "device": { "preset": "configs/device/lpddr5x-8533.json",
//                 "override": { "memory": { "organization": { "ranks": 4 } } } },
//     "ndp": { ...NdpConfig keys... },
//     "gpu": { ...GPU model keys (tlm/gpu)... },
//     "cpu": { "weight_GBps": 40, "gflops": 2000, "gpu_host_activation_GBps": 25 },
//     "routing": { "source": "trace" | "uniform" | "zipf", "seed": 1,
//                  "trace": { "path": "fiddler/mixtral_expert_popularity.csv",
//                             "model": "mixtral_8x7b_original", "dataset": "...", "selection": "topk" },
//                  "zipf_exponent": 1.2 },
//     "run": { "phase": "decode" | "prefill", "batch": 32, "prompt_tokens": 1, "steps": 1,
//              "policies": ["monde", "offload", "ndp_only"], "data": "timing_only" | "full",
//              "gpu_memory_budget_bytes_per_layer": 0 } }
// (the DRAM model is the device's memory.model: override it with
//  "device": {"override": {"memory": {"model": "bandwidth"}}} for full-size runs).
// Paths: absolute, or relative to the working directory, or else to the source tree (so the
// embedded default works from any directory); routing trace paths are relative to
// ../shared/data/routing/ of the source tree unless absolute. `device.override` is a JSON merge
// patch (RFC 7386) applied to the preset before it is parsed. No SystemC here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config_node.hpp"
#include "tlm/device/device_config.hpp"
#include "host/moe/model_config.hpp"
#include "host/moe/routing_trace.hpp"
#include "tlm/ndp/ndp_config.hpp"

namespace monde::system {

enum class RunPhase { kDecode, kPrefill };

struct RoutingConfig {
  std::string source = "trace";  // uniform, zipf, trace
  std::uint64_t seed = 1;
  double zipf_exponent = 1.0;
  moe::TraceSelection trace;
};

struct RunConfig {
  RunPhase phase = RunPhase::kDecode;
  std::uint32_t batch = 32;          // sequences
  std::uint32_t prompt_tokens = 1;   // tokens per sequence in prefill (decode: 1 per step)
  std::uint32_t steps = 1;
  std::vector<std::string> policies{"monde", "offload", "ndp_only"};
  bool timing_only = true;
  std::uint64_t gpu_memory_budget_bytes_per_layer = 0;
  // Tokens one MoE layer sees per step: batch (decode) or batch x prompt_tokens (prefill).
  std::uint64_t tokens_per_step() const { return phase == RunPhase::kDecode ? batch : std::uint64_t{batch} * prompt_tokens; }
};

struct CpuConfig {
  double weight_bytes_per_s = 40e9;   // host CPU reading weights over CXL.mem (`cpu` policy)
  double flops_per_s = 2e12;
  double gpu_host_activation_bytes_per_s = 25e9;
};

struct ExperimentConfig {
  std::string source;  // file (or "<embedded ...>") the experiment came from
  std::string model_path, device_path;
  moe::MoeModelConfig model;
  device::DeviceConfig device;
  ndp::NdpConfig ndp;
  nlohmann::json gpu = nlohmann::json::object();  // the raw "gpu" object (parsed by the GPU model)
  CpuConfig cpu;
  RoutingConfig routing;
  RunConfig run;
};

// `source_dir`: the source tree (for relative paths and ../shared); throws config::ConfigError naming
// the file, key and allowed values.
ExperimentConfig parse_experiment(const nlohmann::json& j, const std::string& source, const std::string& source_dir);

// Resolves a configured path as described above; throws config::ConfigError naming `key` when no file exists.
std::string resolve_path(const config::ConfigNode& node, const std::string& key, const std::string& source_dir);

}  // namespace monde::system
