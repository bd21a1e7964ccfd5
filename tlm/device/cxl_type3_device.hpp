// The MoNDE memory device: CXL.mem link -> controller (HDM decoder) -> internal memory port ->
// device DRAM, and (unless DeviceOptions::ndp is off) the NDP command processor and units on the
// same internal port (their DMA never crosses the link). Built from a device preset
// (core/config/device_config.hpp).
//
//   host --(host_socket)--> CxlLink --> CxlMemController --+
//                                      NdpEngine, units ---+--> DeviceMemoryPort --> MemoryTarget
//   host --(ndp_mmio_socket: CXL.io registers)--> NdpEngine
//
// The CXL.io register block is a socket of its own with a fixed per-access latency
// (ndp.mmio_latency_ns): CXL.io traffic is not put on the modelled CXL.mem link.
// With check_internal_protocol, base-protocol checkers sit on the link -> controller and the
// port -> memory hops as well, so a test sees any protocol mistake of the model's own components.
#pragma once

#include <memory>

#include <nlohmann/json_fwd.hpp>
#include <systemc>

#include "tlm/checker/protocol_checker.hpp"
#include "tlm/cxl/cxl_link.hpp"
#include "tlm/cxl/cxl_mem_controller.hpp"
#include "core/config/device_config.hpp"
#include "core/config/fault_config.hpp"
#include "tlm/device/device_memory_port.hpp"
#include "tlm/memory/memory_target.hpp"
#include "tlm/ndp/ndp_engine.hpp"

namespace monde::device {

// What the run (not the device preset) decides.
struct DeviceOptions {
  bool timing_only = false;              // data: timing_only
  bool allow_dmi = false;                // DMI bypasses the link and DRAM timing: opt-in
  bool check_internal_protocol = false;  // protocol checkers on the link/controller/memory hops
  bool ndp = true;                       // false: a plain memory expander (no NDP units, no register socket)
  bool ndp_block_runs = true;            // run.ndp_block_runs (tlm/ndp/ndp_unit.hpp)
  config::FaultConfig faults;            // injected faults (off by default): DRAM poison, link CRC errors, NDP hangs
};

class CxlType3Device : public sc_core::sc_module {
 public:
  CxlType3Device(sc_core::sc_module_name name, const config::DeviceConfig& config, const DeviceOptions& options);

  // Bind the host's initiator (or a checker's initiator_socket) here.
  tlm::tlm_target_socket<64>& host_socket() { return link_.host_socket; }

  cxl::CxlLink& link() { return link_; }
  const cxl::CxlLink& link() const { return link_; }
  cxl::CxlMemController& controller() { return controller_; }
  const cxl::CxlMemController& controller() const { return controller_; }
  mem::MemoryTarget& memory() { return memory_; }
  const mem::MemoryTarget& memory() const { return memory_; }
  const config::DeviceConfig& config() const { return config_; }
  bool has_ndp() const { return ndp_ != nullptr; }
  // The NDP's CXL.io register block and engine (has_ndp() only).
  tlm::tlm_target_socket<64>& ndp_mmio_socket() { return ndp().mmio_socket; }
  ndp::NdpEngine& ndp();
  const ndp::NdpEngine& ndp() const;
  // Violations seen on the internal hops (0 when the checkers are off).
  std::size_t internal_protocol_violations() const;

  // {"cxl": {"link": ..., "controller": ...}, "memory": ..., "ndp": ...}; elapsed_ps scales
  // utilisations.
  nlohmann::json stats_json(double elapsed_ps) const;

 private:
  config::DeviceConfig config_;
  cxl::CxlLink link_;
  cxl::CxlMemController controller_;
  DeviceMemoryPort port_;
  mem::MemoryTarget memory_;
  std::unique_ptr<ndp::NdpEngine> ndp_;
  std::unique_ptr<checker::ProtocolChecker<64>> link_checker_, memory_checker_;
};

}  // namespace monde::device
