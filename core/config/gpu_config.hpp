// The "gpu" section of an experiment: how hot experts reach the GPU (DMA chunking, the PCIe
// link, the root complex) and how long it computes them. Keys: gpu_schema() and the README's
// reference.
//   "gpu": {
//     "profile": "configs/gpu/<gpu>.json" | null,        // measured calibration (monde-calibrate)
//     "roofline": { "peak_tflops": 989, "hbm_GBps": 3350, "launch_us": 5 },
//     "dma_chunk_bytes": 2097152, "dma_outstanding": 4,
//     "pcie": { ...PcieLinkConfig keys... },
//     "root_complex": { "latency_ns": 0 }
//   }
// Every key is optional. With a profile, compute comes from it and the roofline is unused;
// without one (no GPU has been measured for this repository yet) the roofline is the compute
// model. Roofline defaults are datasheet-level assumptions, not measurements: 989 TFLOP/s dense
// bf16 (H100 SXM datasheet), 3.35 TB/s HBM3 (H100 SXM), 5 us of launches per expert. A lent
// H100 measured ~790 TFLOP/s cuBLAS bf16 and ~3.0 TB/s HBM (docs/gpu_model.md): the defaults
// are optimistic by 10-25 %.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/config/gpu_profile.hpp"
#include "core/config/pcie_config.hpp"
#include "core/config/schema.hpp"

namespace monde::config {

struct GpuRooflineConfig {
  double peak_tflops = 989.0;
  double hbm_GBps = 3350.0;
  double launch_us = 5.0;
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
  PcieLinkConfig pcie;
  RootComplexConfig root_complex;
};

// `profile` is read with the path resolver of the experiment being parsed (see
// experiment_config.hpp); parsing a lone "gpu" object resolves it against the working directory.
const Schema<GpuConfig>& gpu_schema();

}  // namespace monde::config
