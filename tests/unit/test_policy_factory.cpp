// Policies by name (the registry), and the interface's promise that every policy is scored by
// evaluate().
#include <gtest/gtest.h>

#include <iterator>
#include <stdexcept>
#include <string>

#include "core/config/config_node.hpp"
#include "hand_cost_model.hpp"
#include "host/policy/evaluator.hpp"
#include "host/policy/policy_registry.hpp"

namespace monde::policy {
namespace {

RunHistory history(std::vector<double> popularity) {
  RunHistory h;
  h.expert_popularity = std::move(popularity);
  return h;
}

TEST(PolicyRegistry, EveryNameMakesItsPolicy) {
  for (const auto& info : policy_registry()) {
    const auto policy = make_policy(info.name);
    ASSERT_NE(policy, nullptr);
    EXPECT_EQ(policy->name(), info.name);
    EXPECT_FALSE(info.description.empty()) << info.name;
    EXPECT_EQ(find_policy(info.name), &info);
  }
  EXPECT_EQ(policy_registry().size(), 11u);
  EXPECT_EQ(policy_names_text(), "monde, monde_cached, offload, offload_cached, ndp_only, cpu, static_freq, context, oracle, "
                                 "oracle_gpu_ndp, monde_paper");
  // The limits known before simulating: only the exact oracles have one.
  EXPECT_EQ(find_policy("oracle")->max_active_experts, 256u);
  EXPECT_EQ(find_policy("oracle_gpu_ndp")->max_active_experts, 256u);
  EXPECT_EQ(find_policy("monde")->max_active_experts, 0u);
  // The runtime asks the policy what it needs, never its name.
  EXPECT_TRUE(make_policy("context")->learns_from_prompts());
  EXPECT_FALSE(make_policy("static_freq")->learns_from_prompts());
  EXPECT_TRUE(make_policy("monde_paper")->calibrates_on_a_batch());
  EXPECT_FALSE(make_policy("monde")->calibrates_on_a_batch());
}

// Each policy's flags, which the experiment checks and the runtime read (policy_registry.hpp):
// which plan from the prompts, which read the host DRAM copy, which
// have a CPU path, and how each uses the GPU expert cache. One row per policy, in registry order.
TEST(PolicyRegistry, EveryPolicyHasItsFlags) {
  using C = ExpertCacheUse;
  struct Want {
    const char* name;
    bool from_prefill, host_copy, cpu_path;
    C cache;
  };
  const Want want[] = {
      {"monde", false, false, false, C::kIgnores},
      {"monde_cached", false, false, false, C::kRequired},
      {"offload", false, true, false, C::kIgnores},
      {"offload_cached", false, true, false, C::kRequired},
      {"ndp_only", false, false, false, C::kIgnores},
      {"cpu", false, true, true, C::kIgnores},
      {"static_freq", false, false, false, C::kPinnedOnly},
      {"context", true, false, false, C::kIgnores},
      {"oracle", false, false, true, C::kIgnores},
      {"oracle_gpu_ndp", false, false, false, C::kIgnores},
      {"monde_paper", false, false, false, C::kIgnores},
  };
  ASSERT_EQ(policy_registry().size(), std::size(want));
  for (std::size_t i = 0; i < std::size(want); ++i) {
    const PolicyInfo& p = policy_registry()[i];
    EXPECT_EQ(p.name, want[i].name);
    EXPECT_EQ(p.plans_decode_from_prefill, want[i].from_prefill) << p.name;
    EXPECT_EQ(p.reads_host_memory_copy, want[i].host_copy) << p.name;
    EXPECT_EQ(p.uses_cpu_path, want[i].cpu_path) << p.name;
    EXPECT_EQ(p.expert_cache, want[i].cache) << p.name;
  }
}

TEST(PolicyRegistry, UnknownNameListsTheKnownOnes) {
  EXPECT_EQ(find_policy("mondee"), nullptr);
  try {
    make_policy("mondee");
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "unknown placement policy 'mondee' (known: monde, monde_cached, offload, offload_cached, ndp_only, cpu, "
                  "static_freq, context, oracle, oracle_gpu_ndp, monde_paper)"),
              std::string::npos)
        << e.what();
  }
}

TEST(PolicyRegistry, EveryPolicyReturnsTheEvaluatorsScore) {
  const auto json = config::parse_json_text(R"({
    "device_to_gpu_GBps": 32, "host_to_device_GBps": 32, "device_to_host_GBps": 32, "link_latency_us": 1,
    "ndp_dram_GBps": 273, "ndp_macs_per_s": 8.192e12, "ndp_job_overhead_us": 2,
    "cpu_weight_GBps": 40, "cpu_gflops": 2000, "gpu_host_activation_GBps": 25,
    "gpu_memory_budget_bytes_per_layer": 704643072, "shared_dram_GBps": 273, "shared_link_GBps": 32,
    "gpu": {"model": "roofline", "peak_tflops": 989, "hbm_GBps": 3350, "launch_us": 5}})", "sys");
  const SystemCostModel m = test::hand_cost_model(json);
  LayerDemand d;
  d.shape = ExpertShape{4096, 14336, true, 2};
  d.tokens_per_expert = {900, 12, 0, 3, 300, 1, 0, 40};
  d.phase = Phase::kPrefill;  // context learns from it; the others ignore the phase
  for (const auto& info : policy_registry()) {
    const auto policy = make_policy(info.name);
    RunHistory h = history({8, 7, 6, 5, 4, 3, 2, 1});
    h.calibration = {d};  // monde_paper calibrates its alpha on a batch; the others ignore it
    policy->prepare(h, m);
    const Placement p = policy->place(d, m);
    const CostBreakdown again = evaluate(p, d, m);
    EXPECT_EQ(p.cost.makespan_s, again.makespan_s) << info.name;
    EXPECT_GT(p.cost.makespan_s, 0.0) << info.name;
    EXPECT_EQ(p.location[2], ExpertLocation::kIdle) << info.name;
  }
  // static_freq cannot place without the popularity prepare() gives it.
  EXPECT_THROW(make_policy("static_freq")->place(d, m), std::invalid_argument);
  EXPECT_THROW(make_policy("static_freq")->prepare(history({}), m), std::invalid_argument);
}

}  // namespace
}  // namespace monde::policy
