// The baselines monde is compared with: offload, ndp_only and cpu, on hand-timed layers.
#include <gtest/gtest.h>

#include "hand_cost_model.hpp"
#include "host/policy/cpu_policy.hpp"
#include "host/policy/ndp_only_policy.hpp"
#include "host/policy/offload_policy.hpp"
#include "policy_hand_layer.hpp"

namespace monde::policy {
namespace {

using L = ExpertLocation;
constexpr double kUs = 1e-6;
constexpr double kTol = 1e-12;

// Expert 1000 x 500 plain FFN, bf16: 2e6 weight bytes; 1e6 MACs, 2000 activation B per token.
// No latencies or overheads. Per expert:
//   fetch 1000 us; GPU c(tok) = max(10 * tok, 1) us
//   NDP n(tok) = 2 * tok + max(100, 100 * tok) us:    n(1) = 102, n(30) = 3060, n(100) = 10200
//   CPU u(tok) = max(2e6 / 10 GB/s = 200, 2e6 * tok / 1e11 = 20 * tok) + 2 * 2000 * tok / 1 GB/s
//              = max(200, 20 * tok) + 4 * tok us:  u(1) = 204, u(30) = 720, u(100) = 2400
SystemCostModel model() {
  return test::zero_overhead_hand_model();
}

LayerDemand demand(std::vector<std::uint64_t> tokens, std::vector<bool> resident = {}) {
  return test::hand_layer(std::move(tokens), std::move(resident));
}

TEST(PolicyBaselines, OffloadFetchesEveryRoutedExpert) {
  // {100, 1, 1, 0}: copies [0,1000], [1000,2000], [2000,3000]; computes 1000 us [1000,2000],
  // 10 us [2000,2010], 10 us [3000,3010] -> 3010 us, 3 x 2e6 bytes moved.
  OffloadPolicy offload;
  const Placement p = offload.place(demand({100, 1, 1, 0}), model());
  EXPECT_EQ(p.location, (std::vector<L>{L::kGpuFetched, L::kGpuFetched, L::kGpuFetched, L::kIdle}));
  EXPECT_NEAR(p.cost.makespan_s, 3010 * kUs, kTol);
  EXPECT_EQ(p.cost.weights_to_gpu_bytes, 6000000u);
  EXPECT_EQ(p.cost.ndp_path_s, 0.0);
}

TEST(PolicyBaselines, OffloadUsesResidentWeights) {
  // Expert 0 resident: compute [0,1000]; expert 1's copy [0,1000], compute [1000,1010];
  // expert 2's copy [1000,2000], compute [2000,2010] -> 2010 us, 2 experts copied.
  OffloadPolicy offload;
  const Placement p = offload.place(demand({100, 1, 1, 0}, {true, false, false, true}), model());
  EXPECT_EQ(p.location, (std::vector<L>{L::kGpuResident, L::kGpuFetched, L::kGpuFetched, L::kIdle}));
  EXPECT_NEAR(p.cost.makespan_s, 2010 * kUs, kTol);
  EXPECT_EQ(p.cost.weights_to_gpu_bytes, 4000000u);
}

TEST(PolicyBaselines, NdpOnlyRunsEverythingInTheDevice) {
  // {100, 1, 1, 0}: 10200 + 102 + 102 = 10404 us; nothing crosses to the GPU but
  // 102 tokens x 2000 B of activations each way.
  NdpOnlyPolicy ndp;
  const Placement p = ndp.place(demand({100, 1, 1, 0}, {true, true, true, true}), model());
  EXPECT_EQ(p.location, (std::vector<L>{L::kNdp, L::kNdp, L::kNdp, L::kIdle}));
  EXPECT_NEAR(p.cost.makespan_s, 10404 * kUs, kTol);
  EXPECT_EQ(p.cost.weights_to_gpu_bytes, 0u);
  EXPECT_EQ(p.cost.activations_to_ndp_bytes, 204000u);
  EXPECT_EQ(p.cost.ndp_dram_read_bytes, 6000000u);
}

TEST(PolicyBaselines, CpuSplitsAgainstTheCpuPath) {
  // {100, 30, 30} with cold experts on the CPU:
  //   0 hot: 2400 + 720 + 720 = 3840 us
  //   1 hot: GPU 2000; CPU 720 + 720 = 1440               -> 2000 us
  //   2 hot: GPU 2300 (as in monde's test); CPU 720        -> 2300 us
  //   3 hot: 3300 us.   Best: 1 hot. (monde, with n(30) = 3060 on NDP, takes 2 hot.)
  CpuPolicy cpu;
  const Placement p = cpu.place(demand({100, 30, 30}), model());
  EXPECT_EQ(p.location, (std::vector<L>{L::kGpuFetched, L::kCpu, L::kCpu}));
  EXPECT_NEAR(p.cost.makespan_s, 2000 * kUs, kTol);
  EXPECT_NEAR(p.cost.cpu_path_s, 1440 * kUs, kTol);
  EXPECT_EQ(p.cost.ndp_path_s, 0.0);
  EXPECT_EQ(p.cost.weights_to_cpu_bytes, 4000000u);
  EXPECT_EQ(p.cost.cpu_activation_bytes, 240000u);  // 60 tokens x 2000 B x 2 directions
}

}  // namespace
}  // namespace monde::policy
