// `oracle`: the exact minimum-makespan assignment of the routed experts to GPU or NDP, the
// yardstick for monde's heuristic. Exhaustive (branch and bound over all 2^E assignments),
// so limited to kMaxActiveExperts routed experts.
#pragma once

#include <cstddef>

#include "host/policy/placement_policy.hpp"

namespace monde::policy {

class OraclePolicy final : public PlacementPolicy {
 public:
  // 2^20 leaves is about a million; the bound prunes most of them, so a layer stays well
  // under a second even in the worst case. Beyond that the search is refused, not slowed.
  static constexpr std::size_t kMaxActiveExperts = 20;

  std::string name() const override { return "oracle"; }
  // Experts are placed kGpuFetched, kGpuResident (only where demand.gpu_resident says so) or
  // kNdp; the CPU path is not searched. GPU experts run in the evaluator's order, the same
  // order monde's split assumes, so monde's gap to this optimum is the cost of its choice of
  // set alone. Throws std::invalid_argument above kMaxActiveExperts routed experts.
  Placement place(const LayerDemand& demand, const SystemCostModel& model) override;
};

}  // namespace monde::policy
