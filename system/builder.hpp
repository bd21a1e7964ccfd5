// The one place that turns a validated configuration into a system. Every tool, benchmark, test
// and user testbench builds through here:
//
//   build_system(config)   the whole modelled system of one experiment (GPU, PCIe, root complex,
//                          the MoNDE device with its NDP units, the host driver bus) with its MoE
//                          runtime and the cost model its policies plan with;
//   build_device(device)   the MoNDE device alone, for a user's own testbench: bind an initiator
//                          (or a protocol checker's initiator socket) to host_socket() for CXL.mem
//                          and to ndp_mmio_socket() for the NDP registers (CXL.io);
//   build_gpu(gpu)         the GPU side alone (GPU, PCIe link, root complex) with the compute time
//                          model its configuration asks for: bind root_complex.cxl_port to a device.
//
// Construct before sc_start() (elaboration); one system per process (SystemC elaborates once).
#pragma once

#include <memory>
#include <string>

#include "core/config/system_config.hpp"
#include "core/perf/gpu_time_model.hpp"
#include "host/policy/system_cost_model.hpp"
#include "system/moe_runtime.hpp"
#include "system/monde_system.hpp"
#include "tlm/device/cxl_type3_device.hpp"
#include "tlm/gpu/gpu_system.hpp"

namespace monde::system {

// What a run asks of the build beyond its configuration.
struct BuildOptions {
  bool check_protocol = false;  // TLM-2.0 protocol checkers on the system's hops (MondeSystem)
};

class SimulatedSystem {
 public:
  const config::SystemConfig& config() const { return config_; }
  MondeSystem& top() { return *top_; }
  const MondeSystem& top() const { return *top_; }
  MoeRuntime& runtime() { return *runtime_; }
  const policy::SystemCostModel& cost_model() const { return runtime_->cost_model(); }
  const perf::GpuTimeModel& gpu_time_model() const { return *gpu_; }

  // {"device": ..., "gpu": ...}: every component's counters; elapsed_ps scales utilisations
  // (and "protocol_violations" when the protocol is checked).
  nlohmann::json stats_json(double elapsed_ps) const;

 private:
  friend std::unique_ptr<SimulatedSystem> build_system(const config::SystemConfig&, const std::string&,
                                                       const BuildOptions&);
  SimulatedSystem() = default;

  config::SystemConfig config_;  // the runtime and the modules keep references into it
  std::shared_ptr<const perf::GpuTimeModel> gpu_;
  std::unique_ptr<MondeSystem> top_;
  std::unique_ptr<MoeRuntime> runtime_;
};

std::unique_ptr<SimulatedSystem> build_system(const config::SystemConfig& config, const std::string& name = "system",
                                              const BuildOptions& options = {});

std::unique_ptr<device::CxlType3Device> build_device(const config::DeviceConfig& device,
                                                     const device::DeviceOptions& options = {},
                                                     const std::string& name = "device");

std::unique_ptr<gpu::GpuSystem> build_gpu(const config::GpuConfig& gpu, bool timing_only, const std::string& name = "gpu");

}  // namespace monde::system
