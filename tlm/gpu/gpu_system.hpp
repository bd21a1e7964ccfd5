// The GPU side wired together: GpuDeviceModel -> pcie::PcieLink -> root_complex::RootComplex. The caller binds the
// root complex's CXL port to the device and, optionally, the host CPU's initiator to its CPU port:
//
//   GpuSystem g("gpu", cfg, perf::make_gpu_time_model(cfg), timing_only);
//   g.root_complex.cxl_port.bind(device.host_socket());
//   host_cpu.socket.bind(g.root_complex.cpu_port);          // optional: NDP driver traffic
//
// Built from one config::GpuConfig (the run's "gpu" section).
#pragma once

#include <memory>

#include <nlohmann/json_fwd.hpp>
#include <systemc>

#include "tlm/gpu/gpu_device_model.hpp"
#include "tlm/pcie/pcie_link.hpp"
#include "tlm/root_complex/root_complex.hpp"

namespace monde::gpu {

class GpuSystem : public sc_core::sc_module {
 public:
  GpuSystem(sc_core::sc_module_name name, const config::GpuConfig& config,
            std::shared_ptr<const perf::GpuTimeModel> compute, bool timing_only);

  GpuDeviceModel gpu;
  pcie::PcieLink pcie;
  root_complex::RootComplex root_complex;

  // {"gpu": ..., "pcie": ..., "root_complex": ...}
  nlohmann::json stats_json(double elapsed_ps) const;
};

}  // namespace monde::gpu
