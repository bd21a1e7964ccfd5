#include "host/gpu_backend/gpu_profile.hpp"

#include <cctype>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "host/gpu_backend/checked_json.hpp"

namespace monde::gpu_backend {

namespace {

// Allowed ranges. Generous (a future GPU must fit) but finite, so that a unit mistake
// (bytes/s for GB/s, seconds for microseconds) or a stray digit is caught.
constexpr double kMaxGBps = 10'000;
constexpr double kMaxLatencyUs = 1e6;
constexpr double kMaxTimeUs = 1e9;
constexpr std::uint64_t kMaxGemmDim = std::uint64_t{1} << 24;
constexpr std::uint64_t kMaxTokens = std::uint64_t{1} << 24;
constexpr std::uint64_t kMaxDModel = std::uint64_t{1} << 20;
constexpr std::uint64_t kMaxDFf = std::uint64_t{1} << 22;

ProfileProvenance parse_measured(const CheckedJson& m) {
  m.reject_unknown_keys({"date", "host", "driver", "how"});
  return ProfileProvenance{m.string("date"), m.string("host"), m.string("driver"), m.string("how")};
}

GemmPoint parse_gemm(const CheckedJson& g) {
  g.reject_unknown_keys({"m", "n", "k", "time_us"});
  GemmPoint p;
  p.m = g.uint("m", 1, kMaxGemmDim);
  p.n = g.uint("n", 1, kMaxGemmDim);
  p.k = g.uint("k", 1, kMaxGemmDim);
  p.time_us = g.number("time_us", 0, kMaxTimeUs, true);
  return p;
}

ExpertFfnPoint parse_ffn(const CheckedJson& e) {
  e.reject_unknown_keys({"model", "tokens", "d_model", "d_ff", "gated", "time_us"});
  ExpertFfnPoint p;
  p.model = e.string("model");
  p.tokens = e.uint("tokens", 1, kMaxTokens);
  p.d_model = e.uint("d_model", 1, kMaxDModel);
  p.d_ff = e.uint("d_ff", 1, kMaxDFf);
  p.gated = e.boolean("gated");
  p.time_us = e.number("time_us", 0, kMaxTimeUs, true);
  return p;
}

}  // namespace

GpuProfile parse_gpu_profile(const nlohmann::json& json, const std::string& source) {
  const CheckedJson top(json, source);
  top.reject_unknown_keys({"_comment", "gpu", "measured", "host_to_gpu_pinned_GBps", "gpu_to_host_pinned_GBps",
                           "host_to_gpu_pageable_GBps", "small_copy_latency_us", "kernel_launch_us", "gemm_bf16",
                           "expert_ffn"});
  GpuProfile p;
  p.gpu = top.string("gpu");
  p.measured = parse_measured(top.object("measured"));
  p.host_to_gpu_pinned_GBps = top.number("host_to_gpu_pinned_GBps", 0, kMaxGBps, true);
  p.gpu_to_host_pinned_GBps = top.number("gpu_to_host_pinned_GBps", 0, kMaxGBps, true);
  p.host_to_gpu_pageable_GBps = top.number("host_to_gpu_pageable_GBps", 0, kMaxGBps, true);
  p.small_copy_latency_us = top.number("small_copy_latency_us", 0, kMaxLatencyUs, true);
  // 0 allowed: a profile may leave launch overhead out of the roofline on purpose.
  p.kernel_launch_us = top.number("kernel_launch_us", 0, kMaxLatencyUs);
  // The roofline needs at least one GEMM; expert points may be absent (roofline only).
  for (const auto& g : top.array("gemm_bf16", 1)) {
    p.gemm_bf16.push_back(parse_gemm(g));
  }
  std::set<std::tuple<std::uint64_t, std::uint64_t, bool, std::uint64_t>> seen;
  for (const auto& e : top.array("expert_ffn", 0)) {
    p.expert_ffn.push_back(parse_ffn(e));
    const auto& q = p.expert_ffn.back();
    if (!seen.insert({q.d_model, q.d_ff, q.gated, q.tokens}).second) {
      e.fail("tokens", "= " + std::to_string(q.tokens) + " repeats an earlier point with the same d_model, d_ff and "
                       "gated (each shape and token count may appear once)");
    }
  }
  return p;
}

GpuProfile parse_gpu_profile_text(const std::string& text, const std::string& source) {
  return parse_gpu_profile(parse_json(text, source), source);
}

GpuProfile load_gpu_profile(const std::string& path) { return parse_gpu_profile(read_json_file(path), path); }

nlohmann::json to_json(const GpuProfile& p) {
  nlohmann::json j;
  j["gpu"] = p.gpu;
  j["measured"] = {{"date", p.measured.date},
                   {"host", p.measured.host},
                   {"driver", p.measured.driver},
                   {"how", p.measured.how}};
  j["host_to_gpu_pinned_GBps"] = p.host_to_gpu_pinned_GBps;
  j["gpu_to_host_pinned_GBps"] = p.gpu_to_host_pinned_GBps;
  j["host_to_gpu_pageable_GBps"] = p.host_to_gpu_pageable_GBps;
  j["small_copy_latency_us"] = p.small_copy_latency_us;
  j["kernel_launch_us"] = p.kernel_launch_us;
  j["gemm_bf16"] = nlohmann::json::array();
  for (const auto& g : p.gemm_bf16) {
    j["gemm_bf16"].push_back({{"m", g.m}, {"n", g.n}, {"k", g.k}, {"time_us", g.time_us}});
  }
  j["expert_ffn"] = nlohmann::json::array();
  for (const auto& e : p.expert_ffn) {
    j["expert_ffn"].push_back({{"model", e.model},
                               {"tokens", e.tokens},
                               {"d_model", e.d_model},
                               {"d_ff", e.d_ff},
                               {"gated", e.gated},
                               {"time_us", e.time_us}});
  }
  return j;
}

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

}  // namespace monde::gpu_backend
