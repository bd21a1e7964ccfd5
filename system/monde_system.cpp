#include "system/monde_system.hpp"

namespace monde::system {

namespace {

device::DeviceOptions device_options(const config::SystemConfig& c, bool check_protocol) {
  device::DeviceOptions o;
  o.timing_only = c.run.timing_only();
  o.check_internal_protocol = check_protocol;
  o.faults = c.faults;
  return o;
}

}  // namespace

MondeSystem::MondeSystem(sc_core::sc_module_name name, const config::SystemConfig& config,
                         std::shared_ptr<const perf::GpuTimeModel> compute, bool check_protocol)
    : sc_module(name),
      cpu_mem("cpu_mem"),
      cpu_mmio("cpu_mmio"),
      device("device", config.device, device_options(config, check_protocol)),
      gpu("gpu", config.gpu, std::move(compute), config.run.timing_only()),
      bus(cpu_mem, cpu_mmio, &device.ndp().irq_event(), [this] { return device.ndp().irq_pending(); }) {
  if (check_protocol) {
    cpu_checker_ = std::make_unique<checker::ProtocolChecker<64>>("cpu_checker", checker::ProtocolCheckerConfig{});
    host_checker_ = std::make_unique<checker::ProtocolChecker<64>>("host_checker", checker::ProtocolCheckerConfig{});
    cpu_mem.bind(cpu_checker_->target_socket);
    cpu_checker_->initiator_socket.bind(gpu.root_complex.cpu_port);
    gpu.root_complex.cxl_port.bind(host_checker_->target_socket);
    host_checker_->initiator_socket.bind(device.host_socket());
  } else {
    gpu.root_complex.cxl_port.bind(device.host_socket());
    cpu_mem.bind(gpu.root_complex.cpu_port);
  }
  cpu_mmio.bind(device.ndp_mmio_socket());
  SC_THREAD(host);
  SC_THREAD(gpu_worker);
}

std::size_t MondeSystem::protocol_violations() const {
  return device.internal_protocol_violations() + (cpu_checker_ ? cpu_checker_->violation_count() : 0) +
         (host_checker_ ? host_checker_->violation_count() : 0);
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
