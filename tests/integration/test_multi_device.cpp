// Several MoNDE devices on the modelled system, data timing_only, decode, the lpddr5x-8533 device
// (64 GiB: device d's memory at host address d x 64 GiB) with its DRAM at modelled bandwidth.
// Mixtral-8x7B (32 MoE layers, 8 experts, top-2, d_model 4096, d_ff 14336, gated:
// 3 x 4096 x 14336 x 2 B = 352,321,536 B per expert) where the NDP part's time matters, the
// scaled-down Mixtral (4 MoE layers) for placement. One elaboration per TEST.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <numeric>

#include "experiment_text.hpp"
#include "host/policy/device_placement.hpp"
#include "host/policy/evaluator.hpp"
#include "host/policy/expert_costs.hpp"
#include "run_on_host.hpp"
#include "system/builder.hpp"
#include "system/routing.hpp"

namespace monde::system {
namespace {

std::string experiment(const std::string& model, std::uint32_t devices, const std::string& placement,
                       const std::string& routing, const std::string& policy, std::uint32_t batch) {
  return R"({
    "model": ")" + model + R"(",
    "device": {"preset": "lpddr5x-8533", "memory": {"model": "bandwidth"}, "ndp": {"pe_model": "cycle"}},
    "devices": {"count": )" +
         std::to_string(devices) + R"(, "placement": ")" + placement + R"("},
    "routing": {"source": ")" +
         routing + R"(", "seed": 7},
    "run": {"phase": "decode", "batch": )" +
         std::to_string(batch) + R"(, "steps": 1, "scope": "moe_only", "data": "timing_only", "policies": [")" +
         policy + R"("]}})";
}

struct Result {
  config::SystemConfig config;
  Demand demand;
  PolicyRun run;
  std::vector<std::vector<std::uint32_t>> device_of;
  nlohmann::json stats;
  policy::SystemCostModel cost;
  std::string error;
};

Result run_experiment(const std::string& json) {
  Result r;
  r.config = test::load_experiment_text(json).config;
  r.demand = route_experiment(r.config);
  BuildOptions options;
  options.check_protocol = true;  // the root complex's routing to each device, checked
  auto sys = build_system(r.config, "system", options);
  r.error = test::run_on_host(*sys, [&](MoeRuntime& rt) {
    r.device_of = rt.expert_devices();
    r.run = rt.run_policy(r.config.run.policies.at(0), r.demand);
  });
  EXPECT_EQ(sys->top().protocol_violations(), 0u);
  r.stats = sys->stats_json(sc_core::sc_time_stamp().to_seconds() * 1e12);
  r.cost = sys->cost_model();
  return r;
}

// Mixtral-8x7B on 4 devices, round robin (expert e on device e mod 4), ndp_only, batch 64: each
// layer routes 64 x 2 = 128 (token, expert) pairs. Each device holds 2 experts of a layer and runs
// their jobs on its own host thread, so the four devices' jobs overlap in time; each device's CXL
// link carries only its own experts' activations (x in, y out: tokens x 4096 x 2 B each way).
TEST(MultiDevice, FourDevicesRunTheirExpertsConcurrently) {
  const Result r = run_experiment(experiment("mixtral-8x7b", 4, "round_robin", "uniform", "ndp_only", 64));
  ASSERT_TRUE(r.error.empty()) << r.error;
  constexpr std::size_t kLayers = 32;
  ASSERT_EQ(r.run.layers.size(), kLayers);
  for (const auto& layer : r.device_of) {
    for (std::uint32_t e = 0; e < 8; ++e) EXPECT_EQ(layer[e], e % 4);
  }
  std::vector<std::uint64_t> tokens_on(4, 0);  // routed tokens per device, over the layers
  for (std::size_t l = 0; l < kLayers; ++l) {
    const LayerRecord& rec = r.run.layers[l];
    const auto& tokens = r.demand[0][l];
    for (std::uint32_t e = 0; e < 8; ++e) {
      ASSERT_GT(tokens[e], 0u) << "every expert active";
      tokens_on[e % 4] += tokens[e];
    }
    // One span per job on its device's track, none on the one-device track.
    std::vector<std::uint64_t> first_start(4, ~0ull), first_end(4, ~0ull);
    for (const auto& s : rec.spans) {
      EXPECT_NE(s.track, "NDP");
      for (std::uint32_t d = 0; d < 4; ++d) {
        if (s.track != "NDP device " + std::to_string(d)) continue;
        if (s.start_ps < first_start[d]) {
          first_start[d] = s.start_ps;
          first_end[d] = s.end_ps;
        }
      }
    }
    // Concurrent: every device started its first job before any device finished its first.
    EXPECT_LT(*std::max_element(first_start.begin(), first_start.end()),
              *std::min_element(first_end.begin(), first_end.end()));
    // The cost model with the same devices predicts the layer's NDP part (the policy's
    // prediction), and the simulation takes that within 2 %.
    policy::LayerDemand d;
    d.shape = perf::expert_shape(r.config.model, r.config.device.ndp.expert_weights());
    d.tokens_per_expert = tokens;
    d.ndp_device = r.device_of[l];
    const policy::Placement all_ndp{std::vector<policy::ExpertLocation>(8, policy::ExpertLocation::kNdp), {}};
    const double four = policy::evaluate(all_ndp, d, r.cost).ndp_path_s;
    EXPECT_NEAR(rec.moe_predicted_s, four, four * 1e-12);
    EXPECT_NEAR(rec.ndp_path_s, four, four * 0.02) << "simulated vs predicted NDP part, layer " << l;
  }
  // A balanced layer (every expert 16 tokens): one device runs 8 experts' shares s back to back
  // after its fixed cost F, four devices 2 each: (F + 8 s) - F = 4 x ((F + 2 s) - F), the
  // aggregate NDP bandwidth 4x.
  {
    policy::LayerDemand d;
    d.shape = perf::expert_shape(r.config.model, r.config.device.ndp.expert_weights());
    d.tokens_per_expert.assign(8, 16);
    d.ndp_device = r.device_of[0];
    const policy::Placement all_ndp{std::vector<policy::ExpertLocation>(8, policy::ExpertLocation::kNdp), {}};
    const double fixed = policy::ndp_fixed_time_s(r.cost);
    const double four = policy::evaluate(all_ndp, d, r.cost).ndp_path_s - fixed;
    policy::SystemCostModel one_device = r.cost;
    one_device.ndp_devices = 1;
    d.ndp_device.clear();
    const double one = policy::evaluate(all_ndp, d, one_device).ndp_path_s - fixed;
    EXPECT_NEAR(one / four, 4.0, 1e-9);
  }
  // Per device: x in and y out over its own link, 128 x 2 B per routed token each way.
  const auto& devs = r.stats.at("devices");
  ASSERT_EQ(devs.size(), 4u);
  std::uint64_t busy0 = devs[0].at("ndp_busy_cycles").get<std::uint64_t>();
  for (std::uint32_t dv = 0; dv < 4; ++dv) {
    EXPECT_EQ(devs[dv].at("cxl_m2s_bytes").get<std::uint64_t>(), tokens_on[dv] * 8192) << dv;
    EXPECT_EQ(devs[dv].at("cxl_s2m_bytes").get<std::uint64_t>(), tokens_on[dv] * 8192) << dv;
    // Each device streamed its 2 experts' weights in each of the 32 layers: at least 64 x 352,321,536 B.
    EXPECT_GE(devs[dv].at("ndp_dma_bytes_read").get<std::uint64_t>(), 64u * 352321536ull) << dv;
    // A balanced layer: the devices' NDP units were busy for about as long as each other.
    const double busy = double(devs[dv].at("ndp_busy_cycles").get<std::uint64_t>());
    EXPECT_NEAR(busy / double(busy0), 1.0, 0.25) << dv;
    EXPECT_EQ(devs[dv].at("hpa_base").get<std::uint64_t>(), dv * (std::uint64_t{64} << 30));
  }
}

// devices.placement popularity: each layer's experts by the run's routed tokens (zipf routing,
// skewed), and the monde policy places on that layout without error.
TEST(MultiDevice, PopularityPlacementFollowsTheRouting) {
  const Result r = run_experiment(experiment("mixtral-8x7b-tiny", 2, "popularity", "zipf", "monde", 32));
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.device_of.size(), 4u);
  for (std::size_t l = 0; l < 4; ++l) {
    const auto& tokens = r.demand[0][l];
    EXPECT_EQ(r.device_of[l], policy::place_experts_on_devices(config::DevicePlacement::kPopularity, 2, tokens));
    // 4 experts each (the cap), and the two devices' routed tokens differ by at most the
    // largest expert's (list scheduling's bound).
    std::uint64_t load[2] = {0, 0};
    std::size_t held[2] = {0, 0};
    for (std::uint32_t e = 0; e < 8; ++e) {
      load[r.device_of[l][e]] += tokens[e];
      ++held[r.device_of[l][e]];
    }
    EXPECT_EQ(held[0], 4u);
    EXPECT_EQ(held[1], 4u);
    const std::uint64_t diff = load[0] > load[1] ? load[0] - load[1] : load[1] - load[0];
    EXPECT_LE(diff, *std::max_element(tokens.begin(), tokens.end()));
  }
  EXPECT_EQ(r.stats.at("devices").size(), 2u);
}

// devices.split always on 2 devices (README "Tensor-parallel split"), Mixtral-8x7B, ndp_only,
// batch 64, timing_only: every device holds a d_ff slice of 14336 / 2 = 7168 columns (224 granules
// of 32 each) of every expert, 3 x 4096 x 7168 x 2 = 176,160,768 B = 352,321,536 B / 2, and runs one
// job per routed expert and layer (64 tokens fit one job: 4 MiB / (2 x 7168) = 292 tokens).
//   CXL per device: x of every routed token in (4096 x 2 = 8192 B) and a partial y out (8192 B);
//   NDP DMA reads per job of T tokens on a device (ndp_job_time.hpp; 8 units, each loads all of
//   its phase's input): phase 1 8 x T x 4096 x 2 + 2 x 7168 x 4096 x 2, phase 2 8 x T x 7168 x 2 +
//   4096 x 7168 x 2, i.e. 176,160,768 B of weights + 180,224 B per token.
// The NDP part is shorter than with whole experts on 2 devices when the layer is unbalanced, and
// every layer records its choice.
TEST(MultiDevice, SplitExpertsStreamHalfTheirBytesOnEachOfTwoDevices) {
  std::string json = experiment("mixtral-8x7b", 2, "round_robin", "uniform", "ndp_only", 64);
  json.replace(json.find("\"placement\""), 0, "\"split\": \"always\", ");
  const Result r = run_experiment(json);
  ASSERT_TRUE(r.error.empty()) << r.error;
  constexpr std::size_t kLayers = 32;
  ASSERT_EQ(r.run.layers.size(), kLayers);
  std::uint64_t routed = 0, jobs = 0;
  for (std::size_t l = 0; l < kLayers; ++l) {
    const LayerRecord& rec = r.run.layers[l];
    EXPECT_EQ(rec.device_split, "split");
    EXPECT_GT(rec.split_reduce_s, 0.0);
    std::size_t active = 0;
    for (const auto t : r.demand[0][l]) {
      routed += t;
      active += t > 0 ? 1 : 0;
    }
    EXPECT_EQ(rec.ndp_jobs, 2 * active);  // one slice job per device and routed expert
    jobs += active;                       // per device
    // The policy's prediction is the evaluator's on the split demand, and the simulation takes it
    // within 2 %.
    policy::LayerDemand d;
    d.shape = perf::expert_shape(r.config.model, r.config.device.ndp.expert_weights());
    d.tokens_per_expert = r.demand[0][l];
    d.ndp_device = r.device_of[l];
    d.split_devices = 2;
    std::vector<policy::ExpertLocation> loc(8, policy::ExpertLocation::kIdle);
    for (std::size_t e = 0; e < 8; ++e) {
      if (d.tokens_per_expert[e] > 0) loc[e] = policy::ExpertLocation::kNdp;
    }
    const double predicted = policy::evaluate(policy::Placement{loc, {}}, d, r.cost).ndp_path_s;
    EXPECT_NEAR(rec.moe_predicted_s, predicted, predicted * 1e-12);
    EXPECT_NEAR(rec.ndp_path_s, predicted, predicted * 0.02) << "layer " << l;
  }
  const auto& devs = r.stats.at("devices");
  ASSERT_EQ(devs.size(), 2u);
  for (std::uint32_t dv = 0; dv < 2; ++dv) {
    EXPECT_EQ(devs[dv].at("cxl_m2s_bytes").get<std::uint64_t>(), routed * 8192) << dv;
    EXPECT_EQ(devs[dv].at("cxl_s2m_bytes").get<std::uint64_t>(), routed * 8192) << dv;
    EXPECT_EQ(devs[dv].at("ndp_dma_bytes_read").get<std::uint64_t>(), jobs * 176160768ull + routed * 180224ull) << dv;
  }
}

// data: full, cycle-accurate MAC arrays, the scaled-down Mixtral (d_model 128, d_ff 448 = 14
// granules of 32: 7 a device on 2, 224 columns each; 4, 4, 3, 3 on 4: 128, 128, 96, 96) split on 2
// and 4 devices under monde (hot experts fetched slice by slice to the GPU, cold ones as slice jobs):
// every NDP result equals the golden split (each slice's golden expert, the partials reduced as
// system/split_data.hpp says) bit for bit, that is within the stated bound of the unsplit golden
// expert, not equal to it everywhere, and the GPU's fetched slices are the placed bytes.
void check_split_full_data(std::uint32_t devices, const std::string& format) {
  std::string json = experiment("mixtral-8x7b-tiny", devices, "round_robin", "uniform", "ndp_only", 16);
  json.replace(json.find("\"placement\""), 0, "\"split\": \"always\", ");
  json.replace(json.find("\"timing_only\""), std::string("\"timing_only\"").size(), "\"full\"");
  json.replace(json.find("\"ndp_only\""), std::string("\"ndp_only\"").size(), "\"monde\"");
  json.replace(json.find("\"pe_model\": \"cycle\""), 0, "\"expert_weight_format\": \"" + format + "\", \"expert_weight_group\": 32, ");
  const Result r = run_experiment(json);
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.run.layers.size(), 4u);
  std::size_t ndp = 0, gpu = 0, split_elements = 0;
  double max_ratio = 0, max_abs = 0;
  for (const LayerRecord& rec : r.run.layers) {
    EXPECT_TRUE(rec.data_checked);
    EXPECT_TRUE(rec.data_ok()) << "layer " << rec.layer;
    EXPECT_EQ(rec.device_split, "split");
    EXPECT_EQ(rec.ndp_mismatched_elements, 0u);
    EXPECT_EQ(rec.fetched_weight_mismatched_bytes, 0u);
    EXPECT_TRUE(rec.split_error.within_bound());
    ndp += rec.ndp_checked_elements;
    gpu += rec.gpu_checked_elements;
    split_elements += rec.split_error.elements;
    max_ratio = std::max(max_ratio, rec.split_error.max_bound_ratio);
    max_abs = std::max(max_abs, rec.split_error.max_abs);
  }
  EXPECT_GT(ndp, 0u);
  EXPECT_GT(gpu, 0u);  // hot experts too: their slices fetched from every device and joined
  EXPECT_EQ(split_elements, ndp);  // every NDP element compared with the unsplit expert
  EXPECT_GT(max_abs, 0.0);         // the split is not bit-exact to the unsplit expert ...
  EXPECT_LE(max_ratio, 1.0);       // ... but within the stated bound
  std::cout << "  " << devices << " devices, " << format << ": " << split_elements
            << " elements vs unsplit: max |y' - y| " << max_abs << ", max error / bound " << max_ratio << "\n";
}

TEST(MultiDevice, SplitExpertFullDataOnTwoDevicesBf16) { check_split_full_data(2, "bf16"); }
TEST(MultiDevice, SplitExpertFullDataOnFourDevicesBf16) { check_split_full_data(4, "bf16"); }
TEST(MultiDevice, SplitExpertFullDataOnTwoDevicesInt4) { check_split_full_data(2, "int4"); }

}  // namespace
}  // namespace monde::system

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
