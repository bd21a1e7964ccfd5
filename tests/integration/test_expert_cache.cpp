// The GPU expert cache (gpu.expert_cache) on the whole modelled system, data timing_only: a
// scaled-down Mixtral cut to 2 MoE layers x 4 experts (d_model 128, d_ff 448, gated:
// 3 x 128 x 448 x 2 = 344,064 B per expert), batch 1 (top-2: 2 routed experts per layer), the
// hand-written routing of tests/unit/test_policy_expert_cache.cpp, cache capacity 3 experts.
// One elaboration per TEST.
#include <gtest/gtest.h>

#include "experiment_text.hpp"
#include "core/perf/hbm_usage.hpp"
#include "host/policy/expert_costs.hpp"
#include "run_on_host.hpp"
#include "system/builder.hpp"
#include "system/routing.hpp"

namespace monde::system {
namespace {

constexpr std::uint64_t kExpertBytes = 3ull * 128 * 448 * 2;

std::string experiment(const std::string& cache_json, const std::string& policies_json) {
  return R"({
    "model": {"preset": "mixtral-8x7b-tiny", "layers": 2, "moe_layers": 2, "experts": 4},
    "device": {"preset": "lpddr5x-8533", "ndp": {"pe_model": "cycle"}},
    "gpu": {"expert_cache": )" + cache_json + R"(},
    "routing": {"source": "uniform", "seed": 7},
    "run": {"phase": "decode", "batch": 1, "steps": 3, "scope": "moe_only", "data": "timing_only",
            "policies": )" + policies_json + "}}";
}

// [step][MoE layer][expert], 1 token per routed expert:
//   step 0: layer 0 {0, 1}, layer 1 {2, 3}; step 1: {0, 2}, {2, 3}; step 2: {0, 1}, {1, 2}.
const Demand kDemand = {
    {{1, 1, 0, 0}, {0, 0, 1, 1}},
    {{1, 0, 1, 0}, {0, 0, 1, 1}},
    {{1, 1, 0, 0}, {0, 1, 1, 0}},
};

struct Result {
  config::SystemConfig config;
  std::vector<PolicyRun> runs;
  double fetch_s = 0;  // the cost model's fetch time of one expert
  std::string error;
};

Result run_experiment(const std::string& json) {
  Result r;
  r.config = test::load_experiment_text(json).config;
  auto sys = build_system(r.config);
  r.error = test::run_on_host(*sys, [&](MoeRuntime& rt) {
    r.fetch_s = policy::fetch_time_s(rt.cost_model(),
                                     perf::expert_shape(r.config.model, r.config.device.ndp.expert_weights()));
    for (const auto& p : r.config.run.policies) r.runs.push_back(rt.run_policy(p, kDemand));
  });
  return r;
}

TEST(ExpertCacheRuntime, LruSkipsTheFetchOfEveryHit) {
  const Result r = run_experiment(experiment(R"({"mode": "lru", "capacity_bytes": 1032192})",
                                             R"(["offload", "offload_cached"])"));
  ASSERT_TRUE(r.error.empty()) << r.error;
  const PolicyRun& plain = r.runs[0];
  const PolicyRun& cached = r.runs[1];
  ASSERT_EQ(cached.layers.size(), 6u);
  // Counted by hand in test_policy_expert_cache.cpp (LruHitsMissesAndEvictionsOnAHandRouting).
  const std::uint64_t hits[] = {0, 0, 0, 1, 0, 1}, misses[] = {2, 2, 2, 1, 2, 1}, evictions[] = {0, 1, 2, 1, 2, 1};
  for (std::size_t i = 0; i < 6; ++i) {
    const LayerRecord& c = cached.layers[i];
    const LayerRecord& p = plain.layers[i];
    EXPECT_TRUE(c.expert_cache.used);
    EXPECT_FALSE(p.expert_cache.used);  // offload never sees the cache
    EXPECT_EQ(c.expert_cache.hits, hits[i]) << i;
    EXPECT_EQ(c.expert_cache.misses, misses[i]) << i;
    EXPECT_EQ(c.expert_cache.evictions, evictions[i]) << i;
    EXPECT_EQ(c.expert_cache.bytes_not_fetched, hits[i] * kExpertBytes) << i;
    // Link bytes: only the misses' weights cross PCIe (and the CXL link, device -> host).
    EXPECT_EQ(c.pcie_to_gpu_bytes, misses[i] * kExpertBytes) << i;
    EXPECT_EQ(p.pcie_to_gpu_bytes, 2 * kExpertBytes) << i;
    EXPECT_EQ(c.experts_gpu_resident, hits[i]) << i;
    EXPECT_EQ(c.experts_gpu_fetched, misses[i]) << i;
    // Time. The cost model's fetch of one expert, by hand: the CXL read rate (below PCIe Gen5's)
    // is 32 GT/s x 16 lanes / 8 x 128/130 = 63.015 GB/s raw, x 64 B of data per 4.5 slots of
    // 17 B (68 B flits of 4 slots; 4 data slots + 0.5 header slot per line) = 52.71875 GB/s;
    // plus the link's one way and the controller, 15 + 5 + 15 + 10 = 45 ns:
    //   fetch = 45 ns + 344,064 B / 52.71875 GB/s = 6.5714 us.
    EXPECT_NEAR(r.fetch_s, 45e-9 + 344064.0 / (32e9 * 16 / 8 * 128 / 130 * 64 / (4.5 * 17)), 1e-15);
    // A hit leads the GPU's order and computes (launch floor 10 us) while the other expert is
    // fetched, so the layer saves the one fetch that was exposed before the first compute:
    // predicted saving = fetch exactly; simulated saving = the plain run's first fetch span, to
    // the picosecond, which the simulation takes 7 to 11 % longer than the cost model (the DRAM
    // access and the PCIe hop of one 344 KB read, which the cost model's rate and latency leave out).
    // Layers without a hit have the same placement in both runs (their times differ by under
    // 1 %: the DRAM's open rows differ after different fetches).
    if (hits[i] == 1) {
      EXPECT_NEAR(p.moe_predicted_s - c.moe_predicted_s, r.fetch_s, 1e-12) << i;
      const TraceSpan* first_fetch = nullptr;
      for (const auto& sp : p.spans) {
        if (sp.track == "GPU fetch" && first_fetch == nullptr) first_fetch = &sp;
      }
      ASSERT_NE(first_fetch, nullptr);
      const double exposed_s = double(first_fetch->end_ps - first_fetch->start_ps) * 1e-12;
      EXPECT_NEAR(p.moe_s - c.moe_s, exposed_s, 2e-12) << i;
      EXPECT_GT(exposed_s, 1.05 * r.fetch_s) << i;
      EXPECT_LT(exposed_s, 1.12 * r.fetch_s) << i;
    } else {
      EXPECT_EQ(p.moe_predicted_s, c.moe_predicted_s) << i;
      EXPECT_NEAR(p.moe_s, c.moe_s, 1e-2 * p.moe_s) << i;
    }
  }
  EXPECT_EQ(cached.expert_cache.hits, 2u);
  EXPECT_EQ(cached.expert_cache.misses, 10u);
  EXPECT_EQ(cached.expert_cache.evictions, 7u);
  EXPECT_EQ(cached.steps[1].expert_cache.hits, 1u);
  EXPECT_EQ(cached.steps[2].expert_cache.evictions, 3u);
  EXPECT_FALSE(plain.expert_cache.used);
  // The run saves the two hits' exposed fetches (and the no-hit layers' small DRAM differences).
  EXPECT_NEAR(plain.simulated_s - cached.simulated_s, 2 * 1.085 * r.fetch_s, 0.06 * 2 * r.fetch_s);
}

TEST(ExpertCacheRuntime, PinnedCacheServesOffloadCachedAndStaticFreq) {
  // Pinned set (test_policy_expert_cache.cpp): (0,0), (0,1), (1,2). offload_cached: 8 hits,
  // 4 misses, 4 x 344,064 B fetched; static_freq: the same hits, its 4 misses on the NDP, nothing
  // fetched; monde_cached: the same hits, each run resident on the GPU.
  const Result r = run_experiment(experiment(R"({"mode": "pinned", "capacity_bytes": 1032192})",
                                             R"(["offload_cached", "static_freq", "monde_cached"])"));
  ASSERT_TRUE(r.error.empty()) << r.error;
  for (const auto& run : r.runs) {
    EXPECT_EQ(run.expert_cache.hits, 8u) << run.policy;
    EXPECT_EQ(run.expert_cache.misses, 4u) << run.policy;
    EXPECT_EQ(run.expert_cache.evictions, 0u) << run.policy;
  }
  std::uint64_t fetched = 0, ndp = 0, sf_fetched = 0;
  for (const auto& l : r.runs[0].layers) fetched += l.pcie_to_gpu_bytes;
  for (const auto& l : r.runs[1].layers) {
    sf_fetched += l.pcie_to_gpu_bytes;
    ndp += l.experts_ndp;
  }
  std::size_t monde_resident = 0;
  for (const auto& l : r.runs[2].layers) monde_resident += l.experts_gpu_resident;
  EXPECT_EQ(monde_resident, 8u);
  EXPECT_EQ(fetched, 4 * kExpertBytes);
  EXPECT_EQ(sf_fetched, 0u);
  EXPECT_EQ(ndp, 4u);
}

// data: full: a cached expert computes from the weights the GPU kept, with no fetch; every layer's
// results still check against the golden reference (uniform routing, 6 steps of batch 2).
TEST(ExpertCacheRuntime, CachedExpertsComputeCorrectlyWithFullData) {
  std::string j = experiment(R"({"mode": "lru", "capacity_bytes": 1032192})", R"(["offload_cached"])");
  const auto set = [&j](const std::string& from, const std::string& to) { j.replace(j.find(from), from.size(), to); };
  set("\"batch\": 1, \"steps\": 3", "\"batch\": 2, \"steps\": 6");
  set("\"timing_only\"", "\"full\"");
  config::SystemConfig config = test::load_experiment_text(j).config;
  const Demand demand = route_experiment(config);
  PolicyRun run;
  auto sys = build_system(config);
  const std::string error = test::run_on_host(*sys, [&](MoeRuntime& rt) { run = rt.run_policy("offload_cached", demand); });
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_EQ(run.layers.size(), 12u);
  EXPECT_GT(run.expert_cache.hits, 0u);
  for (const auto& l : run.layers) {
    EXPECT_TRUE(l.data_checked);
    EXPECT_TRUE(l.data_ok()) << "step " << l.step << " layer " << l.layer;
    EXPECT_GT(l.gpu_checked_elements, 0u);
    EXPECT_EQ(l.pcie_to_gpu_bytes, l.expert_cache.misses * kExpertBytes);
  }
}

}  // namespace
}  // namespace monde::system

namespace monde::system {
namespace {

std::string error_of(const std::string& json) {
  try {
    test::load_experiment_text(json);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

std::string with_hbm(const std::string& cache_json, const std::string& policies_json) {
  std::string j = experiment(cache_json, policies_json);
  j.replace(j.find("\"gpu\": {"), 8, "\"gpu\": {\"hbm_bytes\": 4000000, ");
  return j;
}

// The tiny 2-layer model's HBM, by hand (decode, batch 1, context 512 + 3 steps = 515 positions):
//   non-expert weights: embeddings + LM head 2 x 1024 x 128 x 2 B = 524,288; attention 2 layers x
//     (128x128 q + 128x32 k + 128x32 v + 128x128 o) x 2 B = 163,840; routers 2 x 128 x 4 x 2 B =
//     2,048: 690,176 B
//   KV cache: 2 layers x (K, V) x 1 head x 32 x 2 B = 256 B per position x 515 = 131,840 B
//   hot experts' buffers: min(4 experts, 1 token x top-2) = 2 x 344,064 = 688,128 B
//   activations: 2 B x (1 token x (2 x 128 + 3 x 448) + 1 sequence x 1024) = 5,248 B
//   everything but the cache: 1,515,392 B; with gpu.hbm_bytes 4,000,000 the spare is 2,484,608 B,
//   which holds floor(2,484,608 / 344,064) = 7 experts (2,408,448 B).
TEST(ExpertCacheConfig, ACapacityBeyondTheSpareHbmIsRefusedWithTheArithmetic) {
  const std::string e = error_of(with_hbm(R"({"mode": "lru", "capacity_bytes": 2484609})", R"(["offload_cached"])"));
  EXPECT_NE(e.find("test.json: key 'gpu.expert_cache.capacity_bytes' = 2484609: does not fit the GPU: 690176 B"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("+ 2484609 B (0.00 GB) of expert cache (gpu.expert_cache lru, capacity_bytes 2484609: 7 experts x "
                   "344064 B) = 4000001 B (0.00 GB) > gpu.hbm_bytes 4000000 B; allowed at most 2484608 B (the HBM left "
                   "after everything else: 7 experts)"),
            std::string::npos)
      << e;
  // The spare itself fits.
  EXPECT_EQ(error_of(with_hbm(R"({"mode": "lru", "capacity_bytes": 2484608})", R"(["offload_cached"])")), "(no error)");
}

TEST(ExpertCacheConfig, AutoTakesTheSpareHbmInWholeExperts) {
  const auto u = perf::hbm_usage(test::load_experiment_text(with_hbm(R"({"mode": "lru"})", R"(["offload_cached"])")).config);
  EXPECT_EQ(u.without_cache(), 1515392u);
  EXPECT_EQ(u.expert_cache, 2408448u);
  EXPECT_EQ(u.expert_cache_experts, 7u);
  EXPECT_EQ(u.total(), 1515392u + 2408448u);
  // mode none: no term.
  const auto none = perf::hbm_usage(test::load_experiment_text(with_hbm(R"({"mode": "none"})", R"(["offload"])")).config);
  EXPECT_EQ(none.expert_cache, 0u);
  EXPECT_EQ(none.total(), 1515392u);
}

TEST(ExpertCacheConfig, RefusesCachesThatCannotWork) {
  // Below one expert.
  EXPECT_NE(error_of(experiment(R"({"mode": "pinned", "capacity_bytes": 344063})", R"(["offload_cached"])"))
                .find("key 'gpu.expert_cache.capacity_bytes' = 344063: = 344063 B, which holds no expert of 344064 B"),
            std::string::npos);
  // auto with under one expert of spare HBM: 1,515,392 + 344,063.
  EXPECT_NE(error_of([] {
              std::string j = experiment(R"({"mode": "lru"})", R"(["offload_cached"])");
              j.replace(j.find("\"gpu\": {"), 8, "\"gpu\": {\"hbm_bytes\": 1859455, ");
              return j;
            }())
                .find("auto: the spare HBM is 344063 B"),
            std::string::npos);
  EXPECT_NE(error_of(experiment(R"({"mode": "none"})", R"(["offload", "offload_cached"])"))
                .find("key 'run.policies' = [\"offload\",\"offload_cached\"]: has \"offload_cached\", which runs "
                      "with the GPU expert cache, but gpu.expert_cache.mode is \"none\""),
            std::string::npos)
      << error_of(experiment(R"({"mode": "none"})", R"(["offload", "offload_cached"])"));
  EXPECT_NE(error_of(experiment(R"({"mode": "lru"})", R"(["static_freq"])"))
                .find("has \"static_freq\", which never fetches an expert, so an LRU expert cache would stay empty"),
            std::string::npos);
  EXPECT_NE(error_of(experiment(R"({"mode": "fifo"})", R"(["offload"])"))
                .find("key 'gpu.expert_cache.mode' = \"fifo\""),
            std::string::npos);
  EXPECT_NE(error_of(experiment(R"({"mode": "lru", "capacity_bytes": "big"})", R"(["offload"])"))
                .find("key 'gpu.expert_cache.capacity_bytes'"),
            std::string::npos);
}

}  // namespace
}  // namespace monde::system

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
