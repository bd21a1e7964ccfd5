#include "system/builder.hpp"

#include <nlohmann/json.hpp>

#include "system/cost_model.hpp"

namespace monde::system {

std::unique_ptr<SimulatedSystem> build_system(const config::SystemConfig& config, const std::string& name,
                                              const BuildOptions& options) {
  std::unique_ptr<SimulatedSystem> s(new SimulatedSystem());
  s->config_ = config;
  s->gpu_ = perf::make_gpu_time_model(s->config_.gpu);
  s->top_ = std::make_unique<MondeSystem>(name.c_str(), s->config_, s->gpu_, options.check_protocol);
  s->runtime_ = std::make_unique<MoeRuntime>(s->config_, *s->top_, derive_cost_model(s->config_, s->gpu_));
  return s;
}

std::unique_ptr<device::CxlType3Device> build_device(const config::DeviceConfig& device,
                                                     const device::DeviceOptions& options, const std::string& name) {
  return std::make_unique<device::CxlType3Device>(name.c_str(), device, options);
}

std::unique_ptr<gpu::GpuSystem> build_gpu(const config::GpuConfig& gpu, bool timing_only, const std::string& name) {
  return std::make_unique<gpu::GpuSystem>(name.c_str(), gpu, perf::make_gpu_time_model(gpu), timing_only);
}

nlohmann::json SimulatedSystem::stats_json(double elapsed_ps) const {
  nlohmann::json j;
  if (top_->device_count() == 1) {
    j = top_->device().stats_json(elapsed_ps);
  } else {
    // Several devices: a summary and the whole tree of each (one device: the tree at the top, as before).
    j["devices"] = nlohmann::json::array();
    for (std::size_t d = 0; d < top_->device_count(); ++d) {
      const auto& dev = top_->device(d);
      nlohmann::json tree = dev.stats_json(elapsed_ps);
      const std::uint64_t busy = tree["ndp"]["busy_cycles"].get<std::uint64_t>();
      nlohmann::json e;
      e["device"] = d;
      e["hpa_base"] = config::device_hpa_base(config_.device, config_.devices, static_cast<std::uint32_t>(d));
      if (config_.devices.interleaved()) e["interleave_position"] = d;
      e["cxl_m2s_bytes"] = dev.link().m2s().data_bytes;
      e["cxl_s2m_bytes"] = dev.link().s2m().data_bytes;
      e["dram_read_bytes"] = tree["memory"]["transactions"]["bytes_read_bytes"];
      e["dram_written_bytes"] = tree["memory"]["transactions"]["bytes_written_bytes"];
      e["ndp_busy_cycles"] = busy;
      e["ndp_busy_ms"] = double(busy) * config_.device.ndp.mac.clock_period_ps() * 1e-9;
      e["ndp_dma_bytes_read"] = tree["ndp"]["dma_bytes_read"];
      e["stats"] = std::move(tree);
      j["devices"].push_back(std::move(e));
    }
    if (config_.devices.interleaved()) {
      j["interleave"] = {{"ways", config_.devices.count},
                         {"granularity_bytes", config_.devices.interleave_granularity},
                         {"range_bytes", config::interleaved_range_bytes(config_.device, config_.devices)}};
    }
  }
  j["gpu"] = top_->gpu.stats_json(elapsed_ps);
  {
    // The host's DRAM (config host_memory): what the host-memory baselines read from it.
    const auto& h = top_->host_memory.stats();
    j["host_memory"] = {{"expert_home", config::to_string(config_.host_memory.expert_home)},
                        {"hpa_base", config::kHostMemoryHpaBase},
                        {"sustained_GBps", top_->host_memory.sustained_bytes_per_s() / 1e9},
                        {"reads", h.reads},
                        {"writes", h.writes},
                        {"errors", h.errors},
                        {"bytes_read_bytes", h.bytes_read},
                        {"bytes_written_bytes", h.bytes_written},
                        {"busy_ms", double(h.busy_ps) * 1e-9},
                        {"utilisation", elapsed_ps > 0 ? double(h.busy_ps) / elapsed_ps : 0.0}};
  }
  if (top_->checks_protocol()) j["protocol_violations"] = top_->protocol_violations();
  // Each device's driver watchdog, where it can have acted (a run without faults reports what it
  // did): at the top with one device, in each device's entry with several. A range interleaved
  // over the devices with whole experts has one weights-only driver (no rings, nothing to watch).
  for (std::size_t dev = 0; dev < top_->device_count() && !config_.devices.interleaved_whole_experts(); ++dev) {
    const auto& d = runtime_->driver(dev).stats();
    const bool injected = config_.faults.any_injected() && config_.faults.targets(static_cast<std::uint32_t>(dev));
    if (!injected && d.timeouts == 0) continue;
    nlohmann::json w = {{"timeouts", d.timeouts},
                        {"aborts", d.aborts},
                        {"resets", d.resets},
                        {"jobs_lost_in_reset", d.jobs_lost_in_reset},
                        {"jobs_resubmitted", d.jobs_resubmitted},
                        {"job_timeout_ms", config_.faults.ndp.job_timeout_ms}};
    if (top_->device_count() == 1) {
      j["driver"] = std::move(w);
    } else {
      j["devices"][dev]["driver"] = std::move(w);
    }
  }
  return j;
}

}  // namespace monde::system
