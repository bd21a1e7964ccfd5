#include "system/monde_system.hpp"

#include <string>

namespace monde::system {

namespace {

// Device d's options: the faults injected into it (faults.device; its own seed).
device::DeviceOptions device_options(const config::SystemConfig& c, std::uint32_t d, bool check_protocol) {
  device::DeviceOptions o;
  o.timing_only = c.run.timing_only();
  o.ndp_block_runs = c.run.ndp_block_runs;
  o.check_internal_protocol = check_protocol;
  o.faults = c.faults.of_device(d);
  return o;
}

std::string device_suffix(std::uint32_t count, std::uint32_t d) { return count == 1 ? "" : std::to_string(d); }

std::vector<std::unique_ptr<config::DeviceConfig>> device_configs(const config::SystemConfig& c) {
  std::vector<std::unique_ptr<config::DeviceConfig>> v;
  for (std::uint32_t d = 0; d < c.devices.count; ++d) {
    v.push_back(std::make_unique<config::DeviceConfig>(config::device_config_of(c.device, c.devices, d)));
  }
  return v;
}

// Called while the system is being constructed: the devices are its children.
std::vector<std::unique_ptr<device::CxlType3Device>> make_devices(
    const config::SystemConfig& c, const std::vector<std::unique_ptr<config::DeviceConfig>>& configs,
    bool check_protocol) {
  std::vector<std::unique_ptr<device::CxlType3Device>> v;
  for (std::uint32_t d = 0; d < configs.size(); ++d) {
    v.push_back(std::make_unique<device::CxlType3Device>(("device" + device_suffix(c.devices.count, d)).c_str(),
                                                         *configs[d], device_options(c, d, check_protocol)));
  }
  return v;
}

}  // namespace

MondeSystem::MondeSystem(sc_core::sc_module_name name, const config::SystemConfig& config,
                         std::shared_ptr<const perf::GpuTimeModel> compute, bool check_protocol)
    : sc_module(name),
      device_configs_(device_configs(config)),
      devices_(make_devices(config, device_configs_, check_protocol)),
      cpu_mem("cpu_mem"),
      gpu("gpu", config.gpu, std::move(compute), config.run.timing_only()),
      host_memory("host_memory", config.host_memory, config.run.timing_only()) {
  gpu.root_complex.set_host_memory_window(config::kHostMemoryHpaBase, config.host_memory.capacity_bytes());
  gpu.root_complex.host_memory_port.bind(host_memory.socket);
  const std::uint32_t n = config.devices.count;
  for (std::uint32_t d = 0; d < n; ++d) {
    cpu_mmio_.push_back(std::make_unique<Socket>(("cpu_mmio" + device_suffix(n, d)).c_str()));
    auto& dev = *devices_[d];
    // Split experts on an interleaved range: each device's driver sees its own DPA space, which the
    // bus maps onto its granules of the range (docs/interleave.md). Without a split the one
    // weights-only driver addresses the range itself through bus 0 (plain HPAs).
    driver::InterleavePosition position;
    if (config.devices.interleaved() && config.devices.split != config::DeviceSplit::kNone) {
      position = driver::InterleavePosition{n, config.devices.interleave_granularity, d};
    }
    buses_.push_back(std::make_unique<driver::TlmDeviceBus>(cpu_mem, *cpu_mmio_.back(), &dev.ndp().irq_event(),
                                                            [&dev] { return dev.ndp().irq_pending(); },
                                                            config::device_hpa_base(config.device, config.devices, d),
                                                            position));
    if (n > 1 && !config.devices.interleaved()) {
      gpu.root_complex.add_window(config::device_hpa_base(config.device, config.devices, d),
                                  config::device_window_bytes(config.device));
    }
  }
  if (config.devices.interleaved()) {
    // One range over all devices: the host bridge's decoder with the devices as its target list.
    gpu.root_complex.add_interleaved_window(0, config::interleaved_range_bytes(config.device, config.devices), n,
                                            config.devices.interleave_granularity, config.run.timing_only());
  }
  if (check_protocol) {
    cpu_checker_ = std::make_unique<checker::ProtocolChecker<64>>("cpu_checker", checker::ProtocolCheckerConfig{});
    cpu_mem.bind(cpu_checker_->target_socket);
    cpu_checker_->initiator_socket.bind(gpu.root_complex.cpu_port);
  } else {
    cpu_mem.bind(gpu.root_complex.cpu_port);
  }
  for (std::uint32_t d = 0; d < n; ++d) {
    if (check_protocol) {
      host_checkers_.push_back(std::make_unique<checker::ProtocolChecker<64>>(("host_checker" + device_suffix(n, d)).c_str(),
                                                                              checker::ProtocolCheckerConfig{}));
      gpu.root_complex.cxl_port.bind(host_checkers_.back()->target_socket);
      host_checkers_.back()->initiator_socket.bind(devices_[d]->host_socket());
    } else {
      gpu.root_complex.cxl_port.bind(devices_[d]->host_socket());
    }
    cpu_mmio_[d]->bind(devices_[d]->ndp_mmio_socket());
  }
  SC_THREAD(host);
  SC_THREAD(gpu_worker);
}

std::size_t MondeSystem::protocol_violations() const {
  std::size_t n = cpu_checker_ ? cpu_checker_->violation_count() : 0;
  for (const auto& d : devices_) n += d->internal_protocol_violations();
  for (const auto& c : host_checkers_) n += c->violation_count();
  return n;
}

void MondeSystem::host() {
  if (body_) body_();
  finished_ = true;
  sc_core::sc_stop();
}

void MondeSystem::start_gpu(std::vector<gpu::HotExpertJob> jobs) {
  if (gpu_pending_ || gpu_busy_) SC_REPORT_FATAL("monde/runtime", "start_gpu() while the GPU worker is busy");
  gpu_jobs_ = std::move(jobs);
  gpu_pending_ = true;
  gpu_start_.notify(sc_core::SC_ZERO_TIME);
}

gpu::HotExpertRunResult MondeSystem::wait_gpu() {
  while (gpu_pending_ || gpu_busy_) sc_core::wait(gpu_done_);
  return gpu_result_;
}

void MondeSystem::gpu_worker() {
  for (;;) {
    while (!gpu_pending_) sc_core::wait(gpu_start_);
    gpu_pending_ = false;
    gpu_busy_ = true;
    gpu_result_ = gpu.gpu.run_hot_experts(gpu_jobs_);
    gpu_busy_ = false;
    gpu_done_.notify(sc_core::SC_ZERO_TIME);
  }
}

}  // namespace monde::system
