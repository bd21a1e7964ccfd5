// MAC-array simulation speed: the Verilated model in a bare C++ loop, the SystemC wrapper
// around the same RTL (batched: all of a tile's cycles in one activation), and the C++
// cycle model in the same wrapper. Each reports simulated array cycles per wall second on
// the default 16 x 16 array, streaming full tiles (k = 256).
//
// SystemC allows one elaboration per process: the design is built once in sc_main and each
// benchmark hands its tiles to an SC_THREAD that ends every job with sc_pause().
#include "tlm/ndp/mac_array_pin_level.hpp"  // Verilator headers (and Vmac_array.h) before SystemC

#include <benchmark/benchmark.h>

#include <random>

#include "tlm/ndp/mac_array_module.hpp"
#include "core/perf/mac_cycles.hpp"
#include "tlm/ndp/mac_random_tiles.hpp"

namespace {

using namespace monde;
using namespace monde::ndp;

constexpr unsigned kK = 256;
constexpr unsigned kTilesPerIteration = 8;

const MacTile& bench_tile() {
  static const MacTile t = [] {
    std::mt19937_64 rng(99);
    return random_tile(rng, MONDE_RTL_ROWS, MONDE_RTL_COLS, kK, true, 0.0);
  }();
  return t;
}

// --- The Verilated model alone: inputs pre-packed, one beat per cycle, drain, repeat. ---
void BM_MacArray_VerilatedRaw(benchmark::State& state) {
  VerilatedContext ctx;
  Vmac_array top(&ctx, "mac_array");
  const auto& t = bench_tile();
  // Pre-pack every beat's input words so that the loop measures the model, not packing.
  std::vector<std::remove_reference_t<decltype(top.in_a)>> beats_a(kK);
  std::vector<std::remove_reference_t<decltype(top.in_b)>> beats_b(kK);
  for (unsigned k = 0; k < kK; ++k) {
    for (unsigned r = 0; r < t.rows; ++r) {
      beats_a[k][r / 2] |= std::uint32_t(t.a[std::size_t(r) * kK + k]) << (16 * (r % 2));
    }
    for (unsigned c = 0; c < t.cols; ++c) {
      beats_b[k][c / 2] |= std::uint32_t(t.b[std::size_t(k) * t.cols + c]) << (16 * (c % 2));
    }
  }
  auto cycle = [&] {
    top.clk = 0;
    top.eval();
    top.clk = 1;
    top.eval();
  };
  top.rst_n = 0;
  cycle();
  cycle();
  top.rst_n = 1;
  top.rows_valid = t.rows;
  top.cols_valid = t.cols;
  top.out_ready = 1;
  std::uint64_t cycles = 0;
  std::uint32_t sink = 0;
  for (auto _ : state) {
    for (unsigned n = 0; n < kTilesPerIteration; ++n) {
      for (unsigned k = 0; k < kK; ++k) {
        top.in_valid = 1;
        top.in_first = k == 0;
        top.in_last = k + 1 == kK;
        top.in_a = beats_a[k];
        top.in_b = beats_b[k];
        cycle();
      }
      top.in_valid = 0;
      // Flush and drain: wait for in_ready to come back, reading each drained row.
      for (unsigned e = 0; e < perf::kMacPipelineStages + t.rows; ++e) {
        top.clk = 0;
        top.eval();
        if (top.out_valid) sink ^= top.out_fp32[0];
        top.clk = 1;
        top.eval();
      }
      cycles += perf::mac_tile_cycles(kK, t.rows);
    }
  }
  benchmark::DoNotOptimize(sink);
  state.counters["cycles_per_second"] = benchmark::Counter(double(cycles), benchmark::Counter::kIsRate);
  state.counters["macs_per_second"] =
      benchmark::Counter(double(cycles) * t.rows * t.cols * kK / perf::mac_tile_cycles(kK, t.rows), benchmark::Counter::kIsRate);
}

// --- The SystemC wrapper: a job thread paused between benchmark iterations. ---
class Harness : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Harness);
  explicit Harness(sc_core::sc_module_name n)
      : sc_module(n), rtl("rtl", make(config::PeModel::kRtl)), cycle("cycle", make(config::PeModel::kCycle)) {
    SC_THREAD(run);
  }
  // Runs `count` tiles on `array` in simulated time; returns the array cycles.
  std::uint64_t run_tiles(MacArray& array, unsigned count) {
    job_array_ = &array;
    job_count_ = count;
    job_cycles_ = 0;
    sc_core::sc_start();
    return job_cycles_;
  }
  MacArray rtl;
  MacArray cycle;

 private:
  static config::MacArrayConfig make(config::PeModel m) {
    config::MacArrayConfig c;
    c.pe_model = m;
    return c;
  }
  void run() {
    for (;;) {
      if (job_array_) {
        for (unsigned i = 0; i < job_count_; ++i) job_cycles_ += job_array_->run_tile(bench_tile()).cycles;
        job_array_ = nullptr;
      }
      sc_core::sc_pause();
      sc_core::wait(sc_core::SC_ZERO_TIME);
    }
  }
  MacArray* job_array_ = nullptr;
  unsigned job_count_ = 0;
  std::uint64_t job_cycles_ = 0;
};

Harness* g_harness = nullptr;

void run_systemc(benchmark::State& state, MacArray& array) {
  std::uint64_t cycles = 0;
  for (auto _ : state) cycles += g_harness->run_tiles(array, kTilesPerIteration);
  const auto& t = bench_tile();
  state.counters["cycles_per_second"] = benchmark::Counter(double(cycles), benchmark::Counter::kIsRate);
  state.counters["macs_per_second"] =
      benchmark::Counter(double(cycles) * t.rows * t.cols * kK / perf::mac_tile_cycles(kK, t.rows), benchmark::Counter::kIsRate);
}

void BM_MacArray_SystemCRtl(benchmark::State& state) { run_systemc(state, g_harness->rtl); }
void BM_MacArray_CycleModel(benchmark::State& state) { run_systemc(state, g_harness->cycle); }

BENCHMARK(BM_MacArray_VerilatedRaw)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MacArray_SystemCRtl)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MacArray_CycleModel)->Unit(benchmark::kMillisecond);

}  // namespace

int sc_main(int argc, char* argv[]) {
  Harness harness("harness");
  g_harness = &harness;
  sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaborate and start the job thread
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
