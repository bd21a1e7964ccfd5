// The "gpu" section of an experiment: how hot experts reach the GPU (DMA chunking, the PCIe
// link, the root complex) and how long it computes them. Keys: gpu_schema() and the README's
// reference.
//   "gpu": {
//     "profile": "configs/gpu/<gpu>.json" | null,        // measured calibration (monde-calibrate)
//     "roofline": { "peak_tflops": 883, "hbm_GBps": 2728, "launch_us": 10 },
//     "dma_chunk_bytes": 2097152, "dma_outstanding": 4,
//     "hbm_bytes": 80000000000, "host_copy_latency_us": 2.69, "fetch_quantised": false,
//     "pcie": { ...PcieLinkConfig keys... },
//     "root_complex": { "latency_ns": 0 },
//     "expert_cache": { "mode": "none", "capacity_bytes": "auto" }
//   }
// Every key is optional. With a profile, compute comes from it and the roofline is unused;
// without one (no GPU has been measured for this repository yet) the roofline is the compute
// model. Roofline defaults come from cuBLAS bf16 GEMMs measured on a real H100 80GB HBM3 at the
// presets' expert shapes (../shared/data/gpu/h100-cublas-gemm.txt, 1 to 2048 tokens):
//   peak_tflops 883: the highest measured rate (mixtral-8x7b, 2048 tokens: 883.3 TFLOP/s),
//     not the datasheet's 989;
//   hbm_GBps 2728: the highest measured rate of a GEMM whose weights exceed the 50 MB L2
//     (mixtral-8x7b, 117 MB, 32 tokens: 2728.1 GB/s), not the datasheet's 3350 (smaller
//     matrices measured faster than HBM because the timing loop kept them in L2);
//   launch_us 10: the shortest measured GEMM (nllb-moe, 8 tokens: 9.83 us; every small GEMM
//     took 9.8-12.6 us), the floor an expert pays at least once, not a 5 us launch guess.
// Per GEMM the roofline with these is within 0.86x-1.26x of the measured time on every shape
// whose weights exceed the L2 and on the small ones (switch-base, qwen3); the L2-resident nllb-moe
// GEMMs at 1-128 tokens measured 1.8-2.3x faster (README, "GPU numbers").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/config/gpu_profile.hpp"
#include "core/config/pcie_config.hpp"
#include "core/config/enum_names.hpp"
#include "core/config/schema.hpp"

namespace monde::config {

// A GPU expert cache: spare HBM that keeps experts' weights between layers and steps, so that a
// routed expert found there runs on the GPU without a fetch over the links
// (host/policy/expert_cache.hpp has the rules, docs/policies.md "GPU expert cache").
//   kNone:   no cache (every policy as before);
//   kPinned: a fixed set of (layer, expert), the run's most popular ones across all MoE layers,
//            loaded before the run (not charged) and kept for the whole run;
//   kLru:    every expert a policy fetches stays until evicted, least recently used first,
//            across layers and steps.
enum class ExpertCacheMode { kNone, kPinned, kLru };
const std::vector<EnumName<ExpertCacheMode>>& names_of(ExpertCacheMode);

struct ExpertCacheConfig {
  ExpertCacheMode mode = ExpertCacheMode::kNone;
  // Bytes of HBM the cache holds (whole experts of model.expert_weight_bytes() each). Empty:
  // "auto", the spare HBM after everything else hbm_usage counts (core/perf/hbm_usage.hpp).
  // A capacity that does not fit gpu.hbm_bytes is refused before simulating.
  std::optional<std::uint64_t> capacity_bytes;
};

struct GpuRooflineConfig {
  double peak_tflops = 883.0;  // measured, see the header comment
  double hbm_GBps = 2728.0;
  double launch_us = 10.0;
};

// Parameters of the host root complex the GPU's PCIe link and the host CPU reach the CXL device
// through.
struct RootComplexConfig {
  // Added once on the way to the CXL root port and once on the way back, ns. The default 0
  // charges nothing beyond the two links: their latency terms already include their ports
  // (PcieLinkConfig::latency_ns, CxlLinkConfig host_port_ns). Set it to model a fabric hop
  // between the PCIe root port and the CXL root port (e.g. a mesh crossing on a server CPU).
  double latency_ns = 0.0;
};

// The GPU's power for energy (core/perf/energy.hpp gpu_energy_j: busy time at busy_w, the rest
// of the run at idle_w).
//   busy_w 700: the H100 SXM5's maximum thermal design power ("up to 700 W (configurable)", NVIDIA
//     H100 datasheet); an upper bound of what a busy GPU draws (the H100 PCIe card's is 350 W).
//   idle_w 70: an ASSUMPTION (10 % of the TDP; NVIDIA publishes no idle figure and no GPU was
//     measured for it here).
struct GpuPowerConfig {
  double busy_w = 700.0;
  double idle_w = 70.0;
};

struct GpuConfig {
  // The measured profile: `profile_path` the file found (see ConfigNode::get_path), `profile`
  // its contents (empty: none, the roofline is the compute model).
  std::string profile_path;
  std::optional<GpuProfile> profile;
  GpuRooflineConfig roofline;
  // One DMA read (one TLM transaction through PCIe and CXL) covers at most dma_chunk_bytes;
  // dma_outstanding of them are in flight at once, so that the request latency of one chunk
  // hides behind the data of the others and both links stay busy.
  std::uint64_t dma_chunk_bytes = std::uint64_t{2} << 20;
  unsigned dma_outstanding = 4;
  // GPU memory, bytes: what the non-expert weights, the KV cache and the hot experts' buffers must
  // fit in (core/perf/hbm_usage.hpp; a run that does not fit is refused before simulating).
  // 80e9: the H100 80GB's datasheet capacity ("80GB HBM3"); the lent H100 reports 79.2 GiB
  // (85.0e9 B) in its device query (../shared/data/gpu/h100-cublas-gemm.txt), of which the CUDA
  // context and libraries take a share, so the datasheet figure is the usable bound kept here.
  std::uint64_t hbm_bytes = 80'000'000'000ull;
  // Fixed cost of one GPU <-> host copy (cudaMemcpy of activations to or from pinned host memory),
  // us: a 64 B host -> GPU copy measured 2.69 us on the lent H100 (../shared/data/gpu/
  // h100-cublas-gemm.txt, "H2D 64B copy"). The bytes then move at the PCIe link's data rate.
  double host_copy_latency_us = 2.69;
  // Hot experts are fetched as the NDP's quantised copy (codes and scales, when
  // device.ndp.expert_weight_format is int8 / int4) and dequantised on the GPU before their GEMMs
  // (core/perf/gpu_dequant.hpp), instead of as the bf16 copy. false: the bf16 copy (as before).
  // Refused with bf16 NDP weights, with experts at home in host memory and, with data full, with
  // split experts (system/experiment.cpp).
  bool fetch_quantised = false;
  PcieLinkConfig pcie;
  RootComplexConfig root_complex;
  GpuPowerConfig power;
  ExpertCacheConfig expert_cache;
};

// `profile` is read with the path resolver of the experiment being parsed (see
// experiment_config.hpp); parsing a lone "gpu" object resolves it against the working directory.
const Schema<GpuConfig>& gpu_schema();

}  // namespace monde::config
