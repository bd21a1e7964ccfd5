// Sustained bandwidths of the modelled parts, one formula each, used by the simulation and by
// the placement policies' cost model.
#pragma once

#include "core/config/cxl_config.hpp"
#include "core/config/dram_config.hpp"
#include "core/config/host_memory_config.hpp"
#include "core/config/pcie_config.hpp"

namespace monde::perf {

// What the bandwidth DRAM model streams bulk transfers at (tlm/memory/bandwidth_model.hpp):
// peak x (1 - tRFC / tREFI) x memory.bandwidth_model.efficiency.
double bulk_dram_bytes_per_s(const config::DramConfig& dram);

// The device DRAM as the NDP units and the CXL controller see it: the bulk rate in the bandwidth
// model; peak x refresh in the timed model (an upper bound: row misses and turnarounds cost more,
// which the timed simulation shows and the estimate does not).
double sustained_dram_bytes_per_s(const config::DramConfig& dram);

// Expert weights from the device into GPU memory: the slower of the CXL read rate and the GPU's
// PCIe data rate (they are in series). links > 1: the weights live in one range interleaved over
// that many devices (docs/interleave.md), a fetch of whole stripes reads all their links at once:
// links x the CXL read rate, still behind the one PCIe link.
double device_to_gpu_bytes_per_s(const config::CxlLinkConfig& cxl, const config::PcieLinkConfig& pcie,
                                 unsigned links = 1);

// The host's DRAM as its readers (the CPU, the GPU's DMA through the root complex) see it:
// peak x host_memory.efficiency (tlm/memory/host_memory.hpp streams at this rate).
double host_memory_bytes_per_s(const config::HostMemoryConfig& host);

// Expert weights from host DRAM into GPU memory: the slower of host DRAM and the GPU's PCIe data
// rate (in series, as device_to_gpu_bytes_per_s).
double host_to_gpu_bytes_per_s(const config::HostMemoryConfig& host, const config::PcieLinkConfig& pcie);

}  // namespace monde::perf
