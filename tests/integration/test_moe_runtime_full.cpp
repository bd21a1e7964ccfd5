// The MoE runtime with data: full on scaled-down models: real weights placed through CXL.mem,
// real activations, every layer's output checked against the same MoE layer computed on the
// host (NDP experts bit for bit against the golden model, GPU experts and the combined output
// within the stated GPU tolerance). Presets: mixtral-8x7b-tiny (8 experts, top-2, SiLU-gated,
// 4 MoE layers) and switch-base-128-tiny (128 experts, top-1, ReLU, MoE layers 1 and 3: its
// encoder over 8 one-token sources, then one decoder step); decode, batch 8, 1 step, policies
// monde / offload / ndp_only so that both paths run. The dense layers (attention, dense FFNs) are
// timed, not computed: their records carry no data check.
// One elaboration per TEST.
#include <gtest/gtest.h>

#include <iostream>

#include <nlohmann/json.hpp>

#include "experiment_text.hpp"
#include "run_on_host.hpp"
#include "system/builder.hpp"
#include "system/full_data.hpp"
#include "system/mixed_precision.hpp"
#include "system/routing.hpp"

namespace monde::system {
namespace {

nlohmann::json experiment(const std::string& model, const std::string& policies_json) {
  return nlohmann::json::parse(R"({
    "model": ")" + model + R"(",
    "device": {"preset": "lpddr5x-8533", "ndp": {"pe_model": "cycle"}},
    "gpu": {"dma_chunk_bytes": 65536},
    "routing": {"source": "uniform", "seed": 7},
    "run": {"phase": "decode", "batch": 8, "steps": 1, "data": "full", "policies": )" +
                               policies_json + "}}");
}

struct Result {
  config::SystemConfig config;
  std::vector<PolicyRun> runs;
  std::string error;
};

Result run_experiment(const nlohmann::json& j, MoeRuntime::ResultHook hook = nullptr) {
  Result r;
  r.config = test::load_experiment_text(j.dump()).config;
  const Demand demand = route_experiment(r.config);
  auto sys = build_system(r.config);
  MoeRuntime& rt = sys->runtime();
  rt.set_result_hook(std::move(hook));
  r.error = test::run_on_host(*sys, [&](MoeRuntime&) {
    for (const auto& p : r.config.run.policies) r.runs.push_back(rt.run_policy(p, demand));
  });
  EXPECT_EQ(sys->top().device().internal_protocol_violations(), 0u);
  EXPECT_EQ(rt.driver().stats().which_path, "cxl_mem");
  return r;
}

void print(const Result& r) {
  for (const auto& run : r.runs) {
    for (const auto& l : run.layers) {
      std::cout << "  " << r.config.model.name << " " << run.policy << " layer " << l.layer << ": NDP "
                << l.ndp_mismatched_elements << "/" << l.ndp_checked_elements << " mismatched, GPU "
                << l.gpu_checked_elements << " el. max |err| " << l.gpu_max_abs_error
                << (l.gpu_within_tolerance ? " (within tol)" : " (OUT of tol)") << ", combined max |err| "
                << l.combined_max_abs_error << (l.combined_within_tolerance ? " (within tol)" : " (OUT of tol)")
                << "\n";
    }
  }
}

// Every layer checked and clean; offload runs everything on the GPU path, ndp_only everything on
// the NDP path, monde splits; each layer's experts cover all (token, expert) pairs.
void expect_all_layers_clean(const Result& r) {
  ASSERT_TRUE(r.error.empty()) << r.error;
  const auto& m = r.config.model;
  const std::size_t pairs = std::size_t{8} * m.top_k;
  ASSERT_EQ(r.runs.size(), 3u);
  std::size_t gpu_total = 0, ndp_total = 0;
  for (const auto& run : r.runs) {
    std::size_t moe_records = 0;
    for (const auto& l : run.layers) moe_records += l.moe ? 1 : 0;
    ASSERT_EQ(moe_records, m.moe_layers) << run.policy;
    for (const auto& l : run.layers) {
      if (!l.moe) {
        EXPECT_FALSE(l.data_checked);
        continue;
      }
      SCOPED_TRACE(run.policy + " layer " + std::to_string(l.layer));
      EXPECT_TRUE(l.data_checked);
      EXPECT_TRUE(l.data_ok());
      EXPECT_EQ(l.output_elements, 8u * m.d_model);
      EXPECT_EQ(l.ndp_mismatched_elements, 0u);
      EXPECT_TRUE(l.gpu_within_tolerance);
      EXPECT_TRUE(l.combined_within_tolerance);
      EXPECT_EQ(l.fetched_weight_mismatched_bytes, 0u);
      EXPECT_EQ(l.ndp_checked_elements + l.gpu_checked_elements + l.cpu_checked_elements, pairs * m.d_model);
      if (run.policy == "offload") {
        EXPECT_EQ(l.gpu_checked_elements, pairs * m.d_model);
      }
      if (run.policy == "ndp_only") {
        EXPECT_EQ(l.ndp_checked_elements, pairs * m.d_model);
        // NDP only: the combined output is the golden combine bit for bit.
        EXPECT_EQ(l.combined_max_abs_error, 0.0);
      }
      gpu_total += l.gpu_checked_elements;
      ndp_total += l.ndp_checked_elements;
      // fp32 CPU reference vs golden: at most a few bf16 ulps of values of order one.
      EXPECT_LT(l.gpu_max_abs_error, 0.1);
    }
    const nlohmann::json j = to_json(run);
    for (const auto& l : j.at("layers")) {
      if (!l.at("moe").get<bool>()) continue;
      EXPECT_TRUE(l.at("data_check").at("ok").get<bool>());
      EXPECT_EQ(l.at("data_check").at("ndp_mismatched_elements").get<std::size_t>(), 0u);
    }
  }
  EXPECT_GT(gpu_total, 0u);
  EXPECT_GT(ndp_total, 0u);
  print(r);
}

TEST(MoeRuntimeFull, MixtralTinyEveryLayerMatchesTheReference) {
  expect_all_layers_clean(run_experiment(experiment("mixtral-8x7b-tiny", R"(["monde", "offload", "ndp_only"])")));
}

TEST(MoeRuntimeFull, SwitchTinyEveryLayerMatchesTheReference) {
  // generate: the encoder (MoE layer 1) over 8 one-token sources, then a decoder step (MoE layer 3).
  auto j = experiment("switch-base-128-tiny", R"(["monde", "offload", "ndp_only"])");
  j["run"]["phase"] = "generate";
  expect_all_layers_clean(run_experiment(j));
}

// Policy `cpu`: cold experts read their weights over CXL.mem and run on the host (fp32 CPU
// reference backend); they are checked like GPU experts.
// Prefill with more tokens per expert than one NDP job holds: an activation buffer of 8 KiB
// holds 8192 / (2 x max(128, 448)) = 9 tokens, while batch 8 x 8 prompt tokens x top-2 =
// 128 pairs over 8 experts gives about 16 per expert, so experts are split over several jobs
// whose y rows are concatenated; the layer output is still bit-exact on the NDP path.
TEST(MoeRuntimeFull, PrefillSplitsLargeExpertsOverSeveralNdpJobs) {
  auto j = experiment("mixtral-8x7b-tiny", R"(["ndp_only"])");
  j["device"]["ndp"]["act_buffer_bytes"] = 8192;
  j["run"]["phase"] = "prefill";
  j["run"]["prompt_tokens"] = 8;
  const Result r = run_experiment(j);
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.runs.size(), 1u);
  std::size_t split_layers = 0;
  for (const auto& l : r.runs[0].layers) {
    EXPECT_EQ(l.tokens, 128u);
    EXPECT_TRUE(l.data_ok());
    EXPECT_EQ(l.ndp_mismatched_elements, 0u);
    EXPECT_GE(l.ndp_jobs, l.experts_ndp);
    split_layers += l.ndp_jobs > l.experts_ndp;
  }
  EXPECT_GT(split_layers, 0u);
}

TEST(MoeRuntimeFull, CpuPathIsCheckedToo) {
  const Result r = run_experiment(experiment("mixtral-8x7b-tiny", R"(["cpu"])"));
  ASSERT_TRUE(r.error.empty()) << r.error;
  std::size_t cpu = 0;
  for (const auto& l : r.runs.at(0).layers) {
    EXPECT_TRUE(l.data_ok()) << l.layer;
    EXPECT_EQ(l.fetched_weight_mismatched_bytes, 0u);
    cpu += l.cpu_checked_elements;
  }
  EXPECT_GT(cpu, 0u);
}

// Negative controls: the checks do catch a wrong result. Layer 0 only: flip the lowest mantissa
// bit of one NDP output element (ndp_only) and push one GPU output element far off (offload).
TEST(MoeRuntimeFull, CorruptedResultsAreCaught) {
  bool ndp_done = false, gpu_done = false;
  auto hook = [&](MoeRuntime::ExpertPath path, std::uint32_t step, std::uint32_t layer, std::uint32_t,
                  std::vector<num::bf16_t>& y) {
    if (step != 0 || layer != 0 || y.empty()) return;
    for (auto& v : y) {
      if ((v & 0x7FFFu) == 0) continue;  // a non-zero element
      if (path == MoeRuntime::ExpertPath::kNdp && !ndp_done) {
        v ^= 1u;
        ndp_done = true;
      } else if (path == MoeRuntime::ExpertPath::kGpu && !gpu_done) {
        v = static_cast<num::bf16_t>(v ^ 0x4000u);  // exponent MSB: a huge or tiny value
        gpu_done = true;
      }
      return;
    }
  };
  const Result r = run_experiment(experiment("mixtral-8x7b-tiny", R"(["ndp_only", "offload"])"), hook);
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_TRUE(ndp_done);
  ASSERT_TRUE(gpu_done);
  const auto& ndp = r.runs.at(0);
  const auto& off = r.runs.at(1);
  EXPECT_EQ(ndp.layers[0].ndp_mismatched_elements, 1u);
  EXPECT_FALSE(ndp.layers[0].combined_within_tolerance);
  EXPECT_GT(ndp.layers[0].combined_max_abs_error, 0.0);
  EXPECT_FALSE(ndp.layers[0].data_ok());
  EXPECT_FALSE(off.layers[0].gpu_within_tolerance);
  EXPECT_FALSE(off.layers[0].combined_within_tolerance);
  EXPECT_FALSE(off.layers[0].data_ok());
  EXPECT_FALSE(to_json(off).at("layers")[0].at("data_check").at("ok").get<bool>());
  for (const auto* run : {&ndp, &off}) {
    for (std::size_t i = 1; i < run->layers.size(); ++i) {
      EXPECT_TRUE(run->layers[i].data_ok()) << run->policy << " " << i;
    }
  }
  print(r);
}

// Quantised NDP experts (device.ndp.expert_weight_format): the driver quantises each expert on
// placement and the NDP jobs run on the codes and scales. Every NDP output must equal the golden
// expert on the dequantised operands bit for bit (and the layer checks stay clean: the combined
// reference uses those operands for NDP experts); the distance from the bf16 experts is reported
// per layer and per run. Bounds on it: the quantisation error of a weight is at most half a step,
// s / 2 = amax / (2 qmax); for weights uniform in [-a, a) its RMS is about (a / qmax) / sqrt(12)
// against a weight RMS of a / sqrt(3), i.e. 1 / (2 qmax): 7.1 % (int4), 0.39 % (int8) per matrix,
// and an expert chains two or three of them. Asserted: int4 between 2 % and 20 %, int8 between
// 0.1 % and 2 %.
double ndp_weight_rel_rms(const std::string& format, const std::string& pe_model, unsigned group,
                          const std::string& policies = R"(["monde", "offload", "ndp_only"])") {
  auto j = experiment("mixtral-8x7b-tiny", policies);
  j["device"]["ndp"]["expert_weight_format"] = format;
  j["device"]["ndp"]["expert_weight_group"] = group;
  j["device"]["ndp"]["pe_model"] = pe_model;
  const Result r = run_experiment(j);
  if (policies.find("offload") != std::string::npos) expect_all_layers_clean(r);
  OutputError total;
  for (const auto& run : r.runs) {
    for (const auto& l : run.layers) {
      EXPECT_TRUE(l.data_ok()) << run.policy << " layer " << l.layer;
      EXPECT_EQ(l.ndp_mismatched_elements, 0u);
      // Every NDP element is also measured against bf16 (and nothing else is).
      EXPECT_EQ(l.ndp_weight_error.elements, l.ndp_checked_elements);
      total.add(l.ndp_weight_error);
    }
    const nlohmann::json jr = to_json(run);
    if (run.policy == "ndp_only") {
      EXPECT_GT(jr.at("ndp_weight_error").at("elements").get<std::size_t>(), 0u);
      EXPECT_GT(jr.at("ndp_weight_error").at("rel_rms").get<double>(), 0.0);
    }
    if (run.policy == "offload") {
      EXPECT_FALSE(jr.contains("ndp_weight_error"));
    }
  }
  EXPECT_GT(total.elements, 0u);
  std::cout << "  " << format << "/g" << group << " (" << pe_model << "): NDP expert outputs vs bf16 over "
            << total.elements << " elements: max |err| " << total.max_abs << ", relative RMS " << total.rel_rms()
            << "\n";
  return total.rel_rms();
}

// (One elaboration per process: each format is its own TEST.)
TEST(MoeRuntimeFull, Int4NdpExpertsAreBitExactAndTheirErrorIsReported) {
  const double e = ndp_weight_rel_rms("int4", "cycle", 32);
  EXPECT_GT(e, 0.02);
  EXPECT_LT(e, 0.2);
}

TEST(MoeRuntimeFull, Int8NdpExpertsAreBitExactAndTheirErrorIsReported) {
  const double e = ndp_weight_rel_rms("int8", "cycle", 64);
  EXPECT_GT(e, 0.001);
  EXPECT_LT(e, 0.02);
}

// The same in the Verilated RTL: ndp_only runs every expert through the RTL dequantiser lanes.
TEST(MoeRuntimeFull, Int4NdpExpertsAreBitExactInRtl) {
  const double e = ndp_weight_rel_rms("int4", "rtl", 64, R"(["ndp_only"])");
  EXPECT_GT(e, 0.02);
  EXPECT_LT(e, 0.2);
}

// gpu.fetch_quantised with data full: the GPU fetches the int4/G32 copy (mixtral-8x7b-tiny,
// 128 x 448 gated: codes 128 x 448 / 2 = 28,672 B and scales 448 x 128 / 32 x 2 = 3,584 B per
// matrix, 3 x 32,256 = 96,768 B against 344,064 B of bf16), checks the fetched codes and scales
// against the driver's quantisation byte for byte, and computes on the dequantised weights: its
// outputs are checked against the golden expert on those weights (within the GPU tolerance; the
// bf16 expert is 12 % away, far outside it), so every layer of every policy stays clean.
TEST(MoeRuntimeFull, GpuFetchOfTheInt4CopyComputesOnTheDequantisedWeights) {
  auto j = experiment("mixtral-8x7b-tiny", R"(["monde", "offload", "ndp_only"])");
  j["device"]["ndp"]["expert_weight_format"] = "int4";
  j["device"]["ndp"]["expert_weight_group"] = 32;
  j["gpu"]["fetch_quantised"] = true;
  const Result r = run_experiment(j);
  expect_all_layers_clean(r);
  for (const auto& run : r.runs) {
    for (const auto& l : run.layers) {
      if (!l.moe) continue;
      EXPECT_EQ(l.pcie_to_gpu_bytes, l.experts_gpu_fetched * 96768u) << run.policy << " layer " << l.layer;
      if (run.policy == "offload") {
        EXPECT_GT(l.experts_gpu_fetched, 0u);
      }
    }
  }
}

// The format's keys are checked before anything runs: a group that does not divide the model's
// dimensions names the groups that do, and a group size the units do not take is refused.
TEST(MoeRuntimeFull, QuantisedFormatKeysAreChecked) {
  auto j = experiment("mixtral-8x7b-tiny", R"(["monde"])");
  j["device"]["ndp"]["expert_weight_format"] = "int4";
  j["device"]["ndp"]["expert_weight_group"] = 128;  // d_ff 448 = 3.5 x 128
  try {
    test::load_experiment_text(j.dump());
    FAIL() << "no error";
  } catch (const config::ConfigError& ex) {
    const std::string what = ex.what();
    EXPECT_NE(what.find("key 'device.ndp.expert_weight_group' = 128: does not divide mixtral-8x7b-tiny's d_model 128 "
                        "and d_ff 448"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("allowed 32, 64"), std::string::npos) << what;
  }
  j["device"]["ndp"]["expert_weight_group"] = 48;
  try {
    test::load_experiment_text(j.dump());
    FAIL() << "no error";
  } catch (const config::ConfigError& ex) {
    EXPECT_NE(std::string(ex.what()).find("key 'device.ndp.expert_weight_group' = 48: not a group size the NDP units "
                                          "take; allowed 32, 64, 128"),
              std::string::npos)
        << ex.what();
  }
  j["device"]["ndp"]["expert_weight_group"] = 64;
  j["device"]["ndp"]["expert_weight_format"] = "int2";
  EXPECT_THROW(test::load_experiment_text(j.dump()), config::ConfigError);
  // bf16 ignores the group (it has no scales).
  j["device"]["ndp"]["expert_weight_format"] = "bf16";
  j["device"]["ndp"]["expert_weight_group"] = 128;
  EXPECT_NO_THROW(test::load_experiment_text(j.dump()));
}

// Mixed precision on mixtral-8x7b-tiny under monde, offload and ndp_only: `lowest` the lowest-bit
// format allowed, G = 32, the error budget, and a GPU budget of one expert per layer (3 x 128 x
// 448 x 2 = 344,064 B: each layer's most popular expert is hot, bf16).
nlohmann::json mixed_experiment(const char* lowest, double budget) {
  auto j = experiment("mixtral-8x7b-tiny", R"(["monde", "offload", "ndp_only"])");
  j["device"]["ndp"]["expert_weight_format"] = lowest;
  j["device"]["ndp"]["expert_weight_group"] = 32;
  j["device"]["ndp"]["expert_weight_error_budget"] = budget;
  j["run"]["gpu_memory_budget_bytes_per_layer"] = 344064;
  return j;
}

// Mixed precision per expert (device.ndp.expert_weight_error_budget): mixtral-8x7b-tiny with
// uniform routing (seed 7), batch 8, top-2: 16 (token, expert) pairs per layer. The GPU budget of
// one expert (3 x 128 x 448 x 2 = 344,064 B) makes each layer's most popular expert hot (bf16); a
// budget of 5 % lies between the probe's int8/g32 (about 0.8 %) and int4/g32 (about 12 %) errors, so
// the other 7 are int8/g32. The driver places each in its format, the NDP jobs name it, and every
// NDP output equals the golden expert on its own operands bit for bit (bf16 experts: the weights)
// in every layer of every policy; ndp_only runs both formats in every layer.
TEST(MoeRuntimeFull, MixedFormatsPerExpertAreBitExact) {
  const auto j = mixed_experiment("int4", 0.05);
  const Result r = run_experiment(j);
  expect_all_layers_clean(r);
  for (const auto& run : r.runs) {
    for (const auto& l : run.layers) {
      if (!l.moe) continue;
      EXPECT_EQ(l.ndp_mismatched_elements, 0u) << run.policy << " layer " << l.layer;
      EXPECT_EQ(l.ndp_weight_error.elements, l.ndp_checked_elements);
      std::uint64_t tokens = 0;
      for (const auto& [f, n] : l.ndp_tokens_by_format) {
        EXPECT_TRUE(f == "bf16" || f == "int8/g32") << f;
        tokens += n;
      }
      // Every NDP (token, expert) pair is counted once, in its expert's format.
      if (run.policy == "ndp_only") {
        EXPECT_EQ(tokens, 16u) << "layer " << l.layer;
        EXPECT_EQ(l.ndp_tokens_by_format.size(), 2u) << "layer " << l.layer;
      }
    }
    if (run.policy == "ndp_only") {
      // Both formats ran: the run's error lies between none and the int8 probe's bound.
      EXPECT_GT(run.ndp_weight_error.rel_rms(), 0.001);
      EXPECT_LT(run.ndp_weight_error.rel_rms(), 0.02);
      EXPECT_GT(run.ndp_expected_rel_rms, 0.001);
      EXPECT_LT(run.ndp_expected_rel_rms, 0.02);
    }
  }
}

// Each expert's own format (data: full measures every expert on its own weights,
// system/mixed_precision.hpp): with a 12 % budget, which lies inside the spread of the experts'
// int4/g32 errors (about 10.7 % to 13.4 %), each cold expert takes int4 exactly when its own int4
// error is within it and int8 otherwise (every int8 error is about 0.8 %), so layers mix int4 and
// int8 experts; the table the runtime placed by is the one the measurement gives, the hot expert
// of each layer stays bf16, and every NDP output is bit-exact on its own operands.
TEST(MoeRuntimeFull, MixedFormatsFromEachExpertsOwnWeights) {
  const auto j = mixed_experiment("int4", 0.12);
  const Result r = run_experiment(j);
  expect_all_layers_clean(r);
  const ExpertFormatPlan plan = expert_format_plan(r.config);
  ASSERT_EQ(plan.expert_errors.size(), 4u);
  std::size_t mixed_layers = 0;
  for (std::size_t l = 0; l < 4; ++l) {
    std::size_t int4 = 0, int8 = 0, bf16 = 0;
    for (std::size_t e = 0; e < 8; ++e) {
      const auto& own = plan.expert_errors[l][e];  // int4/g32, then int8/g32
      const std::string f = config::describe(plan.formats.of(l, e));
      if (f == "bf16") {
        ++bf16;
        continue;
      }
      EXPECT_EQ(f, own[0].error.rel_rms() <= 0.12 ? "int4/g32" : "int8/g32") << "layer " << l << " expert " << e;
      EXPECT_LT(own[1].error.rel_rms(), 0.12);
      (f == "int4/g32" ? int4 : int8) += 1;
    }
    EXPECT_EQ(bf16, 1u) << "layer " << l;  // the hot expert
    if (int4 > 0 && int8 > 0) ++mixed_layers;
  }
  EXPECT_GT(mixed_layers, 0u);
  for (const auto& run : r.runs) {
    for (const auto& l : run.layers) EXPECT_EQ(l.ndp_mismatched_elements, 0u) << run.policy << " layer " << l.layer;
  }
}

// Mixed precision with gpu.fetch_quantised: each fetched expert moves its own NDP copy. The hot
// expert of each layer (the most popular: always routed) is bf16, 3 x 128 x 448 x 2 = 344,064 B;
// an int8/g32 one is 3 x (448 x 128 codes + 448 x 128 / 32 x 2 B of scales) = 3 x 60,928 =
// 182,784 B. offload fetches every routed expert: the hot one and experts_gpu_fetched - 1 int8
// ones. The GPU checks each fetched copy and computes on its dequantised weights (int8) or the
// bf16 weights: every layer of every policy stays clean.
TEST(MoeRuntimeFull, MixedFormatsWithTheQuantisedFetch) {
  auto j = mixed_experiment("int8", 0.05);
  j["gpu"]["fetch_quantised"] = true;
  const Result r = run_experiment(j);
  expect_all_layers_clean(r);
  for (const auto& run : r.runs) {
    if (run.policy != "offload") continue;
    for (const auto& l : run.layers) {
      if (!l.moe) continue;
      ASSERT_GT(l.experts_gpu_fetched, 1u);
      EXPECT_EQ(l.pcie_to_gpu_bytes, 344064u + (l.experts_gpu_fetched - 1) * 182784u) << "layer " << l.layer;
    }
  }
}

// Mixed precision's refusals, before anything is built: a budget below every quantised format's
// measured error (data: full, every expert's own, the least of each format; timing_only, the
// probe's) names the errors and the least budget allowed; a tensor-parallel split is not built
// with it.
TEST(MoeRuntimeFull, MixedPrecisionKeysAreChecked) {
  auto j = experiment("mixtral-8x7b-tiny", R"(["monde"])");
  j["device"]["ndp"]["expert_weight_format"] = "int4";
  j["device"]["ndp"]["expert_weight_group"] = 32;
  j["device"]["ndp"]["expert_weight_error_budget"] = 0.0001;
  for (const char* data : {"full", "timing_only"}) {
    j["run"]["data"] = data;
    const std::string on = std::string(data) == "full" ? "each expert's own weights, the least" : "the seeded probe";
    try {
      test::load_experiment_text(j.dump());
      FAIL() << "no error";
    } catch (const config::ConfigError& ex) {
      const std::string what = ex.what();
      EXPECT_NE(what.find("key 'device.ndp.expert_weight_error_budget' = 0.0001: is below the error of every "
                          "quantised format allowed (relative RMS measured on " + on + ": int4/g32 "),
                std::string::npos)
          << what;
      EXPECT_NE(what.find("allowed 0 (off) or at least "), std::string::npos) << what;
    }
  }
  j["run"]["data"] = "full";
  j["device"]["ndp"]["expert_weight_error_budget"] = 0.05;
  EXPECT_NO_THROW(test::load_experiment_text(j.dump()));
  j["device"]["ndp"]["expert_weight_format"] = "bf16";
  EXPECT_THROW(test::load_experiment_text(j.dump()), config::ConfigError);
  j["device"]["ndp"]["expert_weight_format"] = "int8";
  j["devices"] = {{"count", 2}, {"split", "always"}};
  j["run"]["data"] = "timing_only";
  try {
    test::load_experiment_text(j.dump());
    FAIL() << "no error";
  } catch (const config::ConfigError& ex) {
    EXPECT_NE(std::string(ex.what()).find("is not built for devices.split always"), std::string::npos) << ex.what();
  }
}

// Full data refuses full-size models before anything is built, naming the key and the way out.
TEST(MoeRuntimeFull, FullSizeModelsAreRefused) {
  try {
    test::load_experiment_text(experiment("mixtral-8x7b", R"(["monde"])").dump());
    FAIL() << "no error";
  } catch (const config::ConfigError& ex) {
    const std::string what = ex.what();
    EXPECT_NE(what.find("test.json: key 'run.data' = \"full\": needs a scaled-down model"), std::string::npos) << what;
    EXPECT_NE(what.find("-tiny"), std::string::npos) << what;
    EXPECT_NE(what.find("timing_only"), std::string::npos) << what;
  }
  EXPECT_NO_THROW(test::load_experiment_text(experiment("switch-base-128-tiny", R"(["monde"])").dump()));
}

}  // namespace
}  // namespace monde::system

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
