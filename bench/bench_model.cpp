// End-to-end simulation speed: one full Mixtral-8x7B decode step (32 MoE layers, batch 32,
// routing sampled from the fiddler trace) on the whole modelled system under the monde policy,
// with the embedded default experiment (cycle + timing_only + bandwidth DRAM). The benchmark's
// time per iteration is the wall time of one simulated decode step (target: < 2 s).
// One elaboration per process: the host thread runs one step per sc_start() and pauses.
#include <benchmark/benchmark.h>

#include <string>

#include "core/config/default_config.hpp"
#include "tlm/gpu/gpu_model_config.hpp"
#include "system/derived_cost_model.hpp"
#include "system/moe_runtime.hpp"
#include "system/monde_system.hpp"

namespace {

using namespace monde;
using namespace monde::system;

struct Bench {
  MondeSystem* system = nullptr;
  MoeRuntime* runtime = nullptr;
  Demand demand;
  bool pending = false;
  double simulated_s = 0;
  sc_core::sc_event go;
};
Bench g;

void BM_Model_DecodeStep_Mixtral8x7B(benchmark::State& state) {
  for (auto _ : state) {
    g.pending = true;
    g.go.notify(sc_core::SC_ZERO_TIME);
    sc_core::sc_start();
  }
  state.counters["simulated_ms"] = g.simulated_s * 1e3;
}
BENCHMARK(BM_Model_DecodeStep_Mixtral8x7B)->Unit(benchmark::kMillisecond);

}  // namespace

int sc_main(int argc, char* argv[]) {
  std::string source;
  const nlohmann::json j = config::load_config_or_default("", source);
  const ExperimentConfig e = parse_experiment(j, source, MONDE_SOURCE_DIR);
  const gpu::GpuModelConfig gc = gpu::parse_gpu_model_config(config::ConfigNode(e.gpu, source, "gpu"));
  auto compute = gpu::make_gpu_compute_model(gc, MONDE_SOURCE_DIR);
  MondeSystem sys("system", e, gc, compute);
  MoeRuntime rt(e, sys, derive_cost_model(e, gc, compute));
  g.system = &sys;
  g.runtime = &rt;
  g.demand = route_experiment(e);
  sys.set_body([&] {
    rt.setup();
    for (;;) {
      while (!g.pending) sc_core::wait(g.go);
      g.simulated_s = rt.run_policy("monde", g.demand).simulated_s;
      g.pending = false;
      sc_core::sc_pause();
    }
  });
  sc_core::sc_start();  // elaborate, place the weights; the host thread then waits for work
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
