// The GPU side (tlm/gpu/): compute models and the "gpu" config section, then hot-expert fetches
// through GpuDeviceModel -> PcieLink -> RootComplex -> CxlType3Device (configs/device/
// lpddr5x-8533.json, memory.model bandwidth so the CXL link runs in bulk mode, data timing_only).
// Each SystemC TEST elaborates its own design (one process per test under ctest).
//
// Hand derivation shared by the fetch tests (all times in ps):
//   PCIe Gen5 x16: raw 8192/130 B/ns -> 15.869140625 ps per wire byte; latency 200,000 one way.
//     read request TLP 24 B = 380.859375; completion TLP 280 B = 4,443.359375;
//     2 MiB chunk: 4,096 requests = 1,560,000 upstream; 8,192 completions = 36,400,000 downstream.
//   CXL 2.0 x16: one 17 B slot = 269.775390625; a 64 B read line (S2M DRS, 4.5 slots) =
//     1,213.9892578125, so a 2 MiB chunk (32,768 lines) streams in exactly 39,780,000 on S2M
//     (bulk mode), its MemRd headers take 32,768 slots = 8,840,000 on M2S; one way 35,000.
//   Device DRAM (bandwidth model): 16 x 17.09 GB/s x refresh 0.928 x efficiency 0.8 = ~203 GB/s,
//     a chunk in ~10.3 us: never the bottleneck here.
//   One Mixtral-8x7B expert: 3 x 4096 x 14336 x 2 B = 352,321,536 B = 168 chunks of 2 MiB.
//   CXL reads (52.72 GB/s) are slower than PCIe (57.61 GB/s): the S2M stream is the bottleneck.
//
//   Chunk 0, issued at 0: its first request reaches the root complex at 380.859375 + 200,000
//   -> the link waits to the next whole ps, 200,381; the CXL link puts it on M2S at once and the
//   device sees it one slot + one way later: 200,381 + 269.775390625 + 35,000 = 235,650.775390625;
//   its S2M stream starts there. With 4 chunks in flight the S2M serialiser never idles again
//   (a chunk is issued ~40 us before its S2M turn, its DRAM read takes ~10 us), so chunk k's last
//   line leaves the device port at 235,650.775390625 + (k + 1) x 39,780,000, reaches the root port
//   35,000 later (rounded to ps by the CXL link: llround), and the GPU has it after the last
//   completion TLP and the PCIe latency: + 4,443.359375 + 200,000, rounded up to whole ps.
//   PCIe's completion stream for a chunk (36.4 us) fits inside the CXL chunk time (39.78 us).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tlm/checker/protocol_checker.hpp"
#include "tlm/device/cxl_type3_device.hpp"
#include "core/config/device_config.hpp"
#include "core/config/gpu_config.hpp"
#include "core/perf/gpu_time_model.hpp"
#include "system/builder.hpp"
#include "tlm/gpu/gpu_device_model.hpp"
#include "tlm/gpu/gpu_system.hpp"
#include "tlm/pcie/pcie_link.hpp"
#include "tlm/root_complex/root_complex.hpp"
#include "tlm/memory/host_memory.hpp"
#include "core/config/traffic_config.hpp"
#include "tlm/memory/traffic_generator.hpp"
#include "../unit/device_presets.hpp"
#include "lt_bench.hpp"

namespace monde::gpu {
using pcie::PcieLink;
using config::PcieLinkConfig;
using root_complex::RootComplex;
using config::RootComplexConfig;
using config::ExpertFfnPoint;
using config::GemmPoint;
using config::GpuConfig;
using config::GpuProfile;
namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kExpertBytes = 3ull * 4096 * 14336 * 2;  // 352,321,536
constexpr std::uint64_t kChunk = 2 * kMiB;
constexpr std::uint64_t kChunksPerExpert = kExpertBytes / kChunk;  // 168

// ---- the chunk timeline above as a function (used for the exact assertions)
constexpr double kDevicePortStart = 200'381.0 + 269.775390625 + 35'000.0;
constexpr double kChunkS2m = 39'780'000.0;

// GPU-side completion time of chunk k (0-based) when the CXL S2M stream is the bottleneck.
std::uint64_t cxl_bound_chunk_done(std::uint64_t k) {
  const double device_port_end = kDevicePortStart + static_cast<double>(k + 1) * kChunkS2m;
  const double root_port = static_cast<double>(std::llround(device_port_end + 35'000.0));
  return static_cast<std::uint64_t>(std::ceil(root_port + 4'443.359375 + 200'000.0));
}

config::DeviceConfig bandwidth_device() {
  auto cfg = config::load_device_config(test::device_preset("lpddr5x-8533.json"));
  cfg.dram.model = config::MemoryModel::kBandwidth;
  return cfg;
}

// The device as a plain memory expander (these tests are about the GPU side).
device::DeviceOptions timing_only_options() {
  device::DeviceOptions o;
  o.timing_only = true;
  o.check_internal_protocol = true;
  o.ndp = false;
  return o;
}

// Roofline numbers picked so that compute times are round: a gated Mixtral expert (d_model 4096,
// d_ff 14336) on 1,000 tokens is 2 x 3 x 4096 x 14336 x 1000 = 352,321,536,000 flop; at
// 352.321536 TFLOP/s that is exactly 1 ms, + 5 us launch = 1,005,000,000 ps. The weight term,
// 352,321,536 B / 3.35 TB/s = 105.2 us, is below it (compute-bound).
GpuConfig test_gpu_config() {
  GpuConfig c;
  c.roofline.peak_tflops = 352.321536;
  c.roofline.hbm_GBps = 3350;
  c.roofline.launch_us = 5;
  c.dma_chunk_bytes = kChunk;
  c.dma_outstanding = 4;
  return c;
}
constexpr std::uint64_t kCompute1000Tokens = 1'005'000'000;

HotExpertJob mixtral_expert(std::uint64_t hpa, std::uint64_t tokens) {
  HotExpertJob j;
  j.weights_hpa = hpa;
  j.weight_bytes = kExpertBytes;
  j.tokens = tokens;
  j.d_model = 4096;
  j.d_ff = 14336;
  j.gated = true;
  return j;
}

// Runs `body` in an SC_THREAD (run_hot_experts blocks its caller).
class Runner : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Runner);
  Runner(sc_core::sc_module_name n, std::function<void()> body) : sc_module(n), body_(std::move(body)) {
    SC_THREAD(run);
  }

 private:
  void run() { body_(); }
  std::function<void()> body_;
};

// GPU -> checker -> PCIe -> checker -> root complex -> checker -> device, wired by hand.
struct CheckedChain {
  CheckedChain(const GpuConfig& g, const config::DeviceConfig& d, std::function<void(CheckedChain&)> body)
      : gpu("gpu", g, perf::make_gpu_time_model(g), true),
        c_gpu("c_gpu"),
        pcie("pcie", g.pcie),
        c_pcie("c_pcie"),
        rc("rc", g.root_complex),
        c_rc("c_rc"),
        dev("dev", d, timing_only_options()),
        runner("runner", [this, body] { body(*this); }) {
    gpu.dma.bind(c_gpu.target_socket);
    c_gpu.initiator_socket.bind(pcie.gpu_socket);
    pcie.rc_socket.bind(c_pcie.target_socket);
    c_pcie.initiator_socket.bind(rc.gpu_port);
    rc.cxl_port.bind(c_rc.target_socket);
    c_rc.initiator_socket.bind(dev.host_socket());
  }
  void expect_clean() const {
    for (const checker::ProtocolChecker<64>* c : {&c_gpu, &c_pcie, &c_rc}) {
      EXPECT_EQ(c->violation_count(), 0u) << c->name() << ": " << (c->violations().empty() ? "" : c->violations()[0]);
    }
    EXPECT_EQ(dev.internal_protocol_violations(), 0u);
  }
  GpuDeviceModel gpu;
  checker::ProtocolChecker<64> c_gpu;
  PcieLink pcie;
  checker::ProtocolChecker<64> c_pcie;
  RootComplex rc;
  checker::ProtocolChecker<64> c_rc;
  device::CxlType3Device dev;
  Runner runner;
};

// ---------------------------------------------------------------- compute models and config

// The expert's shape for the GPU time model.
perf::ExpertShape mixtral_shape(bool gated = true) { return perf::ExpertShape{4096, 14336, gated}; }

TEST(GpuComputeModel, RooflineComputeAndMemoryBound) {
  const perf::RooflineGpuTime r(perf::datasheet_roofline(989, 3350, 5));
  // Gated Mixtral expert: 3 x 4096 x 14336 = 176,160,768 params = 352,321,536 B.
  // 1 token: compute 2 x 176,160,768 / 989e12 = 0.356 us < weights 352,321,536 / 3.35e12
  //   = 105.170608 us -> 5 + 105.170608 = 110.170608 us (memory-bound: decode).
  EXPECT_NEAR(r.expert_time_s(1, mixtral_shape(true)), 5e-6 + 352321536.0 / 3.35e12, 1e-15);
  EXPECT_NEAR(r.expert_time_s(1, mixtral_shape(true)), 110.170608e-6, 1e-12);
  // 4,096 tokens: 2 x 176,160,768 x 4096 / 989e12 = 1,459.160 us > weights -> 5 + 1,459.160 us.
  EXPECT_NEAR(r.expert_time_s(4096, mixtral_shape(true)), 5e-6 + 2.0 * 176160768.0 * 4096 / 989e12, 1e-15);
  EXPECT_NEAR(r.expert_time_s(4096, mixtral_shape(true)), 1464.160e-6, 0.001e-6);
  // Plain (2-matrix) FFN, 1 token: two thirds of the gated weights, still memory-bound.
  EXPECT_NEAR(r.expert_time_s(1, mixtral_shape(false)), 5e-6 + 2.0 * 4096 * 14336 * 2 / 3.35e12, 1e-15);
  EXPECT_EQ(r.expert_time_s(0, mixtral_shape(true)), 0.0);  // not launched
  EXPECT_EQ(r.describe(), "roofline");
  EXPECT_THROW(perf::datasheet_roofline(0, 3350, 5), std::invalid_argument);
  EXPECT_THROW(perf::datasheet_roofline(989, -1, 5), std::invalid_argument);
  EXPECT_THROW(perf::datasheet_roofline(989, 3350, std::nan("")), std::invalid_argument);
}

TEST(GpuConfig, DefaultsAreTheDocumentedAssumptions) {
  const auto j = nlohmann::json::object();
  const GpuConfig c = config::gpu_schema().parse(config::ConfigNode(j, "run.json", "gpu"));
  EXPECT_FALSE(c.profile.has_value());
  EXPECT_DOUBLE_EQ(c.roofline.peak_tflops, 883.0);  // measured: ../shared/data/gpu/h100-cublas-gemm.txt
  EXPECT_DOUBLE_EQ(c.roofline.hbm_GBps, 2728.0);
  EXPECT_DOUBLE_EQ(c.roofline.launch_us, 10.0);
  EXPECT_EQ(c.dma_chunk_bytes, 2 * kMiB);
  EXPECT_EQ(c.dma_outstanding, 4u);
  EXPECT_EQ(c.pcie.lanes, 16u);
  EXPECT_DOUBLE_EQ(c.root_complex.latency_ns, 0.0);
  EXPECT_EQ(perf::make_gpu_time_model(c)->describe(), "roofline");
}

TEST(GpuConfig, ParsesEveryKey) {
  const auto j = nlohmann::json::parse(R"({"profile": null,
      "roofline": {"peak_tflops": 790, "hbm_GBps": 3000, "launch_us": 7},
      "dma_chunk_bytes": 1048576, "dma_outstanding": 8,
      "pcie": {"lanes": 8, "latency_ns": 300}, "root_complex": {"latency_ns": 40}, "_comment": "x"})");
  const GpuConfig c = config::gpu_schema().parse(config::ConfigNode(j, "run.json", "gpu"));
  EXPECT_FALSE(c.profile.has_value());
  EXPECT_DOUBLE_EQ(c.roofline.peak_tflops, 790.0);
  EXPECT_DOUBLE_EQ(c.roofline.hbm_GBps, 3000.0);
  EXPECT_DOUBLE_EQ(c.roofline.launch_us, 7.0);
  EXPECT_EQ(c.dma_chunk_bytes, kMiB);
  EXPECT_EQ(c.dma_outstanding, 8u);
  EXPECT_EQ(c.pcie.lanes, 8u);
  EXPECT_DOUBLE_EQ(c.pcie.latency_ns, 300.0);
  EXPECT_DOUBLE_EQ(c.root_complex.latency_ns, 40.0);
  const auto m = perf::make_gpu_time_model(c);
  // 1 token, gated Mixtral: 7 us + 352,321,536 B / 3.0 TB/s = 7 + 117.440512 us.
  EXPECT_NEAR(m->expert_time_s(1, mixtral_shape()), 124.440512e-6, 1e-12);
}

TEST(GpuConfig, ErrorsNameFileKeyAndRange) {
  struct Case {
    const char* json;
    const char* expect;
  };
  const Case cases[] = {
      {R"({"profile": 3})", "gpu.profile' = 3: must be a non-empty string"},
      {R"({"profile": ""})", "gpu.profile' = \"\": must be a non-empty string"},
      {R"({"roofline": {"peak_tflops": 0}})", "gpu.roofline.peak_tflops' = 0: out of range"},
      {R"({"roofline": {"hbm_gbps": 3000}})", "gpu.roofline.hbm_gbps': unknown key; allowed peak_tflops, hbm_GBps"},
      {R"({"dma_chunk_bytes": 32})", "gpu.dma_chunk_bytes' = 32: out of range; allowed 64 .. 1073741824"},
      {R"({"dma_outstanding": 0})", "gpu.dma_outstanding' = 0: out of range; allowed 1 .. 256"},
      {R"({"pcie": {"lanes": 5}})", "gpu.pcie.lanes' = 5: not a link width"},
      {R"({"root_complex": {"latency_ns": -5}})", "gpu.root_complex.latency_ns' = -5: out of range"},
      {R"({"pcie_link": {}})", "gpu.pcie_link': unknown key"},
  };

  for (const auto& c : cases) {
    const auto j = nlohmann::json::parse(c.json);
    try {
      config::gpu_schema().parse(config::ConfigNode(j, "run.json", "gpu"));
      ADD_FAILURE() << "accepted " << c.json;
    } catch (const config::ConfigError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("run.json: key '"), std::string::npos) << what;
      EXPECT_NE(what.find(c.expect), std::string::npos) << "got: " << what << "\nwanted: " << c.expect;
    }
  }
}

// A hand-made profile (not a measurement: it only exercises the path) written to a temporary file,
// named relative to the configuration file that names it, drives compute through the profile
// time model.
TEST(GpuModelConfig, ProfilePathLoadsAProfileComputeModel) {
  GpuProfile p;
  p.gpu = "Test GPU";
  p.measured = {"2026-01-01T00:00:00Z", "test-host", "test-driver", "hand-written test fixture, not measured"};
  p.host_to_gpu_pinned_GBps = p.gpu_to_host_pinned_GBps = 50;
  p.host_to_gpu_pageable_GBps = 10;
  p.small_copy_latency_us = 3;
  p.kernel_launch_us = 2;
  p.gemm_bf16 = {GemmPoint{1024, 1024, 1024, 10.0}};
  p.expert_ffn = {ExpertFfnPoint{"t", 16, 4096, 14336, true, 500.0}, ExpertFfnPoint{"t", 32, 4096, 14336, true, 700.0}};
  const std::string dir = ::testing::TempDir();
  const std::string name = "monde_test_gpu_profile.json";
  std::ofstream(dir + "/" + name) << config::to_json(p).dump(2);
  const std::string run = dir + "/monde_test_run.json";
  std::ofstream(run) << R"({"profile": ")" + name + R"("})";
  const auto j = config::load_json_file(run);
  const GpuConfig c = config::gpu_schema().parse(config::ConfigNode(j, run, "gpu"));
  ASSERT_TRUE(c.profile.has_value());
  const auto m = perf::make_gpu_time_model(c);
  EXPECT_EQ(m->describe(), "profile:Test GPU");
  // 24 tokens lies halfway between the measured 16 (500 us) and 32 (700 us): 600 us.
  EXPECT_NEAR(m->expert_time_s(24, mixtral_shape()), 600e-6, 1e-12);
  EXPECT_EQ(m->expert_time_s(0, mixtral_shape()), 0.0);
  std::remove((dir + "/" + name).c_str());

  std::ofstream(run) << R"({"profile": "no-such-profile.json"})";
  try {
    const auto k = config::load_json_file(run);
    config::gpu_schema().parse(config::ConfigNode(k, run, "gpu"));
    ADD_FAILURE() << "a missing profile was accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("gpu.profile' = \"no-such-profile.json\": no such file"), std::string::npos)
        << e.what();
  }
  std::remove(run.c_str());
}

// ---------------------------------------------------------------- PcieLink alone (SystemC)

// PcieLink -> RootComplex -> device, driven by LT benches: one on the PCIe link (the GPU's
// place) and one on the root complex's CPU port, which measures the device side on its own.
struct PcieBench {
  PcieBench(std::function<void(test::LtBench&)> gpu_body, std::function<void(test::LtBench&)> cpu_body)
      : gpu("gpu", std::move(gpu_body)),
        cpu("cpu", std::move(cpu_body)),
        pcie("pcie", config::PcieLinkConfig{}),
        rc("rc", config::RootComplexConfig{}),
        dev("dev", bandwidth_device(), timing_only_options()) {
    gpu.socket.bind(pcie.gpu_socket);
    pcie.rc_socket.bind(rc.gpu_port);
    cpu.socket.bind(rc.cpu_port);
    rc.cxl_port.bind(dev.host_socket());
  }
  test::LtBench gpu, cpu;
  PcieLink pcie;
  RootComplex rc;
  device::CxlType3Device dev;
};

std::uint64_t now_ps() { return sc_core::sc_time_stamp().value() / sc_core::sc_time(1, sc_core::SC_PS).value(); }

// A 64 B read, unloaded. The device side's latency D (measured from the CPU port at 10 us, when
// everything is idle again) does not depend on when it starts (whole-ps start, same rounding), so:
//   the read reaches the root complex at ceil(24 B request 380.859375 + 200,000) = 200,381,
//   has its data at 200,381 + D, and the GPU gets it after one 88 B completion TLP
//   (88 x 15.869140625 = 1,396.484375) and the latency: ceil(200,381 + D + 201,396.484375).
// A 2 MiB posted write at t = 20 us: its first 280 B TLP reaches the root complex at
//   20,000,000 + ceil(4,443.359375 + 200,000) = 20,204,444; the CXL write then streams on M2S
//   (32,768 RwD x 1,348.876953125 = 44,200,000, 47.45 GB/s: slower than PCIe's 36,400,000), so the
//   write completes with the CXL link's last Cmp: M2S end 20,204,444 + 44,200,000, + one way
//   35,000, + one NDR slot 269.775390625, + one way 35,000 -> llround = 64,474,714.
//   (The last PCIe TLP arrived much earlier: 20,000,000 + 36,400,000 + 200,000 = 56,600,000.)
TEST(PcieLink, SmallReadLatencyAndPostedWrite) {
  std::uint64_t device_latency = 0, pcie_read_done = 0, write_done = 0;
  std::vector<unsigned char> line(64), big(2 * kMiB);
  PcieBench b(
      [&](test::LtBench& g) {
        ASSERT_EQ(g.access(tlm::TLM_READ_COMMAND, 0x4000, line.data(), 64), tlm::TLM_OK_RESPONSE);
        pcie_read_done = now_ps();
        sc_core::wait(sc_core::sc_time(20, sc_core::SC_US) - sc_core::sc_time_stamp());
        ASSERT_EQ(g.access(tlm::TLM_WRITE_COMMAND, 0x200000, big.data(), 2 * kMiB), tlm::TLM_OK_RESPONSE);
        write_done = now_ps();
      },
      [&](test::LtBench& c) {
        sc_core::wait(sc_core::sc_time(10, sc_core::SC_US));
        ASSERT_EQ(c.access(tlm::TLM_READ_COMMAND, 0x4000, line.data(), 64), tlm::TLM_OK_RESPONSE);
        device_latency = now_ps() - 10'000'000;
      });
  sc_core::sc_start();
  ASSERT_GT(device_latency, 0u);
  EXPECT_EQ(pcie_read_done, static_cast<std::uint64_t>(std::ceil(200'381.0 + device_latency + 201'396.484375)));
  EXPECT_EQ(write_done, 64'474'714u);
  // Upstream: 1 request (24 B) + 8,192 write TLPs (2,293,760 B); downstream: 1 completion (88 B).
  EXPECT_EQ(b.pcie.upstream().tlps, 1u + 8192u);
  EXPECT_DOUBLE_EQ(b.pcie.upstream().wire_bytes, 24.0 + 2293760.0);
  EXPECT_EQ(b.pcie.upstream().data_bytes, 2 * kMiB);
  EXPECT_EQ(b.pcie.downstream().tlps, 1u);
  EXPECT_DOUBLE_EQ(b.pcie.downstream().wire_bytes, 88.0);
  EXPECT_EQ(b.pcie.reads(), 1u);
  EXPECT_EQ(b.pcie.writes(), 1u);
  EXPECT_EQ(b.pcie.write_latency().max(), 64'474'714u - 20'000'000u);
  EXPECT_EQ(b.rc.port_stats(RootComplex::kGpuPort).bytes_written, 2 * kMiB);
  EXPECT_EQ(b.rc.port_stats(RootComplex::kCpuPort).bytes_read, 64u);
}

// Zero-length and streaming accesses are rejected by the link itself (nothing is forwarded).
TEST(PcieLink, MalformedTransactionsAreRejected) {
  tlm::tlm_response_status zero = tlm::TLM_OK_RESPONSE, streaming = tlm::TLM_OK_RESPONSE;
  std::vector<unsigned char> buf(256);
  PcieBench b(
      [&](test::LtBench& g) {
        zero = g.access(tlm::TLM_READ_COMMAND, 0, buf.data(), 0);
        tlm::tlm_generic_payload t;
        t.set_command(tlm::TLM_READ_COMMAND);
        t.set_address(0);
        t.set_data_ptr(buf.data());
        t.set_data_length(256);
        t.set_streaming_width(64);
        t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time d = sc_core::SC_ZERO_TIME;
        g.socket->b_transport(t, d);
        streaming = t.get_response_status();
      },
      [](test::LtBench&) {});
  sc_core::sc_start();
  EXPECT_EQ(zero, tlm::TLM_GENERIC_ERROR_RESPONSE);
  EXPECT_EQ(streaming, tlm::TLM_BURST_ERROR_RESPONSE);
  EXPECT_EQ(b.pcie.errors(), 2u);
  EXPECT_EQ(b.rc.port_stats(RootComplex::kGpuPort).reads, 0u);
}

// ---------------------------------------------------------------- fetch timing (SystemC)

// One Mixtral-8x7B expert (352,321,536 B) through the whole chain, checkers on every hop.
// Expected fetch end (derivation at the top of the file): chunk 167's completion
//   S2M end 235,650.775390625 + 168 x 39,780,000 = 6,683,275,650.775390625
//   root port llround(+35,000) = 6,683,310,651; GPU ceil(+4,443.359375 + 200,000) = 6,683,515,095.
// Bound: 352,321,536 B / min(CXL 52.72, PCIe 57.61 GB/s) = 168 x 39,780,000 = 6,683,040,000 ps;
// the simulated fetch exceeds it by the one-time latencies only (475,095 ps = 0.007 %).
TEST(GpuModel, MixtralExpertFetchIsBoundByTheCxlReadBandwidth) {
  HotExpertRunResult r;
  CheckedChain d(test_gpu_config(), bandwidth_device(),
                 [&r](CheckedChain& c) { r = c.gpu.run_hot_experts({mixtral_expert(0, 1000)}); });
  sc_core::sc_start();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.experts.size(), 1u);
  const HotExpertTiming& t = r.experts[0];
  EXPECT_EQ(t.fetch_start_ps, 0u);
  EXPECT_EQ(cxl_bound_chunk_done(167), 6'683'515'095u);
  EXPECT_EQ(t.fetch_end_ps, 6'683'515'095u);
  const double bound_ps = static_cast<double>(kExpertBytes) /
                          std::min(d.dev.config().link.read_bytes_per_s(), d.pcie.config().data_bytes_per_s()) * 1e12;
  EXPECT_NEAR(bound_ps, 6'683'040'000.0, 1.0);
  EXPECT_GE(static_cast<double>(t.fetch_end_ps - t.fetch_start_ps), bound_ps);
  EXPECT_LE(static_cast<double>(t.fetch_end_ps - t.fetch_start_ps), bound_ps * 1.0001);
  // Compute right after the weights are in: 1,005,000,000 ps.
  EXPECT_EQ(t.compute_start_ps, t.fetch_end_ps);
  EXPECT_EQ(t.compute_end_ps - t.compute_start_ps, kCompute1000Tokens);
  EXPECT_EQ(r.end_ps, t.compute_end_ps);
  EXPECT_EQ(t.bytes_fetched, kExpertBytes);
  EXPECT_EQ(t.chunks, kChunksPerExpert);

  // PCIe: upstream 168 x 4,096 request TLPs (1,560,000 ps per chunk); downstream 168 x 8,192
  // completions (36,400,000 ps per chunk) carrying every byte once.
  EXPECT_EQ(d.pcie.upstream().tlps, 168u * 4096u);
  EXPECT_NEAR(d.pcie.upstream().busy_ps, 168 * 1'560'000.0, 1e-3);
  EXPECT_EQ(d.pcie.downstream().tlps, 168u * 8192u);
  EXPECT_NEAR(d.pcie.downstream().busy_ps, 168 * 36'400'000.0, 1e-3);
  EXPECT_EQ(d.pcie.downstream().data_bytes, kExpertBytes);
  EXPECT_EQ(d.pcie.reads(), kChunksPerExpert);
  EXPECT_EQ(d.pcie.errors(), 0u);
  // CXL: every byte once on S2M, which was busy 168 x 39,780,000 ps.
  EXPECT_EQ(d.dev.link().s2m().data_bytes, kExpertBytes);
  EXPECT_NEAR(d.dev.link().s2m().busy_ps, 168 * kChunkS2m, 1e-3);
  EXPECT_EQ(d.rc.port_stats(RootComplex::kGpuPort).bytes_read, kExpertBytes);
  // GPU: 4 chunks in flight, DMA busy from 0 to the last chunk.
  const GpuModelStats& s = d.gpu.stats();
  EXPECT_EQ(s.dma_reads, kChunksPerExpert);
  EXPECT_EQ(s.max_dma_in_flight, 4u);
  EXPECT_EQ(s.bytes_fetched, kExpertBytes);
  EXPECT_EQ(s.dma_busy_ps, t.fetch_end_ps);
  EXPECT_EQ(s.compute_busy_ps, kCompute1000Tokens);
  const auto js = d.gpu.stats_json(static_cast<double>(r.end_ps));
  EXPECT_EQ(js.at("compute_model"), "roofline");
  EXPECT_NEAR(js.at("fetch_GBps").get<double>(), kExpertBytes / 6'683'515'095.0 * 1e3, 1e-9);
  const auto pj = d.pcie.stats_json(static_cast<double>(t.fetch_end_ps));
  EXPECT_NEAR(pj.at("downstream").at("utilisation").get<double>(), 168 * 36.4e6 / 6'683'515'095.0, 1e-12);
  d.expect_clean();
}

// A CXL link twice as fast (64 GT/s: reads 105.4 GB/s) makes PCIe the bottleneck.
//   Chunk 0's completions start when its first request reached the root complex, 200,380.859375
//   (the documented pipeline approximation), and PCIe's downstream serialiser stays busy from then
//   on: 168 x 36,400,000 ps. The CXL side delivers each chunk long before its PCIe turn (chunk k
//   is issued at ~(k - 3) x 36.4 us and its CXL stream takes 19.89 us).
//   End: ceil(200,380.859375 + 168 x 36,400,000 + 200,000) = 6,115,600,381 ps.
//   Bound: 352,321,536 B / 57.614 GB/s = 6,115,200,000 ps.
TEST(GpuModel, FastCxlMakesPcieTheBound) {
  auto dev_cfg = bandwidth_device();
  dev_cfg.link.rate_gtps = 64;
  HotExpertRunResult r;
  CheckedChain d(test_gpu_config(), dev_cfg,
                 [&r](CheckedChain& c) { r = c.gpu.run_hot_experts({mixtral_expert(0, 1000)}); });
  sc_core::sc_start();
  ASSERT_TRUE(r.ok) << r.error;
  const HotExpertTiming& t = r.experts[0];
  EXPECT_EQ(t.fetch_end_ps, 6'115'600'381u);
  const double bound_ps = static_cast<double>(kExpertBytes) / d.pcie.config().data_bytes_per_s() * 1e12;
  EXPECT_NEAR(bound_ps, 6'115'200'000.0, 1.0);
  EXPECT_GE(static_cast<double>(t.fetch_end_ps), bound_ps);
  EXPECT_NEAR(d.pcie.downstream().busy_ps, 168 * 36'400'000.0, 1e-3);
  d.expect_clean();
}

// Two experts, wired through GpuSystem: compute of expert 0 runs while expert 1 is fetched.
//   Expert 1's first chunk (chunk 168) goes out when chunk 164 completes (4 in flight, FIFO):
//     cxl_bound_chunk_done(164) = ceil(llround(235,650.775390625 + 165 x 39,780,000 + 35,000)
//                                      + 204,443.359375) = 6,564,175,095.
//   Expert 0: fetched at 6,683,515,095, computes 1,005,000,000 -> 7,688,515,095.
//   Expert 1: last chunk 335: ceil(llround(235,650.775390625 + 336 x 39,780,000 + 35,000)
//             + 204,443.359375) = 13,366,555,095; computes to 14,371,555,095.
TEST(GpuModel, ComputeOfOneExpertOverlapsTheFetchOfTheNext) {
  HotExpertRunResult r;
  const GpuConfig g = test_gpu_config();
  auto built = system::build_gpu(g, true, "sys");
  GpuSystem& sys = *built;
  device::CxlType3Device dev("dev", bandwidth_device(), timing_only_options());
  sys.root_complex.cxl_port.bind(dev.host_socket());
  Runner runner("runner",
                [&] { r = sys.gpu.run_hot_experts({mixtral_expert(0, 1000), mixtral_expert(kExpertBytes, 1000)}); });
  sc_core::sc_start();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.experts.size(), 2u);
  const HotExpertTiming& e0 = r.experts[0];
  const HotExpertTiming& e1 = r.experts[1];
  EXPECT_EQ(e0.fetch_start_ps, 0u);
  EXPECT_EQ(e0.fetch_end_ps, 6'683'515'095u);
  EXPECT_EQ(e0.compute_start_ps, 6'683'515'095u);
  EXPECT_EQ(e0.compute_end_ps, 7'688'515'095u);
  EXPECT_EQ(cxl_bound_chunk_done(164), 6'564'175'095u);
  EXPECT_EQ(e1.fetch_start_ps, 6'564'175'095u);
  EXPECT_EQ(cxl_bound_chunk_done(335), 13'366'555'095u);
  EXPECT_EQ(e1.fetch_end_ps, 13'366'555'095u);
  EXPECT_EQ(e1.compute_start_ps, 13'366'555'095u);
  EXPECT_EQ(e1.compute_end_ps, 14'371'555'095u);
  EXPECT_EQ(r.end_ps, 14'371'555'095u);
  // The overlap itself: expert 0 computes entirely inside expert 1's fetch window, and the
  // whole run is shorter than fetch + compute done one after the other.
  EXPECT_GT(e0.compute_start_ps, e1.fetch_start_ps);
  EXPECT_LT(e0.compute_end_ps, e1.fetch_end_ps);
  EXPECT_LT(r.end_ps, 2 * (e0.fetch_end_ps + kCompute1000Tokens));
  EXPECT_EQ(r.bytes_fetched, 2 * kExpertBytes);
  EXPECT_EQ(sys.gpu.stats().compute_busy_ps, 2 * kCompute1000Tokens);
  const auto js = sys.stats_json(static_cast<double>(r.end_ps));
  EXPECT_EQ(js.at("pcie").at("downstream").at("data_bytes"), 2 * kExpertBytes);
  EXPECT_EQ(js.at("root_complex").at("gpu_port").at("bytes_read"), 2 * kExpertBytes);
}

// The NDP path's host traffic shares the CXL link with the GPU's DMA, concurrently in simulated
// time. While the GPU fetches one expert, the host (cpu_port, blocking LT accesses) writes 1 MiB
// of activations at 100 us and reads 1 MiB of results at 250 us (HPA 1 GiB, away from the weights).
//   Write: M2S 16,384 x 1,348.876953125 = 22,100,000 [100 us, 122.1 us]; its DRAM write ends
//     ~105.2 us, when the S2M serialiser is already promised to GPU chunks up to chunk 5 (reserved
//     as each chunk's DRAM read completes), so its 16,384 NDRs (x 269.775390625 = 4,420,000) follow
//     chunk 5: 238,915,650.775390625 .. 243,335,650.775390625; done at the root port at
//     llround(+35,000) = 243,370,651. Every later GPU chunk moves 4,420,000 later.
//   Read: M2S [250 us, 254.42 us] (free: chunk 9 went out at 239.4 us, chunk 10 goes at 283.4 us),
//     DRAM done ~255.2 us, after chunk 9's (~249.7 us): its 16,384 x 1,213.9892578125 = 19,890,000
//     of S2M data follow chunk 9, which ends at 235,650.775390625 + 10 x 39,780,000 + 4,420,000
//     = 402,455,650.775390625; done at llround(+19,890,000 + 35,000) = 422,380,651.
//   The GPU's later chunks queue behind both: its fetch ends 4,420,000 + 19,890,000 ps later than
//   alone: 6,683,515,095 + 24,310,000 = 6,707,825,095.
// (In bulk mode the S2M serialiser is reserved in order of DRAM completion, so host responses wait
// behind GPU data already promised to the wire: the device port's tx queue is FIFO.)
TEST(GpuModel, HostTrafficSharesTheCxlLinkWithGpuDma) {
  HotExpertRunResult r;
  std::uint64_t write_done = 0, read_done = 0;
  tlm::tlm_response_status write_status = tlm::TLM_INCOMPLETE_RESPONSE, read_status = write_status;
  const GpuConfig g = test_gpu_config();
  auto built = system::build_gpu(g, true, "sys");
  GpuSystem& sys = *built;
  device::CxlType3Device dev("dev", bandwidth_device(), timing_only_options());
  sys.root_complex.cxl_port.bind(dev.host_socket());
  Runner gpu_thread("gpu_thread", [&] { r = sys.gpu.run_hot_experts({mixtral_expert(0, 1000)}); });
  std::vector<unsigned char> buf(kMiB);
  auto now = [] { return sc_core::sc_time_stamp().value() / sc_core::sc_time(1, sc_core::SC_PS).value(); };
  test::LtBench cpu("cpu", [&](test::LtBench& b) {
    sc_core::wait(sc_core::sc_time(100, sc_core::SC_US));
    write_status = b.access(tlm::TLM_WRITE_COMMAND, std::uint64_t{1} << 30, buf.data(), kMiB);
    write_done = now();
    ASSERT_LT(sc_core::sc_time_stamp(), sc_core::sc_time(250, sc_core::SC_US));
    sc_core::wait(sc_core::sc_time(250, sc_core::SC_US) - sc_core::sc_time_stamp());
    read_status = b.access(tlm::TLM_READ_COMMAND, std::uint64_t{1} << 30, buf.data(), kMiB);
    read_done = now();
  });
  cpu.socket.bind(sys.root_complex.cpu_port);
  sc_core::sc_start();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(write_status, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(read_status, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(write_done, 243'370'651u);
  EXPECT_EQ(read_done, 422'380'651u);
  EXPECT_EQ(r.experts[0].fetch_end_ps, 6'707'825'095u);
  EXPECT_EQ(r.experts[0].fetch_end_ps - cxl_bound_chunk_done(167), 4'420'000u + 19'890'000u);
  const auto& cpu_port = sys.root_complex.port_stats(RootComplex::kCpuPort);
  EXPECT_EQ(cpu_port.bytes_written, kMiB);
  EXPECT_EQ(cpu_port.bytes_read, kMiB);
  EXPECT_EQ(dev.link().s2m().data_bytes, kExpertBytes + kMiB);
}

// An approximately-timed host initiator on cpu_port (the memory traffic generator: 64 B
// reads and writes, 8 outstanding) is adapted to the root complex's LT path by its target socket
// and runs alongside a GPU fetch; the protocol checker in front of cpu_port sees a clean
// base-protocol exchange and every transaction completes without error.
TEST(GpuModel, AtInitiatorOnCpuPortRunsAlongsideGpuDma) {
  HotExpertRunResult r;
  const GpuConfig g = test_gpu_config();
  auto built = system::build_gpu(g, true, "sys");
  GpuSystem& sys = *built;
  device::CxlType3Device dev("dev", bandwidth_device(), timing_only_options());
  sys.root_complex.cxl_port.bind(dev.host_socket());
  config::TrafficConfig tc;
  tc.requests = 2000;
  tc.size_bytes = 64;
  tc.read_fraction = 0.5;
  tc.outstanding = 8;
  tc.region_bytes = std::uint64_t{1} << 30;
  mem::TrafficGenerator gen("gen", tc);
  checker::ProtocolChecker<64> checker("checker");
  gen.socket.bind(checker.target_socket);
  checker.initiator_socket.bind(sys.root_complex.cpu_port);
  HotExpertJob j = mixtral_expert(std::uint64_t{2} << 30, 100);
  j.weight_bytes = 16 * kMiB;
  Runner gpu_thread("gpu_thread", [&] { r = sys.gpu.run_hot_experts({j}); });
  sc_core::sc_start();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(gen.done());
  EXPECT_EQ(gen.errors(), 0u);
  EXPECT_EQ(checker.violation_count(), 0u) << (checker.violations().empty() ? "" : checker.violations()[0]);
  const auto& cpu_port = sys.root_complex.port_stats(RootComplex::kCpuPort);
  EXPECT_EQ(cpu_port.reads + cpu_port.writes, 2000u);
  EXPECT_EQ(cpu_port.errors, 0u);
  // Both streams overlapped in time: the generator's traffic started before the fetch ended.
  EXPECT_LT(gen.first_issue().value() / sc_core::sc_time(1, sc_core::SC_PS).value(), r.experts[0].fetch_end_ps);
  EXPECT_EQ(dev.link().host_transactions(), 2000u + 16 * kMiB / kChunk);
}

// A read above the device's 64 GiB (no HDM decoder covers it) fails that expert with the TLM
// error status and its address; the other expert is fetched and computed as usual.
TEST(GpuModel, UndecodedAddressFailsTheExpertNotTheRun) {
  HotExpertRunResult r;
  HotExpertJob bad = mixtral_expert(std::uint64_t{64} << 30, 10);
  bad.weight_bytes = 4 * kMiB;
  HotExpertJob good = mixtral_expert(0, 10);
  good.weight_bytes = 2 * kMiB;
  CheckedChain d(test_gpu_config(), bandwidth_device(),
                 [&](CheckedChain& c) { r = c.gpu.run_hot_experts({bad, good}); });
  sc_core::sc_start();
  ASSERT_EQ(r.experts.size(), 2u);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.experts[0].ok);
  EXPECT_NE(r.experts[0].error.find("TLM_ADDRESS_ERROR_RESPONSE"), std::string::npos) << r.experts[0].error;
  EXPECT_NE(r.experts[0].error.find("HPA 0x1000000000"), std::string::npos) << r.experts[0].error;
  EXPECT_EQ(r.error.rfind("expert 0: ", 0), 0u) << r.error;
  EXPECT_EQ(r.experts[0].bytes_fetched, 0u);
  EXPECT_EQ(r.experts[0].compute_start_ps, r.experts[0].compute_end_ps);  // not computed
  EXPECT_TRUE(r.experts[1].ok) << r.experts[1].error;
  EXPECT_EQ(r.experts[1].bytes_fetched, 2 * kMiB);
  EXPECT_GT(r.experts[1].compute_end_ps, r.experts[1].compute_start_ps);
  EXPECT_EQ(d.gpu.stats().dma_errors, 2u);
  EXPECT_EQ(d.gpu.stats().experts_failed, 1u);
  EXPECT_EQ(d.pcie.errors(), 2u);
  EXPECT_EQ(d.rc.port_stats(RootComplex::kGpuPort).errors, 2u);
  d.expect_clean();
}

// Invalid jobs fail without touching the links; weight_bytes 0 means resident: compute only.
TEST(GpuModel, InvalidAndResidentJobs) {
  HotExpertRunResult r;
  HotExpertJob no_shape;
  no_shape.tokens = 5;
  no_shape.weight_bytes = kMiB;
  HotExpertJob resident = mixtral_expert(0, 1000);
  resident.weight_bytes = 0;
  CheckedChain d(test_gpu_config(), bandwidth_device(),
                 [&](CheckedChain& c) { r = c.gpu.run_hot_experts({no_shape, resident}); });
  sc_core::sc_start();
  ASSERT_EQ(r.experts.size(), 2u);
  EXPECT_FALSE(r.experts[0].ok);
  EXPECT_NE(r.experts[0].error.find("invalid shape"), std::string::npos);
  EXPECT_TRUE(r.experts[1].ok);
  EXPECT_EQ(r.experts[1].fetch_end_ps, 0u);
  EXPECT_EQ(r.experts[1].compute_start_ps, 0u);
  EXPECT_EQ(r.experts[1].compute_end_ps, kCompute1000Tokens);
  EXPECT_EQ(d.gpu.stats().dma_reads, 0u);
  EXPECT_EQ(d.pcie.reads(), 0u);
}

// Full data: bytes written into device memory (debug writes through the root complex's CPU
// port) come back through PCIe and CXL to the data sink, chunk by chunk, unaligned start and a
// short last chunk included.
TEST(GpuModel, FullDataReachesTheSink) {
  const std::uint64_t hpa = 0x100000 + 37;
  const std::uint64_t bytes = 5 * kMiB + 100;  // chunks of 2 MiB, 2 MiB, 1 MiB + 100 B
  auto pattern = [](std::uint64_t a) { return static_cast<unsigned char>((a * 131 + 7) >> 3); };
  std::vector<unsigned char> got(bytes, 0);
  std::vector<unsigned> chunks_seen;
  HotExpertRunResult r;
  const GpuConfig g = test_gpu_config();
  device::DeviceOptions full;
  full.ndp = false;
  full.check_internal_protocol = true;
  auto built = system::build_gpu(g, false, "sys");
  GpuSystem& sys = *built;
  device::CxlType3Device dev("dev", bandwidth_device(), full);
  sys.root_complex.cxl_port.bind(dev.host_socket());
  sys.gpu.set_data_sink([&](std::size_t expert, std::uint64_t off, const unsigned char* data, std::uint64_t n) {
    ASSERT_EQ(expert, 0u);
    ASSERT_LE(off + n, bytes);
    std::copy(data, data + n, got.begin() + static_cast<std::ptrdiff_t>(off));
    chunks_seen.push_back(static_cast<unsigned>(n));
  });
  test::LtBench cpu("cpu", [&](test::LtBench& b) {
    std::vector<unsigned char> w(bytes);
    for (std::uint64_t i = 0; i < bytes; ++i) w[i] = pattern(hpa + i);
    ASSERT_EQ(b.debug(tlm::TLM_WRITE_COMMAND, hpa, w.data(), static_cast<unsigned>(bytes)), bytes);
    HotExpertJob j = mixtral_expert(hpa, 1);
    j.weight_bytes = bytes;
    r = sys.gpu.run_hot_experts({j});
  });
  cpu.socket.bind(sys.root_complex.cpu_port);
  sc_core::sc_start();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(chunks_seen.size(), 3u);
  std::uint64_t mismatches = 0;
  for (std::uint64_t i = 0; i < bytes; ++i) mismatches += got[i] != pattern(hpa + i);
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(r.bytes_fetched, bytes);
}

// ---------------------------------------------------------------- The host's DRAM behind the root complex

// The root complex's host memory window (config host_memory): a CPU-port read inside it goes to
// mem::HostMemory at the offset in the window, never to the device. A host DRAM of 1 channel x
// 8 bits x 800 MT/s = 0.8 GB/s, 100 ns latency, 1 GiB, with data:
//   read 1 of 8,000 B at t = 0:       streams 8,000 / 0.8e9 = 10 us, + 0.1 us -> done at 10,100,000 ps;
//   read 2 of 8,000 B at 10.1 us:     the DRAM is free since 10 us -> done at 20,200,000 ps;
//   a 64 B write then a 64 B read of it: the bytes come back;
//   a 128 B read starting 64 B before the window's end: TLM_ADDRESS_ERROR_RESPONSE (no partial access);
//   a read at HPA 0x4000 (the device's window) still goes to the device.
TEST(RootComplex, HostMemoryWindowRoutesToTheHostDram) {
  config::HostMemoryConfig h;
  h.channels = 1;
  h.data_rate_mtps = 800;
  h.bus_width_bits = 8;
  h.latency_ns = 100;
  h.capacity_gib = 1;
  constexpr std::uint64_t kBase = config::kHostMemoryHpaBase, kBytes = std::uint64_t{1} << 30;
  std::uint64_t t1 = 0, t2 = 0;
  tlm::tlm_response_status past_end = tlm::TLM_INCOMPLETE_RESPONSE, device_read = tlm::TLM_INCOMPLETE_RESPONSE;
  std::vector<unsigned char> buf(8000), pattern(64), back(64);
  for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<unsigned char>(i * 7 + 1);
  test::LtBench cpu("cpu", [&](test::LtBench& c) {
    ASSERT_EQ(c.access(tlm::TLM_READ_COMMAND, kBase + 0x1000, buf.data(), 8000), tlm::TLM_OK_RESPONSE);
    t1 = now_ps();
    ASSERT_EQ(c.access(tlm::TLM_READ_COMMAND, kBase + 0x1000, buf.data(), 8000), tlm::TLM_OK_RESPONSE);
    t2 = now_ps();
    ASSERT_EQ(c.access(tlm::TLM_WRITE_COMMAND, kBase + 0x2000, pattern.data(), 64), tlm::TLM_OK_RESPONSE);
    ASSERT_EQ(c.access(tlm::TLM_READ_COMMAND, kBase + 0x2000, back.data(), 64), tlm::TLM_OK_RESPONSE);
    past_end = c.access(tlm::TLM_READ_COMMAND, kBase + kBytes - 64, buf.data(), 128);
    device_read = c.access(tlm::TLM_READ_COMMAND, 0x4000, buf.data(), 64);
  });
  RootComplex rc("rc", config::RootComplexConfig{});
  mem::HostMemory host("host", h, false);
  device::CxlType3Device dev("dev", bandwidth_device(), timing_only_options());
  rc.set_host_memory_window(kBase, kBytes);
  cpu.socket.bind(rc.cpu_port);
  rc.cxl_port.bind(dev.host_socket());
  rc.host_memory_port.bind(host.socket);
  EXPECT_THROW(rc.add_window(kBase + 4096, 4096), std::invalid_argument);  // overlaps host memory
  sc_core::sc_start();
  EXPECT_EQ(t1, 10'100'000u);
  EXPECT_EQ(t2, 20'200'000u);
  EXPECT_EQ(back, pattern);
  EXPECT_EQ(past_end, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(device_read, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(host.stats().reads, 3u);
  EXPECT_EQ(host.stats().bytes_read, 16064u);
  EXPECT_EQ(host.stats().writes, 1u);
  EXPECT_EQ(rc.port_stats(RootComplex::kCpuPort).errors, 1u);
}

}  // namespace
}  // namespace monde::gpu

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
