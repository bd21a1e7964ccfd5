// DRAM model speed: simulated 64-byte requests per wall second for the timed model (random
// and sequential reads, queues kept full on the embedded LPDDR5X-8533 preset; random reads on
// the DDR4-3200 preset, the model alone under bench_dram_tlm.cpp's TLM runs), and bytes per
// wall second for the bandwidth model streaming one Mixtral-8x7B expert (352 MB).
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "core/config/device_config.hpp"
#include "tlm/memory/bandwidth_model.hpp"
#include "core/config/dram_config.hpp"
#include "tlm/memory/dram_system.hpp"

namespace {

using namespace monde;
using namespace monde::mem;

config::DramConfig preset(const char* name = "lpddr5x-8533") { return config::load_device_config(name).dram; }

// Keeps every queue full: push while the target channel accepts, otherwise advance the model
// to its next event. Counts completed requests.
void stream(benchmark::State& state, bool random, const char* device = "lpddr5x-8533") {
  const config::DramConfig cfg = preset(device);
  constexpr std::uint64_t kPerIteration = 100000;
  std::uint64_t completed = 0;
  std::mt19937_64 rng(1);
  const std::uint64_t lines = cfg.capacity_bytes() / 64;
  for (auto _ : state) {
    DramSystem dram(cfg);
    std::vector<DramCompletion> done;
    std::uint64_t now = 0, next_addr = 0, id = 0, finished = 0;
    std::uint64_t pending_addr = random ? (rng() % lines) * 64 : 0;
    while (finished < kPerIteration) {
      while (id < kPerIteration && dram.can_accept(pending_addr, false)) {
        dram.push(DramRequest{id++, pending_addr, false, now});
        next_addr += 64;
        pending_addr = random ? (rng() % lines) * 64 : next_addr;
      }
      now = dram.next_event_ps();
      done.clear();
      dram.advance_to(now, done);
      finished += done.size();
    }
    completed += finished;
  }
  state.counters["requests_per_second"] = benchmark::Counter(double(completed), benchmark::Counter::kIsRate);
}

void BM_Dram_TimedRandomRead64B(benchmark::State& state) { stream(state, true); }
void BM_Dram_TimedSequentialRead64B(benchmark::State& state) { stream(state, false); }
void BM_Dram_TimedRandomRead64B_Ddr4(benchmark::State& state) { stream(state, true, "ddr4-3200"); }

// 352 MB = one Mixtral-8x7B expert (3 x 4096 x 14336 bf16 weights = 352,321,536 bytes),
// streamed as 64 B requests through the bandwidth model.
void BM_Dram_BandwidthModeStream(benchmark::State& state) {
  const config::DramConfig cfg = preset();
  constexpr std::uint64_t kExpertBytes = 3ull * 4096 * 14336 * 2;
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    BandwidthModel bw(cfg);
    std::uint64_t t = 0;
    for (std::uint64_t off = 0; off < kExpertBytes; off += 64) t = bw.transfer(0, 64);
    benchmark::DoNotOptimize(t);
    bytes += kExpertBytes;
  }
  state.counters["bytes_per_second"] = benchmark::Counter(double(bytes), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_Dram_TimedRandomRead64B)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Dram_TimedSequentialRead64B)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Dram_TimedRandomRead64B_Ddr4)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Dram_BandwidthModeStream)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
