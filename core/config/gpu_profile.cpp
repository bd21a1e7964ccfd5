#include "core/config/gpu_profile.hpp"

#include <cctype>
#include <set>
#include <tuple>

namespace monde::config {

namespace {

// Allowed ranges. Generous (a future GPU must fit) but finite, so that a unit mistake
// (bytes/s for GB/s, seconds for microseconds) or a stray digit is caught. A time or bandwidth
// of 0 is meaningless, so their floor is the smallest positive step that can be written.
constexpr double kMinPositive = 1e-9;
constexpr double kMaxGBps = 10'000;
constexpr double kMaxLatencyUs = 1e6;
constexpr double kMaxTimeUs = 1e9;
constexpr std::uint64_t kMaxGemmDim = std::uint64_t{1} << 24;
constexpr std::uint64_t kMaxTokens = std::uint64_t{1} << 24;
constexpr std::uint64_t kMaxDModel = std::uint64_t{1} << 20;
constexpr std::uint64_t kMaxDFf = std::uint64_t{1} << 22;

const Schema<ProfileProvenance>& measured_schema() {
  using P = ProfileProvenance;
  static const auto s = Schema<P>("How and when the profile was measured.")
                            .text("date", &P::date, "ISO 8601 (UTC) of the calibration run", kRequired)
                            .text("host", &P::host, "machine it ran on", kRequired)
                            .text("driver", &P::driver, "CUDA driver (and kernel module) version", kRequired)
                            .text("how", &P::how, "tool, options and library versions", kRequired);
  return s;
}

const Schema<GemmPoint>& gemm_schema() {
  using G = GemmPoint;
  static const auto s = Schema<G>("One measured cuBLAS bf16 GEMM, C[m x n] = A[m x k] B[k x n].")
                            .integer("m", &G::m, 1, kMaxGemmDim, "rows (tokens)", kRequired)
                            .integer("n", &G::n, 1, kMaxGemmDim, "output features", kRequired)
                            .integer("k", &G::k, 1, kMaxGemmDim, "reduction length", kRequired)
                            .number("time_us", &G::time_us, kMinPositive, kMaxTimeUs, "median time, us", 1.0,
                                    kRequired);
  return s;
}

const Schema<ExpertFfnPoint>& ffn_schema() {
  using E = ExpertFfnPoint;
  static const auto s = Schema<E>("One measured expert FFN, data resident on the GPU.")
                            .text("model", &E::model, "model name(s) with this expert shape", kRequired)
                            .integer("tokens", &E::tokens, 1, kMaxTokens, "tokens through the expert", kRequired)
                            .integer("d_model", &E::d_model, 1, kMaxDModel, "model width", kRequired)
                            .integer("d_ff", &E::d_ff, 1, kMaxDFf, "expert hidden width", kRequired)
                            .boolean("gated", &E::gated, "SwiGLU (three matrices) or plain (two)", kRequired)
                            .number("time_us", &E::time_us, kMinPositive, kMaxTimeUs, "median time, us", 1.0,
                                    kRequired);
  return s;
}

template <class P>
Schema<GpuProfile>& points(Schema<GpuProfile>& s, const char* key, std::vector<P> GpuProfile::*field,
                           const Schema<P>& sub, std::size_t min, const char* doc) {
  return s.custom(KeyDoc{key, "array", "(required)", std::to_string(min) + " or more objects", doc},
                  [key, field, &sub, min](const ConfigNode& n, GpuProfile& p) {
                    (p.*field).clear();
                    for (const auto& e : n.objects(key, min, std::size_t{1} << 20)) (p.*field).push_back(sub.parse(e));
                  },
                  [key, field, &sub](const GpuProfile& p, nlohmann::json& j) {
                    j[key] = nlohmann::json::array();
                    for (const auto& e : p.*field) j[key].push_back(sub.to_json(e));
                  },
                  [key, &sub](const std::string& path) { return sub.docs(path.empty() ? std::string(key) + "[]" : path + "." + key + "[]"); });
}

}  // namespace

const Schema<GpuProfile>& gpu_profile_schema() {
  using P = GpuProfile;
  static const auto s = [] {
    Schema<P> p("A measured GPU profile (configs/gpu/<gpu>.json, written by monde-calibrate).");
    p.text("gpu", &P::gpu, "device name as the driver reports it", kRequired)
        .object("measured", &P::measured, measured_schema(), kRequired)
        .number("host_to_gpu_pinned_GBps", &P::host_to_gpu_pinned_GBps, kMinPositive, kMaxGBps,
                "pinned host -> GPU copy bandwidth, GB/s", 1.0, kRequired)
        .number("gpu_to_host_pinned_GBps", &P::gpu_to_host_pinned_GBps, kMinPositive, kMaxGBps,
                "GPU -> pinned host copy bandwidth, GB/s", 1.0, kRequired)
        .number("host_to_gpu_pageable_GBps", &P::host_to_gpu_pageable_GBps, kMinPositive, kMaxGBps,
                "pageable host -> GPU copy bandwidth, GB/s", 1.0, kRequired)
        .number("small_copy_latency_us", &P::small_copy_latency_us, kMinPositive, kMaxLatencyUs,
                "end-to-end time of a tiny host -> GPU copy, us", 1.0, kRequired)
        // 0 allowed: a profile may leave launch overhead out of the roofline on purpose.
        .number("kernel_launch_us", &P::kernel_launch_us, 0.0, kMaxLatencyUs,
                "time each dependent kernel adds, us", 1.0, kRequired);
    // The roofline needs at least one GEMM; expert points may be absent (roofline only).
    points(p, "gemm_bf16", &P::gemm_bf16, gemm_schema(), 1, "measured GEMMs (the roofline is fitted to them)");
    points(p, "expert_ffn", &P::expert_ffn, ffn_schema(), 0, "measured expert FFNs (interpolated by token count)");
    p.check([](const ConfigNode& n, P& prof) {
      std::set<std::tuple<std::uint64_t, std::uint64_t, bool, std::uint64_t>> seen;
      const auto nodes = n.objects("expert_ffn", 0, std::size_t{1} << 20);
      for (std::size_t i = 0; i < prof.expert_ffn.size(); ++i) {
        const auto& q = prof.expert_ffn[i];
        if (!seen.insert({q.d_model, q.d_ff, q.gated, q.tokens}).second) {
          nodes[i].fail("tokens", "repeats an earlier point with the same d_model, d_ff and gated; allowed each "
                                  "shape and token count once");
        }
      }
    });
    return p;
  }();
  return s;
}

GpuProfile parse_gpu_profile(const nlohmann::json& json, const std::string& source) {
  return gpu_profile_schema().parse(ConfigNode(json, source));
}

GpuProfile load_gpu_profile(const std::string& path) { return parse_gpu_profile(load_json_file(path), path); }

nlohmann::json to_json(const GpuProfile& p) { return gpu_profile_schema().to_json(p); }

std::string gpu_slug(const std::string& gpu_name) {
  std::string out;
  for (const char c : gpu_name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      out += static_cast<char>(std::tolower(u));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') {
    out.pop_back();
  }
  return out.empty() ? "gpu" : out;
}

}  // namespace monde::config
