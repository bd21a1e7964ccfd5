#include "core/config/host_memory_config.hpp"

#include <cmath>

#include "core/config/dram_config.hpp"

namespace monde::config {

const std::vector<EnumName<ExpertHome>>& names_of(ExpertHome) {
  static const std::vector<EnumName<ExpertHome>> n = {{ExpertHome::kDevice, "device"},
                                                      {ExpertHome::kHostMemory, "host_memory"}};
  return n;
}

double HostMemoryConfig::peak_bytes_per_s() const {
  // Two transfers per clock: the clock period is 2 / data rate.
  return channels * ddr_peak_bytes_per_s(bus_width_bits, 2.0 / (data_rate_mtps * 1e6));
}

std::uint64_t HostMemoryConfig::capacity_bytes() const {
  return static_cast<std::uint64_t>(std::llround(capacity_gib * double(std::uint64_t{1} << 30)));
}

const Schema<HostMemoryConfig>& host_memory_schema() {
  using H = HostMemoryConfig;
  static const auto s =
      Schema<H>("The host CPU socket's DRAM, and whether the host-memory baselines (offload, cpu) take expert "
                "weights from a copy in it (README \"Experts in host memory\"). Defaults: one Xeon Platinum 8480+ "
                "socket, 8 x DDR5-4800 (307.2 GB/s peak).")
          .integer("channels", &H::channels, 1, 24, "DDR channels of the socket")
          .number("data_rate_mtps", &H::data_rate_mtps, 100.0, 20000.0, "transfers per second per pin, MT/s")
          .integer("bus_width_bits", &H::bus_width_bits, 8, 128, "data bits per channel (DDR5 DIMM: 2 x 32)")
          .number("latency_ns", &H::latency_ns, 0.0, 10000.0,
                  "idle read latency, ns, paid once per transfer (default: an assumption)")
          .number("efficiency", &H::efficiency, 0.01, 1.0,
                  "sustained share of peak bandwidth (default 1: peak, no measured source)")
          .number("capacity_gib", &H::capacity_gib, 0.001, 1e6,
                  "DRAM capacity, GiB; must hold every expert when expert_home is host_memory")
          .choice("expert_home", &H::expert_home,
                  "where offload and cpu take expert weights from: device (the MoNDE device, over CXL) or "
                  "host_memory (a copy in host DRAM: offload over the GPU's PCIe link, cpu from its own DRAM); "
                  "other policies always use the device")
          .number("pj_per_bit", &H::pj_per_bit, 0.0, 1000.0,
                  "energy per bit read or written, pJ (default: an assumption from Horowitz, ISSCC 2014, 20-40 "
                  "pJ/bit a DRAM access; 0: not modelled)");
  return s;
}

}  // namespace monde::config
