// The MoE runtime end to end on the whole modelled system (GPU + PCIe + root complex + CXL
// device with NDP), data timing_only: a scaled-down Mixtral (configs/models/mixtral-8x7b-tiny.json:
// 4 MoE layers, 8 experts, top-2, d_model 128, d_ff 448, gated: 3 x 128 x 448 x 2 B = 344,064 B
// per expert), decode with batch 8, uniform routing. One elaboration per TEST.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "experiment_text.hpp"
#include "run_on_host.hpp"
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
  r.error = test::run_on_host(*sys, [&](MoeRuntime& rt) {
    for (const auto& p : policies) r.runs.push_back(rt.run_policy(p, r.demand));
  });
  EXPECT_EQ(sys->top().device().internal_protocol_violations(), 0u);
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
    EXPECT_LE(monde.layers[i].moe_predicted_s, offload.layers[i].moe_predicted_s * (1 + 1e-12));
    EXPECT_LE(monde.layers[i].moe_predicted_s, ndp_only.layers[i].moe_predicted_s * (1 + 1e-12));
  }
  // A step is its embedding, its layers (dense work, then the MoE part) and its LM head, one after
  // another: the parts add up to the run; the dense work is the same under every policy.
  for (const auto& run : r.runs) {
    double sim = 0, moe = 0, dense = 0;
    for (const auto& l : run.layers) {
      sim += l.total_s;
      moe += l.moe_s;
      dense += l.dense_s();
      EXPECT_GT(l.moe_s, 0.0);
      EXPECT_GT(l.attention_s, 0.0);
      EXPECT_NEAR(l.total_s, l.dense_s() + l.moe_s, 1e-12);
    }
    ASSERT_EQ(run.steps.size(), 2u);
    for (const auto& st : run.steps) {
      EXPECT_GT(st.embedding_s, 0.0);
      EXPECT_GT(st.lm_head_s, 0.0);
      sim += st.embedding_s + st.lm_head_s;
      dense += st.embedding_s + st.lm_head_s;
    }
    EXPECT_NEAR(sim, run.simulated_s, 1e-12);
    EXPECT_NEAR(moe, run.moe_s, 1e-12);
    EXPECT_NEAR(dense, run.dense_s, 1e-12);
    EXPECT_NEAR(run.dense_s, r.runs[0].dense_s, 1e-15);
  }
}

// run.scope moe_only: the MoE layers alone (the model before end-to-end steps): no dense work and
// no dense layers (switch-base-128-tiny decoding: decoder layers 2 and 3, of which 3 is MoE).
TEST(MoeRuntime, MoeOnlyScopeRunsTheMoePartsAlone) {
  const Result a = run_experiment(R"({
    "model": "switch-base-128-tiny",
    "device": {"preset": "lpddr5x-8533", "ndp": {"pe_model": "cycle"}},
    "routing": {"source": "uniform", "seed": 7},
    "run": {"phase": "decode", "scope": "moe_only", "batch": 4, "steps": 2, "policies": ["ndp_only"]}})");
  ASSERT_TRUE(a.error.empty()) << a.error;
  const PolicyRun& run = a.runs.at(0);
  EXPECT_EQ(run.dense_s, 0.0);
  EXPECT_GT(run.moe_s, 0.0);
  EXPECT_NEAR(run.simulated_s, run.moe_s, 1e-15);
  ASSERT_EQ(run.layers.size(), 2u);
  for (const auto& l : run.layers) {
    EXPECT_EQ(l.layer, 3u);
    EXPECT_TRUE(l.moe);
    EXPECT_EQ(l.dense_s(), 0.0);
    for (const auto& s : l.spans) EXPECT_TRUE(s.track != "GPU compute" || s.name.find("expert") == 0) << s.name;
  }
  for (const auto& st : run.steps) {
    EXPECT_EQ(st.dense_s, 0.0);
    EXPECT_EQ(st.spans.size(), 1u);  // the step itself
  }
}

// An encoder-decoder model generating: the encoder over the sources (switch-base-128-tiny: layers 0
// and 1, MoE layer 1), its cross-attention K/V, then decoder steps (layers 2 and 3, MoE layer 3)
// with self- and cross-attention and the LM head; in the trace each step, layer and kernel follows
// the one before it, and a layer's dense kernels precede its experts.
TEST(MoeRuntime, EncoderDecoderStepsInOrder) {
  const std::string j = R"({
    "model": "switch-base-128-tiny",
    "device": {"preset": "lpddr5x-8533", "ndp": {"pe_model": "cycle"}},
    "routing": {"source": "uniform", "seed": 7},
    "run": {"phase": "generate", "batch": 2, "prompt_tokens": 8, "steps": 2, "policies": ["monde"]}})";
  const Result r = run_experiment(j);
  ASSERT_TRUE(r.error.empty()) << r.error;
  const PolicyRun& run = r.runs.at(0);
  ASSERT_EQ(run.steps.size(), 3u);
  EXPECT_EQ(run.steps[0].kind, "encoder");
  EXPECT_EQ(run.steps[1].kind, "decode");
  EXPECT_EQ(run.steps[2].kind, "decode");
  EXPECT_EQ(run.steps[0].tokens, 16u);
  EXPECT_EQ(run.steps[1].tokens, 2u);
  EXPECT_EQ(run.steps[2].context, 1u);
  EXPECT_EQ(run.steps[0].lm_head_s, 0.0);
  EXPECT_GT(run.steps[0].cross_kv_s, 0.0);
  EXPECT_GT(run.steps[1].lm_head_s, 0.0);
  EXPECT_EQ(run.steps[1].cross_kv_s, 0.0);
  // Layers: 0, 1 (encoder) in step 0; 2, 3 (decoder) in steps 1 and 2.
  ASSERT_EQ(run.layers.size(), 6u);
  const std::vector<std::pair<std::uint32_t, std::uint32_t>> order = {{0, 0}, {0, 1}, {1, 2}, {1, 3}, {2, 2}, {2, 3}};
  for (std::size_t i = 0; i < order.size(); ++i) {
    EXPECT_EQ(run.layers[i].step, order[i].first);
    EXPECT_EQ(run.layers[i].layer, order[i].second);
    EXPECT_EQ(run.layers[i].stack, order[i].second < 2 ? "encoder" : "decoder");
    EXPECT_EQ(run.layers[i].moe, order[i].second % 2 == 1);
    EXPECT_EQ(run.layers[i].tokens, order[i].second % 2 == 1 ? (order[i].first == 0 ? 16u : 2u) : 0u);
  }
  // The trace, as trace.json writes it: every span of a step inside the step, steps and layers in
  // order, a layer's dense kernels on the GPU compute track before its MoE part.
  const auto find = [](const std::vector<TraceSpan>& spans, const std::string& track, const std::string& name) {
    const auto it = std::find_if(spans.begin(), spans.end(),
                                 [&](const TraceSpan& s) { return s.track == track && s.name.find(name) == 0; });
    EXPECT_NE(it, spans.end()) << track << " " << name;
    return it == spans.end() ? TraceSpan{} : *it;
  };
  std::uint64_t prev_step_end = 0;
  for (const auto& st : run.steps) {
    const TraceSpan step = find(st.spans, "step", "step ");
    EXPECT_GE(step.start_ps, prev_step_end);
    prev_step_end = step.end_ps;
    EXPECT_EQ(find(st.spans, "GPU compute", "embedding").start_ps, step.start_ps);
  }
  const TraceSpan encoder = find(run.steps[0].spans, "step", "step 0 (encoder)");
  const TraceSpan cross_kv = find(run.steps[0].spans, "GPU compute", "cross-attention K/V (2 decoder layers)");
  EXPECT_EQ(cross_kv.end_ps, encoder.end_ps);
  std::uint64_t prev_layer_end = 0;
  for (const auto& l : run.layers) {
    const TraceSpan layer = find(l.spans, "layer", "layer ");
    const TraceSpan step = find(run.steps[l.step].spans, "step", "step ");
    EXPECT_GE(layer.start_ps, prev_layer_end);
    EXPECT_GE(layer.start_ps, step.start_ps);
    EXPECT_LE(layer.end_ps, step.end_ps);
    prev_layer_end = layer.end_ps;
    const TraceSpan attention = find(l.spans, "GPU compute", l.stack == "encoder" ? "attention" : "self- and cross-attention");
    EXPECT_EQ(attention.start_ps, layer.start_ps);
    const TraceSpan ffn = find(l.spans, "GPU compute", l.moe ? "router" : "dense FFN");
    EXPECT_EQ(ffn.start_ps, attention.end_ps);
    for (const auto& s : l.spans) {
      if (s.track == "NDP" || s.track == "GPU fetch" || s.name.find("expert") == 0) {
        EXPECT_GE(s.start_ps, ffn.end_ps);
      }
    }
    if (!l.moe) {
      EXPECT_EQ(ffn.end_ps, layer.end_ps);
    }
  }
  EXPECT_LE(cross_kv.start_ps, find(run.steps[1].spans, "step", "step 1").start_ps);
  EXPECT_EQ(find(run.steps[1].spans, "GPU compute", "LM head").end_ps, find(run.steps[1].spans, "step", "step 1").end_ps);
}

// The same configuration and seed give identical results (determinism).
// Energy of a small run (docs/energy.md), by hand from the presets' parameters and the run's own
// counters. lpddr5x-8533 (timed DRAM: VDD2H 1.05 V, IDD4R 275 / IDD3N 30 mA, tBURST 16 x 234 ps =
// 3.744 ns, 1 x16 device per rank), links at 4 pJ/bit, NDP 2 pJ per MAC and 2.5 pJ per SRAM byte,
// GPU 700 W busy / 70 W idle.
//   ndp_only, per layer: 16 (token, expert) pairs x 3 x 128 x 448 = 172,032 MACs per token
//     = 2,752,512 MACs = 5.505024e-6 J, plus 2 x the units' DMA bytes x 2.5 pJ; CXL: 4,096 B each
//     way (x in, y out) = 8,192 x 8 x 4 pJ = 2.62144e-7 J; no PCIe payload; the GPU is busy only for
//     the layer's dense kernels.
//   offload: every fetched expert's 344,064 B cross PCIe at 4 pJ/bit; no MAC on the NDP.
//   DRAM reads: each RD is one 64 B burst at (275 - 30) mA x 3.744 ns x 1.05 V = 9.63144e-10 J.
TEST(MoeRuntime, EnergyOfASmallRunByHand) {
  const Result r = run_experiment(experiment(R"(["ndp_only", "offload"])"));
  ASSERT_TRUE(r.error.empty()) << r.error;
  const auto& ndp_only = r.runs[0];
  const auto& offload = r.runs[1];
  for (const auto& l : ndp_only.layers) {
    const auto& a = l.activity;
    const auto& e = l.energy;
    EXPECT_EQ(a.ndp_macs, 2'752'512u);
    // The units' DMA: reads (weights, x, h) and writes (the h scratch, y) of at least y's 4,096 B.
    EXPECT_GE(a.ndp_dma_bytes, l.ndp_dram_read_bytes + 4096u);
    EXPECT_NEAR(e.ndp_j, 5.505024e-6 + 2.0 * double(a.ndp_dma_bytes) * 2.5e-12, 1e-18);
    EXPECT_EQ(a.cxl_bytes, 8192u);
    EXPECT_NEAR(e.cxl_j, 2.62144e-7, 1e-20);
    EXPECT_EQ(a.pcie_bytes, 0u);
    EXPECT_EQ(e.pcie_j, 0.0);
    EXPECT_NEAR(a.gpu_busy_s, l.dense_s(), 1e-12);
    EXPECT_NEAR(a.elapsed_s, l.total_s, 1e-15);
    EXPECT_NEAR(e.gpu_j, 700.0 * a.gpu_busy_s + 70.0 * (a.elapsed_s - a.gpu_busy_s), 1e-15);
    // The NDP's weight reads (and x's writes) are DRAM bursts the timed model counted.
    EXPECT_GE(a.dram_reads * 64, l.ndp_dram_read_bytes);
    ASSERT_TRUE(e.dram.has_value());
    EXPECT_NEAR(e.dram->read_j, 9.63144e-10 * double(a.dram_reads), 1e-9 * e.dram->read_j);
    EXPECT_GT(e.dram->activate_j, 0.0);
  }
  for (const auto& l : offload.layers) {
    EXPECT_EQ(l.activity.ndp_macs, 0u);
    EXPECT_EQ(l.activity.pcie_bytes, l.pcie_to_gpu_bytes);
    EXPECT_EQ(l.pcie_to_gpu_bytes, l.experts_gpu_fetched * kExpertBytes);
    EXPECT_NEAR(l.energy.pcie_j, double(l.pcie_to_gpu_bytes) * 8 * 4e-12, 1e-18);
  }
  // A step is its layers and the kernels outside them (embedding, LM head); the run is its steps.
  for (const auto& run : r.runs) {
    double layers_s = 0, layers_cxl_j = 0, layers_ndp_j = 0;
    for (const auto& l : run.layers) {
      layers_s += l.activity.elapsed_s;
      layers_cxl_j += l.energy.cxl_j;
      layers_ndp_j += l.energy.ndp_j;
    }
    double steps_j = 0, steps_cxl_j = 0, steps_ndp_j = 0, outside_s = 0;
    for (const auto& st : run.steps) {
      steps_j += st.energy.total_j();
      steps_cxl_j += st.energy.cxl_j;
      steps_ndp_j += st.energy.ndp_j;
      outside_s += st.embedding_s + st.lm_head_s;
    }
    EXPECT_NEAR(layers_s + outside_s, run.simulated_s, 1e-12);
    EXPECT_NEAR(steps_cxl_j, layers_cxl_j, 1e-18);
    EXPECT_NEAR(steps_ndp_j, layers_ndp_j, 1e-18);
    EXPECT_NEAR(run.energy.total_j(), steps_j, 1e-9 * steps_j);
    EXPECT_EQ(run.tokens, 16u);  // 2 decode steps x batch 8
    EXPECT_GT(run.energy.total_j(), 0.0);
  }
  // The GPU idles longer under ndp_only (no expert compute), and the NDP does no work under offload.
  EXPECT_EQ(offload.energy.ndp_j, 0.0);
  EXPECT_GT(ndp_only.energy.ndp_j, 0.0);
}

TEST(MoeRuntime, SameSeedSameResult) {
  const Result a = run_experiment(experiment(R"(["monde"])"), {"monde", "monde"});
  ASSERT_TRUE(a.error.empty()) << a.error;
  ASSERT_EQ(a.runs.size(), 2u);
  // The second run of the same policy on the same demand: placements and bytes identical.
  for (std::size_t i = 0; i < a.runs[0].layers.size(); ++i) {
    EXPECT_EQ(a.runs[0].layers[i].experts_ndp, a.runs[1].layers[i].experts_ndp);
    EXPECT_EQ(a.runs[0].layers[i].pcie_to_gpu_bytes, a.runs[1].layers[i].pcie_to_gpu_bytes);
    EXPECT_EQ(a.runs[0].layers[i].moe_predicted_s, a.runs[1].layers[i].moe_predicted_s);
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
