#include "system/monde_system.hpp"

namespace monde::system {

namespace {

device::DeviceOptions device_options(const config::SystemConfig& c) {
  device::DeviceOptions o;
  o.timing_only = c.run.timing_only();
  return o;
}

}  // namespace

MondeSystem::MondeSystem(sc_core::sc_module_name name, const config::SystemConfig& config,
                         std::shared_ptr<const perf::GpuTimeModel> compute)
    : sc_module(name),
      cpu_mem("cpu_mem"),
      cpu_mmio("cpu_mmio"),
      device("device", config.device, device_options(config)),
      gpu("gpu", config.gpu, std::move(compute), config.run.timing_only()),
      bus(cpu_mem, cpu_mmio, &device.ndp().irq_event(), [this] { return device.ndp().irq_pending(); }) {
  gpu.root_complex.cxl_port.bind(device.host_socket());
  cpu_mem.bind(gpu.root_complex.cpu_port);
  cpu_mmio.bind(device.ndp_mmio_socket());
  SC_THREAD(host);
  SC_THREAD(gpu_worker);
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
