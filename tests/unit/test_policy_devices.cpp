// Several MoNDE devices in the policies' cost model, and the driver's expert-to-device placement:
// every number below is derived in a comment.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "hand_cost_model.hpp"
#include "host/policy/device_placement.hpp"
#include "host/policy/evaluator.hpp"
#include "host/policy/hot_cold_split.hpp"
#include "policy_hand_layer.hpp"

namespace monde::policy {
namespace {

using L = ExpertLocation;
using config::DevicePlacement;

// The hand model of test_policy_evaluator.cpp. Expert 1000 x 500, plain FFN, bf16:
//   weights 2e6 B; activations 2000 B per token; link latency 1 us;
//   NDP job = max(2e6 B / 20 GB/s, 1e6 MACs x tok / 1e10) + 10 us = max(100, 100 x tok) + 10 us
//   NDP in / out = 2000 x tok B / 2 GB/s = tok us each; NDP fixed = 2 x 1 us per device path.
SystemCostModel hand_model(std::uint32_t devices) { return test::hand_device_model(devices, 1e10); }

constexpr double kUs = 1e-6;
constexpr double kTol = 1e-12;

// A balanced layer: 8 experts of 1 token each, all on NDP. Each expert's share of its path:
// in 1 + job max(100, 100) + 10 + out 1 = 112 us, of which its DRAM streams 2e6 B / 20 GB/s = 100 us.
//   1 device:   2 + 8 x 112 = 898 us;   16e6 B of weights / 898 us = 17.8 GB/s
//   2 devices:  2 + 4 x 112 = 450 us (experts 0, 2, 4, 6 and 1, 3, 5, 7, round robin)
//   4 devices:  2 + 2 x 112 = 226 us
//   8 devices:  2 + 1 x 112 = 114 us
// The aggregate NDP bandwidth (bytes streamed per second of DRAM streaming: 8 x 100 us on one
// device, 100 us on each of 8 concurrently) grows N times: 16e6 B / 800 us = 20 GB/s on one,
// 16e6 B / (800 / N) us = N x 20 GB/s on N.
TEST(PolicyDevices, NDevicesGiveNTimesTheNdpBandwidthOnABalancedLayer) {
  const std::vector<std::uint64_t> tokens(8, 1);
  const Placement all_ndp{std::vector<L>(8, L::kNdp), {}};
  const double expected_us[] = {898, 450, 226, 114};
  const std::uint32_t devices[] = {1, 2, 4, 8};
  for (int i = 0; i < 4; ++i) {
    LayerDemand d = test::hand_layer(tokens);
    d.ndp_device = place_experts_on_devices(DevicePlacement::kRoundRobin, devices[i], std::vector<std::uint64_t>(8, 1));
    const CostBreakdown c = evaluate(all_ndp, d, hand_model(devices[i]));
    EXPECT_NEAR(c.ndp_path_s, expected_us[i] * kUs, kTol) << devices[i] << " devices";
    EXPECT_NEAR(c.makespan_s, expected_us[i] * kUs, kTol);
    EXPECT_NEAR(c.ndp_job_s, 8 * 110 * kUs, kTol);  // the units' busy time summed over devices: unchanged
    EXPECT_EQ(c.ndp_dram_read_bytes, 16000000u);
    const double streaming_s = 8 * 100 * kUs / devices[i];
    EXPECT_NEAR(double(c.ndp_dram_read_bytes) / streaming_s, devices[i] * 20e9, 1.0);
  }
}

// An unbalanced layout: the slowest device's path is the layer's. Experts 0..3 of 1 token on
// devices {0, 0, 0, 1}: device 0 = 2 + 3 x 112 = 338 us, device 1 = 2 + 112 = 114 us.
TEST(PolicyDevices, TheSlowestDeviceEndsTheNdpPath) {
  LayerDemand d = test::hand_layer({1, 1, 1, 1});
  d.ndp_device = {0, 0, 0, 1};
  const CostBreakdown c = evaluate(Placement{std::vector<L>(4, L::kNdp), {}}, d, hand_model(2));
  EXPECT_NEAR(c.ndp_path_s, 338 * kUs, kTol);
  // An expert on a device the model does not have, and a device list of the wrong length.
  d.ndp_device = {0, 0, 0, 2};
  EXPECT_THROW(evaluate(Placement{std::vector<L>(4, L::kNdp), {}}, d, hand_model(2)), std::invalid_argument);
  d.ndp_device = {0, 1};
  EXPECT_THROW(evaluate(Placement{std::vector<L>(4, L::kNdp), {}}, d, hand_model(2)), std::invalid_argument);
}

// The hot/cold split sees the devices too: its chosen split's makespan is the evaluator's, and
// with the NDP path 4 x shorter on 4 devices it keeps more experts cold. 8 experts of 4 tokens:
// NDP share = 4 + max(100, 400) + 10 + 4 = 418 us; GPU fetch 1001 us, compute 5 + 40 = 45 us.
//   1 device, all cold: 2 + 8 x 418 = 3346 us; 4 devices (2 each): 2 + 2 x 418 = 838 us, and any
//   fetch costs 1001 + 45 us > 838 us, so the split is all cold.
TEST(PolicyDevices, TheHotColdSplitPlansWithEveryDevicesPath) {
  LayerDemand d = test::hand_layer(std::vector<std::uint64_t>(8, 4));
  d.ndp_device = place_experts_on_devices(DevicePlacement::kRoundRobin, 4, std::vector<std::uint64_t>(8, 4));
  const SystemCostModel m = hand_model(4);
  const std::vector<L> split = split_hot_cold(d, m, L::kNdp);
  EXPECT_EQ(split, std::vector<L>(8, L::kNdp));
  EXPECT_NEAR(evaluate(Placement{split, {}}, d, m).makespan_s, 838 * kUs, kTol);
  // One device: the split moves experts to the GPU (all cold would take 3346 us).
  LayerDemand one = test::hand_layer(std::vector<std::uint64_t>(8, 4));
  const std::vector<L> split1 = split_hot_cold(one, hand_model(1), L::kNdp);
  EXPECT_NE(split1, std::vector<L>(8, L::kNdp));
  EXPECT_LT(evaluate(Placement{split1, {}}, one, hand_model(1)).makespan_s, 3346 * kUs);
}

TEST(DevicePlacement, RoundRobin) {
  // Expert e on device e mod 3.
  EXPECT_EQ(place_experts_on_devices(DevicePlacement::kRoundRobin, 3, std::vector<std::uint64_t>(8, 0)),
            (std::vector<std::uint32_t>{0, 1, 2, 0, 1, 2, 0, 1}));
  EXPECT_EQ(place_experts_on_devices(DevicePlacement::kRoundRobin, 1, std::vector<std::uint64_t>(4, 9)),
            (std::vector<std::uint32_t>(4, 0)));
}

TEST(DevicePlacement, PopularityBalancesTheRoutedTokens) {
  // Popularity 10 80 30 30 5 60 0 20 on 2 devices, at most ceil(8 / 2) = 4 experts each.
  // By tokens: e1 80, e5 60, e2 30, e3 30, e7 20, e0 10, e4 5, e6 0; each to the lighter device:
  //   e1 -> d0 (80); e5 -> d1 (60); e2 -> d1 (90); e3 -> d0 (110); e7 -> d1 (110);
  //   e0: 110 = 110, d0 holds 2 < 3 -> d0 (120); e4 -> d1 (115); e6: d1 is lighter but full -> d0.
  // Loads 120 and 115 (round robin would give 10+30+5+0 = 45 and 80+30+60+20 = 190).
  EXPECT_EQ(place_experts_on_devices(DevicePlacement::kPopularity, 2, {10, 80, 30, 30, 5, 60, 0, 20}),
            (std::vector<std::uint32_t>{0, 0, 1, 0, 1, 1, 0, 1}));
  // No tokens anywhere: the expert cap and the tie rules spread them like round robin.
  EXPECT_EQ(place_experts_on_devices(DevicePlacement::kPopularity, 4, std::vector<std::uint64_t>(8, 0)),
            (std::vector<std::uint32_t>{0, 1, 2, 3, 0, 1, 2, 3}));
}

TEST(DevicePlacement, RejectsNoExpertsAndDeviceCountsOutside1To16) {
  EXPECT_THROW(place_experts_on_devices(DevicePlacement::kRoundRobin, 2, {}), std::invalid_argument);
  EXPECT_THROW(place_experts_on_devices(DevicePlacement::kRoundRobin, 0, {1}), std::invalid_argument);
  EXPECT_THROW(place_experts_on_devices(DevicePlacement::kPopularity, 17, {1}), std::invalid_argument);
}

}  // namespace
}  // namespace monde::policy
