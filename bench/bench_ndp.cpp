// NDP simulation speed: one expert-FFN job through the rings of a whole device (CXL link,
// controller, DRAM model, 8 NDP units), reporting simulated MACs (T x matrices x d_model x
// d_ff useful multiply-adds) per wall second.
//   BM_Ndp_ExpertCycle / BM_Ndp_ExpertRtl: a Switch-Base-like expert (768 x 3072, ReLU),
//     16 tokens, data: full, timed DRAM, pe_model cycle / rtl.
//   BM_Ndp_ExpertRtlInt4: the same expert with int4 weights, G = 128 (codes and scales through the
//     RTL's dequantiser lanes; docs/ndp_interface.md, "Quantised weights").
//   BM_Ndp_MixtralExpertTimingOnly: a full-size Mixtral-8x7B expert (4096 x 14336, SiLU-gated),
//     1 token, pe_model cycle, data: timing_only, memory.model bandwidth (target: < 1 s wall).
// One elaboration per process: sc_main builds the three devices once; each benchmark iteration
// hands a job to a host thread that pauses the simulation when the job completes.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "tlm/device/cxl_type3_device.hpp"
#include "core/config/device_config.hpp"
#include "ndp_bench.hpp"

namespace {

using namespace monde;

struct Job {
  ndp::JobDescriptor desc;
  double macs = 0;
};

// The preset with the test's own NDP configuration.
config::DeviceConfig with_ndp(config::DeviceConfig d, const config::NdpConfig& ndp) {
  d.ndp = ndp;
  return d;
}

// A device with NDP and a host thread that runs one job per sc_start().
class Rig {
 public:
  Rig(const std::string& name, const config::DeviceConfig& cfg, const config::NdpConfig& ndp_cfg,
      const device::DeviceOptions& opt, const Job& job)
      : job_(job),
        host_((name + "_host").c_str(), [this](test::NdpBench& b) { serve(b); }),
        dev_(name.c_str(), with_ndp(cfg, ndp_cfg), opt) {
    host_.mem.bind(dev_.host_socket());
    host_.mmio.bind(dev_.ndp_mmio_socket());
    host_.irq = &dev_.ndp().irq_event();
    host_.timing_only = opt.timing_only;
  }
  // Runs the job once; returns the NDP cycles it took.
  std::uint64_t run() {
    pending_ = true;
    job_event_.notify(sc_core::SC_ZERO_TIME);
    sc_core::sc_start();
    return last_.total_cycles;
  }
  const Job& job() const { return job_; }

 private:
  // Only the rig with a job pauses the simulation; the others wait on their job event.
  void serve(test::NdpBench& b) {
    b.enable();
    for (;;) {
      while (!pending_) sc_core::wait(job_event_);
      b.submit({job_.desc});
      last_ = b.wait_completion();
      if (last_.error_code != ndp::NdpErrorCode::kOk) SC_REPORT_FATAL("bench_ndp", "the benchmark job failed");
      pending_ = false;
      sc_core::sc_pause();
    }
  }
  Job job_;
  bool pending_ = false;
  sc_core::sc_event job_event_;
  ndp::CompletionEntry last_;
  test::NdpBench host_;
  device::CxlType3Device dev_;
};

Job expert_job(std::uint32_t d_model, std::uint32_t d_ff, std::uint32_t tokens, bool gated,
               config::WeightEncoding weights = {}) {
  Job j;
  auto& d = j.desc;
  d.opcode = ndp::kOpcodeExpertFfn;
  d.dtype = ndp::dtype_of(weights.format);
  d.group_size = static_cast<std::uint16_t>(weights.group_size);
  d.activation = gated ? ndp::kActivationSiluGated : ndp::kActivationRelu;
  d.d_model = d_model;
  d.d_ff = d_ff;
  d.tokens = tokens;
  const std::uint64_t w = std::uint64_t{d_model} * d_ff * 2;
  d.w_up = 1ull << 30;
  d.w_gate = gated ? d.w_up + w : 0;
  d.w_down = d.w_up + 2 * w;
  d.x_addr = d.w_down + w;
  d.y_addr = d.x_addr + (1u << 20);
  d.h_scratch_addr = d.y_addr + (1u << 20);
  if (weights.quantised()) {  // codes in the bf16 matrices' place (smaller), scales after h
    d.s_up = d.h_scratch_addr + (1u << 20);
    d.s_gate = gated ? d.s_up + (1u << 20) : 0;
    d.s_down = d.s_up + (2u << 20);
  }
  j.macs = double(tokens) * (gated ? 3 : 2) * d_model * d_ff;
  return j;
}

Rig* g_cycle = nullptr;
Rig* g_rtl = nullptr;
Rig* g_rtl_int4 = nullptr;
Rig* g_mixtral = nullptr;

void run(benchmark::State& state, Rig& rig) {
  double macs = 0;
  std::uint64_t cycles = 0;
  for (auto _ : state) {
    cycles = rig.run();
    macs += rig.job().macs;
  }
  state.counters["macs_per_second"] = benchmark::Counter(macs, benchmark::Counter::kIsRate);
  state.counters["simulated_us"] = double(cycles) / 1000.0;  // 1 GHz NDP clock
}

void BM_Ndp_ExpertCycle(benchmark::State& state) { run(state, *g_cycle); }
void BM_Ndp_ExpertRtl(benchmark::State& state) { run(state, *g_rtl); }
void BM_Ndp_ExpertRtlInt4(benchmark::State& state) { run(state, *g_rtl_int4); }
void BM_Ndp_MixtralExpertTimingOnly(benchmark::State& state) { run(state, *g_mixtral); }

BENCHMARK(BM_Ndp_ExpertCycle)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ndp_ExpertRtl)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ndp_ExpertRtlInt4)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ndp_MixtralExpertTimingOnly)->Unit(benchmark::kMillisecond);

}  // namespace

int sc_main(int argc, char* argv[]) {
  const auto cfg = config::load_device_config("lpddr5x-8533");
  auto bulk = cfg;
  bulk.dram.model = config::MemoryModel::kBandwidth;
  config::NdpConfig cycle_cfg;
  cycle_cfg.mac.pe_model = config::PeModel::kCycle;
  config::NdpConfig rtl_cfg;
  rtl_cfg.mac.pe_model = config::PeModel::kRtl;
  device::DeviceOptions full, timing;
  timing.timing_only = true;
  // Random weights are not needed for speed: the arithmetic cost does not depend on the values.
  Rig cycle("cycle", cfg, cycle_cfg, full, expert_job(768, 3072, 16, false));
  Rig rtl("rtl", cfg, rtl_cfg, full, expert_job(768, 3072, 16, false));
  Rig rtl_int4("rtl_int4", cfg, rtl_cfg, full, expert_job(768, 3072, 16, false, {config::WeightFormat::kInt4, 128}));
  Rig mixtral("mixtral", bulk, cycle_cfg, timing, expert_job(4096, 14336, 1, true));
  g_cycle = &cycle;
  g_rtl = &rtl;
  g_rtl_int4 = &rtl_int4;
  g_mixtral = &mixtral;
  sc_core::sc_start();  // elaborate; the host threads enable their devices, then the simulation idles
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
