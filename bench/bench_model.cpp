// End-to-end simulation speed: one full Mixtral-8x7B decode step (32 MoE layers, batch 32,
// routing sampled from the fiddler trace) on the whole modelled system under the monde policy,
// with the embedded default experiment (timing_only + bandwidth DRAM), built by build_system().
// The benchmark's time per iteration is the wall time of one simulated decode step.
// One elaboration per process: the host thread runs one step per sc_start() and pauses.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "system/builder.hpp"
#include "system/experiment.hpp"
#include "system/routing.hpp"

namespace {

using namespace monde;
using namespace monde::system;

struct Bench {
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
  config::ExperimentSource source;  // the embedded default experiment
  source.data_dirs = {std::string(MONDE_SOURCE_DIR) + "/../shared/data"};
  if (const char* d = std::getenv("MONDE_DATA_DIR")) source.data_dirs.insert(source.data_dirs.begin(), d);
  const Experiment ex = load_experiment(source);
  g.demand = route_experiment(ex.config);
  auto sys = build_system(ex.config);
  sys->top().set_body([&] {
    sys->runtime().setup();
    for (;;) {
      while (!g.pending) sc_core::wait(g.go);
      g.simulated_s = sys->runtime().run_policy("monde", g.demand).simulated_s;
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
