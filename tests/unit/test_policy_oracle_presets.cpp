// The oracle on every model preset's real layers (the default device and GPU, zipf routing):
// never worse than monde or cpu, also on layers split across 2 and 4 devices, and the gap reports
// of docs/policies.md ("oracle"), printed:
//   build/release/tests/test_policy_presets --gtest_filter='*GapReport*'
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "core/config/presets.hpp"
#include "core/perf/expert_split.hpp"
#include "host/policy/cpu_policy.hpp"
#include "host/policy/evaluator.hpp"
#include "host/policy/gap.hpp"
#include "host/policy/monde_policy.hpp"
#include "host/policy/oracle_policy.hpp"
#include "preset_layers.hpp"

namespace monde::policy {
namespace {

constexpr std::uint64_t kDecodeBatch = 256;
constexpr std::uint64_t kPrefillTokens = 2048;

// mean and max of a ratio over layers
struct Ratio {
  double sum = 0, max = 0;
  std::size_t n = 0;
  void add(double r) {
    sum += r;
    max = std::max(max, r);
    ++n;
  }
  double mean() const { return n == 0 ? 0.0 : sum / static_cast<double>(n); }
};

struct PhaseReport {
  Ratio monde_to_gpu_ndp;        // monde / oracle over GPU and NDP
  Ratio monde_to_oracle;         // monde / oracle over all three paths
  Ratio cpu_to_oracle;           // cpu / oracle over all three paths
  double slowest_gpu_ndp_s = 0;  // wall time of the slowest decision of each oracle
  double slowest_oracle_s = 0;
  std::size_t experts = 0;       // most routed experts in one layer
};

template <typename F>
double seconds(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Places every layer with monde, cpu and the oracles; checks that no oracle is beaten.
PhaseReport run_preset(const std::string& name, Phase phase, std::uint64_t tokens) {
  const test::PresetLayers p = test::preset_layers(name, phase, tokens, MONDE_SHARED_DIR "/data");
  PhaseReport r;
  for (std::size_t l = 0; l < p.layers.size(); ++l) {
    const LayerDemand& d = p.layers[l];
    const std::string where = name + (phase == Phase::kDecode ? " decode" : " prefill") + " layer " + std::to_string(l);
    const Placement monde = MondePolicy().place(d, p.model);
    const Placement cpu = CpuPolicy().place(d, p.model);
    Placement gpu_ndp;
    r.slowest_gpu_ndp_s = std::max(
        r.slowest_gpu_ndp_s, seconds([&] { gpu_ndp = OraclePolicy(OraclePaths::kGpuNdp).place(d, p.model); }));
    EXPECT_LE(gpu_ndp.cost.makespan_s, monde.cost.makespan_s) << where;
    EXPECT_EQ(gpu_ndp.cost.experts_cpu, 0u) << where;
    r.monde_to_gpu_ndp.add(makespan_ratio(monde, gpu_ndp));
    r.experts = std::max(r.experts, d.active_count());
    Placement oracle;
    r.slowest_oracle_s =
        std::max(r.slowest_oracle_s, seconds([&] { oracle = OraclePolicy().place(d, p.model); }));
    EXPECT_LE(oracle.cost.makespan_s, gpu_ndp.cost.makespan_s) << where;
    EXPECT_LE(oracle.cost.makespan_s, cpu.cost.makespan_s) << where;
    r.monde_to_oracle.add(makespan_ratio(monde, oracle));
    r.cpu_to_oracle.add(makespan_ratio(cpu, oracle));
  }
  return r;
}

std::string cell(const Ratio& r) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f / %.4f", r.mean(), r.max);
  return buf;
}

std::string ms(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", s * 1e3);
  return buf;
}

// Every full-size preset (the -tiny ones only scale the weights down for data: full runs), one
// decode step of batch 256 and one 2048-token prefill: each oracle is never worse than monde or
// cpu on any layer, and the table of docs/policies.md ("Gap on the presets").
TEST(OraclePresets, NeverWorseThanMondeOrCpuAndGapReport) {
  std::cout << "| preset | phase | routed experts (max) | monde / GPU-NDP oracle (mean / max) | monde / oracle "
               "(mean / max) | cpu / oracle (mean / max) | slowest layer: GPU-NDP oracle, oracle |\n"
               "|---|---|---|---|---|---|---|\n";
  for (const std::string& name : config::preset_names("model")) {
    if (name.find("-tiny") != std::string::npos) continue;
    for (const Phase phase : {Phase::kDecode, Phase::kPrefill}) {
      const bool decode = phase == Phase::kDecode;
      const PhaseReport r = run_preset(name, phase, decode ? kDecodeBatch : kPrefillTokens);
      std::cout << "| " << name << " | " << (decode ? "decode, batch 256" : "prefill, 2048 tokens") << " | "
                << r.experts << " | " << cell(r.monde_to_gpu_ndp) << " | " << cell(r.monde_to_oracle) << " | "
                << cell(r.cpu_to_oracle) << " | " << ms(r.slowest_gpu_ndp_s) << ", " << ms(r.slowest_oracle_s) << " |"
                << std::endl;
    }
  }
}

// Every full-size preset's layers split across 2 and 4 devices (devices.split, equal slices or of
// two sizes; the same cost model with that many devices): the GPU/NDP oracle is
// never worse than monde, which plans the same split; the split table of docs/policies.md
// ("oracle", "Several devices").
TEST(OraclePresets, SplitLayersNeverWorseThanMondeAndGapReport) {
  std::cout << "| preset | phase | devices | monde / GPU-NDP oracle (mean / max) | slowest layer |\n"
               "|---|---|---|---|---|\n";
  std::size_t planned = 0;
  for (const std::string& name : config::preset_names("model")) {
    if (name.find("-tiny") != std::string::npos) continue;
    for (const Phase phase : {Phase::kDecode, Phase::kPrefill}) {
      const bool decode = phase == Phase::kDecode;
      test::PresetLayers p =
          test::preset_layers(name, phase, decode ? kDecodeBatch : kPrefillTokens, MONDE_SHARED_DIR "/data");
      for (const std::uint32_t devices : {2u, 4u}) {
        if (p.layers.empty() || !perf::split_fits(p.layers[0].shape, devices)) continue;
        SystemCostModel model = p.model;
        model.ndp_devices = devices;
        Ratio gap;
        double slowest_s = 0;
        for (std::size_t l = 0; l < p.layers.size(); ++l) {
          LayerDemand d = p.layers[l];
          d.split_devices = devices;
          const std::string where = name + (decode ? " decode" : " prefill") + " layer " + std::to_string(l) + ", " +
                                    std::to_string(devices) + " devices";
          const Placement monde = MondePolicy().place(d, model);
          Placement oracle;
          slowest_s = std::max(slowest_s, seconds([&] { oracle = OraclePolicy(OraclePaths::kGpuNdp).place(d, model); }));
          EXPECT_LE(oracle.cost.makespan_s, monde.cost.makespan_s) << where;
          EXPECT_EQ(oracle.cost.makespan_s, evaluate(oracle, d, model).makespan_s) << where;
          gap.add(makespan_ratio(monde, oracle));
          ++planned;
        }
        std::cout << "| " << name << " | " << (decode ? "decode, batch 256" : "prefill, 2048 tokens") << " | " << devices
                  << " | " << cell(gap) << " | " << ms(slowest_s) << " |" << std::endl;
      }
    }
  }
  EXPECT_GT(planned, 0u);
}

}  // namespace
}  // namespace monde::policy
