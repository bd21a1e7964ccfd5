// The GPU expert cache (gpu.expert_cache): which (MoE layer, expert) weights spare HBM holds
// between layers and steps, and what each layer's lookups did. The runtime owns one per policy run
// (system/moe_runtime.cpp): before a layer it marks the cached experts in LayerDemand::gpu_resident
// (the policy then places a routed cached expert kGpuResident: no fetch, in the simulation and in
// the cost model alike, since both read the placement); after the placement it records the layer.
//
// Rules (docs/policies.md, "GPU expert cache"):
//   - lookups: every routed expert of the layer, in expert order. A hit is a routed expert the
//     cache held when the layer started; a miss is any other routed expert (offload_cached fetches
//     it; monde_cached fetches it or runs it on the NDP; static_freq runs it on the NDP unless its
//     per-layer budget pinned it).
//   - pinned: the set is fixed before the run: choose_pinned over every (layer, expert) of the run
//     with its popularity (tokens routed over the whole run), ties to the lower layer, then the
//     lower expert; nothing enters or leaves it.
//   - lru: an expert the placement fetched (kGpuFetched) enters the cache after the layer; when the
//     cache is full the least recently used entry leaves (an eviction). A hit counts as a use.
//     Uses of one layer are ordered by expert index (hits first, then the fetched experts), so no
//     two entries are ever equally recent. An expert the placement runs on the NDP or the CPU never
//     reaches the GPU: it does not enter the cache, and a cached expert placed there is not used.
//   - bytes not fetched: hits x the expert's bytes (what a fetch of each hit would have moved).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "core/config/gpu_config.hpp"
#include "host/policy/placement.hpp"

namespace monde::policy {

// One layer's, one step's or one run's lookups.
struct ExpertCacheCounts {
  bool used = false;  // the policy ran with a cache (only then do outputs carry these counts)
  std::uint64_t hits = 0, misses = 0, evictions = 0;
  std::uint64_t bytes_not_fetched = 0;
  ExpertCacheCounts& operator+=(const ExpertCacheCounts& o) {
    used = used || o.used;
    hits += o.hits;
    misses += o.misses;
    evictions += o.evictions;
    bytes_not_fetched += o.bytes_not_fetched;
    return *this;
  }
  // hits / (hits + misses); 0 with no lookups.
  double hit_rate() const { return hits + misses == 0 ? 0.0 : double(hits) / double(hits + misses); }
};

class ExpertCache {
 public:
  // `slots`: whole experts the capacity holds (> 0); `expert_bytes`: what one expert's fetch moves
  // (what a hit saves: ExpertShape::gpu_fetch_bytes);
  // `popularity[layer][expert]`: tokens routed over the run (pinned mode's choice; every layer the
  // same expert count). Throws std::invalid_argument for mode none, zero slots or bytes, or a
  // popularity that is empty or ragged.
  ExpertCache(config::ExpertCacheMode mode, std::uint64_t slots, std::uint64_t expert_bytes,
              const std::vector<std::vector<double>>& popularity);

  config::ExpertCacheMode mode() const { return mode_; }
  std::uint64_t slots() const { return slots_; }
  std::size_t size() const { return entries_; }
  bool holds(std::size_t layer, std::size_t expert) const { return last_use_.at(layer).at(expert) != 0; }
  // One entry per expert of the layer: held now (LayerDemand::gpu_resident).
  std::vector<bool> resident(std::size_t layer) const;
  // The layer's lookups and, in lru mode, its insertions and evictions. `resident` is what
  // resident(layer) returned before the placement; `tokens` the layer's routed tokens per expert.
  ExpertCacheCounts record(std::size_t layer, const std::vector<bool>& resident,
                           const std::vector<std::uint64_t>& tokens, const Placement& placement);

 private:
  void use(std::size_t layer, std::size_t expert);

  config::ExpertCacheMode mode_;
  std::uint64_t slots_, expert_bytes_;
  std::vector<std::vector<std::uint64_t>> last_use_;  // [layer][expert]: tick of its last use, 0: not held
  std::map<std::uint64_t, std::pair<std::size_t, std::size_t>> by_use_;  // lru: tick -> (layer, expert)
  std::uint64_t tick_ = 0;
  std::size_t entries_ = 0;
};

}  // namespace monde::policy
