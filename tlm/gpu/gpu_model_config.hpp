// The "gpu" section of a run configuration: how hot experts reach the GPU (DMA chunking, the
// PCIe link, the root complex) and how long it computes them. No SystemC.
//
//   "gpu": {
//     "profile": "configs/gpu/<gpu>.json" | null,        // measured calibration (monde-calibrate)
//     "roofline": { "peak_tflops": 989, "hbm_GBps": 3350, "launch_us": 5 },
//     "dma_chunk_bytes": 2097152, "dma_outstanding": 4,
//     "pcie": { ...pcie::PcieLinkConfig keys... },
//     "root_complex": { "latency_ns": 0 }
//   }
// Every key is optional. With a profile, compute comes from it and the roofline is unused;
// without one (no GPU has been measured for this repository yet) the roofline is the compute
// model. Roofline defaults are datasheet-level assumptions, not measurements: 989 TFLOP/s dense
// bf16 (H100 SXM datasheet), 3.35 TB/s HBM3 (H100 SXM), 5 us of launches per expert (the
// placement policy's default). A lent H100 measured ~790 TFLOP/s cuBLAS bf16 and ~3.0 TB/s HBM
// (docs/gpu_model.md): the defaults are optimistic by 10-25 %.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/config/config_node.hpp"
#include "tlm/gpu/gpu_compute_model.hpp"
#include "tlm/pcie/pcie_link_config.hpp"
#include "tlm/root_complex/root_complex_config.hpp"

namespace monde::gpu {

struct GpuRooflineConfig {
  double peak_tflops = 989.0;
  double hbm_GBps = 3350.0;
  double launch_us = 5.0;
};

struct GpuModelConfig {
  std::string profile;  // path of a GpuProfile JSON; empty = none (use the roofline)
  GpuRooflineConfig roofline;
  // One DMA read (one TLM transaction through PCIe and CXL) covers at most dma_chunk_bytes;
  // dma_outstanding of them are in flight at once, so that the request latency of one chunk
  // hides behind the data of the others and both links stay busy.
  std::uint64_t dma_chunk_bytes = std::uint64_t{2} << 20;
  unsigned dma_outstanding = 4;
  pcie::PcieLinkConfig pcie;
  root_complex::RootComplexConfig root_complex;
};

// Errors (monde::config::ConfigError) name the file, the key path and the allowed range; unknown keys
// are errors (except "_comment" and "_source").
GpuModelConfig parse_gpu_model_config(const config::ConfigNode& gpu);

// The compute model the config asks for: ProfileComputeModel loaded from cfg.profile (a relative
// path is resolved against base_dir when base_dir is not empty) or RooflineComputeModel.
// A profile that cannot be read or is invalid throws config::ConfigError naming the file.
std::shared_ptr<const GpuComputeModel> make_gpu_compute_model(const GpuModelConfig& cfg,
                                                              const std::string& base_dir = "");

}  // namespace monde::gpu
