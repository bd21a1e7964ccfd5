// The NDP units inside the device: whole expert FFNs submitted through the rings, run on the
// MAC arrays (rtl and cycle), checked bit for bit against the golden expert; timing against
// the analytic bound; bad descriptors; ring wrap-around. Each TEST elaborates its own design
// (one per process under ctest). Device: configs/device/lpddr5x-8533.json; NDP: 8 units of
// 16 x 16 at 1 GHz (ndp_config.hpp defaults).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <memory>
#include <vector>

#include "tlm/checker/protocol_checker.hpp"
#include "tlm/common/sim_time.hpp"
#include "tlm/device/cxl_type3_device.hpp"
#include "tlm/memory/bandwidth_model.hpp"
#include "tlm/memory/memory_target.hpp"
#include "tlm/ndp/ndp_unit.hpp"
#include "core/config/device_config.hpp"
#include "core/config/ndp_config.hpp"
#include "tlm/ndp/numerics/golden_expert.hpp"
#include "tlm/ndp/numerics/quant.hpp"
#include "../unit/device_presets.hpp"
#include "ndp_bench.hpp"

namespace monde::device {
namespace {

using test::NdpBench;
using ndp::CompletionEntry;
using ndp::JobDescriptor;
using ndp::NdpErrorCode;

config::DeviceConfig lpddr5x() { return config::load_device_config(test::device_preset("lpddr5x-8533.json")); }

// The preset with the test's own NDP configuration.
config::DeviceConfig with_ndp(config::DeviceConfig d, const config::NdpConfig& ndp) {
  d.ndp = ndp;
  return d;
}


config::NdpConfig ndp_config(config::PeModel pe) {
  config::NdpConfig c;
  c.mac.pe_model = pe;
  return c;
}

// One expert's tensors and where they live in device memory (4 KiB aligned, in this order).
// With a quantised encoding the bf16 weights are quantised (num::quantise, the driver's rule) and
// the device holds their codes and scales (docs/ndp_interface.md, "Quantised weights").
struct Expert {
  std::uint32_t d_model = 0, d_ff = 0, tokens = 0;
  bool gated = false;
  config::WeightEncoding enc;
  std::vector<num::bf16_t> x, w_up, w_gate, w_down;
  num::QuantisedMatrix q_up, q_gate, q_down;  // quantised encodings only
  JobDescriptor desc;

  Expert(std::uint32_t dm, std::uint32_t dff, std::uint32_t t, bool g, std::uint64_t seed, std::uint64_t base,
         config::WeightEncoding e = {})
      : d_model(dm), d_ff(dff), tokens(t), gated(g), enc(e) {
    x = test::random_bf16(std::size_t{t} * dm, seed);
    w_up = test::random_bf16(std::size_t{dff} * dm, seed + 1);
    if (g) w_gate = test::random_bf16(std::size_t{dff} * dm, seed + 2);
    w_down = test::random_bf16(std::size_t{dm} * dff, seed + 3);
    auto next = [&base](std::uint64_t bytes) {
      const std::uint64_t at = base;
      base += (bytes + 4095) / 4096 * 4096;
      return at;
    };
    desc.opcode = ndp::kOpcodeExpertFfn;
    desc.dtype = ndp::dtype_of(e.format);
    desc.group_size = static_cast<std::uint16_t>(e.group_size);
    desc.activation = g ? ndp::kActivationSiluGated : ndp::kActivationRelu;
    desc.d_model = dm;
    desc.d_ff = dff;
    desc.tokens = t;
    const std::uint64_t w_bytes = config::weight_matrix_bytes(e.format, dff, dm);
    desc.w_up = next(w_bytes);
    desc.w_gate = g ? next(w_bytes) : 0;
    desc.w_down = next(w_bytes);
    if (e.quantised()) {
      q_up = num::quantise(w_up.data(), dff, dm, e);
      if (g) q_gate = num::quantise(w_gate.data(), dff, dm, e);
      q_down = num::quantise(w_down.data(), dm, dff, e);
      desc.s_up = next(q_up.scales.size() * 2);
      desc.s_gate = g ? next(q_gate.scales.size() * 2) : 0;
      desc.s_down = next(q_down.scales.size() * 2);
    }
    desc.x_addr = next(x.size() * 2);
    desc.y_addr = next(std::uint64_t{t} * dm * 2);
    desc.h_scratch_addr = next(std::uint64_t{t} * dff * 2);
  }
  void preload(NdpBench& b) {
    auto put = [&b](std::uint64_t addr, auto& v) {
      b.dbg(tlm::TLM_WRITE_COMMAND, addr, v.data(), static_cast<unsigned>(v.size() * sizeof(v[0])));
    };
    if (enc.quantised()) {
      put(desc.w_up, q_up.codes);
      put(desc.s_up, q_up.scales);
      if (gated) put(desc.w_gate, q_gate.codes);
      if (gated) put(desc.s_gate, q_gate.scales);
      put(desc.w_down, q_down.codes);
      put(desc.s_down, q_down.scales);
    } else {
      put(desc.w_up, w_up);
      if (gated) put(desc.w_gate, w_gate);
      put(desc.w_down, w_down);
    }
    put(desc.x_addr, x);
  }
  std::vector<num::bf16_t> read(NdpBench& b, std::uint64_t addr, std::size_t n) {
    std::vector<num::bf16_t> v(n);
    b.dbg(tlm::TLM_READ_COMMAND, addr, v.data(), static_cast<unsigned>(n * 2));
    return v;
  }
  // The golden expert on the weights the device holds: bf16, or the quantised ones dequantised.
  num::ExpertResult golden() const {
    const auto act = gated ? num::ExpertActivation::kSiluGated : num::ExpertActivation::kRelu;
    if (!enc.quantised()) {
      return num::golden_expert({x.data(), w_up.data(), gated ? w_gate.data() : nullptr, w_down.data()},
                                {tokens, d_model, d_ff}, act);
    }
    const auto up = num::dequantise(q_up), down = num::dequantise(q_down);
    const auto gate = gated ? num::dequantise(q_gate) : std::vector<num::bf16_t>{};
    return num::golden_expert({x.data(), up.data(), gated ? gate.data() : nullptr, down.data()},
                              {tokens, d_model, d_ff}, act);
  }
};

// A device with NDP, its test host through a protocol checker on CXL.mem.
struct NdpDesign {
  NdpDesign(const char* name, const config::DeviceConfig& cfg, const config::NdpConfig& ndp_cfg, DeviceOptions opt,
            std::function<void(NdpBench&)> body)
      : bench((std::string(name) + "_host").c_str(), std::move(body)),
        checker((std::string(name) + "_checker").c_str()),
        dev(name, with_ndp(cfg, ndp_cfg), opt) {
    bench.mem.bind(checker.target_socket);
    checker.initiator_socket.bind(dev.host_socket());
    bench.mmio.bind(dev.ndp_mmio_socket());
    bench.irq = &dev.ndp().irq_event();
  }
  NdpBench bench;
  checker::ProtocolChecker<64> checker;
  CxlType3Device dev;
};

std::size_t mismatches(const std::vector<num::bf16_t>& a, const std::vector<num::bf16_t>& b) {
  if (a.size() != b.size()) return std::max(a.size(), b.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) n += a[i] != b[i];
  return n;
}

// Runs one expert on an rtl device and a cycle device side by side; both must give the golden
// bits for h and y and the same cycle counts (and, when given, the DMA bytes read).
void run_rtl_and_cycle(Expert& e, std::uint64_t expect_mac_cycles, std::uint64_t expect_dma_read = 0) {
  const auto cfg = lpddr5x();
  DeviceOptions opt;
  opt.check_internal_protocol = true;
  CompletionEntry got[2];
  std::vector<num::bf16_t> y[2], h[2];
  auto body = [&](int i) {
    return [&, i](NdpBench& b) {
      e.preload(b);
      b.enable();
      b.submit({e.desc});
      got[i] = b.wait_completion();
      y[i] = e.read(b, e.desc.y_addr, std::size_t{e.tokens} * e.d_model);
      h[i] = e.read(b, e.desc.h_scratch_addr, std::size_t{e.tokens} * e.d_ff);
    };
  };
  NdpDesign rtl("rtl", cfg, ndp_config(config::PeModel::kRtl), opt, body(0));
  NdpDesign cyc("cycle", cfg, ndp_config(config::PeModel::kCycle), opt, body(1));
  sc_core::sc_start();
  const num::ExpertResult g = e.golden();
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i == 0 ? "rtl" : "cycle");
    EXPECT_EQ(got[i].status, ndp::CompletionStatus::kOk);
    EXPECT_EQ(got[i].error_code, NdpErrorCode::kOk);
    EXPECT_EQ(mismatches(h[i], g.h), 0u);
    EXPECT_EQ(mismatches(y[i], g.y), 0u);
    EXPECT_EQ(got[i].mac_busy_cycles, expect_mac_cycles);
    if (expect_dma_read != 0) {
      EXPECT_EQ(got[i].dma_bytes_read, expect_dma_read);
    }
  }
  EXPECT_EQ(got[0].total_cycles, got[1].total_cycles);
  EXPECT_EQ(rtl.checker.violation_count() + cyc.checker.violation_count(), 0u);
  EXPECT_EQ(rtl.dev.internal_protocol_violations() + cyc.dev.internal_protocol_violations(), 0u);
}

// Switch-Base-like expert: d_model 768, d_ff 3072, ReLU, 20 tokens (a full block of 16 and a
// partial one of 4). MAC cycles, every tile k + 2 + rows (docs/mac_array.md), two 16-column
// tiles per 32-column fetch:
//   phase 1: 3072 / 32 = 96 fetches x [2 x (768 + 2 + 16) + 2 x (768 + 2 + 4)] = 96 x 3120 = 299,520
//   phase 2: 768 / 32 = 24 fetches x [2 x (3072 + 18) + 2 x (3072 + 6)] = 24 x 12,336 = 296,064
//   total 595,584 summed over the 8 units.
TEST(NdpDevice, SwitchBaseExpertIsBitExactInRtlAndCycle) {
  Expert e(768, 3072, 20, false, 0x5317C8, 0x1000000);
  run_rtl_and_cycle(e, 595584);
}

// Gated Mixtral-like expert scaled down (configs/models/mixtral-8x7b-tiny.json: d_model 128,
// d_ff 448, SiLU-gated), 5 tokens. Phase 1 runs gate and up tiles:
//   phase 1: 448 / 32 = 14 fetches x 2 tiles x 2 matrices x (128 + 2 + 5) = 14 x 540 = 7,560
//   phase 2: 128 / 32 = 4 fetches x 2 tiles x (448 + 2 + 5) = 4 x 910 = 3,640; total 11,200.
TEST(NdpDevice, GatedMixtralTinyExpertIsBitExactInRtlAndCycle) {
  Expert e(128, 448, 5, true, 0x313A7, 0x1000000);
  run_rtl_and_cycle(e, 11200);
}

// The same gated expert with int4 weights, G = 32: the array takes codes and scales through its
// dequantiser lanes; h and y must equal the golden expert on the dequantised weights in rtl and
// cycle, and the MAC cycles are those of bf16 (11,200: the tile formula does not depend on the
// format). DMA bytes read, all 8 units busy in phase 1 (14 granules), 4 in phase 2:
//   descriptor                                   128
//   phase 1: x 8 x 5 x 128 x 2                = 10,240
//            w_up + w_gate 2 x 448 x 128 / 2  = 57,344   (bf16: 229,376)
//            their scales 2 x 448 x 4 x 2     =  7,168
//   phase 2: h 4 x 5 x 448 x 2                = 17,920
//            w_down 128 x 448 / 2             = 28,672   (bf16: 114,688)
//            its scales 128 x 14 x 2          =  3,584
//   total 125,056 (bf16: 372,352).
TEST(NdpDevice, GatedMixtralTinyInt4ExpertIsBitExactInRtlAndCycle) {
  Expert e(128, 448, 5, true, 0x313A7, 0x1000000, {config::WeightFormat::kInt4, 32});
  run_rtl_and_cycle(e, 11200, 125056);
}

// int8 with G = 64, ReLU, 17 tokens (a full block of 16 and one of 1), d_model 256, d_ff 512:
//   phase 1: 512 / 32 = 16 fetches x [2 x (256 + 2 + 16) + 2 x (256 + 2 + 1)] = 16 x 1,066 = 17,056
//   phase 2: 256 / 32 = 8 fetches x [2 x (512 + 2 + 16) + 2 x (512 + 2 + 1)] = 8 x 2,090 = 16,720
//   MAC cycles 33,776. Bytes: 128 + x 8 x 17 x 256 x 2 (69,632) + w_up 512 x 256 (131,072)
//   + scales 512 x 4 x 2 (4,096) + h 8 x 17 x 512 x 2 (139,264) + w_down 256 x 512 (131,072)
//   + scales 256 x 8 x 2 (4,096) = 479,360.
TEST(NdpDevice, ReluInt8G64ExpertIsBitExactInRtlAndCycle) {
  Expert e(256, 512, 17, false, 0x1D8, 0x1000000, {config::WeightFormat::kInt8, 64});
  run_rtl_and_cycle(e, 33776, 479360);
}

// A full-size Mixtral-8x7B expert (d_model 4096, d_ff 14336, SiLU-gated) for one token, cycle
// model, data timing_only, memory.model bandwidth. Analytic bound:
//   weights 3 x 4096 x 14336 x 2 B = 352,321,536 B at the sustained DRAM bandwidth
//   (peak 273.5 GB/s x refresh factor 0.928 x efficiency 0.8 = ~203 GB/s) = ~1.735 ms;
//   MACs 3 x 4096 x 14336 = 176.2 M / (8 units x 256 x 1 GHz) = 0.086 ms;
//   bound = max(...) = the weight stream. The simulated job must land within 15 % above it.
TEST(NdpDevice, FullSizeMixtralExpertRunsNearTheAnalyticBound) {
  auto cfg = lpddr5x();
  cfg.dram.model = config::MemoryModel::kBandwidth;
  DeviceOptions opt;
  opt.timing_only = true;
  const config::NdpConfig ndp_cfg = ndp_config(config::PeModel::kCycle);
  JobDescriptor d;
  d.opcode = ndp::kOpcodeExpertFfn;
  d.dtype = ndp::kDtypeBf16;
  d.activation = ndp::kActivationSiluGated;
  d.d_model = 4096;
  d.d_ff = 14336;
  d.tokens = 1;
  const std::uint64_t w = 4096ull * 14336 * 2;
  d.w_up = 1ull << 30;
  d.w_gate = d.w_up + w;
  d.w_down = d.w_gate + w;
  d.x_addr = d.w_down + w;
  d.y_addr = d.x_addr + 65536;
  d.h_scratch_addr = d.y_addr + 65536;
  CompletionEntry got;
  NdpDesign des("dev", cfg, ndp_cfg, opt, [&](NdpBench& b) {
    b.timing_only = true;
    b.enable();
    b.submit({d});
    got = b.wait_completion();
  });
  sc_core::sc_start();
  ASSERT_EQ(got.error_code, NdpErrorCode::kOk);
  const double sustained = cfg.dram.peak_bandwidth_total() * cfg.dram.refresh_factor() * cfg.dram.bandwidth_efficiency;
  const double weight_s = 3.0 * w / sustained;
  const double mac_s = 3.0 * 4096 * 14336 / (8.0 * 16 * 16 * 1e9);
  const double bound = std::max(weight_s, mac_s);
  EXPECT_NEAR(weight_s, 1.735e-3, 0.01e-3);
  const double sim_s = got.total_cycles * 1e-9;
  EXPECT_GE(sim_s, bound);
  EXPECT_LE(sim_s, 1.15 * bound) << "simulated " << sim_s * 1e3 << " ms vs bound " << bound * 1e3 << " ms";
  // Every weight byte was read exactly once (plus the descriptor, x twice... per unit: x for
  // phase 1 and h for phase 2, 8 units each).
  EXPECT_EQ(got.dma_bytes_read, 128 + 3 * w + 8 * (4096 * 2) + 8 * (14336 * 2));
  std::cout << "[ info ] full-size Mixtral expert, 1 token: " << sim_s * 1e3 << " ms simulated, bound "
            << bound * 1e3 << " ms (" << sim_s / bound << "x)\n";
}

// data: timing_only runs a block's tiles in one wait (NdpUnit::run_block); data: full runs
// them tile by tile, computing every bit. The shortcut is exact: over many shapes (whole and
// partial token blocks, one and two matrices, one fetch per unit and several, fewer fetches
// than units) and both DRAM models, the two devices run the same 72 jobs, submitted at once and
// run back to back, and every job starts and ends at the same picosecond with the same cycle
// and byte counts. The host stays off the bus until all jobs are done (it watches the engine's
// counters), so nothing but the device decides the times. Each device runs in its own process
// (a child for timing_only): one simulation kernel per design.
struct JobSeen {
  std::uint64_t start_ps, end_ps, total_cycles, mac_busy_cycles, dma_bytes_read, dma_bytes_written;
  std::uint32_t error_code;
};

struct Shape {
  std::uint32_t d_model, d_ff, tokens;
  bool gated;
  config::WeightEncoding enc;
};

// Every third shape has int8 and every third int4 weights (G = 32 divides every dimension here),
// so the fetch of codes and scales is held to the same exactness.
std::vector<Shape> many_shapes() {
  std::vector<Shape> shapes;
  const config::WeightEncoding encs[] = {
      {}, {config::WeightFormat::kInt8, 32}, {config::WeightFormat::kInt4, 32}};
  for (const std::uint32_t dm : {32u, 96u, 256u}) {
    for (const std::uint32_t dff : {64u, 160u, 512u}) {
      for (const std::uint32_t t : {1u, 7u, 16u, 33u}) {
        for (const bool g : {false, true}) shapes.push_back({dm, dff, t, g, encs[shapes.size() % 3]});
      }
    }
  }
  return shapes;
}

std::vector<JobSeen> run_jobs(config::MemoryModel model, bool timing_only, const std::vector<Shape>& shapes) {
  auto cfg = lpddr5x();
  cfg.dram.model = model;
  std::vector<JobSeen> seen;
  DeviceOptions opt;
  opt.timing_only = timing_only;
  std::unique_ptr<NdpDesign> des;
  des = std::make_unique<NdpDesign>(
      timing_only ? "timing_only" : "full", cfg, ndp_config(config::PeModel::kCycle), opt, [&](NdpBench& b) {
        b.timing_only = timing_only;
        b.sq_size = b.cq_size = 128;
        b.enable();
        std::vector<JobDescriptor> jobs;
        std::uint64_t seed = 0x5EED, base = 0x1000000;
        for (const Shape& s : shapes) {
          Expert e(s.d_model, s.d_ff, s.tokens, s.gated, seed += 7, base += 0x200000, s.enc);
          if (!timing_only) e.preload(b);
          jobs.push_back(e.desc);
        }
        b.submit(jobs);
        const auto& stats = des->dev.ndp().stats();
        while (stats.jobs_ok + stats.jobs_failed < shapes.size()) sc_core::wait(sc_core::sc_time(10, sc_core::SC_US));
        const auto& log = des->dev.ndp().job_log();
        for (std::size_t j = 0; j < shapes.size(); ++j) {
          const CompletionEntry c = b.wait_completion();
          seen.push_back({log.at(j).start_ps, log.at(j).end_ps, c.total_cycles, c.mac_busy_cycles, c.dma_bytes_read,
                          c.dma_bytes_written, static_cast<std::uint32_t>(c.error_code)});
        }
      });
  sc_core::sc_start();
  return seen;
}

void timing_only_matches_tile_by_tile(config::MemoryModel model) {
  const std::vector<Shape> shapes = many_shapes();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // the timing_only device, elaborated only here
    ::close(fds[0]);
    const std::vector<JobSeen> seen = run_jobs(model, true, shapes);
    const auto bytes = static_cast<ssize_t>(seen.size() * sizeof(JobSeen));
    ::_exit(::write(fds[1], seen.data(), static_cast<std::size_t>(bytes)) == bytes ? 0 : 1);
  }
  ::close(fds[1]);
  std::vector<JobSeen> fast(shapes.size());
  const auto want = static_cast<ssize_t>(fast.size() * sizeof(JobSeen));
  ssize_t got = 0;
  for (ssize_t n = 1; got < want && n > 0; got += n) {
    n = ::read(fds[0], reinterpret_cast<char*>(fast.data()) + got, static_cast<std::size_t>(want - got));
    if (n <= 0) break;
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the timing_only child failed";
  ASSERT_EQ(got, want);

  const std::vector<JobSeen> full = run_jobs(model, false, shapes);
  ASSERT_EQ(full.size(), shapes.size());
  for (std::size_t j = 0; j < shapes.size(); ++j) {
    const Shape& s = shapes[j];
    SCOPED_TRACE("job " + std::to_string(j) + ": d_model " + std::to_string(s.d_model) + ", d_ff " +
                 std::to_string(s.d_ff) + ", tokens " + std::to_string(s.tokens) + (s.gated ? ", gated" : "") +
                 ", " + config::describe(s.enc));
    EXPECT_EQ(fast[j].error_code, 0u);
    EXPECT_EQ(full[j].error_code, 0u);
    EXPECT_EQ(fast[j].start_ps, full[j].start_ps);
    EXPECT_EQ(fast[j].end_ps, full[j].end_ps);
    EXPECT_EQ(fast[j].total_cycles, full[j].total_cycles);
    EXPECT_EQ(fast[j].mac_busy_cycles, full[j].mac_busy_cycles);
    EXPECT_EQ(fast[j].dma_bytes_read, full[j].dma_bytes_read);
    EXPECT_EQ(fast[j].dma_bytes_written, full[j].dma_bytes_written);
  }
  // The shapes really differ: the first job (32 x 64, 1 token, ReLU) is far shorter than the
  // last (256 x 512, 33 tokens, gated).
  EXPECT_LT(full.front().total_cycles * 10, full.back().total_cycles);
}

TEST(NdpDevice, TimingOnlyMatchesTileByTileOnTheTimedDram) { timing_only_matches_tile_by_tile(config::MemoryModel::kTimed); }

TEST(NdpDevice, TimingOnlyMatchesTileByTileOnTheBandwidthDram) {
  timing_only_matches_tile_by_tile(config::MemoryModel::kBandwidth);
}

// Posted write-back (tlm/ndp/ndp_unit.hpp) against the output buffer, on one unit alone with
// its DRAM (bandwidth model, lpddr5x-8533: latency L = 44,226 ps). Phase: 32 tokens, K = 4,
// 32 output columns (one fetch), ReLU; 16 x 16 array at 1 GHz, so two blocks of 16 tokens, each
// 32 / 16 = 2 tiles of K + 2 + 16 = 22 cycles = 44,000 ps, each writing 16 lines of 64 B.
// The schedule, by hand (transfer(t, bytes) is the FIFO server's completion, BandwidthModel):
//   activation read at 0:      a  = transfer(0, 32 x 4 x 2 = 256)
//   weight fetch at a:         w  = transfer(a, 32 x 4 x 2 = 256)
//   block 1 ends at t1 = w + 44,000 and posts its write: d1 = transfer(t1, 1024)
//   block 2 ends at t2 = t1 + 44,000. A write takes 1024 B / 254 GB/s + L = 48.3 ns > 44 ns, so
//   with a 16 KiB output buffer it posts at t2 (d2 = transfer(t2, 1024)), but with a 1 KiB
//   buffer (one block: the least the configuration allows) block 1's lines still hold it, and
//   block 2 waits for d1 to post its write: d2 = transfer(d1, 1024). The phase ends at d2.
// (A write-back process with one blocking write at a time, the timed DRAM's path, would post
// block 2's write at d1 with either buffer.)
mem::MemoryTargetOptions timing_only() {
  mem::MemoryTargetOptions o;
  o.timing_only = true;
  return o;
}

ndp::NdpUnitOptions unit_options() {
  ndp::NdpUnitOptions o;
  o.timing_only = true;
  o.scheduled = true;
  return o;
}

SC_MODULE(WriteBackDesign) {
  mem::MemoryTarget memory;
  ndp::NdpUnit unit;
  std::uint64_t done_ps = 0;
  ndp::NdpPhaseWork work;

  SC_HAS_PROCESS(WriteBackDesign);
  WriteBackDesign(sc_core::sc_module_name name, const config::DramConfig& dram, const config::NdpConfig& ndp)
      : sc_module(name), memory("memory", dram, dram.capacity_bytes(), timing_only()),
        unit("unit", ndp, 0, unit_options()) {
    unit.memory_socket.bind(memory.socket);
    work.tokens = 32;
    work.k = 4;
    work.n = 32;
    work.cols = {0, 32};
    work.a_addr = 0x1000;
    work.w_addr = 0x2000;
    work.out_addr = 0x3000;
    SC_THREAD(run);
  }
  void run() {
    unit.start(work);
    sc_core::wait(unit.done_event());
    done_ps = sim_now_ps();
  }
};

TEST(NdpUnit, PostedWriteBackWaitsForTheOutputBuffer) {
  config::DramConfig dram = lpddr5x().dram;
  dram.model = config::MemoryModel::kBandwidth;
  ASSERT_EQ(dram.unloaded_read_latency_ps(), 44226u);
  config::NdpConfig small = ndp_config(config::PeModel::kCycle), big = small;
  small.out_buffer_bytes = 1024;
  big.out_buffer_bytes = 16384;
  WriteBackDesign with_small("small", dram, small), with_big("big", dram, big);
  sc_core::sc_start();

  mem::BandwidthModel server_small(dram), server_big(dram);
  std::uint64_t a = server_small.transfer(0, 256), w = server_small.transfer(a, 256);
  ASSERT_EQ(server_big.transfer(0, 256), a);
  ASSERT_EQ(server_big.transfer(a, 256), w);
  const std::uint64_t t1 = w + 44000, t2 = t1 + 44000;
  const std::uint64_t d1 = server_small.transfer(t1, 1024);
  ASSERT_EQ(server_big.transfer(t1, 1024), d1);
  ASSERT_GT(d1, t2);  // block 1's write is still in flight when block 2 ends
  EXPECT_EQ(with_small.done_ps, server_small.transfer(d1, 1024));
  EXPECT_EQ(with_big.done_ps, server_big.transfer(t2, 1024));
  EXPECT_EQ(with_small.done_ps - with_big.done_ps, d1 - t2);  // the wait for the buffer
  for (const WriteBackDesign* d : {&with_small, &with_big}) {
    EXPECT_EQ(d->unit.stats().tiles, 4u);
    EXPECT_EQ(d->unit.stats().mac_busy_cycles, 88u);
    EXPECT_EQ(d->unit.stats().dma_bytes_read, 512u);
    EXPECT_EQ(d->unit.stats().dma_bytes_written, 2048u);
    EXPECT_EQ(d->memory.write_latency().count(), 2u);
  }
}

// Every validation error code (13) through the device: each bad descriptor completes with its
// code, in ring order, without writing any memory;
// the valid job submitted after them still runs and gives the golden result.
TEST(NdpDevice, BadDescriptorsCompleteWithErrorsAndLaterJobsRun) {
  const auto cfg = lpddr5x();
  Expert e(64, 256, 3, false, 0xBAD, 0x1000000);
  struct Case {
    const char* what;
    void (*mutate)(JobDescriptor&);
    NdpErrorCode code;
  };
  const std::vector<Case> cases = {
      {"unknown opcode", [](JobDescriptor& d) { d.opcode = 2; }, NdpErrorCode::kBadOpcode},
      {"reserved byte set", [](JobDescriptor& d) { d.reserved_96[5] = 1; }, NdpErrorCode::kReservedNonzero},
      {"int4 without a valid group size",
       [](JobDescriptor& d) {
         d.dtype = ndp::kDtypeInt4;
         d.group_size = 16;
         d.s_up = d.s_down = 0x2000000;
       },
       NdpErrorCode::kBadGroupSize},
      // d_model 64 is not a whole number of 128-weight groups.
      {"int8 groups across rows",
       [](JobDescriptor& d) {
         d.dtype = ndp::kDtypeInt8;
         d.group_size = 128;
         d.s_up = d.s_down = 0x2000000;
       },
       NdpErrorCode::kGroupMisaligned},
      {"zero tokens", [](JobDescriptor& d) { d.tokens = 0; }, NdpErrorCode::kZeroDim},
      {"d_model not a multiple of 32", [](JobDescriptor& d) { d.d_model = 48; }, NdpErrorCode::kDimMisaligned},
      // 32 weight rows of d_ff must fit half of the 2 MiB weight SRAM: d_ff <= 1 MiB / 64 B = 16384.
      {"d_ff too large for the weight SRAM", [](JobDescriptor& d) { d.d_ff = 16384 + 32; }, NdpErrorCode::kDimTooLarge},
      // h = 1024 x 4096 x 2 B = 8 MiB > the 4 MiB activation buffer.
      {"tokens over the activation buffer",
       [](JobDescriptor& d) {
         d.d_ff = 4096;
         d.tokens = 1024;
       },
       NdpErrorCode::kTokensOverBuffer},
      {"misaligned x", [](JobDescriptor& d) { d.x_addr += 2; }, NdpErrorCode::kMisalignedAddress},
      {"y beyond the DRAM", [](JobDescriptor& d) { d.y_addr = 64ull << 30; }, NdpErrorCode::kAddressOutOfRange},
      {"unknown dtype", [](JobDescriptor& d) { d.dtype = 7; }, NdpErrorCode::kBadDtype},
      {"unknown activation", [](JobDescriptor& d) { d.activation = 9; }, NdpErrorCode::kBadActivation},
      {"y over the SQ ring", [](JobDescriptor& d) { d.y_addr = 0x100000; }, NdpErrorCode::kOverlap},
  };
  std::vector<CompletionEntry> got;
  std::vector<num::bf16_t> y, y_before;
  std::uint32_t error_reg = 0;
  NdpDesign des("dev", cfg, ndp_config(config::PeModel::kCycle), {}, [&](NdpBench& b) {
    e.preload(b);
    std::vector<num::bf16_t> canary(std::size_t{e.tokens} * e.d_model, 0xABCD);
    b.dbg(tlm::TLM_WRITE_COMMAND, e.desc.y_addr, canary.data(), static_cast<unsigned>(canary.size() * 2));
    b.sq_size = 16;
    b.cq_size = 16;
    b.enable();
    std::vector<JobDescriptor> jobs;
    for (std::size_t i = 0; i < cases.size(); ++i) {
      JobDescriptor d = e.desc;
      d.job_tag = static_cast<std::uint32_t>(100 + i);
      cases[i].mutate(d);
      jobs.push_back(d);
    }
    b.submit(jobs);
    for (std::size_t i = 0; i < cases.size(); ++i) got.push_back(b.wait_completion());
    y_before = e.read(b, e.desc.y_addr, std::size_t{e.tokens} * e.d_model);
    error_reg = b.reg_read(ndp::reg::kError);
    JobDescriptor ok = e.desc;
    ok.job_tag = 7;
    b.submit({ok});
    got.push_back(b.wait_completion());
    y = e.read(b, e.desc.y_addr, std::size_t{e.tokens} * e.d_model);
  });
  sc_core::sc_start();
  ASSERT_EQ(got.size(), cases.size() + 1);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].what);
    EXPECT_EQ(got[i].job_tag, 100 + i);
    EXPECT_EQ(got[i].status, ndp::CompletionStatus::kError);
    EXPECT_EQ(got[i].error_code, cases[i].code);
    EXPECT_EQ(got[i].dma_bytes_written, 0u);
  }
  EXPECT_EQ(std::count(y_before.begin(), y_before.end(), num::bf16_t{0xABCD}), static_cast<long>(y_before.size()));
  EXPECT_EQ(error_reg, ndp::kErrorValid | static_cast<std::uint32_t>(NdpErrorCode::kOverlap));  // the last error
  EXPECT_EQ(got.back().job_tag, 7u);
  EXPECT_EQ(got.back().error_code, NdpErrorCode::kOk);
  EXPECT_EQ(mismatches(y, e.golden().y), 0u);
  EXPECT_EQ(des.dev.ndp().stats().jobs_failed, cases.size());
  EXPECT_EQ(des.dev.ndp().stats().jobs_ok, 1u);
}

// SQ and CQ of 4 entries (3 usable): three jobs in flight behind one doorbell, then three more;
// the rings wrap, the completion phase flips after 4 entries, tags come back in order, and the
// last job's output is golden.
TEST(NdpDevice, RingsWrapWithSeveralJobsInFlight) {
  const auto cfg = lpddr5x();
  Expert e(32, 64, 2, false, 0x417, 0x1000000);
  std::vector<CompletionEntry> got;
  std::vector<num::bf16_t> y;
  NdpDesign des("dev", cfg, ndp_config(config::PeModel::kCycle), {}, [&](NdpBench& b) {
    e.preload(b);
    b.sq_size = 4;
    b.cq_size = 4;
    b.enable();
    for (int round = 0; round < 2; ++round) {
      std::vector<JobDescriptor> jobs;
      for (std::uint32_t i = 0; i < 3; ++i) {
        JobDescriptor d = e.desc;
        d.job_tag = static_cast<std::uint32_t>(round * 3 + i);
        jobs.push_back(d);
      }
      b.submit(jobs);
      for (int i = 0; i < 3; ++i) got.push_back(b.wait_completion());
    }
    y = e.read(b, e.desc.y_addr, std::size_t{e.tokens} * e.d_model);
  });
  sc_core::sc_start();
  ASSERT_EQ(got.size(), 6u);
  for (std::uint32_t i = 0; i < 6; ++i) {
    EXPECT_EQ(got[i].job_tag, i);
    EXPECT_EQ(got[i].error_code, NdpErrorCode::kOk);
    EXPECT_EQ(got[i].sq_head, (i + 1) % 4);  // the SQ slot after this job
    EXPECT_EQ(got[i].phase, i < 4);          // entries 0..3 carry phase 1, the wrapped ones phase 0
  }
  EXPECT_EQ(mismatches(y, e.golden().y), 0u);
  EXPECT_EQ(des.dev.ndp().registers().sq_head(), 2u);  // 6 mod 4
  EXPECT_EQ(des.dev.ndp().registers().cq_tail(), 2u);
}

// The register block over CXL.io: identity and capabilities, access rules.
TEST(NdpDevice, RegisterBlockAnswersCxlIoAccesses) {
  const auto cfg = lpddr5x();
  std::uint32_t id = 0, cap = 0;
  tlm::tlm_response_status unaligned{}, wide{};
  NdpDesign des("dev", cfg, ndp_config(config::PeModel::kCycle), {}, [&](NdpBench& b) {
    id = b.reg_read(ndp::reg::kId);
    cap = b.reg_read(ndp::reg::kCap);
    unaligned = b.reg_write(0x02, 1);
    std::uint64_t v = 0;
    tlm::tlm_generic_payload t;
    t.set_command(tlm::TLM_READ_COMMAND);
    t.set_address(ndp::reg::kSqBaseLo);
    t.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    t.set_data_length(8);
    t.set_streaming_width(8);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    b.mmio->b_transport(t, delay);
    sc_core::wait(delay);
    wide = t.get_response_status();
  });
  sc_core::sc_start();
  EXPECT_EQ(id, ndp::kIdValue);
  // CAP: version 2, 8 units, 16 rows, 16 columns in bytes 0..3.
  EXPECT_EQ(cap, 2u | 8u << 8 | 16u << 16 | 16u << 24);
  EXPECT_EQ(unaligned, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(wide, tlm::TLM_BURST_ERROR_RESPONSE);
  // Four accesses at 100 ns of CXL.io latency each (ndp.mmio_latency_ns), errors included.
  EXPECT_EQ(sc_core::sc_time_stamp(), sc_core::sc_time(400, sc_core::SC_NS));
}

}  // namespace
}  // namespace monde::device

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
