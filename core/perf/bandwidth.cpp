#include "core/perf/bandwidth.hpp"

#include <algorithm>

namespace monde::perf {

double bulk_dram_bytes_per_s(const config::DramConfig& dram) {
  return dram.peak_bandwidth_total() * dram.refresh_factor() * dram.bandwidth_efficiency;
}

double sustained_dram_bytes_per_s(const config::DramConfig& dram) {
  return dram.model == config::MemoryModel::kBandwidth ? bulk_dram_bytes_per_s(dram)
                                                        : dram.peak_bandwidth_total() * dram.refresh_factor();
}

double device_to_gpu_bytes_per_s(const config::CxlLinkConfig& cxl, const config::PcieLinkConfig& pcie, unsigned links) {
  return std::min(links * cxl.read_bytes_per_s(), pcie.data_bytes_per_s());
}

double host_memory_bytes_per_s(const config::HostMemoryConfig& host) {
  return host.peak_bytes_per_s() * host.efficiency;
}

double host_to_gpu_bytes_per_s(const config::HostMemoryConfig& host, const config::PcieLinkConfig& pcie) {
  return std::min(host_memory_bytes_per_s(host), pcie.data_bytes_per_s());
}

}  // namespace monde::perf
