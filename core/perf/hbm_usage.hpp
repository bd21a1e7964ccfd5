// What the GPU's memory must hold for a run (gpu.hbm_bytes), term by term. system/experiment.cpp
// refuses a run whose total exceeds it, before simulating, with describe()'s arithmetic.
//   weights            every non-expert weight (transformer_work.hpp, non_expert_weight_bytes)
//   kv_cache           the largest KV cache over the run's steps (its last decode step, or the
//                      prefill / encoder step): transformer_work.hpp, kv_cache_bytes
//   hot_expert_buffers one MoE layer's routed experts: the most any policy fetches for one layer
//                      (the GPU's DMA may run any distance ahead of its compute within a layer)
//                      = min(experts, tokens x top_k) x expert bytes, in the run's largest step
//   pinned_experts     run.gpu_memory_budget_bytes_per_layer x MoE layers (static_freq, context)
//   activations        an estimate of the largest step's live activations: tokens x (2 d_model +
//                      the widest projection or FFN hidden layer) + the logits, bf16
//   expert_cache       gpu.expert_cache (mode pinned or lru): capacity_bytes as given, or with
//                      "auto" the spare HBM after every term above, rounded down to whole experts
//                      (0 with mode none). It holds expert_cache_slots() experts.
#pragma once

#include <cstdint>
#include <string>

#include "core/config/system_config.hpp"
#include "core/perf/transformer_work.hpp"

namespace monde::perf {

struct HbmUsage {
  NonExpertWeights weights;
  std::uint64_t kv_cache = 0;
  std::uint64_t kv_cache_sequences = 0, kv_cache_positions = 0;  // of the step that holds the most
  std::uint64_t hot_expert_buffers = 0;
  std::uint64_t hot_experts = 0;  // how many experts those buffers hold
  std::uint64_t pinned_experts = 0;
  std::uint64_t activations = 0;
  std::uint64_t expert_cache = 0;
  std::uint64_t expert_cache_experts = 0;  // whole experts the cache holds
  // Every term but the cache: what the HBM holds anyway.
  std::uint64_t without_cache() const {
    return weights.total() + kv_cache + hot_expert_buffers + pinned_experts + activations;
  }
  std::uint64_t total() const { return without_cache() + expert_cache; }
};

HbmUsage hbm_usage(const config::SystemConfig& config);

// "3.22 GB non-expert weights (...) + 4.30 GB KV cache (...) + ... = 10.3 GB", every term in bytes.
std::string describe(const HbmUsage& usage, const config::SystemConfig& config);

}  // namespace monde::perf
