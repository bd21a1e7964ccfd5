// The host's own memory (the CPU socket's DRAM): the `host_memory` section of an experiment, and
// where the host-memory baselines take expert weights from (README "Experts in host memory").
//   "host_memory": { "channels": 8, "data_rate_mtps": 4800, "bus_width_bits": 64, "latency_ns": 100,
//                    "efficiency": 1.0, "capacity_gib": 512, "expert_home": "device", "pj_per_bit": 20 }
//
// Bandwidth (one formula for every DDR memory of the model, dram_config.hpp ddr_peak_bytes_per_s):
//   peak_bytes_per_s      = channels x bus_width_bits / 8 x data_rate_mtps x 1e6
//   sustained_bytes_per_s = peak_bytes_per_s x efficiency      (core/perf/bandwidth.hpp)
// Defaults: one Intel Xeon Platinum 8480+ socket (4th Gen Xeon Scalable, "Sapphire Rapids"):
// 8 DDR5 channels at DDR5-4800 (Intel ARK, product 231746: "Max # of Memory Channels 8",
// "Memory Types DDR5 4800 MT/s"), each channel 64 data bits (a DDR5 DIMM: two 32-bit subchannels,
// JESD79-5): 8 x 8 B x 4.8e9 = 307.2 GB/s peak.
// efficiency 1.0: the peak. No measured sustained figure of this configuration is used: a STREAM
// run reaches less (refresh, bus turnarounds, row misses), so the default is an upper bound.
// latency_ns 100: an assumption (the order of the idle DRAM latency of server sockets), not a
// measured value of this part; it is paid once per transfer, so it matters only for small ones.
// capacity_gib 512: an assumption, 8 x 64 GiB RDIMMs (one DIMM per channel, the population that
// keeps DDR5-4800); the run is refused before simulating when the model's experts do not fit.
//
// Where the experts live (expert_home):
//   device:      every policy takes expert weights from the MoNDE device (as MoNDE does);
//   host_memory: the host-memory baselines (policies flagged in the registry: offload, cpu) take
//                them from a copy in host DRAM: offload's GPU fetches cross only the GPU's PCIe
//                link (bounded by min(PCIe, host DRAM)), cpu reads them from its own DRAM. Every
//                other policy (monde, ndp_only, ...) still uses the device's copy: the device holds
//                all experts either way, host DRAM holds a second copy of all of them.
#pragma once

#include <cstdint>
#include <vector>

#include "core/config/enum_names.hpp"
#include "core/config/schema.hpp"

namespace monde::config {

// Where host DRAM sits in the host physical address space of the model: above every MoNDE
// device's window (the devices are limited to the 52-bit space, cxl_config.hpp kHpaLimit).
inline constexpr std::uint64_t kHostMemoryHpaBase = 1ull << 52;

enum class ExpertHome { kDevice, kHostMemory };
const std::vector<EnumName<ExpertHome>>& names_of(ExpertHome);

struct HostMemoryConfig {
  unsigned channels = 8;
  double data_rate_mtps = 4800.0;  // MT/s per pin
  unsigned bus_width_bits = 64;    // data bits per channel
  double latency_ns = 100.0;       // assumption (see above)
  double efficiency = 1.0;         // of peak; 1.0 = peak (no measured source)
  double capacity_gib = 512.0;     // assumption: 8 x 64 GiB RDIMMs
  ExpertHome expert_home = ExpertHome::kDevice;
  // Energy per bit read or written (core/perf/energy_accounting.hpp): an assumption from
  // Horowitz, "Computing's energy problem", ISSCC 2014: a 64-bit DRAM access costs 1.3-2.6 nJ,
  // i.e. 20-40 pJ/bit (DDR3-era, whole access: core, I/O and controller); the low end is taken
  // for DDR5. 0: host DRAM energy not modelled.
  double pj_per_bit = 20.0;

  double peak_bytes_per_s() const;
  std::uint64_t capacity_bytes() const;
};

const Schema<HostMemoryConfig>& host_memory_schema();

}  // namespace monde::config
