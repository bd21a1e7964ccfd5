#include "host/policy/policy_registry.hpp"

#include <stdexcept>
#include <utility>

#include "host/policy/context_policy.hpp"
#include "host/policy/cpu_policy.hpp"
#include "host/policy/monde_paper_policy.hpp"
#include "host/policy/monde_policy.hpp"
#include "host/policy/ndp_only_policy.hpp"
#include "host/policy/offload_policy.hpp"
#include "host/policy/oracle_policy.hpp"
#include "host/policy/static_freq_policy.hpp"

namespace monde::policy {

namespace {

using MakePolicy = std::function<std::unique_ptr<PlacementPolicy>(const PolicyOptions&)>;

template <class P>
MakePolicy maker() {
  return [](const PolicyOptions&) { return std::make_unique<P>(); };
}

// A registry entry with its flags set by name (PolicyInfo has several flags of one type: named
// setters keep an entry from setting the wrong one when a flag is added).
class Entry {
 public:
  Entry(std::string name, std::string description, MakePolicy make) {
    info_.name = std::move(name);
    info_.description = std::move(description);
    info_.make = std::move(make);
  }
  Entry& max_active_experts(std::size_t n) {
    info_.max_active_experts = n;
    return *this;
  }
  Entry& plans_decode_from_prefill() {
    info_.plans_decode_from_prefill = true;
    return *this;
  }
  Entry& one_ndp_format() {
    info_.one_ndp_format = true;
    return *this;
  }
  Entry& reads_host_memory_copy() {
    info_.reads_host_memory_copy = true;
    return *this;
  }
  Entry& uses_cpu_path() {
    info_.uses_cpu_path = true;
    return *this;
  }
  Entry& never_ndp() {
    info_.places_ndp_experts = false;
    return *this;
  }
  Entry& expert_cache(ExpertCacheUse use) {
    info_.expert_cache = use;
    return *this;
  }
  operator PolicyInfo() const { return info_; }

 private:
  PolicyInfo info_;
};

}  // namespace

const std::vector<PolicyInfo>& policy_registry() {
  static const std::vector<PolicyInfo> r = {
      Entry("monde",
            "hot experts (most tokens) fetched to the GPU, cold ones on the NDP units; the split that balances "
            "the two paths in the cost model",
            maker<MondePolicy>()),
      Entry("monde_cached",
            "monde with the GPU expert cache (gpu.expert_cache pinned or lru): cached experts run on the "
            "GPU with no fetch, the split balances the rest",
            [](const PolicyOptions&) { return std::make_unique<MondePolicy>("monde_cached"); })
          .expert_cache(ExpertCacheUse::kRequired),
      Entry("offload",
            "every routed expert's weights fetched to the GPU (the parameter-offloading baseline; from host "
            "DRAM over PCIe with host_memory.expert_home host_memory)",
            maker<OffloadPolicy>())
          .reads_host_memory_copy()
          .never_ndp(),
      // A second name rather than a flag on `offload`, so that one run compares the baseline with
      // and without the cache (the cache is charged to the GPU's HBM either way).
      Entry("offload_cached",
            "offload with the GPU expert cache (gpu.expert_cache pinned or lru): routed experts found in "
            "the cache run on the GPU with no fetch",
            [](const PolicyOptions&) { return std::make_unique<OffloadPolicy>("offload_cached"); })
          .reads_host_memory_copy()
          .never_ndp()
          .expert_cache(ExpertCacheUse::kRequired),
      Entry("ndp_only", "every routed expert on the NDP units; no weights move", maker<NdpOnlyPolicy>()),
      Entry("cpu",
            "hot experts on the GPU, cold ones on the host CPU reading weights over CXL.mem, or from its own DRAM "
            "with host_memory.expert_home host_memory (Fiddler-style)",
            maker<CpuPolicy>())
          .reads_host_memory_copy()
          .uses_cpu_path(),
      Entry("static_freq",
            "the run's most popular experts pinned in GPU memory (run.gpu_memory_budget_bytes_per_layer, "
            "and gpu.expert_cache pinned), the rest on NDP",
            maker<StaticFreqPolicy>())
          .expert_cache(ExpertCacheUse::kPinnedOnly),
      Entry("context",
            "decode placement planned from the prompts' routing (arXiv 2512.04476): experts pinned in GPU "
            "memory, the rest on NDP",
            maker<ContextPolicy>())
          .plans_decode_from_prefill(),
      Entry("oracle",
            "the exact minimum-makespan GPU/NDP/CPU assignment (dynamic programme over groups of equal experts)",
            maker<OraclePolicy>())
          .max_active_experts(OraclePolicy::kMaxActiveExperts)
          .uses_cpu_path()
          .one_ndp_format(),
      // The two-path optimum decides in milliseconds where the three-way search can take
      // minutes (decode layers of 64+ similar experts), and is monde's own yardstick: the best
      // split between the same two paths.
      Entry("oracle_gpu_ndp",
            "the exact minimum-makespan GPU/NDP assignment (no CPU path): the best split monde could "
            "choose; fast on 256-expert layers",
            [](const PolicyOptions&) { return std::make_unique<OraclePolicy>(OraclePaths::kGpuNdp); })
          .max_active_experts(OraclePolicy::kMaxActiveExperts)
          .one_ndp_format(),
      Entry("monde_paper",
            "the MoNDE paper's rule (arXiv 2405.18832): the GPU takes the most-token experts up to "
            "alpha x BW_gpu / (BW_device + BW_gpu) of the routed weight volume; alpha calibrated per run "
            "(run.monde_paper_alpha)",
            [](const PolicyOptions& o) { return std::make_unique<MondePaperPolicy>(o.monde_paper_alpha); }),
  };
  return r;
}

const PolicyInfo* find_policy(const std::string& name) {
  for (const auto& p : policy_registry()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string policy_names_text() {
  std::string out;
  for (const auto& p : policy_registry()) out += (out.empty() ? "" : ", ") + p.name;
  return out;
}

std::unique_ptr<PlacementPolicy> make_policy(const std::string& name, const PolicyOptions& options) {
  const PolicyInfo* p = find_policy(name);
  if (p == nullptr) throw std::invalid_argument("unknown placement policy '" + name + "' (known: " + policy_names_text() + ")");
  return p->make(options);
}

}  // namespace monde::policy
