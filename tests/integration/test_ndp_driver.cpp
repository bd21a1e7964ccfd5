// The host NDP driver (host/driver) against the real device model: weights placed through
// CXL.mem or a debug preload, activations written, jobs through the rings, interrupt and polling
// waits, results read back and compared bit for bit with the golden expert; a failed job
// surfacing as NdpJobError; a full SQ blocking submit(); timing_only. Plus the allocator and
// init()'s ID probe on their own. Each TEST elaborates its own design (one per process under
// ctest). Device: configs/device/lpddr5x-8533.json, cycle PE model; NDP defaults (8 units of
// 16 x 16 at 1 GHz, 4 MiB activation buffer, 100 ns CXL.io accesses).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "tlm/ndp/command/ndp_registers.hpp"
#include "tlm/checker/protocol_checker.hpp"
#include "tlm/device/cxl_type3_device.hpp"
#include "core/config/device_config.hpp"
#include "host/driver/device_allocator.hpp"
#include "host/driver/device_bus.hpp"
#include "host/driver/ndp_driver.hpp"
#include "host/driver/ndp_job_error.hpp"
#include "host/driver/tlm_device_bus.hpp"
#include "core/config/ndp_config.hpp"
#include "tlm/ndp/numerics/golden_expert.hpp"
#include "tlm/ndp/numerics/quant.hpp"
#include "../unit/device_presets.hpp"
#include "ndp_bench.hpp"  // test::random_bf16

namespace monde::driver {
namespace {

using device::CxlType3Device;
using config::DeviceConfig;
using device::DeviceOptions;
using num::bf16_t;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_ZERO_TIME;

DeviceConfig lpddr5x() { return config::load_device_config(test::device_preset("lpddr5x-8533.json")); }

// The preset with the test's own NDP configuration.
config::DeviceConfig with_ndp(config::DeviceConfig d, const config::NdpConfig& ndp) {
  d.ndp = ndp;
  return d;
}


config::NdpConfig cycle_ndp() {
  config::NdpConfig c;
  c.mac.pe_model = config::PeModel::kCycle;
  return c;
}

// An expert's weights on the host, random but reproducible.
struct HostExpert {
  ExpertShape shape;
  std::vector<bf16_t> w_up, w_gate, w_down;
  HostExpert(std::uint32_t d_model, std::uint32_t d_ff, bool gated, std::uint64_t seed) : shape{d_model, d_ff, gated} {
    w_up = test::random_bf16(std::size_t{d_ff} * d_model, seed);
    if (gated) w_gate = test::random_bf16(std::size_t{d_ff} * d_model, seed + 1);
    w_down = test::random_bf16(std::size_t{d_model} * d_ff, seed + 2);
  }
  ExpertHandle place(NdpDriver& d) const {
    return d.place_expert(shape, w_up.data(), shape.gated ? w_gate.data() : nullptr, w_down.data());
  }
  std::vector<bf16_t> golden_y(const std::vector<bf16_t>& x, std::uint32_t tokens) const {
    return num::golden_expert({x.data(), w_up.data(), shape.gated ? w_gate.data() : nullptr, w_down.data()},
                              {tokens, shape.d_model, shape.d_ff},
                              shape.gated ? num::ExpertActivation::kSiluGated : num::ExpertActivation::kRelu)
        .y;
  }
};

// The host: CXL.mem and CXL.io initiator sockets and one SC_THREAD that builds the bus and the
// driver and runs `body`. An exception escaping the body is recorded (a test then fails on it)
// instead of unwinding through the SystemC kernel.
class DriverHost : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<DriverHost, 64> mem{"mem"};
  tlm_utils::simple_initiator_socket<DriverHost, 64> mmio{"mmio"};
  const sc_core::sc_event* irq = nullptr;
  std::function<bool()> irq_level;
  std::uint64_t device_bytes = 0;
  DriverOptions options;
  bool finished = false;
  std::string failure;

  SC_HAS_PROCESS(DriverHost);
  DriverHost(sc_core::sc_module_name n, std::function<void(NdpDriver&)> body) : sc_module(n), body_(std::move(body)) {
    SC_THREAD(run);
  }

 private:
  void run() {
    try {
      TlmDeviceBus bus(mem, mmio, irq, irq_level);
      NdpDriver driver(bus, device_bytes, options);
      driver.init();
      body_(driver);
      finished = true;
    } catch (const std::exception& e) {
      failure = e.what();
    }
  }
  std::function<void(NdpDriver&)> body_;
};

// A device with NDP and its driver host, a protocol checker on CXL.mem.
struct DriverDesign {
  DriverDesign(const std::string& name, const DriverOptions& opt, std::function<void(NdpDriver&)> body,
               const DeviceOptions& dev_opt = {}, const DeviceConfig& cfg = lpddr5x())
      : ndp_cfg(cycle_ndp()),
        host((name + "_host").c_str(), std::move(body)),
        checker((name + "_checker").c_str()),
        dev(name.c_str(), with_ndp(cfg, ndp_cfg), dev_opt) {
    host.mem.bind(checker.target_socket);
    checker.initiator_socket.bind(dev.host_socket());
    host.mmio.bind(dev.ndp_mmio_socket());
    host.irq = &dev.ndp().irq_event();
    host.irq_level = [this] { return dev.ndp().irq_pending(); };
    host.device_bytes = cfg.dram.capacity_bytes();
    host.options = opt;
  }
  void expect_clean_run() const {
    EXPECT_TRUE(host.finished) << "driver thread did not finish: " << host.failure;
    EXPECT_EQ(checker.violation_count(), 0u);
  }
  config::NdpConfig ndp_cfg;
  DriverHost host;
  checker::ProtocolChecker<64> checker;
  CxlType3Device dev;
};

std::size_t mismatches(const std::vector<bf16_t>& a, const std::vector<bf16_t>& b) {
  if (a.size() != b.size()) return std::max(a.size(), b.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) n += a[i] != b[i];
  return n;
}

// The tiny Switch-Base expert (configs/models/switch-base-128-tiny.json): d_model 64, d_ff 256,
// ReLU. Each matrix is 256 x 64 x 2 B = 32,768 B, so the weights are 65,536 B.
constexpr std::uint32_t kDModel = 64, kDFf = 256;
constexpr std::uint64_t kWeightBytes = 2ull * kDModel * kDFf * 2;  // 65,536
HostExpert switch_tiny() { return HostExpert(kDModel, kDFf, false, 0x5A17C4); }

// Two jobs of 3 and 5 tokens: x is T x 64 x 2 B = 384 B and 640 B, 1,024 B together.
struct TwoJobs {
  std::vector<bf16_t> x3 = test::random_bf16(3 * kDModel, 0x300);
  std::vector<bf16_t> x5 = test::random_bf16(5 * kDModel, 0x500);
  JobResult r3, r5;
  sc_time placement = SC_ZERO_TIME;
  ExpertHandle handle;
  DriverStats stats;
  std::uint64_t sq_base = 0, cq_base = 0, bytes_in_use = 0;
  std::size_t live_blocks = 0;

  std::function<void(NdpDriver&)> body(const HostExpert& e) {
    return [this, &e](NdpDriver& d) {
      sq_base = d.sq_base();
      cq_base = d.cq_base();
      const sc_time t0 = sc_core::sc_time_stamp();
      handle = e.place(d);
      placement = sc_core::sc_time_stamp() - t0;
      const JobTicket a = d.submit(handle, 3, x3.data());
      const JobTicket b = d.submit(handle, 5, x5.data());  // both in flight before any wait
      r3 = d.wait(a);
      r5 = d.wait(b);
      stats = d.stats();
      bytes_in_use = d.allocator().bytes_in_use();
      live_blocks = d.allocator().live_blocks();
    };
  }
};

// CXL 2.0 x16 write bandwidth of the preset (configs/device/lpddr5x-8533.json, cxl._comment):
// raw 16 x 32e9 x 128/130 / 8 = 63.02 GB/s; a 64 B line costs 4 data slots + 1 RwD header slot
// of 17 wire bytes = 85 B, so 64/85 x 63.02 = 47.45 GB/s of payload.
double link_write_bytes_per_s(const DeviceConfig& cfg) {
  const double bw = cfg.link.write_bytes_per_s();
  EXPECT_NEAR(bw, 47.45e9, 0.01e9);
  return bw;
}

// ---------------------------------------------------------------- (a) CXL.mem + interrupt

TEST(NdpDriver, PlacesThroughCxlMemAndWaitsOnTheInterrupt) {
  const HostExpert e = switch_tiny();
  TwoJobs jobs;
  DriverOptions opt;  // CXL.mem placement, interrupt waiting, 64-entry rings
  DriverDesign des("dev", opt, jobs.body(e));
  sc_core::sc_start();
  des.expect_clean_run();

  EXPECT_EQ(jobs.r3.completion.error_code, ndp::NdpErrorCode::kOk);
  EXPECT_EQ(jobs.r5.completion.error_code, ndp::NdpErrorCode::kOk);
  EXPECT_EQ(jobs.r3.completion.job_tag, 1u);  // tags count from 1 in submission order
  EXPECT_EQ(jobs.r5.completion.job_tag, 2u);
  EXPECT_EQ(mismatches(jobs.r3.y, e.golden_y(jobs.x3, 3)), 0u);
  EXPECT_EQ(mismatches(jobs.r5.y, e.golden_y(jobs.x5, 5)), 0u);
  ASSERT_EQ(jobs.r3.y.size(), 3u * kDModel);

  // Layout, 4 KiB granules from 0: SQ 64 x 128 B = 8 KiB at 0; CQ 64 x 32 B = 2 KiB at 0x2000,
  // rounded to 4 KiB; w_up (32 KiB) at 0x3000; w_down at 0x3000 + 0x8000 = 0xB000.
  EXPECT_EQ(jobs.sq_base, 0x0u);
  EXPECT_EQ(jobs.cq_base, 0x2000u);
  EXPECT_EQ(jobs.handle.w_up, 0x3000u);
  EXPECT_EQ(jobs.handle.w_gate, 0x0u);
  EXPECT_EQ(jobs.handle.w_down, 0xB000u);
  // After both waits only the rings and weights stay: 8 KiB + 4 KiB + 2 x 32 KiB = 77,824 B.
  EXPECT_EQ(jobs.bytes_in_use, 77824u);
  EXPECT_EQ(jobs.live_blocks, 4u);

  const DriverStats& s = jobs.stats;
  // Weights 65,536 B + activations 384 + 640 B, all through CXL.mem; nothing preloaded.
  EXPECT_EQ(s.bytes_written_cxl, kWeightBytes + 384 + 640);
  EXPECT_EQ(s.bytes_written_cxl, 66560u);
  EXPECT_EQ(s.bytes_preloaded_debug, 0u);
  EXPECT_EQ(s.which_path, "cxl_mem");
  // y read back: (3 + 5) x 64 x 2 B.
  EXPECT_EQ(s.bytes_read_cxl, 1024u);
  // Rings: the zeroed CQ (2,048 B) and two 128 B descriptors.
  EXPECT_EQ(s.ring_bytes_written, 2048u + 2 * 128);
  EXPECT_EQ(s.jobs_submitted, 2u);
  EXPECT_EQ(s.jobs_completed, 2u);
  EXPECT_EQ(s.jobs_failed, 0u);
  EXPECT_EQ(s.max_in_flight, 2u);
  EXPECT_EQ(s.experts_placed, 1u);
  EXPECT_GE(s.interrupts, 1u);
  EXPECT_GT(s.wait_time, SC_ZERO_TIME);

  // Placement cannot beat the link: 65,536 B / 47.45 GB/s = 1.381 us is a lower bound.
  const double bound_s = static_cast<double>(kWeightBytes) / link_write_bytes_per_s(des.dev.config());
  EXPECT_NEAR(bound_s, 1.381e-6, 0.001e-6);
  EXPECT_GE(jobs.placement.to_seconds(), bound_s);
  // And it is link-bound: each matrix (32 KiB, below write_chunk_bytes) is one b_transport,
  // which returns when its last line is acknowledged, so each of the 2 transfers adds one
  // unloaded write round trip (2 x 35 ns link crossings + 10 ns controller + the DRAM write,
  // ~95 ns; measured 1.572 us in all). Allow 150 ns per transfer.
  EXPECT_LE(jobs.placement.to_seconds(), bound_s + 2 * 150e-9);
  EXPECT_EQ(s.placement_time, jobs.placement);
  // Completion times: the device counts total_cycles at 1 GHz (1 ns each) from its descriptor
  // fetch, which follows the doorbell, to its completion write, which precedes the driver's read
  // of the entry; submit() starts before the doorbell.
  for (const JobResult* r : {&jobs.r3, &jobs.r5}) {
    EXPECT_GE(r->doorbell_to_completion, sc_time(static_cast<double>(r->completion.total_cycles), SC_NS));
    EXPECT_GT(r->submit_to_completion, r->doorbell_to_completion);
  }
  // The device saw exactly these two jobs, and the driver acknowledged every interrupt: job 5's
  // completion came microseconds after job 3's had been drained, so it raised the line anew and
  // was acknowledged before its own drain.
  EXPECT_EQ(des.dev.ndp().stats().jobs_ok, 2u);
  EXPECT_FALSE(des.dev.ndp().irq_pending());
  std::cout << "[ info ] placement " << jobs.placement.to_seconds() * 1e6 << " us (bound " << bound_s * 1e6
            << " us); job(3) " << jobs.r3.submit_to_completion << ", job(5) " << jobs.r5.submit_to_completion << "\n";
}

// The interrupt line is a level: a completion that raised it while the host thread was busy
// elsewhere (here: sleeping 20 us after the doorbell, far beyond the ~2 us the job takes) must
// not be lost. wait() then finds the line asserted and does not sleep at all: its time is the
// acknowledgement (one 100 ns CXL.io write), one CQ entry read over CXL.mem (one round trip,
// well under 1 us), the CQ_HEAD write and the y read.
// A quantised NDP copy (docs/driver.md): the same Switch-tiny expert with shape.ndp_weights
// int4 / G = 32. The driver quantises each matrix (num::quantise) and places, after the bf16
// matrices, its codes (256 x 64 / 2 = 8 KiB) and scales (256 x 64 / 32 x 2 B = 1 KiB, one 4 KiB
// granule) per matrix:
//   rings 0x0 (8 KiB) and 0x2000 (4 KiB); bf16 w_up 0x3000, w_down 0xB000 (32 KiB each);
//   q_up 0x13000 (8 KiB), s_up 0x15000 (4 KiB), q_down 0x16000, s_down 0x18000.
// Placement writes 65,536 + 2 x (8,192 + 1,024) = 83,968 B through CXL.mem; the jobs run on the
// codes and return the golden expert on the dequantised matrices, bit for bit.
TEST(NdpDriver, PlacesAQuantisedCopyAndTheJobsRunOnIt) {
  HostExpert e = switch_tiny();
  e.shape.ndp_weights = {config::WeightFormat::kInt4, 32};
  TwoJobs jobs;
  DriverDesign des("dev", {}, jobs.body(e));
  sc_core::sc_start();
  des.expect_clean_run();
  EXPECT_EQ(jobs.handle.w_up, 0x3000u);
  EXPECT_EQ(jobs.handle.w_down, 0xB000u);
  EXPECT_EQ(jobs.handle.q_up, 0x13000u);
  EXPECT_EQ(jobs.handle.s_up, 0x15000u);
  EXPECT_EQ(jobs.handle.q_gate, 0x0u);
  EXPECT_EQ(jobs.handle.s_gate, 0x0u);
  EXPECT_EQ(jobs.handle.q_down, 0x16000u);
  EXPECT_EQ(jobs.handle.s_down, 0x18000u);
  EXPECT_EQ(jobs.stats.bytes_written_cxl, 83968u + 384 + 640);
  const auto up = num::dequantise(num::quantise(e.w_up.data(), kDFf, kDModel, e.shape.ndp_weights));
  const auto down = num::dequantise(num::quantise(e.w_down.data(), kDModel, kDFf, e.shape.ndp_weights));
  for (const auto* job : {&jobs.r3, &jobs.r5}) {
    const auto& x = job == &jobs.r3 ? jobs.x3 : jobs.x5;
    const std::uint32_t t = job == &jobs.r3 ? 3 : 5;
    EXPECT_EQ(job->completion.error_code, ndp::NdpErrorCode::kOk);
    const auto golden = num::golden_expert({x.data(), up.data(), nullptr, down.data()}, {t, kDModel, kDFf},
                                           num::ExpertActivation::kRelu).y;
    EXPECT_EQ(mismatches(job->y, golden), 0u);
    EXPECT_GT(mismatches(job->y, e.golden_y(x, t)), 0u);  // it is not the bf16 expert
  }
}

// The testbench calls (monde-sim ndp): an int8 / G = 64 Switch-tiny expert placed from given
// codes and scales (the quantiser's, with code -128 written into w_up[0][0], which it never
// makes), no bf16 copy. Layout, 4 KiB granules: rings 0x0 (8 KiB) and 0x2000; q_up 0x3000
// (256 x 64 x 1 B = 16 KiB), s_up 0x7000 (256 x 1 scale x 2 B = 512 B -> 4 KiB), q_down 0x8000,
// s_down 0xC000: 53,248 B with the rings. Job 1 reads h back (golden bits for h and y), job 2's
// descriptor is edited to dtype 9 and fails with bad_dtype (the error reports the edited
// descriptor), job 3 runs without h. A matrix of the wrong shape is refused.
TEST(NdpDriver, TestbenchPlacesGivenCodesEditsDescriptorsAndReadsH) {
  const HostExpert e = switch_tiny();
  ExpertShape shape = e.shape;
  shape.ndp_weights = {config::WeightFormat::kInt8, 64};
  num::QuantisedMatrix up = num::quantise(e.w_up.data(), kDFf, kDModel, shape.ndp_weights);
  up.set_code(0, 0, 0x80);
  const num::QuantisedMatrix down = num::quantise(e.w_down.data(), kDModel, kDFf, shape.ndp_weights);
  const std::vector<bf16_t> x = test::random_bf16(3 * kDModel, 0x7B);
  ExpertHandle handle;
  JobResult r1, r3;
  ndp::NdpErrorCode code2 = ndp::NdpErrorCode::kOk;
  std::uint8_t sent_dtype = 0;
  std::string shape_error;
  std::uint64_t bytes_in_use = 0;
  DriverDesign des("dev", {}, [&](NdpDriver& d) {
    try {
      d.place_quantised_expert(shape, down, nullptr, down);  // [64 x 256] given as w_up [256 x 64]
    } catch (const std::invalid_argument& ex) {
      shape_error = ex.what();
    }
    handle = d.place_quantised_expert(shape, up, nullptr, down);
    r1 = d.wait(d.submit(handle, 3, x.data()), true);
    const JobTicket bad = d.submit(handle, 3, x.data(), [](ndp::JobDescriptor& desc) { desc.dtype = 9; });
    try {
      d.wait(bad);
    } catch (const NdpJobError& err) {
      code2 = err.code();
      sent_dtype = err.descriptor().dtype;
    }
    r3 = d.wait(d.submit(handle, 3, x.data()));
    bytes_in_use = d.allocator().bytes_in_use();
  });
  sc_core::sc_start();
  des.expect_clean_run();
  EXPECT_NE(shape_error.find("w_up is not an int8/g64 [256 x 64] matrix"), std::string::npos) << shape_error;
  EXPECT_EQ(handle.w_up, 0u);
  EXPECT_EQ(handle.w_down, 0u);
  EXPECT_EQ(handle.q_up, 0x3000u);
  EXPECT_EQ(handle.s_up, 0x7000u);
  EXPECT_EQ(handle.q_down, 0x8000u);
  EXPECT_EQ(handle.s_down, 0xC000u);
  const auto golden = num::golden_expert({x.data(), num::dequantise(up).data(), nullptr, num::dequantise(down).data()},
                                         {3, kDModel, kDFf}, num::ExpertActivation::kRelu);
  ASSERT_EQ(r1.h.size(), 3u * kDFf);
  EXPECT_EQ(mismatches(r1.h, golden.h), 0u);
  EXPECT_EQ(mismatches(r1.y, golden.y), 0u);
  EXPECT_EQ(code2, ndp::NdpErrorCode::kBadDtype);
  EXPECT_EQ(sent_dtype, 9);
  EXPECT_EQ(mismatches(r3.y, golden.y), 0u);
  EXPECT_TRUE(r3.h.empty());
  EXPECT_EQ(bytes_in_use, 53248u);
}

// A format the device cannot take, or a weight with no integer grid, fails placement before
// anything is allocated.
TEST(NdpDriver, QuantisedPlacementRefusesBadGroupsAndNonFiniteWeights) {
  HostExpert e = switch_tiny();
  std::string group_error, nan_error;
  std::uint64_t in_use_before = 0, in_use_after = 0;
  DriverDesign des("dev", {}, [&](NdpDriver& d) {
    in_use_before = d.allocator().bytes_in_use();
    HostExpert bad = e;
    bad.shape.ndp_weights = {config::WeightFormat::kInt8, 128};  // d_model 64 is half a group
    try {
      bad.place(d);
    } catch (const std::invalid_argument& ex) {
      group_error = ex.what();
    }
    bad.shape.ndp_weights = {config::WeightFormat::kInt8, 32};
    bad.w_down[70] = 0x7FC0;  // NaN at row 0, column 70 of w_down [64 x 256]
    try {
      bad.place(d);
    } catch (const std::invalid_argument& ex) {
      nan_error = ex.what();
    }
    in_use_after = d.allocator().bytes_in_use();
  });
  sc_core::sc_start();
  des.expect_clean_run();
  EXPECT_NE(group_error.find("int8/g128 needs a group size of 32, 64 or 128 dividing d_model 64 and d_ff 256"),
            std::string::npos)
      << group_error;
  EXPECT_NE(nan_error.find("weight [0][70] is NaN"), std::string::npos) << nan_error;
  EXPECT_EQ(in_use_after, in_use_before);
}

TEST(NdpDriver, InterruptRaisedWhileNobodyWaitedIsNotLost) {
  const HostExpert e = switch_tiny();
  const std::vector<bf16_t> x = test::random_bf16(2 * kDModel, 0x1A7E);
  JobResult r;
  DriverStats stats;
  DriverDesign des("dev", DriverOptions{}, [&](NdpDriver& d) {
    const JobTicket t = d.submit(e.place(d), 2, x.data());
    sc_core::wait(sc_time(20, sc_core::SC_US));
    r = d.wait(t);
    stats = d.stats();
  });
  sc_core::sc_start();
  des.expect_clean_run();
  EXPECT_EQ(r.completion.error_code, ndp::NdpErrorCode::kOk);
  EXPECT_EQ(mismatches(r.y, e.golden_y(x, 2)), 0u);
  EXPECT_GE(r.doorbell_to_completion, sc_time(20, sc_core::SC_US));
  EXPECT_EQ(stats.interrupts, 1u);
  EXPECT_EQ(stats.empty_polls, 0u);
  EXPECT_GT(stats.wait_time, SC_ZERO_TIME);
  EXPECT_LT(stats.wait_time, sc_time(1, sc_core::SC_US));
}

// ---------------------------------------------------------------- (b) debug preload + polling

// Two devices side by side, the same expert and activations: one driver places through CXL.mem
// and waits on the interrupt, the other preloads with debug writes and polls. The y bits must be
// identical (and golden); only the time and the byte accounting differ.
TEST(NdpDriver, DebugPreloadWithPollingGivesIdenticalBits) {
  const HostExpert e = switch_tiny();
  TwoJobs cxl_jobs, dbg_jobs;
  DriverOptions cxl_opt;
  DriverOptions dbg_opt;
  dbg_opt.debug_preload = true;
  dbg_opt.wait = DriverOptions::Wait::kPolling;
  dbg_opt.poll_interval = sc_time(1, sc_core::SC_US);
  DriverDesign cxl("cxl", cxl_opt, cxl_jobs.body(e));
  DriverDesign dbg("dbg", dbg_opt, dbg_jobs.body(e));
  sc_core::sc_start();
  cxl.expect_clean_run();
  dbg.expect_clean_run();

  EXPECT_EQ(mismatches(dbg_jobs.r3.y, cxl_jobs.r3.y), 0u);
  EXPECT_EQ(mismatches(dbg_jobs.r5.y, cxl_jobs.r5.y), 0u);
  EXPECT_EQ(mismatches(dbg_jobs.r3.y, e.golden_y(dbg_jobs.x3, 3)), 0u);
  EXPECT_EQ(mismatches(dbg_jobs.r5.y, e.golden_y(dbg_jobs.x5, 5)), 0u);
  ASSERT_EQ(dbg_jobs.r5.y.size(), 5u * kDModel);

  const DriverStats& d = dbg_jobs.stats;
  EXPECT_EQ(d.which_path, "debug_preload");
  EXPECT_EQ(d.bytes_preloaded_debug, kWeightBytes);
  EXPECT_EQ(d.bytes_written_cxl, 384u + 640u);  // activations still cross CXL.mem
  EXPECT_EQ(d.bytes_read_cxl, 1024u);
  EXPECT_EQ(cxl_jobs.stats.bytes_written_cxl, kWeightBytes + 1024u);
  // Debug writes take no simulated time at all; CXL.mem placement is bounded by the link.
  EXPECT_EQ(dbg_jobs.placement, SC_ZERO_TIME);
  EXPECT_EQ(d.placement_time, SC_ZERO_TIME);
  const double bound_s = static_cast<double>(kWeightBytes) / link_write_bytes_per_s(cxl.dev.config());
  EXPECT_GE(cxl_jobs.placement.to_seconds(), bound_s);
  // Polling never sleeps on the interrupt (IRQ_EN is off). The first poll comes right after the
  // second doorbell, a few hundred ns after the first: the first job cannot be done by then (its
  // 512 ReLU-phase-2 MAC cycles alone take 0.5 us at 1 GHz), so at least one poll was empty.
  EXPECT_EQ(d.interrupts, 0u);
  EXPECT_GE(d.empty_polls, 1u);
  std::uint32_t control = 0;
  dbg.dev.ndp().registers().read32(ndp::reg::kControl, control);
  EXPECT_EQ(control, ndp::kControlEnable);  // enabled without IRQ_EN
  cxl.dev.ndp().registers().read32(ndp::reg::kControl, control);
  EXPECT_EQ(control, ndp::kControlEnable | ndp::kControlIrqEnable);
}

// ---------------------------------------------------------------- (c) a failed job

// An expert with d_ff 1024 and a job of 2049 tokens: h = 2049 x 1024 x 2 B = 4,196,352 B exceeds
// the 4 MiB (4,194,304 B) activation buffer, and nothing earlier in validate()'s order fails
// (2049 <= 4096 max tokens, dims multiples of 32, d_ff <= 16384), so the device completes it with
// tokens_over_buffer. wait() must throw NdpJobError naming the job; the next job still works.
TEST(NdpDriver, FailedJobSurfacesAsNdpJobErrorWithItsContext) {
  const HostExpert e(64, 1024, false, 0xE770);
  const std::vector<bf16_t> x_bad = test::random_bf16(2049 * 64, 0xBAD);
  const std::vector<bf16_t> x_ok = test::random_bf16(4 * 64, 0x600D);
  std::string message;
  std::uint32_t error_tag = 0;
  ndp::NdpErrorCode error_code = ndp::NdpErrorCode::kOk;
  std::uint64_t error_x = 0;
  JobResult ok;
  DriverStats stats;
  std::uint64_t bytes_in_use = 0;
  DriverDesign des("dev", DriverOptions{}, [&](NdpDriver& d) {
    const ExpertHandle h = e.place(d);
    const JobTicket bad = d.submit(h, 2049, x_bad.data());
    try {
      d.wait(bad);
    } catch (const NdpJobError& err) {
      message = err.what();
      error_tag = err.job_tag();
      error_code = err.code();
      error_x = err.descriptor().x_addr;
    }
    ok = d.wait(d.submit(h, 4, x_ok.data()));
    stats = d.stats();
    bytes_in_use = d.allocator().bytes_in_use();
  });
  sc_core::sc_start();
  des.expect_clean_run();

  EXPECT_EQ(error_tag, 1u);
  EXPECT_EQ(error_code, ndp::NdpErrorCode::kTokensOverBuffer);
  EXPECT_NE(message.find("NDP job 1 failed"), std::string::npos) << message;
  EXPECT_NE(message.find("tokens_over_buffer"), std::string::npos) << message;
  EXPECT_NE(message.find("d_model 64, d_ff 1024, relu"), std::string::npos) << message;
  EXPECT_NE(message.find("tokens 2049"), std::string::npos) << message;
  // Addresses, 4 KiB granules: SQ 0 (8 KiB), CQ 0x2000, w_up 0x3000 and w_down 0x23000 (each
  // 1024 x 64 x 2 B = 128 KiB = 0x20000); x at 0x43000 is 2049 x 128 B = 262,272 B -> 65 pages
  // (0x41000), so y at 0x84000 (same size) and h at 0xC5000.
  EXPECT_NE(message.find("w_up 0x3000 w_gate 0x0 w_down 0x23000 x 0x43000 y 0x84000 h 0xc5000"), std::string::npos)
      << message;
  EXPECT_EQ(error_x, 0x43000u);

  // The following job runs and is golden.
  EXPECT_EQ(ok.completion.job_tag, 2u);
  EXPECT_EQ(ok.completion.error_code, ndp::NdpErrorCode::kOk);
  EXPECT_EQ(mismatches(ok.y, e.golden_y(x_ok, 4)), 0u);
  ASSERT_EQ(ok.y.size(), 4u * 64);
  EXPECT_EQ(stats.jobs_completed, 2u);
  EXPECT_EQ(stats.jobs_failed, 1u);
  // Both jobs' buffers were released (the failed one's when wait() threw): what remains is
  // 8 KiB + 4 KiB of rings and 2 x 128 KiB of weights = 274,432 B.
  EXPECT_EQ(bytes_in_use, 274432u);
  // The driver cleared the latched error after consuming it, and every interrupt.
  std::uint32_t error_reg = 0, irq_status = 0;
  des.dev.ndp().registers().read32(ndp::reg::kError, error_reg);
  des.dev.ndp().registers().read32(ndp::reg::kIrqStatus, irq_status);
  EXPECT_EQ(error_reg, 0u);
  EXPECT_EQ(irq_status, 0u);
  EXPECT_EQ(des.dev.ndp().stats().jobs_failed, 1u);
}

// ---------------------------------------------------------------- (d) a full SQ blocks submit()

// Rings of 4 entries hold 3 jobs. Five jobs (1..5 tokens) are submitted before any wait from one
// thread: submits 4 and 5 find the SQ full and consume completions until a slot frees. Jobs then
// are waited for in reverse order, so wait(5) consumes the completions of 3, 4 and 5 and keeps
// the other two for their own tickets. CQ wrap: 5 completions over 4 entries flip the phase.
TEST(NdpDriver, FullRingBlocksSubmitUntilACompletionFreesASlot) {
  const HostExpert e = switch_tiny();
  std::vector<std::vector<bf16_t>> x;
  for (std::uint32_t t = 1; t <= 5; ++t) x.push_back(test::random_bf16(std::size_t{t} * kDModel, 0xD00 + t));
  std::map<std::uint32_t, JobResult> results;
  std::vector<std::uint32_t> in_flight_after_submit;
  DriverStats stats;
  DriverOptions opt;
  opt.sq_entries = 4;
  opt.cq_entries = 4;
  DriverDesign des("dev", opt, [&](NdpDriver& d) {
    const ExpertHandle h = e.place(d);
    std::vector<JobTicket> tickets;
    for (std::uint32_t t = 1; t <= 5; ++t) {
      tickets.push_back(d.submit(h, t, x[t - 1].data()));
      in_flight_after_submit.push_back(d.in_flight());
    }
    for (auto it = tickets.rbegin(); it != tickets.rend(); ++it) results[it->tag] = d.wait(*it);
    stats = d.stats();
  });
  sc_core::sc_start();
  des.expect_clean_run();

  ASSERT_EQ(results.size(), 5u);
  for (std::uint32_t t = 1; t <= 5; ++t) {
    SCOPED_TRACE(t);
    const JobResult& r = results.at(t);  // tag t carries t tokens
    EXPECT_EQ(r.completion.error_code, ndp::NdpErrorCode::kOk);
    EXPECT_EQ(mismatches(r.y, e.golden_y(x[t - 1], t)), 0u);
    EXPECT_EQ(r.completion.sq_head, t % 4);  // the SQ slot after job t
    EXPECT_EQ(r.completion.phase, t <= 4);   // the fifth entry wrapped: phase 0
  }
  // Never more than 3 in flight. Submits 1-3 fill the ring; submit 4 waits for job 1's
  // completion and takes its slot, and submit 5 then finds the ring full again and waits for
  // job 2. That needs job 2 to still be running when submit 5 checks for space: jobs run one
  // at a time and each takes over 1.1 us on the device (1,135 to 1,632 NDP cycles at 1 GHz:
  // 64 KiB of weights streamed, 2 x (256 + 2 + T) MAC cycles in phase 2 alone), while
  // submit 4's remaining work after job 1's interrupt (acknowledge, CQ read, CQ_HEAD,
  // descriptor, doorbell) and submit 5's x write take about 0.5 us (measured: job 2
  // completes about 0.5 us after submit 5 starts waiting).
  EXPECT_EQ(in_flight_after_submit, (std::vector<std::uint32_t>{1, 2, 3, 3, 3}));
  EXPECT_EQ(stats.max_in_flight, 3u);
  EXPECT_EQ(stats.submit_stalls, 2u);
  EXPECT_EQ(stats.jobs_completed, 5u);
  EXPECT_EQ(des.dev.ndp().registers().cq_head(), 1u);  // 5 mod 4
  EXPECT_EQ(des.dev.ndp().registers().sq_head(), 1u);
}

// ---------------------------------------------------------------- timing_only

// data: timing_only: the memory keeps no bytes, so the driver writes no weights (taken as
// resident); x and y still cross CXL.mem as timed transfers of a scratch payload; the rings go
// through debug accesses and still work.
TEST(NdpDriver, TimingOnlyTimesActivationsButPlacesNoWeights) {
  const ExpertShape shape{kDModel, kDFf, false};
  JobResult r;
  DriverStats stats;
  DriverOptions opt;
  opt.timing_only = true;
  DeviceOptions dev_opt;
  dev_opt.timing_only = true;
  DriverDesign des("dev", opt, [&](NdpDriver& d) {
    const ExpertHandle h = d.place_expert(shape, nullptr, nullptr, nullptr);
    r = d.wait(d.submit(h, 3, nullptr));
    stats = d.stats();
  }, dev_opt);
  sc_core::sc_start();
  des.expect_clean_run();
  EXPECT_EQ(r.completion.error_code, ndp::NdpErrorCode::kOk);
  EXPECT_TRUE(r.y.empty());
  EXPECT_EQ(stats.which_path, "none");
  // x and y: 3 tokens x kDModel x 2 B each.
  EXPECT_EQ(stats.bytes_written_cxl, 3u * kDModel * 2);
  EXPECT_EQ(stats.bytes_preloaded_debug, 0u);
  EXPECT_EQ(stats.bytes_read_cxl, 3u * kDModel * 2);
  EXPECT_EQ(stats.placement_time, SC_ZERO_TIME);
  EXPECT_EQ(stats.ring_bytes_written, 2048u + 128u);  // CQ zeroing + one descriptor
  // The job itself ran on the device: it streamed both weight matrices (and more) from DRAM.
  EXPECT_GE(r.completion.dma_bytes_read, kWeightBytes);
  // Only the activations crossed the link (the rings went by debug access): one x write, one y read.
  EXPECT_EQ(des.dev.link().host_transactions(), 2u);
}

// ---------------------------------------------------------------- init() and the allocator alone

// A bus whose register block is not the NDP's: init() must refuse it after reading ID, before
// touching anything else.
class WrongIdBus : public DeviceBus {
 public:
  std::vector<std::uint32_t> reads;
  std::size_t other_accesses = 0;
  void mem_write(std::uint64_t, const void*, std::uint64_t) override { ++other_accesses; }
  void mem_read(std::uint64_t, void*, std::uint64_t) override { ++other_accesses; }
  void debug_write(std::uint64_t, const void*, std::uint64_t) override { ++other_accesses; }
  void debug_read(std::uint64_t, void*, std::uint64_t) override { ++other_accesses; }
  std::uint32_t reg_read(std::uint32_t offset) override {
    reads.push_back(offset);
    return 0x12345678;
  }
  void reg_write(std::uint32_t, std::uint32_t) override { ++other_accesses; }
  const sc_core::sc_event* irq_event() const override { return nullptr; }
  bool irq_asserted() const override { return false; }
};

TEST(NdpDriver, InitRejectsARegisterBlockWithoutTheNdpId) {
  WrongIdBus bus;
  NdpDriver d(bus, 1ull << 30);
  try {
    d.init();
    FAIL() << "init accepted ID 0x12345678";
  } catch (const DriverError& e) {
    EXPECT_NE(std::string(e.what()).find("ID reads 0x12345678, expected 0x45444e4d"), std::string::npos) << e.what();
  }
  EXPECT_EQ(bus.reads, (std::vector<std::uint32_t>{ndp::reg::kId}));
  EXPECT_EQ(bus.other_accesses, 0u);
  EXPECT_FALSE(d.initialised());
  EXPECT_THROW(NdpDriver(bus, 1ull << 30, [] {
                 DriverOptions o;
                 o.sq_entries = 48;  // not a power of two
                 return o;
               }()),
               std::invalid_argument);
}

// DriverOptions::expert_alignment (an interleaved range's granularity): each expert's first
// tensor on that boundary, the rest of it back to back. A gated expert of d_model 128 x d_ff 32 is
// three matrices of 8 KiB. Weights-only driver (no rings; its first 4 KiB page stays unused),
// timing_only (nothing written):
//   4 KiB (the default): expert 0 at 4096 (w_gate 12288, w_down 20480), expert 1 at 4096 + 24576 = 28672;
//   16 KiB: expert 0 at 16384, expert 1 at the first 16 KiB boundary after 16384 + 24576: 49152.
TEST(NdpDriver, ExpertAlignmentPlacesEachExpertsFirstTensor) {
  WrongIdBus bus;  // never touched: nothing is written in timing_only
  const ExpertShape shape{128, 32, true};
  for (const std::uint64_t alignment : {std::uint64_t{4096}, std::uint64_t{16384}}) {
    DriverOptions o;
    o.memory_only = true;
    o.timing_only = true;
    o.expert_alignment = alignment;
    NdpDriver d(bus, 1ull << 30, o);
    const ExpertHandle a = d.place_expert(shape, nullptr, nullptr, nullptr);
    const ExpertHandle b = d.place_expert(shape, nullptr, nullptr, nullptr);
    EXPECT_EQ(a.w_up, alignment == 4096 ? 4096u : 16384u);
    EXPECT_EQ(a.w_gate, a.w_up + 8192);
    EXPECT_EQ(a.w_down, a.w_up + 16384);
    EXPECT_EQ(b.w_up, alignment == 4096 ? 28672u : 49152u);
  }
  EXPECT_EQ(bus.other_accesses, 0u);
  for (const std::uint64_t bad : {std::uint64_t{2048}, std::uint64_t{6144}}) {
    DriverOptions o;
    o.expert_alignment = bad;
    try {
      NdpDriver d(bus, 1ull << 30, o);
      FAIL() << "expert_alignment " << bad << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("expert_alignment " + std::to_string(bad) +
                                           " must be a power of two of at least 4096 bytes"),
                std::string::npos)
          << e.what();
    }
  }
}

// A register block with the NDP's ID that reports interface version 1 (bf16 only, before the
// quantised descriptor fields): init() must refuse it after ID and CAP, naming both versions.
class VersionOneBus : public WrongIdBus {
 public:
  std::uint32_t reg_read(std::uint32_t offset) override {
    reads.push_back(offset);
    // CAP: version 1, 8 units, 16 x 16 array.
    return offset == ndp::reg::kId ? ndp::kIdValue : (1u | 8u << 8 | 16u << 16 | 16u << 24);
  }
};

TEST(NdpDriver, InitRejectsAnotherInterfaceVersion) {
  VersionOneBus bus;
  NdpDriver d(bus, 1ull << 30);
  try {
    d.init();
    FAIL() << "init accepted interface version 1";
  } catch (const DriverError& e) {
    EXPECT_NE(std::string(e.what()).find("NDP interface version 1 is not supported (driver speaks 2)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(bus.reads, (std::vector<std::uint32_t>{ndp::reg::kId, ndp::reg::kCap}));
  EXPECT_EQ(bus.other_accesses, 0u);
  EXPECT_FALSE(d.initialised());
}

TEST(DeviceAllocator, FirstFitAlignsCoalescesAndNamesFailedRequests) {
  DeviceAllocator a(0, 64 * 1024);  // 16 pages
  const auto p0 = a.allocate(1, "a");         // 1 page at 0
  const auto p1 = a.allocate(4097, "b");      // 2 pages at 0x1000
  const auto p2 = a.allocate(0, "c");         // a zero-byte request still gets a page: 0x3000
  const auto p3 = a.allocate(64, "d", 64);    // 64-byte aligned right after: 0x4000
  EXPECT_EQ(p0, 0x0u);
  EXPECT_EQ(p1, 0x1000u);
  EXPECT_EQ(p2, 0x3000u);
  EXPECT_EQ(p3, 0x4000u);
  EXPECT_EQ(a.bytes_in_use(), 4u * 4096 + 64);
  a.release(p1);  // a 2-page hole at 0x1000
  EXPECT_EQ(a.allocate(4096, "e", 4096, 0x1800), 0x2000u);  // at or above 0x1800: the hole's second page
  a.release(0x2000);
  EXPECT_EQ(a.allocate(4096, "e"), 0x1000u);  // first fit takes the hole
  a.release(0x1000);
  a.release(p0);   // coalesces with the hole: 3 pages at 0
  EXPECT_EQ(a.allocate(3 * 4096, "f"), 0x0u);
  EXPECT_THROW(a.release(0x800), std::invalid_argument);  // not a block start
  // Free now: 0x4040 .. 0x10000 = 65,536 - 16,448 = 49,088 B; the next 4 KiB boundary is 0x5000,
  // so the largest 4 KiB-aligned request that fits is 11 pages.
  EXPECT_EQ(a.bytes_free(), 49088u);
  EXPECT_EQ(a.allocate(11 * 4096, "g"), 0x5000u);
  try {
    a.allocate(8192, "w_up of expert 9");
    FAIL() << "allocation beyond capacity succeeded";
  } catch (const OutOfDeviceMemory& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'w_up of expert 9'"), std::string::npos) << m;
    EXPECT_NE(m.find("8192 bytes"), std::string::npos) << m;
  }
}


// ---------------------------------------------------------------- faults (README "Faults")

DeviceOptions faulty(const config::FaultConfig& f) {
  DeviceOptions o;
  o.faults = f;
  return o;
}

// Three jobs of three experts on the tiny Switch expert; the middle one is the one the fault hits.
struct ThreeJobs {
  HostExpert a = HostExpert(kDModel, kDFf, false, 0xA), b = HostExpert(kDModel, kDFf, false, 0xB),
             c = HostExpert(kDModel, kDFf, false, 0xC);
  std::vector<bf16_t> x = test::random_bf16(4 * kDModel, 0x44);
  JobResult ra, rc;
  std::string b_error;
  ndp::NdpErrorCode b_code = ndp::NdpErrorCode::kOk;
  sc_time a_done, b_failed;
  DriverStats stats;
  std::size_t live_blocks_after = 0;

  std::function<void(NdpDriver&)> body() {
    return [this](NdpDriver& d) {
      const ExpertHandle ha = a.place(d), hb = b.place(d), hc = c.place(d);
      const JobTicket ta = d.submit(ha, 4, x.data()), tb = d.submit(hb, 4, x.data()), tc = d.submit(hc, 4, x.data());
      ra = d.wait(ta);
      a_done = sc_core::sc_time_stamp();
      try {
        d.wait(tb);
      } catch (const NdpJobError& e) {
        b_error = e.what();
        b_code = e.code();
      }
      b_failed = sc_core::sc_time_stamp();
      rc = d.wait(tc);
      stats = d.stats();
      live_blocks_after = d.allocator().live_blocks();
    };
  }
};

// A poisoned line in expert B's w_down (faults.dram_poison.ranges): its job completes with
// dma_poison and the job log names the poisoned device address; A and C give the golden bits.
// Layout (the allocator, 4 KiB granules): SQ 0x0 (64 x 128 B), CQ 0x2000, then each expert's
// w_up and w_down of 256 x 64 x 2 = 0x8000 B: A 0x3000 / 0xB000, B 0x13000 / 0x1B000, C ...
// Phase 2 splits d_model = 64 into two 32-row fetches of w_down (units 0 and 1): unit 0 reads
// B's w_down rows 0..31 = [0x1B000, 0x1F000), which holds the poisoned line 0x1B040.
TEST(NdpDriver, PoisonedWeightsFailTheirJobWithDmaPoisonAndTheOthersRun) {
  config::FaultConfig f;
  f.dram_poison.ranges = {{0x1B040, 64}};
  ThreeJobs jobs;
  DriverDesign des("dev", DriverOptions{}, jobs.body(), faulty(f));
  sc_core::sc_start();
  des.expect_clean_run();
  EXPECT_EQ(jobs.b_code, ndp::NdpErrorCode::kDmaPoison) << jobs.b_error;
  EXPECT_NE(jobs.b_error.find("dma_poison (error 32)"), std::string::npos) << jobs.b_error;
  EXPECT_NE(jobs.b_error.find("w_down 0x1b000"), std::string::npos) << jobs.b_error;
  EXPECT_EQ(mismatches(jobs.ra.y, jobs.a.golden_y(jobs.x, 4)), 0u);
  EXPECT_EQ(mismatches(jobs.rc.y, jobs.c.golden_y(jobs.x, 4)), 0u);
  const auto& log = des.dev.ndp().job_log();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[1].code, ndp::NdpErrorCode::kDmaPoison);
  EXPECT_EQ(log[1].poison_address, 0x1B040u);
  EXPECT_EQ(log[0].code, ndp::NdpErrorCode::kOk);
  EXPECT_EQ(des.dev.memory().poison().poisoned_reads(), 1u);
  EXPECT_EQ(jobs.stats.jobs_failed, 1u);
  EXPECT_EQ(jobs.stats.timeouts, 0u);
  EXPECT_EQ(jobs.live_blocks_after, 2u + 6u);  // the rings and the three experts' matrices: no job buffers left
}

// A unit that hangs (faults.ndp.hang_job 2, scope unit): the driver's watchdog (10 us here) sees
// no completion for 10 us after A's, writes CONTROL.ABORT, the engine ends B with `aborted`
// (unit 0 released, phase 2 not started) and goes on: C runs and gives the golden bits. B fails
// 10 us after A's completion was consumed plus the abort's own CXL.io write (100 ns), the
// completion entry write and the interrupt service: under 1 us more.
TEST(NdpDriver, AHungUnitIsAbortedByTheWatchdogAndLaterJobsRun) {
  config::FaultConfig f;
  f.ndp.hang_job = 2;
  DriverOptions opt;
  opt.job_timeout = sc_time(10, sc_core::SC_US);
  ThreeJobs jobs;
  DriverDesign des("dev", opt, jobs.body(), faulty(f));
  sc_core::sc_start();
  des.expect_clean_run();
  EXPECT_EQ(jobs.b_code, ndp::NdpErrorCode::kAborted) << jobs.b_error;
  EXPECT_EQ(mismatches(jobs.ra.y, jobs.a.golden_y(jobs.x, 4)), 0u);
  EXPECT_EQ(mismatches(jobs.rc.y, jobs.c.golden_y(jobs.x, 4)), 0u);
  const sc_time waited = jobs.b_failed - jobs.a_done;
  EXPECT_GE(waited, sc_time(10, sc_core::SC_US));
  EXPECT_LT(waited, sc_time(11, sc_core::SC_US));
  EXPECT_EQ(jobs.stats.timeouts, 1u);
  EXPECT_EQ(jobs.stats.aborts, 1u);
  EXPECT_EQ(jobs.stats.resets, 0u);
  EXPECT_EQ(des.dev.ndp().stats().jobs_aborted, 1u);
  EXPECT_EQ(des.dev.ndp().stats().hangs_injected, 1u);
  EXPECT_EQ(jobs.live_blocks_after, 2u + 6u);
}

// A command processor that hangs (scope engine) answers neither the job nor the abort: after
// 10 us the driver aborts, after 10 us more it resets the device, reprograms the rings (zeroed
// CQ, indices 0, phase 1), fails B with lost_in_reset and resubmits C, which runs and gives the
// golden bits. B fails 20 us after A plus the abort's write and the recovery: the reset, the
// 2 KiB CQ zeroed over CXL.mem, eight register accesses of 100 ns (measured 1.03 us in all).
TEST(NdpDriver, AHungCommandProcessorIsResetAndTheRingsRecovered) {
  config::FaultConfig f;
  f.ndp.hang_job = 2;
  f.ndp.hang_scope = config::HangScope::kEngine;
  DriverOptions opt;
  opt.job_timeout = sc_time(10, sc_core::SC_US);
  ThreeJobs jobs;
  DriverDesign des("dev", opt, jobs.body(), faulty(f));
  sc_core::sc_start();
  des.expect_clean_run();
  EXPECT_EQ(jobs.b_code, ndp::NdpErrorCode::kLostInReset) << jobs.b_error;
  EXPECT_NE(jobs.b_error.find("lost_in_reset (error 35)"), std::string::npos) << jobs.b_error;
  EXPECT_EQ(mismatches(jobs.ra.y, jobs.a.golden_y(jobs.x, 4)), 0u);
  EXPECT_EQ(mismatches(jobs.rc.y, jobs.c.golden_y(jobs.x, 4)), 0u);
  const sc_time waited = jobs.b_failed - jobs.a_done;
  EXPECT_GE(waited, sc_time(20, sc_core::SC_US));
  EXPECT_LT(waited, sc_time(22, sc_core::SC_US));
  EXPECT_EQ(jobs.stats.timeouts, 2u);
  EXPECT_EQ(jobs.stats.aborts, 1u);
  EXPECT_EQ(jobs.stats.resets, 1u);
  EXPECT_EQ(jobs.stats.jobs_lost_in_reset, 1u);
  EXPECT_EQ(jobs.stats.jobs_resubmitted, 1u);
  EXPECT_EQ(des.dev.ndp().stats().jobs_abandoned, 1u);
  EXPECT_EQ(des.dev.ndp().stats().jobs_ok, 2u);
  EXPECT_EQ(jobs.live_blocks_after, 2u + 6u);
}

// Polling works the same way: the watchdog is checked between polls.
TEST(NdpDriver, TheWatchdogAlsoRunsWhenPolling) {
  config::FaultConfig f;
  f.ndp.hang_job = 2;
  DriverOptions opt;
  opt.wait = DriverOptions::Wait::kPolling;
  opt.job_timeout = sc_time(10, sc_core::SC_US);
  ThreeJobs jobs;
  DriverDesign des("dev", opt, jobs.body(), faulty(f));
  sc_core::sc_start();
  des.expect_clean_run();
  EXPECT_EQ(jobs.b_code, ndp::NdpErrorCode::kAborted) << jobs.b_error;
  EXPECT_EQ(mismatches(jobs.rc.y, jobs.c.golden_y(jobs.x, 4)), 0u);
  EXPECT_EQ(jobs.stats.aborts, 1u);
}

}  // namespace
}  // namespace monde::driver

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
