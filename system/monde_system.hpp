// The whole modelled system of one experiment, elaborated once per process:
//
//   GPU --PCIe--> root complex --CXL.mem--> MoNDE device (link, controller, DRAM, NDP units)
//   host CPU (driver) --> root complex (cpu port)        host CPU --CXL.io--> NDP registers
//   root complex (host memory window, config::kHostMemoryHpaBase) --> host DRAM (mem::HostMemory)
//
// With devices.count N > 1 the root complex has N CXL ports, one per device, each device with its
// own CXL link and its memory at its own host address window (config::device_hpa_base); the host
// CPU has one CXL.io socket and one driver bus per device. Device d is named "device<d>"; a single
// device keeps the name "device" (so a one-device system is the system as before).
//
// The host thread runs `body` (the MoE runtime); a GPU worker thread runs hot-expert batches
// handed to it with start_gpu(), so that the GPU path and the NDP path advance concurrently in
// simulated time while the host thread drives the NDP jobs.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm_utils/simple_initiator_socket.h>

#include "tlm/checker/protocol_checker.hpp"
#include "tlm/device/cxl_type3_device.hpp"
#include "host/driver/tlm_device_bus.hpp"
#include "tlm/gpu/gpu_system.hpp"
#include "tlm/memory/host_memory.hpp"
#include "core/config/system_config.hpp"
#include "core/perf/gpu_time_model.hpp"

namespace monde::system {

class MondeSystem : public sc_core::sc_module {
  using Socket = tlm_utils::simple_initiator_socket<MondeSystem, 64>;
  // Declared (so constructed) before the GPU side, in the order the one-device system always had.
  std::vector<std::unique_ptr<config::DeviceConfig>> device_configs_;  // the devices keep references
  std::vector<std::unique_ptr<device::CxlType3Device>> devices_;

 public:
  tlm_utils::simple_initiator_socket<MondeSystem, 64> cpu_mem;  // host CPU -> root complex

  SC_HAS_PROCESS(MondeSystem);
  // Built by build_system() (builder.hpp), the one place that wires the system. check_protocol:
  // TLM-2.0 base-protocol checkers on the host CPU -> root complex and root complex -> device
  // hops and inside the device (link -> controller, memory port -> DRAM).
  MondeSystem(sc_core::sc_module_name name, const config::SystemConfig& config,
              std::shared_ptr<const perf::GpuTimeModel> compute, bool check_protocol = false);

  bool checks_protocol() const { return cpu_checker_ != nullptr; }
  // Violations the checkers saw (0 without check_protocol).
  std::size_t protocol_violations() const;

  void set_body(std::function<void()> body) { body_ = std::move(body); }
  bool finished() const { return finished_; }

  // Hands a batch of hot experts to the GPU worker; wait_gpu() blocks the caller until it is done.
  void start_gpu(std::vector<gpu::HotExpertJob> jobs);
  gpu::HotExpertRunResult wait_gpu();

  std::size_t device_count() const { return devices_.size(); }
  device::CxlType3Device& device(std::size_t d = 0) { return *devices_.at(d); }
  const device::CxlType3Device& device(std::size_t d = 0) const { return *devices_.at(d); }
  // The host's driver bus of device d (its CXL.mem accesses offset to the device's window).
  driver::TlmDeviceBus& bus(std::size_t d = 0) { return *buses_.at(d); }

  gpu::GpuSystem gpu;
  // The host's DRAM (config host_memory), in the root complex's host memory window: the
  // host-memory baselines' copy of the experts (README "Experts in host memory").
  mem::HostMemory host_memory;

 private:
  std::vector<std::unique_ptr<Socket>> cpu_mmio_;  // host CPU -> NDP registers, one per device
  std::vector<std::unique_ptr<driver::TlmDeviceBus>> buses_;
  std::unique_ptr<checker::ProtocolChecker<64>> cpu_checker_;
  std::vector<std::unique_ptr<checker::ProtocolChecker<64>>> host_checkers_;  // root complex -> device d
  void host();        // SC_THREAD: the body
  void gpu_worker();  // SC_THREAD: hot-expert batches

  std::function<void()> body_;
  bool finished_ = false;
  std::vector<gpu::HotExpertJob> gpu_jobs_;
  bool gpu_pending_ = false, gpu_busy_ = false;
  gpu::HotExpertRunResult gpu_result_;
  sc_core::sc_event gpu_start_, gpu_done_;
};

}  // namespace monde::system
