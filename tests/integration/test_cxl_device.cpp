// The CXL Type-3 device (link -> controller/HDM -> DRAM) with the base-protocol checker on its
// host socket and on both internal hops. Each TEST elaborates its own design (one per process
// under ctest). Times are derived by hand from configs/device/lpddr5x-8533.json (tCK 234 ps,
// tRCD 77, tRL 96, tWL 48, tBURST 16 cycles) and the default CXL 2.0 x16 link:
//   raw bandwidth 16 x 32 GT/s x 128/130 / 8 = 8192/130 B/ns; one 17 B slot = 269.775390625 ps;
//   M2S Req (MemRd) = 1 slot; M2S RwD MemWr = 5 slots = 1348.876953125 ps;
//   S2M NDR Cmp = 1 slot; S2M DRS MemData = 4.5 slots = 1213.9892578125 ps;
//   one way = host port 15 + link 5 + device port 15 = 35 ns; controller 10 ns.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "tlm/checker/protocol_checker.hpp"
#include "tlm/common/blocking_access.hpp"
#include "tlm/common/poison_report.hpp"
#include "tlm/cxl/cxl_mem_extension.hpp"
#include "tlm/device/cxl_type3_device.hpp"
#include "core/config/device_config.hpp"
#include "tlm/memory/lt_traffic_generator.hpp"
#include "tlm/memory/traffic_generator.hpp"
#include "../unit/device_presets.hpp"
#include "lt_bench.hpp"

namespace monde::device {
namespace {

using test::LtBench;
using sc_core::sc_time;
using sc_core::SC_PS;

config::DeviceConfig lpddr5x() { return config::load_device_config(test::device_preset("lpddr5x-8533.json")); }

// A plain memory expander (no NDP units) with checkers on its internal hops.
DeviceOptions checked() {
  DeviceOptions o;
  o.check_internal_protocol = true;
  o.ndp = false;
  return o;
}

struct LtDesign {
  LtDesign(const config::DeviceConfig& cfg, DeviceOptions opt, std::function<void(LtBench&)> body)
      : bench("bench", std::move(body)), checker("checker"), dev("dev", cfg, opt) {
    bench.socket.bind(checker.target_socket);
    checker.initiator_socket.bind(dev.host_socket());
  }
  void expect_clean() const {
    EXPECT_EQ(checker.violation_count(), 0u) << (checker.violations().empty() ? "" : checker.violations()[0]);
    EXPECT_EQ(dev.internal_protocol_violations(), 0u);
  }
  LtBench bench;
  checker::ProtocolChecker<64> checker;
  CxlType3Device dev;
};

struct AtDesign {
  AtDesign(const config::DeviceConfig& cfg, const config::TrafficConfig& tc)
      : gen("gen", tc), checker("checker"), dev("dev", cfg, checked()) {
    gen.socket.bind(checker.target_socket);
    checker.initiator_socket.bind(dev.host_socket());
  }
  double bandwidth() const {
    const double secs = (gen.last_completion() - gen.first_issue()).to_seconds();
    return static_cast<double>(gen.bytes_read() + gen.bytes_written()) / secs;
  }
  void expect_clean() const {
    EXPECT_TRUE(gen.done());
    EXPECT_EQ(gen.errors(), 0u);
    EXPECT_EQ(checker.violation_count(), 0u) << (checker.violations().empty() ? "" : checker.violations()[0]);
    EXPECT_EQ(dev.internal_protocol_violations(), 0u);
  }
  mem::TrafficGenerator gen;
  checker::ProtocolChecker<64> checker;
  CxlType3Device dev;
};

sc_time since(const sc_time& t0) { return sc_core::sc_time_stamp() - t0; }

// Unloaded 64 B read at t = 0, every term in order:
//   MemRd on the M2S wire 0 .. 269.775 ps, + one way 35 ns -> device port at round(35,269.775) = 35,270 ps;
//   controller 10 ns -> DRAM queue at 45,270 ps; the DRAM issues commands on its clock edges:
//   ACT at ceil(45,270 / 234) x 234 = 45,396 ps (the only term that is not configured: +126 ps);
//   ACT + RD: tRCD + tRL + tBURST = 189 x 234 = 44,226 ps -> 89,622 ps;
//   MemData on the S2M wire 1,213.989 ps + one way 35 ns -> round(125,835.989) = 125,836 ps.
// = 2 x 35 ns + 10 ns + (0.270 + 1.214) ns of wire time + 0.126 ns to the clock edge + 44.226 ns.
// The next line of the same DRAM row (HPA = DPA + 4096, see test_memory_target) is a row hit,
// issued at 125,836: DRAM queue at 171,106 -> edge 732 x 234 = 171,288 (+182 ps); RD: (tRL +
// tBURST) x 234 = 26,208 -> 197,496; + 36,213.989 -> 233,710; latency 233,710 - 125,836 = 107,874 ps.
TEST(CxlDevice, UnloadedReadLatencyIsTheSumOfTheConfiguredTerms) {
  const auto cfg = lpddr5x();
  ASSERT_DOUBLE_EQ(cfg.link.one_way_ns(), 35.0);
  ASSERT_DOUBLE_EQ(cfg.link.controller_ns, 10.0);
  sc_time miss, hit;
  LtDesign d(cfg, checked(), [&](LtBench& b) {
    unsigned char buf[64];
    sc_time t0 = sc_core::sc_time_stamp();
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0, buf, 64), tlm::TLM_OK_RESPONSE);
    miss = since(t0);
    t0 = sc_core::sc_time_stamp();
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 4096, buf, 64), tlm::TLM_OK_RESPONSE);
    hit = since(t0);
  });
  sc_core::sc_start();
  EXPECT_EQ(miss, sc_time(125836, SC_PS));
  EXPECT_EQ(hit, sc_time(107874, SC_PS));
  const double formula_ps = 2 * 35000.0 + 10000.0 + 269.775390625 + 1213.9892578125 + 126.0 + 44226.0;
  EXPECT_EQ(miss.value(), static_cast<sc_dt::uint64>(std::llround(formula_ps)));
  d.expect_clean();
  const auto& m = d.dev.link().messages();
  EXPECT_EQ(m.by_opcode(cxl::CxlMemOpcode::kMemRd), 2u);
  EXPECT_EQ(m.by_opcode(cxl::CxlMemOpcode::kMemData), 2u);
  EXPECT_EQ(m.total(), 4u);
}

// Unloaded 64 B write: MemWr 1,348.877 ps + 35 ns -> device at round(36,348.877) = 36,349 ps;
// + 10 ns -> DRAM queue at 46,349 ps -> clock edge 199 x 234 = 46,566 ps; ACT + WR: tRCD + tWL +
// tBURST = 141 x 234 = 32,994 ps -> 79,560 ps; Cmp 269.775 ps + 35 ns -> round(114,829.775) = 114,830 ps.
TEST(CxlDevice, UnloadedWriteLatencyIsTheSumOfTheConfiguredTerms) {
  const auto cfg = lpddr5x();
  sc_time took;
  LtDesign d(cfg, checked(), [&](LtBench& b) {
    unsigned char buf[64] = {1, 2, 3};
    EXPECT_EQ(b.access(tlm::TLM_WRITE_COMMAND, 0, buf, 64), tlm::TLM_OK_RESPONSE);
    took = sc_core::sc_time_stamp();
  });
  sc_core::sc_start();
  EXPECT_EQ(took, sc_time(114830, SC_PS));
  d.expect_clean();
  EXPECT_EQ(d.dev.link().messages().by_opcode(cxl::CxlMemOpcode::kMemWr), 1u);
  EXPECT_EQ(d.dev.link().messages().by_opcode(cxl::CxlMemOpcode::kCmp), 1u);
}

// Host accesses become 64 B CXL.mem messages: a 4 KiB read is 64 MemRd + 64 MemData; a
// 100-byte write at HPA 32 covers bytes 32..63 of line 0 (MemWrPtl), all of line 64 (MemWr)
// and bytes 128..131 (MemWrPtl): 3 RwD, 3 Cmp. The data lands byte-exact, neighbours untouched.
TEST(CxlDevice, HostAccessesAreSplitIntoCountedLineMessages) {
  const auto cfg = lpddr5x();
  LtDesign d(cfg, checked(), [&](LtBench& b) {
    std::vector<unsigned char> page(4096, 0xEE);
    EXPECT_EQ(b.debug(tlm::TLM_WRITE_COMMAND, 0, page.data(), 4096), 4096u);
    std::vector<unsigned char> w(100);
    for (unsigned i = 0; i < 100; ++i) w[i] = static_cast<unsigned char>(i + 1);
    EXPECT_EQ(b.access(tlm::TLM_WRITE_COMMAND, 32, w.data(), 100), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0, page.data(), 4096), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(page[31], 0xEE);
    EXPECT_EQ(page[32], 1);
    EXPECT_EQ(page[131], 100);
    EXPECT_EQ(page[132], 0xEE);
  });
  sc_core::sc_start();
  d.expect_clean();
  const auto& m = d.dev.link().messages();
  EXPECT_EQ(m.by_opcode(cxl::CxlMemOpcode::kMemWrPtl), 2u);
  EXPECT_EQ(m.by_opcode(cxl::CxlMemOpcode::kMemWr), 1u);
  EXPECT_EQ(m.by_opcode(cxl::CxlMemOpcode::kCmp), 3u);
  EXPECT_EQ(m.by_opcode(cxl::CxlMemOpcode::kMemRd), 64u);
  EXPECT_EQ(m.by_opcode(cxl::CxlMemOpcode::kMemData), 64u);
  EXPECT_EQ(m.by_class(cxl::CxlMsgClass::kM2SRwD), 3u);
  EXPECT_EQ(m.total(), 3u + 3u + 64u + 64u);
}

// Sequential 64 B reads, 256 outstanding: the S2M direction is the bottleneck
// (52.7 GB/s < 253.9 GB/s of DRAM), so bandwidth lands within 5% below min(link, DRAM).
TEST(CxlDevice, StreamingReadsReachTheLinkBound) {
  const auto cfg = lpddr5x();
  config::TrafficConfig tc;
  tc.requests = 40000;
  tc.outstanding = 256;
  AtDesign d(cfg, tc);
  sc_core::sc_start();
  d.expect_clean();
  const double bound = std::min(cfg.link.read_bytes_per_s(), cfg.dram.peak_bandwidth_total() * cfg.dram.refresh_factor());
  EXPECT_NEAR(bound, 52.718e9, 1e6);
  EXPECT_GT(d.bandwidth(), 0.95 * bound) << d.bandwidth() / 1e9 << " GB/s";
  EXPECT_LE(d.bandwidth(), bound * 1.0001);
  EXPECT_GT(d.dev.link().s2m().busy_ps, 0.95 * (d.gen.last_completion() - d.gen.first_issue()).value());
}

// Sequential 64 B writes: M2S RwD (5 slots a line) bounds them at 47.447 GB/s.
TEST(CxlDevice, StreamingWritesReachTheLinkBound) {
  const auto cfg = lpddr5x();
  config::TrafficConfig tc;
  tc.requests = 40000;
  tc.outstanding = 256;
  tc.read_fraction = 0.0;
  AtDesign d(cfg, tc);
  sc_core::sc_start();
  d.expect_clean();
  const double bound = cfg.link.write_bytes_per_s();
  EXPECT_GT(d.bandwidth(), 0.95 * bound) << d.bandwidth() / 1e9 << " GB/s";
  EXPECT_LE(d.bandwidth(), bound * 1.0001);
}

// Credits throttle the link: with 4 M2S Req credits a credit cycles every
//   269.775 ps (MemRd wire) + 35 ns (to the device) + 35 ns (credit back) = round -> 70,270 ps,
// so reads stream at 4 x 64 B / 70.27 ns = 3.643 GB/s however many are outstanding. The
// queues stay within their bounds, every transaction completes, nothing breaks the protocol.
TEST(CxlDevice, TooFewCreditsThrottleTheLinkAndQueuesStayBounded) {
  auto cfg = lpddr5x();
  cfg.link.credits_m2s_req = 4;
  config::TrafficConfig tc;
  tc.requests = 8000;
  tc.outstanding = 512;
  AtDesign d(cfg, tc);
  sc_core::sc_start();
  d.expect_clean();
  const double want = 4 * 64.0 / 70270e-12;
  EXPECT_NEAR(d.bandwidth(), want, 0.01 * want) << d.bandwidth() / 1e9 << " GB/s";
  const auto& l = d.dev.link();
  EXPECT_EQ(l.m2s().max_in_flight, 4u);
  EXPECT_LE(l.max_device_rx_queue(), 4u);
  EXPECT_EQ(l.m2s().max_tx_queue, cfg.link.host_tx_queue_lines);  // full: the host was held off
  EXPECT_GT(l.m2s().credit_stall_ps, 0u);
  EXPECT_EQ(l.in_flight(true), 0u);  // every credit came home
  EXPECT_EQ(l.in_flight(false), 0u);
}

// Saturated link, random mixed traffic with 512 outstanding 128 B transactions: queues never
// exceed their configured bounds, all bytes arrive, all credits return.
TEST(CxlDevice, SaturatedLinkKeepsEveryQueueBounded) {
  auto cfg = lpddr5x();
  cfg.link.controller_queue_lines = 8;
  cfg.link.device_tx_queue_lines = 8;
  config::TrafficConfig tc;
  tc.pattern = config::TrafficPattern::kRandom;
  tc.requests = 6000;
  tc.size_bytes = 128;
  tc.read_fraction = 0.6;
  tc.outstanding = 512;
  tc.region_bytes = 1 << 26;
  AtDesign d(cfg, tc);
  sc_core::sc_start();
  d.expect_clean();
  const auto& l = d.dev.link();
  EXPECT_LE(l.m2s().max_tx_queue, cfg.link.host_tx_queue_lines);
  EXPECT_LE(l.s2m().max_tx_queue, 8u);
  EXPECT_LE(d.dev.controller().stats().max_queue_lines, 8u);
  EXPECT_LE(l.max_device_rx_queue(), std::uint64_t{cfg.link.credits_m2s_req} + cfg.link.credits_m2s_rwd);
  EXPECT_EQ(l.host_transactions(), 6000u);
  EXPECT_EQ(l.messages().by_class(cxl::CxlMsgClass::kM2SReq) + l.messages().by_class(cxl::CxlMsgClass::kM2SRwD),
            6000u * 2);
  EXPECT_EQ(d.dev.memory().bytes_read() + d.dev.memory().bytes_written(), 6000u * 128);
  EXPECT_EQ(l.in_flight(true) + l.in_flight(false), 0u);
}

// HPAs no decoder covers: TLM_ADDRESS_ERROR_RESPONSE; the read's S2M DRS is poisoned (the
// host's CxlMemExtension says so); the write is dropped (DRAM untouched). Later accesses work.
TEST(CxlDevice, UndecodedAddressesAreErrorsWithPoison) {
  const auto cfg = lpddr5x();
  const std::uint64_t end = cfg.hdm.decoders[0].base + cfg.hdm.decoders[0].size;
  ASSERT_EQ(end, 64ull << 30);  // one decoder over the 64 GiB of DRAM
  LtDesign d(cfg, checked(), [&](LtBench& b) {
    unsigned char buf[64] = {};
    cxl::CxlMemExtension ext;
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, end, buf, 64, &ext), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    ASSERT_EQ(ext.responses.size(), 1u);
    EXPECT_EQ(ext.responses[0].opcode, cxl::CxlMemOpcode::kMemData);
    EXPECT_TRUE(ext.response_poisoned());
    std::memset(buf, 0x5A, 64);
    EXPECT_EQ(b.access(tlm::TLM_WRITE_COMMAND, end + 64, buf, 64), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    // A read straddling the end: one good line, one poisoned line -> error for the whole access.
    unsigned char two[128];
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, end - 64, two, 128), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    cxl::CxlMemExtension ok_ext;
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0, buf, 64, &ok_ext), tlm::TLM_OK_RESPONSE);
    EXPECT_FALSE(ok_ext.response_poisoned());
  });
  sc_core::sc_start();
  d.expect_clean();
  const auto& c = d.dev.controller().stats();
  EXPECT_EQ(c.undecoded, 3u);
  EXPECT_EQ(c.poisoned_reads, 2u);
  EXPECT_EQ(c.dropped_writes, 1u);
  EXPECT_EQ(d.dev.memory().bytes_written(), 0u);
  EXPECT_EQ(d.dev.link().poisoned_lines(), 2u);
  EXPECT_EQ(d.dev.link().error_transactions(), 3u);
}

// A 2-way interleave, 256 B granules, this device at position 1, base 16 GiB: HPA chunks
// alternate between the two devices. Hand-worked: HPA base + 256 (chunk 1, position 1) maps to
// DPA 0; base + 3 x 256 + 8 (chunk 3) maps to DPA 256 + 8; base + 0 (chunk 0) belongs to the
// other device and is an address error.
TEST(CxlDevice, InterleavedDecoderRoutesOnlyItsOwnGranules) {
  auto cfg = lpddr5x();
  config::HdmRange r;
  r.base = 16ull << 30;
  r.size = 8ull << 30;
  r.ways = 2;
  r.granularity = 256;
  r.position = 1;
  cfg.hdm.decoders = {r};
  LtDesign d(cfg, checked(), [&](LtBench& b) {
    unsigned char a[64], c[8];
    std::memset(a, 0xA1, 64);
    std::memset(c, 0xC3, 8);
    EXPECT_EQ(b.access(tlm::TLM_WRITE_COMMAND, r.base + 256, a, 64), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(b.access(tlm::TLM_WRITE_COMMAND, r.base + 3 * 256 + 8, c, 8), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(b.access(tlm::TLM_WRITE_COMMAND, r.base, a, 64), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  });
  sc_core::sc_start();
  d.expect_clean();
  unsigned char got[8];
  d.dev.memory().store().read(0, got, 8);
  EXPECT_EQ(got[0], 0xA1);
  d.dev.memory().store().read(256 + 8, got, 8);
  EXPECT_EQ(got[7], 0xC3);
  d.dev.memory().store().read(256, got, 8);
  EXPECT_EQ(got[0], 0x00);  // bytes 256..263 of DPA were not written
}

// Randomised LT traffic through the checkers: unaligned accesses of 1..300 bytes, reads and
// writes, 5% of them beyond the decoded range; every read matches a shadow copy of memory and
// every out-of-range access is an address error.
TEST(CxlDevice, RandomisedAccessesMatchAShadowMemory) {
  const auto cfg = lpddr5x();
  const std::uint64_t end = cfg.hdm.decoders[0].base + cfg.hdm.decoders[0].size;
  const std::uint64_t region = 1 << 16;
  std::uint64_t mismatches = 0, errors_ok = 0, ops = 0;
  LtDesign d(cfg, checked(), [&](LtBench& b) {
    std::mt19937_64 rng(20261123);
    std::vector<unsigned char> shadow(region, 0), buf(300);
    for (int i = 0; i < 1500; ++i, ++ops) {
      const unsigned len = 1 + static_cast<unsigned>(rng() % 300);
      const bool outside = rng() % 20 == 0;
      const std::uint64_t addr = outside ? end + rng() % 4096 : rng() % (region - len);
      const bool write = rng() % 2 == 0;
      if (write) {
        for (unsigned k = 0; k < len; ++k) buf[k] = static_cast<unsigned char>(rng());
      }
      const auto st = b.access(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, addr, buf.data(), len);
      if (outside) {
        errors_ok += st == tlm::TLM_ADDRESS_ERROR_RESPONSE;
        continue;
      }
      EXPECT_EQ(st, tlm::TLM_OK_RESPONSE);
      if (write) {
        std::memcpy(&shadow[addr], buf.data(), len);
      } else if (std::memcmp(&shadow[addr], buf.data(), len) != 0) {
        ++mismatches;
      }
    }
  });
  sc_core::sc_start();
  d.expect_clean();
  EXPECT_EQ(ops, 1500u);
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(errors_ok, d.dev.controller().stats().undecoded > 0 ? d.dev.link().error_transactions() : 0u);
  EXPECT_GT(errors_ok, 40u);  // ~5% of 1500
}

// AT random traffic through all three checkers: no violations, every transaction answered.
TEST(CxlDevice, AtRandomTrafficObeysTheProtocol) {
  const auto cfg = lpddr5x();
  config::TrafficConfig tc;
  tc.pattern = config::TrafficPattern::kRandom;
  tc.requests = 3000;
  tc.size_bytes = 256;
  tc.read_fraction = 0.5;
  tc.outstanding = 64;
  tc.region_bytes = 1 << 24;
  AtDesign d(cfg, tc);
  sc_core::sc_start();
  d.expect_clean();
  EXPECT_EQ(d.dev.link().host_transactions(), 3000u);
}

// Loosely timed with a quantum keeper: the first access to a page goes through b_transport
// (125,836 ps as above); the device then grants DMI for the backing-store page, and later
// accesses to it are memcpy + the stated DMI latency: DRAM unloaded 44,226 + controller 10,000
// + link round(269.775 + 1,213.989 + 2 x 35,000) = 71,484 -> 125,710 ps (no clock-edge wait:
// DMI states the unloaded latency).
TEST(CxlDevice, LtInitiatorUsesDmiWithTheLinkLatency) {
  const auto cfg = lpddr5x();
  DeviceOptions opt = checked();
  opt.allow_dmi = true;
  config::TrafficConfig tc;
  tc.requests = 100;
  tc.region_bytes = 4096;  // one backing-store page
  mem::LtOptions lo;
  lo.quantum = sc_time(1, sc_core::SC_US);
  mem::LtTrafficGenerator gen("gen", tc, lo);
  checker::ProtocolChecker<64> checker("checker");
  CxlType3Device dev("dev", cfg, opt);
  gen.socket.bind(checker.target_socket);
  checker.initiator_socket.bind(dev.host_socket());
  sc_core::sc_start();
  EXPECT_TRUE(gen.done());
  EXPECT_EQ(gen.errors(), 0u);
  EXPECT_EQ(gen.dmi_accesses(), 99u);
  EXPECT_EQ(checker.violation_count(), 0u);
  EXPECT_EQ(gen.latency().min(), 125710u);
  EXPECT_EQ(gen.latency().max(), 125836u);
  EXPECT_EQ(gen.last_completion(), sc_time(125836 + 99 * 125710.0, SC_PS));  // quantum keeper synced at the end
}

// memory.model "bandwidth": the link runs in bulk mode. One 1 MiB read at t = 0:
//   request reaches the device at 269.775 + 35,000 ps; the S2M stream of 16,384 MemData
//   takes 16,384 x 1,213.9892578125 = 19,890,000 ps and is the bottleneck (DRAM: ~4.1 us), so
//   the data reaches the host at round(35,269.775 + 19,890,000 + 35,000) = 19,960,270 ps.
TEST(CxlDevice, BandwidthModeStreamsBulkTransfersAtTheLinkRate) {
  auto cfg = lpddr5x();
  cfg.dram.model = config::MemoryModel::kBandwidth;
  sc_time took;
  std::vector<unsigned char> buf(1 << 20);
  LtDesign d(cfg, checked(), [&](LtBench& b) {
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0, buf.data(), 1 << 20), tlm::TLM_OK_RESPONSE);
    took = sc_core::sc_time_stamp();
  });
  sc_core::sc_start();
  const double want = 269.775390625 + 35000.0 + 16384 * 1213.9892578125 + 35000.0;
  EXPECT_EQ(took.value(), static_cast<sc_dt::uint64>(std::llround(want)));
  EXPECT_EQ(took, sc_time(19960270, SC_PS));
  d.expect_clean();
  EXPECT_EQ(d.dev.link().messages().by_opcode(cxl::CxlMemOpcode::kMemData), 16384u);
  EXPECT_EQ(d.dev.memory().dram().stats().reads, 0u);  // the timed DRAM model was not used
}


// ---------------------------------------------------------------- faults (README "Faults")

DeviceOptions with_faults(const config::FaultConfig& f) {
  DeviceOptions o = checked();
  o.faults = f;
  return o;
}

// One CRC retry of a request (CXL 2.0 §4.2.8; the timing in tlm/cxl/cxl_link.hpp). A flit is
// 68 B at 8192/130 B/ns = 1,079.1015625 ps. The MemRd (269.775390625 ps of wire) fails its CRC:
// RETRY.Req reaches the sender 35,000 + 1,079.102 + 35,000 ps after the MemRd ended, the
// RETRY.Ack takes 1,079.102 ps, the MemRd is sent again (269.775): it ends at
//   269.775 + (2 x 35,000 + 2 x 1,079.1015625 + 269.775390625) = 269.775 + 72,427.978515625
//   = 72,697.75390625 ps and reaches the device at round(107,697.754) = 107,698 ps.
// Then as in UnloadedReadLatencyIsTheSumOfTheConfiguredTerms: controller 10 ns -> 117,698;
// ACT on the DRAM clock edge ceil(117,698 / 234) x 234 = 117,702; + 44,226 -> 161,928; MemData
// 1,213.989 + 35,000 -> round(198,141.989) = 198,142 ps (was 125,836 without the error).
TEST(CxlDevice, OneCrcRetryOfARequestCostsTwoCrossingsTwoFlitsAndTheResend) {
  const auto cfg = lpddr5x();
  sc_time took;
  LtDesign d(cfg, checked(), [&](LtBench& b) {
    unsigned char buf[64];
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0, buf, 64), tlm::TLM_OK_RESPONSE);
    took = sc_core::sc_time_stamp();
  });
  d.dev.link().inject_crc_errors(true, 1);
  sc_core::sc_start();
  EXPECT_DOUBLE_EQ(d.dev.link().flit_ps(), 1079.1015625);
  EXPECT_DOUBLE_EQ(d.dev.link().retry_ps(269.775390625), 72427.978515625);
  EXPECT_EQ(took, sc_time(198142, SC_PS));
  EXPECT_EQ(d.dev.link().m2s().crc_errors, 1u);
  EXPECT_DOUBLE_EQ(d.dev.link().m2s().retry_ps, 72427.978515625);
  EXPECT_EQ(d.dev.link().s2m().crc_errors, 0u);
  d.expect_clean();
}

// The same for the read data: the MemData (1,213.9892578125 ps) leaves the device at 89,622
// (see UnloadedReadLatency...), fails, and is resent after 2 x 35,000 + 2 x 1,079.1015625 ps:
// it ends at 89,622 + 1,213.989 + 73,372.1923828125 and reaches the host at
// round(199,208.18) = 199,208 ps.
TEST(CxlDevice, OneCrcRetryOfReadDataIsPaidOnTheResponseDirection) {
  const auto cfg = lpddr5x();
  sc_time took;
  LtDesign d(cfg, checked(), [&](LtBench& b) {
    unsigned char buf[64];
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0, buf, 64), tlm::TLM_OK_RESPONSE);
    took = sc_core::sc_time_stamp();
  });
  d.dev.link().inject_crc_errors(false, 1);
  sc_core::sc_start();
  EXPECT_EQ(took, sc_time(199208, SC_PS));
  EXPECT_EQ(d.dev.link().s2m().crc_errors, 1u);
  EXPECT_EQ(d.dev.link().m2s().crc_errors, 0u);
  d.expect_clean();
}

// The bandwidth cost of CRC errors: the same link-bound stream of 20,000 64 B writes on two
// devices, one with flit_error_rate 1e-3 (each MemWr is 5 slots = 1.25 flits, so about 25
// retries are expected). Every retry holds the M2S serialiser for exactly retry_ps(w) =
// 2 x 35,000 + 2 x 1,079.102 + 1,348.877 ps more than the clean stream, and the stream ends later
// by at most that much in all (the clean stream at > 95 % of the link bound has a few bubbles
// that the backlog a retry builds up fills: measured 84 %).
TEST(CxlDevice, CrcErrorsCostTheirRetriesInAWriteStream) {
  const auto cfg = lpddr5x();
  config::TrafficConfig tc;
  tc.requests = 20000;
  tc.outstanding = 256;
  tc.read_fraction = 0.0;
  config::FaultConfig f;
  f.cxl_link.flit_error_rate = 1e-3;
  mem::TrafficGenerator clean_gen("clean_gen", tc), faulty_gen("faulty_gen", tc);
  CxlType3Device clean("clean", cfg, checked()), faulty("faulty", cfg, with_faults(f));
  clean_gen.socket.bind(clean.host_socket());
  faulty_gen.socket.bind(faulty.host_socket());
  sc_core::sc_start();
  ASSERT_TRUE(clean_gen.done() && faulty_gen.done());
  EXPECT_EQ(faulty_gen.errors(), 0u);  // the link layer hides CRC errors from the transaction layer
  const auto errors = faulty.link().m2s().crc_errors;
  EXPECT_GE(errors, 10u);
  EXPECT_LE(errors, 45u);
  const double w = 1348.876953125;  // MemWr: 5 slots of 17 B
  const double cost = static_cast<double>(errors) * faulty.link().retry_ps(w);
  EXPECT_NEAR(faulty.link().m2s().retry_ps, cost, 1e-3);
  EXPECT_NEAR(faulty.link().m2s().busy_ps - clean.link().m2s().busy_ps, cost, 1e-3);
  const double extra_ps = (faulty_gen.last_completion() - clean_gen.last_completion()).to_seconds() * 1e12;
  EXPECT_LE(extra_ps, cost + 2.0) << errors << " retries";
  EXPECT_GE(extra_ps, 0.75 * cost) << errors << " retries";
  EXPECT_EQ(clean.link().m2s().crc_errors, 0u);
  EXPECT_EQ(faulty.internal_protocol_violations() + clean.internal_protocol_violations(), 0u);
}

// A local retry buffer smaller than the bandwidth-delay product throttles the sender: with 8
// flits, at most 6 MemWr (1.25 flits each: 7.5 flits) are unacknowledged; a flit is acknowledged
// one crossing after it arrived, 2 x 35 ns after it was sent, so 6 writes leave per
// 70,000 + 1,348.877 ps: 6 x 64 B / 71,348.877 ps = 5.382 GB/s of payload.
TEST(CxlDevice, ASmallReplayBufferThrottlesTheSender) {
  const auto cfg = lpddr5x();
  config::TrafficConfig tc;
  tc.requests = 3000;
  tc.outstanding = 256;
  tc.read_fraction = 0.0;
  config::FaultConfig f;
  f.cxl_link.replay_buffer_flits = 8;
  mem::TrafficGenerator gen("gen", tc);
  CxlType3Device dev("dev", cfg, with_faults(f));
  gen.socket.bind(dev.host_socket());
  sc_core::sc_start();
  ASSERT_TRUE(gen.done());
  const double bytes_per_s = 64.0 * 3000 / (gen.last_completion() - gen.first_issue()).to_seconds();
  const double bound = 6 * 64.0 / (70000.0 + 1348.876953125) * 1e12;
  EXPECT_NEAR(bytes_per_s / bound, 1.0, 0.01) << bytes_per_s / 1e9 << " GB/s";
  EXPECT_DOUBLE_EQ(dev.link().m2s().max_replay_flits, 7.5);
  EXPECT_GT(dev.link().m2s().replay_stall_ps, 0u);
  EXPECT_EQ(dev.link().m2s().crc_errors, 0u);
}

// DRAM poison (faults.dram_poison.ranges): a read touching a poisoned line completes with
// TLM_GENERIC_ERROR_RESPONSE, the S2M DRS carries poison, and a PoisonReport says which line of
// the host's data; the read still took its DRAM time; reads elsewhere and writes are fine.
TEST(CxlDevice, PoisonedDramReadsReachTheHostWithWhere) {
  const auto cfg = lpddr5x();
  config::FaultConfig f;
  f.dram_poison.ranges = {{0x10000, 64}};
  LtDesign d(cfg, with_faults(f), [&](LtBench& b) {
    unsigned char buf[256];
    cxl::CxlMemExtension ext;
    PoisonReport report;
    tlm::tlm_generic_payload t;
    t.set_extension(&ext);
    t.set_extension(&report);
    const auto t0 = sc_core::sc_time_stamp();
    // Lines 0xFFC0 (fine), 0x10000 (poisoned), 0x10040, 0x10080: the poisoned one is 64 B in.
    EXPECT_EQ(blocking_access(b.socket, t, tlm::TLM_READ_COMMAND, 0xFFC0, buf, 256), tlm::TLM_GENERIC_ERROR_RESPONSE);
    t.clear_extension(&ext);
    t.clear_extension(&report);
    EXPECT_GT(sc_core::sc_time_stamp() - t0, sc_time(100, sc_core::SC_NS));  // the DRAM was read
    EXPECT_TRUE(ext.response_poisoned());
    EXPECT_EQ(report.lines, 1u);
    EXPECT_EQ(report.first_offset, 64u);
    std::memset(buf, 0x11, 64);
    EXPECT_EQ(b.access(tlm::TLM_WRITE_COMMAND, 0x10000, buf, 64), tlm::TLM_OK_RESPONSE);  // writes land
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0x10000, buf, 64), tlm::TLM_GENERIC_ERROR_RESPONSE);  // still failed
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0x10040, buf, 64), tlm::TLM_OK_RESPONSE);
  });
  sc_core::sc_start();
  d.expect_clean();
  EXPECT_EQ(d.dev.memory().poison().poisoned_reads(), 2u);
  EXPECT_EQ(d.dev.memory().poison().poisoned_lines(), 2u);
  EXPECT_EQ(d.dev.controller().stats().poisoned_reads, 2u);
  EXPECT_EQ(d.dev.controller().stats().undecoded, 0u);
  EXPECT_EQ(d.dev.link().poisoned_lines(), 2u);
}

// The same through the bulk link (memory.model bandwidth): one 1 MiB read whose line at
// +0x1000 is poisoned reports that offset.
TEST(CxlDevice, PoisonedBulkReadReportsTheFirstPoisonedLine) {
  auto cfg = lpddr5x();
  cfg.dram.model = config::MemoryModel::kBandwidth;
  config::FaultConfig f;
  f.dram_poison.ranges = {{0x1000, 128}, {0x3000, 64}};
  std::vector<unsigned char> buf(1 << 20);
  LtDesign d(cfg, with_faults(f), [&](LtBench& b) {
    PoisonReport report;
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0, buf.data(), 1 << 20, &report), tlm::TLM_GENERIC_ERROR_RESPONSE);
    EXPECT_EQ(report.lines, 3u);
    EXPECT_EQ(report.first_offset, 0x1000u);
  });
  sc_core::sc_start();
  d.expect_clean();
}

// A random rate poisons the same reads for the same seed (and others for another seed): 50,000
// random 64 B reads at rate 1e-3 poison about 50 of them.
TEST(CxlDevice, RandomPoisonIsDrawnFromTheFaultSeed) {
  const auto cfg = lpddr5x();
  config::TrafficConfig tc;
  tc.requests = 50000;
  tc.outstanding = 64;
  tc.pattern = config::TrafficPattern::kRandom;
  config::FaultConfig a, b, c;
  a.dram_poison.read_line_rate = b.dram_poison.read_line_rate = c.dram_poison.read_line_rate = 1e-3;
  c.seed = 2;
  mem::TrafficGenerator ga("ga", tc), gb("gb", tc), gc("gc", tc);
  CxlType3Device da("da", cfg, with_faults(a)), db("db", cfg, with_faults(b)), dc("dc", cfg, with_faults(c));
  ga.socket.bind(da.host_socket());
  gb.socket.bind(db.host_socket());
  gc.socket.bind(dc.host_socket());
  sc_core::sc_start();
  EXPECT_EQ(ga.errors(), da.memory().poison().poisoned_reads());
  EXPECT_EQ(ga.errors(), gb.errors());
  EXPECT_EQ(ga.last_completion(), gb.last_completion());
  EXPECT_NE(ga.errors(), gc.errors());
  EXPECT_GE(ga.errors(), 25u);
  EXPECT_LE(ga.errors(), 80u);
}

}  // namespace
}  // namespace monde::device

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
