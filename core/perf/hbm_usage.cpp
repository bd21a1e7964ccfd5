#include "core/perf/hbm_usage.hpp"

#include <algorithm>
#include <cstdio>

#include "core/perf/step_plan.hpp"

namespace monde::perf {

namespace {

std::string bytes_text(std::uint64_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%llu B (%.2f GB)", static_cast<unsigned long long>(bytes), double(bytes) / 1e9);
  return buf;
}

}  // namespace

HbmUsage hbm_usage(const config::SystemConfig& c) {
  const auto& m = c.model;
  HbmUsage u;
  u.weights = non_expert_weight_bytes(m);
  const std::vector<StepSpec> plan = step_plan(m, c.run);
  std::uint64_t max_tokens = 0, max_sequences = 0;
  for (const auto& s : plan) {
    const std::uint64_t kv = kv_cache_bytes(m, s.shape);
    if (kv > u.kv_cache) {
      u.kv_cache = kv;
      u.kv_cache_sequences = s.shape.sequences;
      u.kv_cache_positions = s.shape.bidirectional ? s.shape.source_tokens : s.shape.context_before + s.shape.new_tokens;
    }
    max_tokens = std::max(max_tokens, s.tokens());
    max_sequences = std::max(max_sequences, s.shape.sequences);
  }
  u.hot_experts = std::min<std::uint64_t>(m.experts, max_tokens * m.top_k);
  u.hot_expert_buffers = u.hot_experts * m.expert_weight_bytes();
  u.pinned_experts = c.run.gpu_memory_budget_bytes_per_layer * m.moe_layers;
  const AttentionShape a = attention_shape(m);
  const std::uint64_t hidden = std::max<std::uint64_t>({a.in_outputs, a.q_width, std::uint64_t{m.d_ff} * m.matrices_per_expert(),
                                                        std::uint64_t{m.dense_d_ff} * m.matrices_per_expert(),
                                                        std::uint64_t{m.shared_expert_d_ff} * m.shared_experts *
                                                            m.matrices_per_expert()});
  u.activations = 2 * (max_tokens * (2 * std::uint64_t{m.d_model} + hidden) + max_sequences * m.vocab_size);
  const auto& cache = c.gpu.expert_cache;
  if (cache.mode != config::ExpertCacheMode::kNone) {
    const std::uint64_t expert = m.expert_weight_bytes();
    if (cache.capacity_bytes) {
      u.expert_cache = *cache.capacity_bytes;
    } else {
      const std::uint64_t spare = c.gpu.hbm_bytes - std::min(c.gpu.hbm_bytes, u.without_cache());
      u.expert_cache = spare / expert * expert;
    }
    u.expert_cache_experts = u.expert_cache / expert;
  }
  return u;
}

std::string describe(const HbmUsage& u, const config::SystemConfig& c) {
  const auto& m = c.model;
  std::string s = bytes_text(u.weights.total()) + " of non-expert weights (embeddings " +
                  std::to_string(u.weights.embeddings) + " + attention " + std::to_string(u.weights.attention) +
                  " + dense FFNs " + std::to_string(u.weights.dense_ffn) + " + routers " +
                  std::to_string(u.weights.routers) + " + shared experts " + std::to_string(u.weights.shared_experts) +
                  ") + " + bytes_text(u.kv_cache) + " of KV cache (" + std::to_string(u.kv_cache_sequences) +
                  " sequences x " + std::to_string(u.kv_cache_positions) + " positions over the layers that cache) + " +
                  bytes_text(u.hot_expert_buffers) + " of hot experts' buffers (" + std::to_string(u.hot_experts) +
                  " experts x " + std::to_string(m.expert_weight_bytes()) + " B, one MoE layer's routed experts)";
  if (u.pinned_experts > 0) {
    s += " + " + bytes_text(u.pinned_experts) + " of pinned experts (" +
         std::to_string(c.run.gpu_memory_budget_bytes_per_layer) + " B x " + std::to_string(m.moe_layers) +
         " MoE layers)";
  }
  s += " + " + bytes_text(u.activations) + " of activations (estimate)";
  if (c.gpu.expert_cache.mode != config::ExpertCacheMode::kNone) {
    s += " + " + bytes_text(u.expert_cache) + " of expert cache (gpu.expert_cache " +
         config::to_string(c.gpu.expert_cache.mode) + ", capacity_bytes " +
         (c.gpu.expert_cache.capacity_bytes ? std::to_string(*c.gpu.expert_cache.capacity_bytes) : std::string("auto")) +
         ": " + std::to_string(u.expert_cache_experts) + " experts x " + std::to_string(m.expert_weight_bytes()) + " B)";
  }
  s += " = " + bytes_text(u.total());
  return s;
}

}  // namespace monde::perf
