// Placement-policy speed: decisions per wall second. monde decides every MoE layer of every
// step, so it must be cheap next to the layer itself (milliseconds); the oracle is listed
// to show what exactness costs.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/config/config_node.hpp"
#include "hand_cost_model.hpp"
#include "host/policy/monde_policy.hpp"
#include "host/policy/oracle_policy.hpp"
#include "preset_layers.hpp"

namespace {

using namespace monde::policy;

// The realistic system of the tests: H100-class GPU, 32 GB/s effective links, LPDDR5X
// device (273 GB/s), 8 NDP units of 32 x 32 MACs at 1 GHz.
SystemCostModel system_model() {
  static const auto json = monde::config::parse_json_text(R"({
    "device_to_gpu_GBps": 32, "host_to_device_GBps": 32, "device_to_host_GBps": 32, "link_latency_us": 1,
    "ndp_dram_GBps": 273, "ndp_macs_per_s": 8.192e12, "ndp_job_overhead_us": 2,
    "cpu_weight_GBps": 40, "cpu_gflops": 2000, "gpu_host_activation_GBps": 25,
    "gpu_memory_budget_bytes_per_layer": 0,
    "gpu": {"model": "roofline", "peak_tflops": 989, "hbm_GBps": 3350, "launch_us": 5}})", "bench");
  return monde::policy::test::hand_cost_model(json);
}

// `count` layers of `experts` Mixtral-shaped experts (d_model 4096, d_ff 14336, SwiGLU),
// `tokens` routed tokens each, spread Zipf-like (weight 1/rank^1.0 over a random ranking).
// Only raw mt19937_64 output is used, so the layers are the same on every platform.
std::vector<LayerDemand> zipf_layers(std::size_t count, std::size_t experts, std::uint64_t tokens) {
  std::mt19937_64 gen(42);
  std::vector<LayerDemand> layers;
  for (std::size_t n = 0; n < count; ++n) {
    std::vector<std::size_t> rank(experts);
    for (std::size_t i = 0; i < experts; ++i) rank[i] = i;
    for (std::size_t i = experts; i-- > 1;) std::swap(rank[i], rank[gen() % (i + 1)]);
    std::vector<double> cumulative(experts);
    double sum = 0;
    for (std::size_t i = 0; i < experts; ++i) cumulative[i] = sum += 1.0 / static_cast<double>(rank[i] + 1);
    LayerDemand d;
    d.shape = ExpertShape{4096, 14336, true, 2};
    d.tokens_per_expert.assign(experts, 0);
    for (std::uint64_t t = 0; t < tokens; ++t) {
      const double u = static_cast<double>(gen() >> 11) * 0x1.0p-53 * sum;
      const auto k = static_cast<std::size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), u) -
                                              cumulative.begin());
      ++d.tokens_per_expert[std::min(k, experts - 1)];
    }
    layers.push_back(std::move(d));
  }
  return layers;
}

// Decides the layers in turn with `policy`, under `model`.
void decide_with(benchmark::State& state, PlacementPolicy& policy, const std::vector<LayerDemand>& layers,
                 const SystemCostModel& model) {
  std::size_t next = 0;
  std::uint64_t decisions = 0;
  for (auto _ : state) {
    const Placement p = policy.place(layers[next], model);
    benchmark::DoNotOptimize(p.cost.makespan_s);
    next = (next + 1) % layers.size();
    ++decisions;
  }
  state.counters["decisions_per_second"] =
      benchmark::Counter(static_cast<double>(decisions), benchmark::Counter::kIsRate);
}

template <typename Policy>
void decide(benchmark::State& state, const std::vector<LayerDemand>& layers) {
  Policy policy;
  decide_with(state, policy, layers, system_model());
}

// 128 experts, 512 tokens x top-2 = 1024 routed tokens per layer.
void BM_Policy_Monde(benchmark::State& state) {
  static const auto layers = zipf_layers(64, 128, 1024);
  decide<MondePolicy>(state, layers);
}
BENCHMARK(BM_Policy_Monde);

// The oracle on 16 experts, all routed (16 x 64 tokens), on the hand-built model.
void BM_Policy_Oracle16(benchmark::State& state) {
  static const auto layers = [] {
    auto all = zipf_layers(64, 16, 1024);
    for (auto& d : all) {
      for (auto& t : d.tokens_per_expert) t = std::max<std::uint64_t>(t, 1);
    }
    return all;
  }();
  decide<OraclePolicy>(state, layers);
}
BENCHMARK(BM_Policy_Oracle16);

// Real layers: a preset's MoE layers routed by zipf on the default experiment's hardware, with
// the cost model derived from it (tests/unit/preset_layers.hpp), one decision per layer in turn.
// `devices` MoNDE devices: each expert on the device the driver places it on (devices.placement's
// default), one NDP path per device in the search.
const monde::policy::test::PresetLayers& preset(const char* name, Phase phase, std::uint32_t devices = 1) {
  static std::map<std::tuple<std::string, Phase, std::uint32_t>, monde::policy::test::PresetLayers> cache;
  const auto key = std::make_tuple(std::string(name), phase, devices);
  auto it = cache.find(key);
  if (it == cache.end()) {
    const std::uint64_t tokens = phase == Phase::kDecode ? 256 : 2048;  // decode batch 256; a 2048-token prompt
    it = cache.emplace(key, monde::policy::test::preset_layers(name, phase, tokens, MONDE_SHARED_DIR "/data", devices))
             .first;
  }
  return it->second;
}

// Qwen3-30B-A3B: 128 experts, top-8, 48 layers (decode: 125..128 routed per layer). The exact
// search over GPU and NDP, monde's own choice.
void BM_Policy_OracleGpuNdp128_Decode(benchmark::State& state) {
  const auto& p = preset("qwen3-30b-a3b", Phase::kDecode);
  OraclePolicy oracle(OraclePaths::kGpuNdp);
  decide_with(state, oracle, p.layers, p.model);
}
BENCHMARK(BM_Policy_OracleGpuNdp128_Decode)->Unit(benchmark::kMillisecond);

void BM_Policy_OracleGpuNdp128_Prefill(benchmark::State& state) {
  const auto& p = preset("qwen3-30b-a3b", Phase::kPrefill);
  OraclePolicy oracle(OraclePaths::kGpuNdp);
  decide_with(state, oracle, p.layers, p.model);
}
BENCHMARK(BM_Policy_OracleGpuNdp128_Prefill)->Unit(benchmark::kMillisecond);

// The three-way search where it is quick: gpt-oss-20b (32 experts, top-4), decode batch 256.
void BM_Policy_Oracle32_Decode(benchmark::State& state) {
  const auto& p = preset("gpt-oss-20b", Phase::kDecode);
  OraclePolicy oracle;
  decide_with(state, oracle, p.layers, p.model);
}
BENCHMARK(BM_Policy_Oracle32_Decode)->Unit(benchmark::kMillisecond);

// deepseek-v2-lite (64 experts, top-6), decode batch 256: the layer the waits' bounds were made
// for (1.3 s per layer before them; docs/policies.md "oracle", Cost).
void BM_Policy_Oracle64_Decode(benchmark::State& state) {
  const auto& p = preset("deepseek-v2-lite", Phase::kDecode);
  OraclePolicy oracle;
  decide_with(state, oracle, p.layers, p.model);
}
BENCHMARK(BM_Policy_Oracle64_Decode)->Unit(benchmark::kMillisecond);

// The three-way search on 128 experts: qwen3-30b-a3b (top-8), decode batch 256 (125..128 routed
// per layer; 45 s of CPU for the first layer before the per-copy-count passes) and a 2048-token
// prefill.
void BM_Policy_Oracle128_Decode(benchmark::State& state) {
  const auto& p = preset("qwen3-30b-a3b", Phase::kDecode);
  OraclePolicy oracle;
  decide_with(state, oracle, p.layers, p.model);
}
BENCHMARK(BM_Policy_Oracle128_Decode)->Unit(benchmark::kMillisecond);

void BM_Policy_Oracle128_Prefill(benchmark::State& state) {
  const auto& p = preset("qwen3-30b-a3b", Phase::kPrefill);
  OraclePolicy oracle;
  decide_with(state, oracle, p.layers, p.model);
}
BENCHMARK(BM_Policy_Oracle128_Prefill)->Unit(benchmark::kMillisecond);

// The same layers on several devices (the argument): one NDP path per device in the search.
void BM_Policy_OracleGpuNdp128_Decode_Devices(benchmark::State& state) {
  const auto& p = preset("qwen3-30b-a3b", Phase::kDecode, static_cast<std::uint32_t>(state.range(0)));
  OraclePolicy oracle(OraclePaths::kGpuNdp);
  decide_with(state, oracle, p.layers, p.model);
}
BENCHMARK(BM_Policy_OracleGpuNdp128_Decode_Devices)->Arg(2)->Arg(4)->Arg(8)->Unit(benchmark::kMillisecond);

// The three-way search on several devices: gpt-oss-20b (32 routed) and deepseek-v2-lite (64
// routed) decode, and qwen3-30b-a3b's 2048-token prefill (128 routed) on 2 devices, seconds per
// layer. (Its decode layers on 2 devices are not here: minutes each; docs/policies.md, "oracle",
// Several devices.)
void BM_Policy_Oracle32_Decode_Devices(benchmark::State& state) {
  const auto& p = preset("gpt-oss-20b", Phase::kDecode, static_cast<std::uint32_t>(state.range(0)));
  OraclePolicy oracle;
  decide_with(state, oracle, p.layers, p.model);
}
BENCHMARK(BM_Policy_Oracle32_Decode_Devices)->Arg(2)->Arg(4)->Unit(benchmark::kMillisecond);

void BM_Policy_Oracle64_Decode_Devices(benchmark::State& state) {
  const auto& p = preset("deepseek-v2-lite", Phase::kDecode, static_cast<std::uint32_t>(state.range(0)));
  OraclePolicy oracle;
  decide_with(state, oracle, p.layers, p.model);
}
BENCHMARK(BM_Policy_Oracle64_Decode_Devices)->Arg(2)->Arg(4)->Unit(benchmark::kMillisecond);

void BM_Policy_Oracle128_Prefill_Devices(benchmark::State& state) {
  const auto& p = preset("qwen3-30b-a3b", Phase::kPrefill, static_cast<std::uint32_t>(state.range(0)));
  OraclePolicy oracle;
  decide_with(state, oracle, p.layers, p.model);
}
BENCHMARK(BM_Policy_Oracle128_Prefill_Devices)->Arg(2)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
