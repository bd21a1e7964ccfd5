#include "device/cxl_type3_device.hpp"

#include <nlohmann/json.hpp>

#include "memory/memory_stats.hpp"

namespace monde::device {

namespace {

mem::MemoryTargetOptions memory_options(const DeviceOptions& o) {
  mem::MemoryTargetOptions m;
  m.timing_only = o.timing_only;
  m.allow_dmi = o.allow_dmi;
  return m;
}

}  // namespace

CxlType3Device::CxlType3Device(sc_core::sc_module_name name, const DeviceConfig& config, const DeviceOptions& options)
    : sc_module(name),
      config_(config),
      link_("link", config.link,
            config.dram.model == mem::MemoryModel::kBandwidth ? cxl::CxlLinkMode::kBulk : cxl::CxlLinkMode::kFlit,
            options.timing_only),
      controller_("controller", cxl::HdmDecoder(config.hdm), config.link.controller_ns,
                  config.link.controller_queue_lines),
      memory_("memory", config.dram, config.dram.capacity_bytes(), memory_options(options)) {
  if (options.check_internal_protocol) {
    ProtocolCheckerConfig to_interconnect;
    to_interconnect.downstream_is_target = false;  // the controller translates HPA -> DPA
    link_checker_ = std::make_unique<ProtocolChecker<64>>("link_checker", to_interconnect);
    memory_checker_ = std::make_unique<ProtocolChecker<64>>("memory_checker", ProtocolCheckerConfig{});
    link_.device_socket.bind(link_checker_->target_socket);
    link_checker_->initiator_socket.bind(controller_.link_socket);
    controller_.memory_socket.bind(memory_checker_->target_socket);
    memory_checker_->initiator_socket.bind(memory_.socket);
  } else {
    link_.device_socket.bind(controller_.link_socket);
    controller_.memory_socket.bind(memory_.socket);
  }
}

std::size_t CxlType3Device::internal_protocol_violations() const {
  return (link_checker_ ? link_checker_->violation_count() : 0) +
         (memory_checker_ ? memory_checker_->violation_count() : 0);
}

nlohmann::json CxlType3Device::stats_json(double elapsed_ps) const {
  return nlohmann::json{{"cxl", {{"link", link_.stats_json(elapsed_ps)}, {"controller", controller_.stats_json()}}},
                        {"memory", mem::memory_stats_json(memory_)}};
}

}  // namespace monde::device
