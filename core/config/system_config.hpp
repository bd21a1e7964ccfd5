// The whole experiment as one validated, typed tree: what the builder turns into a system and
// what every tool, benchmark and test starts from.
//   model    MoeModelConfig     (a preset, core/config/model_config.hpp)
//   device   DeviceConfig       (a preset: memory, cxl {link, hdm}, ndp)
//   gpu      GpuConfig          (pcie, root_complex, roofline or a measured profile, DMA)
//   cpu      CpuConfig          (the host CPU running cold experts under policy `cpu`)
//   host_memory HostMemoryConfig (the host's DRAM, and where offload and cpu take experts from)
//   routing  RoutingConfig      (which routing source and its parameters)
//   run      RunConfig          (phase, batch, steps, policies, data mode)
//   demo     DemoConfig         (monde-sim mac demo's tiles)
//   traffic  TrafficConfig      (monde-sim traffic)
//   faults   FaultConfig        (injected faults and the driver's watchdog; written only when set)
//   devices  DevicesConfig      (how many MoNDE devices and which holds each expert; written only when set)
// One pass parses it all (parse_system_config); the names of policies and routing sources are
// checked by the system layer against its registries (system/experiment.hpp), which own them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/device_config.hpp"
#include "core/config/devices_config.hpp"
#include "core/config/experiment_document.hpp"
#include "core/config/fault_config.hpp"
#include "core/config/gpu_config.hpp"
#include "core/config/host_memory_config.hpp"
#include "core/config/model_config.hpp"
#include "core/config/schema.hpp"
#include "core/config/traffic_config.hpp"

namespace monde::config {

// What one run simulates (core/perf/step_plan.hpp turns it into steps):
//   kDecode:   `steps` decode steps of one token per sequence, over a KV cache of context_tokens
//              (encoder-decoder models: the decoder layers, cross-attending to prompt_tokens);
//   kPrefill:  `steps` prefills of fresh prompts of prompt_tokens (encoder-decoder: the encoder);
//   kGenerate: one prefill (encoder) of the batch's prompts, then `steps` decode steps on it.
enum class RunPhase { kDecode, kPrefill, kGenerate };
const std::vector<EnumName<RunPhase>>& names_of(RunPhase);

enum class DataMode { kTimingOnly, kFull };
const std::vector<EnumName<DataMode>>& names_of(DataMode);

// What a step contains: every transformer block (attention, norms, dense FFNs, shared experts,
// embedding and LM head on the GPU, the MoE layers placed by the policy), or the MoE layers
// alone (the model before end-to-end steps, for MoE-only studies).
enum class RunScope { kEndToEnd, kMoeOnly };
const std::vector<EnumName<RunScope>>& names_of(RunScope);

// A measured routing trace in ../shared/data/routing/ (docs/moe_models.md, "Routing traces").
struct TraceSelection {
  std::string path;     // the file found (relative paths: next to the experiment, then the data dirs)
  std::string model;    // olmoe: the `model` column; fiddler: the `variant` column
  std::string dataset;  // e.g. "arxiv" or "mmlu/college_computer_science"
  // olmoe: "top1", "top2", "top8", ... or "topk", meaning the model's own router top-k (the
  // largest k recorded for that model and dataset; the top1 rows are a derived statistic).
  // fiddler records only the top-k sets: "topk" or "top<k>".
  std::string selection = "topk";
  // Layer count of the recorded model, needed to place its recorded layers by relative depth.
  // 0 = look the model up in known_recorded_model_layers().
  std::uint32_t recorded_model_layers = 0;
};

struct RoutingConfig {
  std::string source = "trace";  // a registered routing source (monde-sim list routing)
  std::uint64_t seed = 1;
  double zipf_exponent = 1.0;    // zipf
  bool has_trace = false;        // a "trace" object was given
  TraceSelection trace;          // trace
};

struct RunConfig {
  RunPhase phase = RunPhase::kDecode;
  std::uint32_t batch = 32;          // sequences
  std::uint32_t prompt_tokens = 1;   // tokens per sequence in prefill (decode: 1 per step)
  // Decode: KV-cache entries per sequence before the first decode step (the prompt and what was
  // generated so far; encoder-decoder models: the decoder's own tokens). Step s attends to
  // context_tokens + s + 1 positions. 512: an assumed mid-length conversation or document (NLLB-MoE
  // takes at most 1024 positions); experiments set their own.
  std::uint32_t context_tokens = 512;
  std::uint32_t steps = 1;
  RunScope scope = RunScope::kEndToEnd;
  std::vector<std::string> policies{"monde", "offload", "ndp_only"};  // registered placement policies
  DataMode data = DataMode::kTimingOnly;
  std::uint64_t gpu_memory_budget_bytes_per_layer = 0;
  std::optional<double> monde_paper_alpha;  // none ("auto"): calibrated per run
  // data: timing_only with the bandwidth DRAM: the NDP units run a fetch's blocks in runs, one
  // event per run (exact); false: one event per block, to cross-check (tlm/ndp/ndp_unit.hpp).
  bool ndp_block_runs = true;

  bool timing_only() const { return data == DataMode::kTimingOnly; }
  bool end_to_end() const { return scope == RunScope::kEndToEnd; }
  // Tokens one MoE layer sees in the run's largest step: batch (decode) or batch x prompt_tokens
  // (prefill, and the prefill step of generate).
  std::uint64_t tokens_per_step() const {
    return phase == RunPhase::kDecode ? batch : std::uint64_t{batch} * prompt_tokens;
  }
};

// The host CPU running cold experts (`cpu` policy). Its compute rate is derived:
//   flops_per_s = cores x clock_ghz x 1e9 x flops_per_cycle_per_core x compute_efficiency
// Defaults: one Intel Xeon Platinum 8480+ (Intel ARK, product 231746: 56 cores, base frequency
// 2.0 GHz) computing bf16 with AMX, which Intel states does 1024 bf16 operations per cycle per core
// (Intel, "Accelerate Artificial Intelligence (AI) Workloads with Intel Advanced Matrix Extensions
// (Intel AMX)", solution brief, 2023; 2048 for int8): 56 x 2.0e9 x 1024 = 114.688 TFLOP/s peak.
// AVX-512 instead: 2 FMA units x 16 fp32 lanes x 2 = 64 flop/cycle/core. compute_efficiency 1.0 is
// an assumption (the peak at base clock; no measured AMX GEMM efficiency is used).
// weight_bytes_per_s (40 GB/s) is the undocumented rate the CPU reads weights over CXL.mem at
// (expert_home device); from host memory it reads at host_memory's sustained bandwidth instead.
struct CpuConfig {
  double weight_bytes_per_s = 40e9;   // host CPU reading weights over CXL.mem (`cpu` policy)
  unsigned cores = 56;
  double clock_ghz = 2.0;
  double flops_per_cycle_per_core = 1024.0;
  double compute_efficiency = 1.0;
  double gpu_host_activation_bytes_per_s = 25e9;
  double flops_per_s() const {
    return static_cast<double>(cores) * clock_ghz * 1e9 * flops_per_cycle_per_core * compute_efficiency;
  }
};

// monde-sim mac demo: random tiles through both MAC models.
struct DemoConfig {
  std::uint64_t seed = 2026;
  unsigned k = 64;
  double special_fraction = 0.15;
};

struct SystemConfig {
  std::string source;  // the experiment's name (file or embedded preset), for messages and outputs
  MoeModelConfig model;
  DeviceConfig device;
  GpuConfig gpu;
  CpuConfig cpu;
  HostMemoryConfig host_memory;
  RoutingConfig routing;
  RunConfig run;
  DemoConfig demo;
  TrafficConfig traffic;
  FaultConfig faults;
  DevicesConfig devices;
};

const Schema<SystemConfig>& system_schema();
const Schema<RoutingConfig>& routing_schema();
const Schema<RunConfig>& run_schema();
const Schema<DemoConfig>& demo_schema();

// Parses every section (model and device required, the rest optional with defaults).
SystemConfig parse_system_config(const ExperimentDocument& document);
// The resolved configuration, every default written out; parse_system_config of it gives the same tree.
nlohmann::json to_json(const SystemConfig& config);

}  // namespace monde::config
