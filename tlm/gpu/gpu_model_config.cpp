#include "tlm/gpu/gpu_model_config.hpp"

#include <exception>

namespace monde::gpu {

namespace {

// Same ranges as the placement policy's "gpu" section (host/policy/system_cost_model.cpp):
// wide enough for any real part, narrow enough to catch unit slips of 1e3..1e6.
constexpr double kMinRate = 1e-3;
constexpr double kMaxRate = 1e5;
constexpr double kMaxUs = 1e6;

std::string read_profile_key(const config::ConfigNode& gpu) {
  if (!gpu.has("profile")) return {};
  const auto& v = gpu.json().at("profile");
  if (v.is_null()) return {};
  if (!v.is_string() || v.get<std::string>().empty()) {
    throw config::ConfigError(gpu.source() + ": key '" + gpu.key_path("profile") + "' = " + v.dump() +
                      " must be a non-empty path string (e.g. \"configs/gpu/nvidia-h100-80gb-hbm3.json\") or null");
  }
  return v.get<std::string>();
}

}  // namespace

GpuModelConfig parse_gpu_model_config(const config::ConfigNode& gpu) {
  GpuModelConfig c;
  gpu.reject_unknown_keys({"profile", "roofline", "dma_chunk_bytes", "dma_outstanding", "pcie", "root_complex",
                           "_comment", "_source"});
  c.profile = read_profile_key(gpu);
  if (gpu.has("roofline")) {
    const auto r = gpu.child("roofline");
    r.reject_unknown_keys({"peak_tflops", "hbm_GBps", "launch_us", "_comment", "_source"});
    c.roofline.peak_tflops = r.get_double("peak_tflops", kMinRate, kMaxRate, c.roofline.peak_tflops);
    c.roofline.hbm_GBps = r.get_double("hbm_GBps", kMinRate, kMaxRate, c.roofline.hbm_GBps);
    c.roofline.launch_us = r.get_double("launch_us", 0.0, kMaxUs, c.roofline.launch_us);
  }
  // A chunk is one generic payload, whose data length is 32 bits: 1 GiB keeps well inside it.
  // 64 B (one CXL line) is the smallest transfer that means anything on either link.
  c.dma_chunk_bytes = gpu.get_uint("dma_chunk_bytes", 64, std::uint64_t{1} << 30, c.dma_chunk_bytes);
  // DMA engines of real GPUs keep hundreds of reads outstanding; 256 worker threads is a sanity bound.
  c.dma_outstanding = static_cast<unsigned>(gpu.get_uint("dma_outstanding", 1, 256, c.dma_outstanding));
  if (gpu.has("pcie")) c.pcie = pcie::parse_pcie_link_config(gpu.child("pcie"));
  if (gpu.has("root_complex")) {
    const auto rc = gpu.child("root_complex");
    rc.reject_unknown_keys({"latency_ns", "_comment", "_source"});
    c.root_complex.latency_ns = rc.get_double("latency_ns", 0.0, 1e6, c.root_complex.latency_ns);
  }
  return c;
}

std::shared_ptr<const GpuComputeModel> make_gpu_compute_model(const GpuModelConfig& cfg, const std::string& base_dir) {
  if (cfg.profile.empty()) {
    return std::make_shared<RooflineComputeModel>(cfg.roofline.peak_tflops, cfg.roofline.hbm_GBps,
                                                  cfg.roofline.launch_us);
  }
  const bool absolute = cfg.profile.front() == '/';
  const std::string path = (base_dir.empty() || absolute) ? cfg.profile : base_dir + "/" + cfg.profile;
  try {
    return std::make_shared<ProfileComputeModel>(gpu_backend::load_gpu_profile(path));
  } catch (const config::ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    // host/gpu reports its own error type (JsonError); the run sees one kind of config error.
    throw config::ConfigError(std::string("gpu.profile: ") + e.what());
  }
}

}  // namespace monde::gpu
