#include "tlm/gpu/gpu_system.hpp"

#include <nlohmann/json.hpp>

namespace monde::gpu {

GpuSystem::GpuSystem(sc_core::sc_module_name name, const config::GpuConfig& config,
                     std::shared_ptr<const perf::GpuTimeModel> compute, bool timing_only)
    : sc_module(name),
      gpu("gpu", config, std::move(compute), timing_only),
      pcie("pcie", config.pcie),
      root_complex("root_complex", config.root_complex) {
  gpu.dma.bind(pcie.gpu_socket);
  pcie.rc_socket.bind(root_complex.gpu_port);
}

nlohmann::json GpuSystem::stats_json(double elapsed_ps) const {
  return nlohmann::json{{"gpu", gpu.stats_json(elapsed_ps)},
                        {"pcie", pcie.stats_json(elapsed_ps)},
                        {"root_complex", root_complex.stats_json()}};
}

}  // namespace monde::gpu
