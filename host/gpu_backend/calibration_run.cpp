#include "host/gpu_backend/calibration_run.hpp"

#include <cmath>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "host/gpu_backend/calibration.hpp"
#include "host/gpu_backend/calibration_plan.hpp"
#include "host/gpu_backend/compare.hpp"
#include "host/gpu_backend/cpu_reference_backend.hpp"
#include "host/gpu_backend/cuda_backend.hpp"
#include "host/gpu_backend/gpu_available.hpp"
#include "core/config/gpu_profile.hpp"
#include "host/gpu_backend/random_bf16.hpp"
#include "host/gpu_backend/tolerance.hpp"

namespace monde::gpu_backend {

namespace {

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') {
    return "unknown";
  }
  return buf;
}

std::string how(const CalibrationOptions& o, const DeviceInfo& info) {
  return "monde-calibrate; median of " + std::to_string(o.repeats) + " repeats; " +
         std::to_string(o.copy_bytes >> 20) + " MiB cudaMemcpyAsync copies timed with events; " +
         std::to_string(o.small_copy_bytes) + " B latency = synchronous pinned host-to-GPU cudaMemcpy (mean of 1000); "
         "kernel_launch = back-to-back empty kernels (mean of 1000); gemm_bf16 = cublasGemmEx bf16 in/out, "
         "fp32 compute, mean of 10 calls; expert_ffn = CudaBackend GEMM1 + activation + GEMM2 with data resident; " +
         info.libraries;
}

// Random weights of one expert shape, kept for all token counts (generating them is the slow
// part for large experts). Scaled like nn.Linear's init (1/sqrt(fan_in)) so values stay O(1).
struct ExpertData {
  std::vector<bf16_bits> x, w_up, w_gate, w_down;

  ExpertData(const FfnShape& s, std::uint64_t max_tokens, std::uint64_t seed)
      : x(random_bf16(max_tokens * s.d_model, 1.0f, seed)),
        w_up(random_bf16(s.d_ff * s.d_model, 1.0f / std::sqrt(static_cast<float>(s.d_model)), seed + 1)),
        w_gate(s.gated ? random_bf16(s.d_ff * s.d_model, 1.0f / std::sqrt(static_cast<float>(s.d_model)), seed + 2)
                       : std::vector<bf16_bits>{}),
        w_down(random_bf16(s.d_model * s.d_ff, 1.0f / std::sqrt(static_cast<float>(s.d_ff)), seed + 3)) {}

  ExpertJob job(const FfnShape& s, std::uint64_t tokens, bf16_bits* y) const {
    ExpertJob j;
    j.tokens = tokens;
    j.d_model = s.d_model;
    j.d_ff = s.d_ff;
    j.gated = s.gated;
    j.activation = s.activation;
    j.x = x.data();
    j.w_up = w_up.data();
    j.w_gate = s.gated ? w_gate.data() : nullptr;
    j.w_down = w_down.data();
    j.y = y;
    return j;
  }
};

// GPU result against the CPU reference, within the stated tolerance (host/gpu_backend/tolerance.hpp).
bool verify(CudaBackend& gpu, const FfnShape& s, const ExpertData& data, std::uint64_t tokens, std::ostream& log) {
  std::vector<bf16_bits> y_gpu(tokens * s.d_model);
  std::vector<bf16_bits> y_ref(tokens * s.d_model);
  gpu.run(data.job(s, tokens, y_gpu.data()));
  CpuReferenceBackend cpu;
  const ExpertJob ref_job = data.job(s, tokens, y_ref.data());
  cpu.run(ref_job);
  const Tolerance tol = gpu_tolerance(ref_job, cpu.hidden(ref_job));
  const CompareStats st = compare_bf16(y_gpu.data(), y_ref.data(), y_gpu.size(), tol.rel, tol.abs);
  log << "  verify " << s.models << " at " << tokens << " tokens (rel " << tol.rel << ", abs " << tol.abs
      << "): " << (st.ok() ? "ok" : "FAILED") << ": " << st.summary() << "\n";
  return st.ok();
}

int calibrate(const CalibrationOptions& o, std::ostream& log) {
  if (o.repeats < 1) {
    log << "monde-calibrate: --repeats must be >= 1\n";
    return kCalibrateUsage;
  }
  // Inputs first, so that a bad option is reported as such on any machine.
  const CalibrationPlan plan = make_calibration_plan(load_models(o.models_dir), o.tokens);
  const GpuStatus status = gpu_status();
  if (!status.available) {
    log << "monde-calibrate: no usable GPU: " << status.reason << "\n";
    return kCalibrateUsage;
  }
  const DeviceInfo info = device_info(0);
  log << "monde-calibrate: " << info.name << "; " << info.driver << "; " << info.libraries << "\n"
      << "  " << plan.shapes.size() << " expert shapes x " << plan.tokens.size() << " token counts, "
      << plan.gemms.size() << " GEMM shapes\n";

  config::GpuProfile p;
  p.gpu = info.name;
  p.measured = config::ProfileProvenance{utc_now(), host_name(), info.driver, how(o, info)};
  const CopyBandwidth bw = measure_copy_bandwidth(o.copy_bytes, o.repeats);
  p.host_to_gpu_pinned_GBps = bw.host_to_gpu_pinned_GBps;
  p.gpu_to_host_pinned_GBps = bw.gpu_to_host_pinned_GBps;
  p.host_to_gpu_pageable_GBps = bw.host_to_gpu_pageable_GBps;
  p.small_copy_latency_us = measure_small_copy_latency_us(o.small_copy_bytes, o.repeats);
  p.kernel_launch_us = measure_kernel_launch_us(o.repeats);
  log << "  copies: H2D pinned " << p.host_to_gpu_pinned_GBps << " GB/s, D2H pinned " << p.gpu_to_host_pinned_GBps
      << " GB/s, H2D pageable " << p.host_to_gpu_pageable_GBps << " GB/s; " << o.small_copy_bytes << " B copy "
      << p.small_copy_latency_us << " us; kernel launch " << p.kernel_launch_us << " us\n";

  GemmTimer gemm;
  for (config::GemmPoint g : plan.gemms) {  // ordered by (n, k): weights are generated once per shape
    g.time_us = gemm.time_us(static_cast<int>(g.m), static_cast<int>(g.n), static_cast<int>(g.k), o.repeats);
    p.gemm_bf16.push_back(g);
  }
  log << "  " << p.gemm_bf16.size() << " GEMMs timed\n";

  CudaBackend backend(0);
  bool all_ok = true;
  std::uint64_t seed = 1000;
  for (const auto& s : plan.shapes) {
    const ExpertData data(s, plan.tokens.back(), seed += 10);
    std::vector<bf16_bits> y(plan.tokens.back() * s.d_model);  // not written by the timing runs
    for (const auto t : plan.tokens) {
      const double us = backend.time_compute_us(data.job(s, t, y.data()), o.repeats);
      p.expert_ffn.push_back(config::ExpertFfnPoint{s.models, t, s.d_model, s.d_ff, s.gated, us});
    }
    log << "  expert " << s.models << " (d_model " << s.d_model << ", d_ff " << s.d_ff << ", "
        << to_string(s.activation) << "): " << p.expert_ffn.back().time_us << " us at " << plan.tokens.back()
        << " tokens\n";
    all_ok = verify(backend, s, data, plan.verify_tokens, log) && all_ok;
  }
  if (!all_ok) {
    log << "monde-calibrate: verification FAILED: the GPU results are wrong, so no profile is written\n";
    return kCalibrateVerifyFailed;
  }

  const std::string out = o.out.empty() ? "configs/gpu/" + config::gpu_slug(p.gpu) + ".json" : o.out;
  const auto parent = std::filesystem::path(out).parent_path();
  if (!parent.empty()) {
    std::filesystem::create_directories(parent);
  }
  {
    std::ofstream f(out);
    f << config::to_json(p).dump(2) << "\n";
    if (!f) {
      log << "monde-calibrate: cannot write " << out << "\n";
      return kCalibrateUsage;
    }
  }
  config::load_gpu_profile(out);  // what we wrote must be what the simulator accepts
  log << "monde-calibrate: wrote " << out << "\n";
  return kCalibrateOk;
}

}  // namespace

int run_calibration(const CalibrationOptions& options, std::ostream& log) {
  try {
    return calibrate(options, log);
  } catch (const std::exception& e) {
    log << "monde-calibrate: " << e.what() << "\n";
    return kCalibrateUsage;
  }
}

}  // namespace monde::gpu_backend
