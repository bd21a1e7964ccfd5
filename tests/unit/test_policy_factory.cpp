// Policies by name, and the interface's promise that every policy is scored by evaluate().
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "core/config/config_node.hpp"
#include "host/policy/evaluator.hpp"
#include "host/policy/policy_factory.hpp"

namespace monde::policy {
namespace {

TEST(PolicyFactory, EveryNameMakesItsPolicy) {
  PolicyOptions options;
  options.expert_popularity = {4, 3, 2, 1};
  for (const auto& name : policy_names()) {
    const auto policy = make_policy(name, options);
    ASSERT_NE(policy, nullptr);
    EXPECT_EQ(policy->name(), name);
  }
  EXPECT_EQ(policy_names().size(), 7u);
}

TEST(PolicyFactory, UnknownNameListsTheKnownOnes) {
  try {
    make_policy("mondee");
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "unknown placement policy 'mondee' (known: monde, offload, ndp_only, cpu, static_freq, context, oracle)"),
              std::string::npos) << e.what();
  }
  EXPECT_THROW(make_policy("static_freq"), std::invalid_argument);  // needs its popularity vector
}

TEST(PolicyFactory, EveryPolicyReturnsTheEvaluatorsScore) {
  const auto json = config::parse_json_text(R"({
    "device_to_gpu_GBps": 32, "host_to_device_GBps": 32, "device_to_host_GBps": 32, "link_latency_us": 1,
    "ndp_dram_GBps": 273, "ndp_macs_per_s": 8.192e12, "ndp_job_overhead_us": 2,
    "cpu_weight_GBps": 40, "cpu_gflops": 2000, "gpu_host_activation_GBps": 25,
    "gpu_memory_budget_bytes_per_layer": 704643072,
    "gpu": {"model": "roofline", "peak_tflops": 989, "hbm_GBps": 3350, "launch_us": 5}})", "sys");
  const SystemCostModel m = parse_system_cost_model(config::ConfigNode(json, "sys"));
  LayerDemand d;
  d.shape = ExpertShape{4096, 14336, true, 2};
  d.tokens_per_expert = {900, 12, 0, 3, 300, 1, 0, 40};
  d.phase = Phase::kPrefill;  // context learns from it; the others ignore the phase
  PolicyOptions options;
  options.expert_popularity = {8, 7, 6, 5, 4, 3, 2, 1};
  for (const auto& name : policy_names()) {
    const auto policy = make_policy(name, options);
    const Placement p = policy->place(d, m);
    const CostBreakdown again = evaluate(p, d, m);
    EXPECT_EQ(p.cost.makespan_s, again.makespan_s) << name;
    EXPECT_GT(p.cost.makespan_s, 0.0) << name;
    EXPECT_EQ(p.location[2], ExpertLocation::kIdle) << name;
  }
}

}  // namespace
}  // namespace monde::policy
