// The placement policies by name: what configurations and command lines name, with what each
// one does and the limits known before simulating. Adding a policy: its class, one entry here,
// its tests and its docs line (docs/policies.md); the runtime and the tools take it from here.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/policy/placement_policy.hpp"

namespace monde::policy {

// Settings of the policies that have any, from the experiment (run.monde_paper_alpha).
struct PolicyOptions {
  std::optional<double> monde_paper_alpha;  // none: calibrated
};

// How a policy uses the GPU expert cache (gpu.expert_cache, host/policy/expert_cache.hpp): the
// runtime marks the cached experts in LayerDemand::gpu_resident only for policies that use it.
enum class ExpertCacheUse {
  kIgnores,     // never sees the cache (its demands carry no residency)
  kPinnedOnly,  // mode pinned: its demands carry the pinned set; mode lru is refused (it never
                // fetches, so nothing would enter the cache); mode none: as without a cache
  kRequired,    // mode pinned or lru; mode none is refused (it is the cached form of another policy)
};

struct PolicyInfo {
  std::string name;
  std::string description;
  // The most routed experts one layer may have (0: no limit); checked before simulating.
  std::size_t max_active_experts = 0;
  std::function<std::unique_ptr<PlacementPolicy>(const PolicyOptions&)> make;  // one object per MoE layer
  // It plans each layer's decode placement from that layer's prefill (`context`): a decoder layer
  // of an encoder-decoder model, which never prefills, cannot run it.
  bool plans_decode_from_prefill = false;
  // It plans for one NDP weight format per layer (the oracle's groups of equal experts): not with
  // mixed precision per expert (device.ndp.expert_weight_error_budget > 0).
  bool one_ndp_format = false;
  // A host-memory baseline (offload, cpu): with host_memory.expert_home host_memory it takes expert
  // weights from the copy in host DRAM (GPU fetches over PCIe only, CPU reads from its own DRAM)
  // instead of the MoNDE device (system/cost_model.hpp host_memory_cost_model).
  bool reads_host_memory_copy = false;
  // It places cold experts on the host CPU, which reads an expert's weights as one range of one
  // device: not with a tensor-parallel split (devices.split none).
  bool uses_cpu_path = false;
  // It may place experts on the NDP units. Those that never do (offload) are the only ones that
  // run on an HDM range interleaved across devices (devices.interleave_granularity), where no NDP
  // unit holds a whole expert (docs/interleave.md).
  bool places_ndp_experts = true;
  ExpertCacheUse expert_cache = ExpertCacheUse::kIgnores;
};

// In the order `monde-sim list policies` shows them.
const std::vector<PolicyInfo>& policy_registry();
// nullptr for an unknown name.
const PolicyInfo* find_policy(const std::string& name);
// "monde, offload, ..." for messages.
std::string policy_names_text();
// A new policy object; std::invalid_argument for an unknown name (listing the known ones).
std::unique_ptr<PlacementPolicy> make_policy(const std::string& name, const PolicyOptions& options = {});

}  // namespace monde::policy
