// End-to-end simulation speed: one full step on the whole modelled system (timing_only +
// bandwidth DRAM, built by build_system()), by default the embedded default experiment: one
// Mixtral-8x7B decode step end to end (32 layers of attention over 1024 cached tokens and MoE,
// batch 32, routing sampled from the fiddler trace; embedding and LM head) under monde. The benchmark's time per iteration is the wall time of one simulated step.
// One elaboration per process, so one step kind per run: the bench's own flags (taken out of
// argv before Google Benchmark sees it) pick it:
//   --step-name NAME     the benchmark's name (default BM_Model_DecodeStep_Mixtral8x7B)
//   --step-set K=V       an experiment override, repeatable (as monde-sim run --set)
//   --step-policy P      the placement policy (default monde)
// `make bench` runs the decode step and the prefill steps of the slowest presets this way.
// The host thread runs one step per sc_start() and pauses.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

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

void BM_Model_Step(benchmark::State& state) {
  for (auto _ : state) {
    g.pending = true;
    g.go.notify(sc_core::SC_ZERO_TIME);
    sc_core::sc_start();
  }
  state.counters["simulated_ms"] = g.simulated_s * 1e3;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  config::ExperimentSource source;  // the embedded default experiment
  std::string name = "BM_Model_DecodeStep_Mixtral8x7B", policy = "monde";
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (has_value && std::strcmp(argv[i], "--step-name") == 0) {
      name = argv[++i];
    } else if (has_value && std::strcmp(argv[i], "--step-set") == 0) {
      source.set(argv[++i]);
    } else if (has_value && std::strcmp(argv[i], "--step-policy") == 0) {
      policy = argv[++i];
    } else {
      rest.push_back(argv[i]);
    }
  }
  argc = static_cast<int>(rest.size());
  argv = rest.data();
  source.data_dirs = {std::string(MONDE_SOURCE_DIR) + "/../shared/data"};
  if (const char* d = std::getenv("MONDE_DATA_DIR")) source.data_dirs.insert(source.data_dirs.begin(), d);
  const Experiment ex = load_experiment(source);
  g.demand = route_experiment(ex.config);
  auto sys = build_system(ex.config);
  sys->top().set_body([&] {
    sys->runtime().setup();
    for (;;) {
      while (!g.pending) sc_core::wait(g.go);
      g.simulated_s = sys->runtime().run_policy(policy, g.demand).simulated_s;
      g.pending = false;
      sc_core::sc_pause();
    }
  });
  sc_core::sc_start();  // elaborate, place the weights; the host thread then waits for work
  benchmark::RegisterBenchmark(name.c_str(), BM_Model_Step)->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
