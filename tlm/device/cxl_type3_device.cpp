#include "tlm/device/cxl_type3_device.hpp"

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "tlm/memory/memory_stats.hpp"

namespace monde::device {

namespace {

mem::MemoryTargetOptions memory_options(const DeviceOptions& o) {
  mem::MemoryTargetOptions m;
  m.timing_only = o.timing_only;
  m.allow_dmi = o.allow_dmi;
  m.poison = o.faults.dram_poison;
  m.fault_seed = o.faults.seed;
  return m;
}

}  // namespace

CxlType3Device::CxlType3Device(sc_core::sc_module_name name, const config::DeviceConfig& config,
                               const DeviceOptions& options)
    : sc_module(name),
      config_(config),
      link_("link", config.link,
            config.dram.model == config::MemoryModel::kBandwidth ? cxl::CxlLinkMode::kBulk : cxl::CxlLinkMode::kFlit,
            options.timing_only, options.faults.cxl_link, options.faults.seed),
      controller_("controller", cxl::HdmDecoder(config.hdm), config.link.controller_ns,
                  config.link.controller_queue_lines),
      port_("memory_port"),
      memory_("memory", config.dram, config.dram.capacity_bytes(), memory_options(options)) {
  if (options.check_internal_protocol) {
    checker::ProtocolCheckerConfig to_interconnect;
    to_interconnect.downstream_is_target = false;  // the controller translates HPA -> DPA
    link_checker_ = std::make_unique<checker::ProtocolChecker<64>>("link_checker", to_interconnect);
    memory_checker_ = std::make_unique<checker::ProtocolChecker<64>>("memory_checker", checker::ProtocolCheckerConfig{});
    link_.device_socket.bind(link_checker_->target_socket);
    link_checker_->initiator_socket.bind(controller_.link_socket);
    port_.memory.bind(memory_checker_->target_socket);
    memory_checker_->initiator_socket.bind(memory_.socket);
  } else {
    link_.device_socket.bind(controller_.link_socket);
    port_.memory.bind(memory_.socket);
  }
  controller_.memory_socket.bind(port_.targets);
  if (options.ndp) {
    ndp::NdpUnitOptions units;
    units.timing_only = options.timing_only;
    // The bandwidth model's FIFO server takes scheduled accesses (tlm/memory/bulk_ledger.hpp).
    units.scheduled = config.dram.model == config::MemoryModel::kBandwidth;
    units.block_runs = options.ndp_block_runs;
    ndp_ = std::make_unique<ndp::NdpEngine>("ndp", config.ndp, config.dram.capacity_bytes(), units, options.faults.ndp);
    ndp_->memory_socket.bind(port_.targets);
    for (unsigned u = 0; u < ndp_->units(); ++u) ndp_->unit(u).memory_socket.bind(port_.targets);
  }
}

ndp::NdpEngine& CxlType3Device::ndp() {
  if (!ndp_) throw std::logic_error(std::string(name()) + ": this device has no NDP units (DeviceOptions::ndp is off)");
  return *ndp_;
}

const ndp::NdpEngine& CxlType3Device::ndp() const {
  if (!ndp_) throw std::logic_error(std::string(name()) + ": this device has no NDP units (DeviceOptions::ndp is off)");
  return *ndp_;
}

std::size_t CxlType3Device::internal_protocol_violations() const {
  return (link_checker_ ? link_checker_->violation_count() : 0) +
         (memory_checker_ ? memory_checker_->violation_count() : 0);
}

nlohmann::json CxlType3Device::stats_json(double elapsed_ps) const {
  nlohmann::json j{{"cxl", {{"link", link_.stats_json(elapsed_ps)}, {"controller", controller_.stats_json()}}},
                   {"memory", mem::memory_stats_json(memory_)}};
  if (ndp_) {
    const auto& s = ndp_->stats();
    j["ndp"] = {{"units", ndp_->units()},
                {"jobs_ok", s.jobs_ok},
                {"jobs_failed", s.jobs_failed},
                {"busy_cycles", s.busy_cycles},
                {"mac_busy_cycles", s.mac_busy_cycles},
                {"mac_utilisation", s.busy_cycles > 0 ? static_cast<double>(s.mac_busy_cycles) /
                                                            (static_cast<double>(s.busy_cycles) * ndp_->units()) : 0.0},
                {"dma_bytes_read", s.dma_bytes_read},
                {"dma_bytes_written", s.dma_bytes_written}};
    // Only where they can be non-zero: a run without faults reports what it always did.
    if (ndp_->faults().hang_job != 0 || s.jobs_aborted + s.jobs_abandoned > 0) {
      j["ndp"]["jobs_aborted"] = s.jobs_aborted;
      j["ndp"]["jobs_abandoned"] = s.jobs_abandoned;
      j["ndp"]["hangs_injected"] = s.hangs_injected;
    }
  }
  return j;
}

}  // namespace monde::device
