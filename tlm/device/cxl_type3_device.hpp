// The MoNDE memory device as the host sees it over CXL.mem: link -> controller (HDM decoder)
// -> device DRAM. One target socket (the link's host side) takes LT and AT initiators.
//
//   host --(host_socket)--> CxlLink --> CxlMemController --> MemoryTarget (DRAM timing + store)
//
// With check_internal_protocol, base-protocol checkers sit on the two internal hops as well,
// so a test sees any protocol mistake of the model's own components.
#pragma once

#include <memory>

#include <nlohmann/json_fwd.hpp>
#include <systemc>

#include "common/protocol_checker.hpp"
#include "cxl/cxl_link.hpp"
#include "cxl/cxl_mem_controller.hpp"
#include "device/device_config.hpp"
#include "memory/memory_target.hpp"

namespace monde::device {

class CxlType3Device : public sc_core::sc_module {
 public:
  CxlType3Device(sc_core::sc_module_name name, const DeviceConfig& config, const DeviceOptions& options);

  // Bind the host's initiator (or a checker's initiator_socket) here.
  tlm::tlm_target_socket<64>& host_socket() { return link_.host_socket; }

  cxl::CxlLink& link() { return link_; }
  const cxl::CxlLink& link() const { return link_; }
  cxl::CxlMemController& controller() { return controller_; }
  const cxl::CxlMemController& controller() const { return controller_; }
  mem::MemoryTarget& memory() { return memory_; }
  const mem::MemoryTarget& memory() const { return memory_; }
  const DeviceConfig& config() const { return config_; }
  // Violations seen on the internal hops (0 when the checkers are off).
  std::size_t internal_protocol_violations() const;

  // {"cxl": {"link": ..., "controller": ...}, "memory": ...}; elapsed_ps scales utilisations.
  nlohmann::json stats_json(double elapsed_ps) const;

 private:
  DeviceConfig config_;
  cxl::CxlLink link_;
  cxl::CxlMemController controller_;
  mem::MemoryTarget memory_;
  std::unique_ptr<ProtocolChecker<64>> link_checker_, memory_checker_;
};

}  // namespace monde::device
