// `oracle`: the exact minimum-makespan assignment of the routed experts to GPU, NDP or CPU, the
// yardstick for monde's heuristic (and cpu's). A dynamic programme over groups of
// interchangeable experts (oracle_search.hpp), limited to kMaxActiveExperts routed experts.
// With several MoNDE devices each expert's NDP work runs on the device the driver placed it on
// (LayerDemand::ndp_device): one NDP path per device, as evaluate() times them. A layer split
// across devices (devices.split) is planned over GPU and NDP, one NDP path per slice size
// (oracle_search.hpp SplitTerms); the CPU path on it is refused.
#pragma once

#include <cstddef>

#include "host/policy/placement_policy.hpp"

namespace monde::policy {

// The paths the oracle may use: all three (the registry's `oracle`), or GPU and NDP only, the
// paths monde chooses between, which measures monde's choice of set apart from what a CPU path
// would add.
enum class OraclePaths { kGpuNdpCpu, kGpuNdp };

class OraclePolicy final : public PlacementPolicy {
 public:
  explicit OraclePolicy(OraclePaths paths = OraclePaths::kGpuNdpCpu) : paths_(paths) {}

  // The search is exponential in the worst case (the problem contains number partitioning):
  // over GPU and NDP every preset's layer (up to 128 routed experts) takes milliseconds, over
  // all three paths decode layers of 64..128 routed experts can take minutes
  // (docs/policies.md, "oracle"). 256 covers the routed-expert counts of current MoE models;
  // beyond it the search is refused, not slowed.
  static constexpr std::size_t kMaxActiveExperts = 256;

  std::string name() const override { return paths_ == OraclePaths::kGpuNdp ? "oracle_gpu_ndp" : "oracle"; }
  // Experts are placed kGpuFetched, kGpuResident (only where demand.gpu_resident says so),
  // kNdp or kCpu (kGpuNdp: not kCpu). Every path is built in the evaluator's order with its timers, so the result's
  // makespan is evaluate()'s minimum over all 3^E such assignments (2^E for kGpuNdp), and monde's (or cpu's) gap
  // to it is the cost of its choice alone. Throws std::invalid_argument above
  // kMaxActiveExperts routed experts, and for a split layer (demand.split()) with kGpuNdpCpu.
  Placement place(const LayerDemand& demand, const SystemCostModel& model) override;

 private:
  OraclePaths paths_;
};

}  // namespace monde::policy
