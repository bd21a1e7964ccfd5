// The MoE runtime end to end on the whole modelled system (GPU + PCIe + root complex + CXL
// device with NDP), data timing_only: a scaled-down Mixtral (configs/models/mixtral-8x7b-tiny.json:
// 4 MoE layers, 8 experts, top-2, d_model 128, d_ff 448, gated: 3 x 128 x 448 x 2 B = 344,064 B
// per expert), decode with batch 8, uniform routing. One elaboration per TEST.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "experiment_text.hpp"
#include "system/builder.hpp"
#include "system/routing.hpp"

namespace monde::system {
namespace {

constexpr std::uint64_t kExpertBytes = 3ull * 128 * 448 * 2;

std::string experiment(const std::string& policies_json) {
  return R"({
    "model": "mixtral-8x7b-tiny",
    "device": {"preset": "lpddr5x-8533", "ndp": {"pe_model": "cycle"}},
    "gpu": {"dma_chunk_bytes": 65536},
    "routing": {"source": "uniform", "seed": 7},
    "run": {"phase": "decode", "batch": 8, "steps": 2, "data": "timing_only", "policies": )" +
         policies_json + "}}";
}

struct Result {
  config::SystemConfig config;
  Demand demand;
  std::vector<PolicyRun> runs;
  std::string error;
};

// Builds the system of the experiment and runs `policies` (default: the experiment's) one after
// another on it.
Result run_experiment(const std::string& json, std::vector<std::string> policies = {}) {
  Result r;
  r.config = test::load_experiment_text(json).config;
  if (policies.empty()) policies = r.config.run.policies;
  r.demand = route_experiment(r.config);
  auto sys = build_system(r.config);
  sys->top().set_body([&] {
    try {
      sys->runtime().setup();
      for (const auto& p : policies) r.runs.push_back(sys->runtime().run_policy(p, r.demand));
    } catch (const std::exception& e) {
      r.error = e.what();
    }
  });
  sc_core::sc_start();
  EXPECT_TRUE(sys->top().finished());
  EXPECT_EQ(sys->top().device.internal_protocol_violations(), 0u);
  return r;
}

std::uint64_t active_experts(const Demand& d) {
  std::uint64_t n = 0;
  for (const auto& step : d) {
    for (const auto& layer : step) {
      for (auto t : layer) n += t > 0;
    }
  }
  return n;
}

// offload moves every active expert's weights to the GPU (PCIe bytes = active x 344,064) and
// nothing runs on the NDP; ndp_only moves no weights and the NDP streams every active expert
// from DRAM; monde's cost-model makespan is never worse than either (both are among the
// splits it considers).
TEST(MoeRuntime, PoliciesMoveTheBytesTheirPlacementsImply) {
  const Result r = run_experiment(experiment(R"(["monde", "offload", "ndp_only"])"));
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.runs.size(), 3u);
  // 2 steps x 4 layers, batch 8, top-2: 16 (token, expert) pairs per layer.
  for (const auto& run : r.runs) {
    ASSERT_EQ(run.layers.size(), 8u);
    for (const auto& l : run.layers) EXPECT_EQ(l.tokens, 16u);
  }
  const std::uint64_t active = active_experts(r.demand);
  const auto sum = [](const PolicyRun& run, auto field) {
    std::uint64_t s = 0;
    for (const auto& l : run.layers) s += field(l);
    return s;
  };
  const auto& monde = r.runs[0];
  const auto& offload = r.runs[1];
  const auto& ndp_only = r.runs[2];
  EXPECT_EQ(sum(offload, [](const LayerRecord& l) { return l.pcie_to_gpu_bytes; }), active * kExpertBytes);
  EXPECT_EQ(sum(offload, [](const LayerRecord& l) { return std::uint64_t(l.experts_ndp); }), 0u);
  EXPECT_EQ(sum(ndp_only, [](const LayerRecord& l) { return l.pcie_to_gpu_bytes; }), 0u);
  EXPECT_GE(sum(ndp_only, [](const LayerRecord& l) { return l.ndp_dram_read_bytes; }), active * kExpertBytes);
  // ndp_only: each job writes x and reads y over CXL.mem: 16 pairs x 128 x 2 B = 4,096 B each way per layer.
  for (const auto& l : ndp_only.layers) {
    EXPECT_EQ(l.cxl_m2s_bytes, 4096u);
    EXPECT_EQ(l.cxl_s2m_bytes, 4096u);
  }
  // The trace spans: one per fetched expert (GPU fetch) in offload, one per job (NDP) in
  // ndp_only, and one layer span each, inside the layer's interval.
  for (const auto& l : offload.layers) {
    EXPECT_EQ(std::count_if(l.spans.begin(), l.spans.end(), [](const TraceSpan& s) { return s.track == "GPU fetch"; }),
              static_cast<long>(l.experts_gpu_fetched));
  }
  for (const auto& l : ndp_only.layers) {
    EXPECT_EQ(std::count_if(l.spans.begin(), l.spans.end(), [](const TraceSpan& s) { return s.track == "NDP"; }),
              static_cast<long>(l.ndp_jobs));
    const auto layer = std::find_if(l.spans.begin(), l.spans.end(), [](const TraceSpan& s) { return s.track == "layer"; });
    ASSERT_NE(layer, l.spans.end());
    for (const auto& s : l.spans) {
      EXPECT_GE(s.start_ps, layer->start_ps);
      EXPECT_LE(s.end_ps, layer->end_ps);
    }
  }
  for (std::size_t i = 0; i < monde.layers.size(); ++i) {
    EXPECT_LE(monde.layers[i].predicted_s, offload.layers[i].predicted_s * (1 + 1e-12));
    EXPECT_LE(monde.layers[i].predicted_s, ndp_only.layers[i].predicted_s * (1 + 1e-12));
  }
  for (const auto& run : r.runs) {
    double sim = 0;
    for (const auto& l : run.layers) {
      sim += l.simulated_s;
      EXPECT_GT(l.simulated_s, 0.0);
    }
    EXPECT_NEAR(sim, run.simulated_s, 1e-12);
  }
}

// The same configuration and seed give identical results (determinism).
TEST(MoeRuntime, SameSeedSameResult) {
  const Result a = run_experiment(experiment(R"(["monde"])"), {"monde", "monde"});
  ASSERT_TRUE(a.error.empty()) << a.error;
  ASSERT_EQ(a.runs.size(), 2u);
  // The second run of the same policy on the same demand: placements and bytes identical.
  for (std::size_t i = 0; i < a.runs[0].layers.size(); ++i) {
    EXPECT_EQ(a.runs[0].layers[i].experts_ndp, a.runs[1].layers[i].experts_ndp);
    EXPECT_EQ(a.runs[0].layers[i].pcie_to_gpu_bytes, a.runs[1].layers[i].pcie_to_gpu_bytes);
    EXPECT_EQ(a.runs[0].layers[i].predicted_s, a.runs[1].layers[i].predicted_s);
  }
}

// Configuration errors name the file and key.
TEST(MoeRuntime, BadExperimentsNameTheKey) {
  auto error_of = [](const std::string& json) {
    try {
      test::load_experiment_text(json, "exp.json");
    } catch (const config::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string j = experiment(R"(["monde"])");
  j.replace(j.find("\"batch\": 8"), 10, "\"batch\": 0");
  EXPECT_EQ(error_of(j), "exp.json: key 'run.batch' = 0: out of range; allowed 1 .. 65536");
  j = experiment(R"(["monde"])");
  j.replace(j.find("\"mixtral-8x7b-tiny\""), 19, "\"configs/models/nope.json\"");
  EXPECT_NE(error_of(j).find("exp.json: key 'model' = \"configs/models/nope.json\": no such file"), std::string::npos)
      << error_of(j);
}

}  // namespace
}  // namespace monde::system

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
