// The device DRAM as a TLM target, with the base-protocol checker on its socket. Each TEST
// elaborates its own design (one per process under ctest). Times are derived by hand from
// configs/device/lpddr5x-8533.json: tCK = 234 ps, tRCD = 77, tRL = 96, tBURST = 16 cycles.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>

#include "core/config/config_node.hpp"
#include "tlm/checker/protocol_checker.hpp"
#include "tlm/common/blocking_access.hpp"
#include "tlm/common/scheduled_access.hpp"
#include "tlm/common/sim_time.hpp"
#include "tlm/common/strided_access.hpp"
#include "core/config/device_config.hpp"
#include "core/config/dram_config.hpp"
#include "tlm/memory/memory_target.hpp"
#include "tlm/memory/traffic_generator.hpp"
#include "../unit/device_presets.hpp"
#include "lt_bench.hpp"

namespace monde::mem {
namespace {

using test::LtBench;

config::DramConfig lpddr5x() { return config::load_device_config(test::device_preset("lpddr5x-8533.json")).dram; }

struct LtDesign {
  LtDesign(const config::DramConfig& cfg, MemoryTargetOptions opt, std::function<void(LtBench&)> body)
      : bench("bench", std::move(body)), checker("checker"), mem("mem", cfg, cfg.capacity_bytes(), opt) {
    bench.socket.bind(checker.target_socket);
    checker.initiator_socket.bind(mem.socket);
  }
  LtBench bench;
  checker::ProtocolChecker<64> checker;
  MemoryTarget mem;
};

// The AT traffic generator bound through a checker to a MemoryTarget.
struct AtDesign {
  AtDesign(const config::DramConfig& cfg, const config::TrafficConfig& tc)
      : gen("gen", tc), checker("checker"), mem("mem", cfg, cfg.capacity_bytes(), {}) {
    gen.socket.bind(checker.target_socket);
    checker.initiator_socket.bind(mem.socket);
  }
  TrafficGenerator gen;
  checker::ProtocolChecker<64> checker;
  MemoryTarget mem;
};

// A read to a precharged bank: ACT at 0, RD at tRCD, last beat at tRCD + tRL + tBURST
// = (77 + 96 + 16) x 234 ps = 44,226 ps. A second read of the same row is a row hit:
// RD at once, done after (96 + 16) x 234 = 26,208 ps. The preset maps (MSB..LSB) row, bank,
// rank, column, bank_group, channel above the 64 B offset, so the next column of the same
// row is 64 x 16 channels x 4 bank groups = 4096 bytes further.
TEST(MemoryTarget, UnloadedReadLatencyIsTheConfiguredTerms) {
  const auto cfg = lpddr5x();
  ASSERT_EQ(cfg.timing.tck_ps, 234u);
  ASSERT_EQ(cfg.timing.tRCD + cfg.timing.tRL + cfg.timing.tBURST, 189u);
  sc_core::sc_time miss, hit;
  LtDesign d(cfg, {}, [&](LtBench& b) {
    unsigned char buf[64];
    auto t0 = sc_core::sc_time_stamp();
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0, buf, 64), tlm::TLM_OK_RESPONSE);
    miss = sc_core::sc_time_stamp() - t0;
    t0 = sc_core::sc_time_stamp();
    ASSERT_EQ(64ull * cfg.org.channels * cfg.org.bank_groups, 4096u);
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 4096, buf, 64), tlm::TLM_OK_RESPONSE);
    hit = sc_core::sc_time_stamp() - t0;
  });
  sc_core::sc_start();
  EXPECT_EQ(miss, sc_core::sc_time(44226, sc_core::SC_PS));
  EXPECT_EQ(hit, sc_core::sc_time(26208, sc_core::SC_PS));
  EXPECT_EQ(d.checker.violation_count(), 0u);
  EXPECT_EQ(d.mem.dram().stats().row_hits, 1u);
}

// Data written through b_transport reads back through b_transport and transport_dbg; a
// 100-byte access spanning two 64 B lines works; preload by debug write is visible.
TEST(MemoryTarget, DataRoundTripsThroughAllPaths) {
  const auto cfg = lpddr5x();
  LtDesign d(cfg, {}, [&](LtBench& b) {
    unsigned char w[100], r[100] = {};
    for (int i = 0; i < 100; ++i) w[i] = static_cast<unsigned char>(i * 3 + 1);
    EXPECT_EQ(b.access(tlm::TLM_WRITE_COMMAND, 1000, w, 100), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 1000, r, 100), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(std::memcmp(w, r, 100), 0);
    unsigned char pre[8] = {9, 8, 7, 6, 5, 4, 3, 2}, got[8] = {};
    EXPECT_EQ(b.debug(tlm::TLM_WRITE_COMMAND, 1 << 20, pre, 8), 8u);
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 1 << 20, got, 8), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(std::memcmp(pre, got, 8), 0);
  });
  sc_core::sc_start();
  EXPECT_EQ(d.checker.violation_count(), 0u);
  EXPECT_EQ(d.mem.bytes_written(), 100u);
  EXPECT_EQ(d.mem.bytes_read(), 108u);
}

// Out-of-range accesses get TLM_ADDRESS_ERROR_RESPONSE and take no DRAM time; the model
// keeps serving later accesses.
TEST(MemoryTarget, OutOfRangeIsAnAddressError) {
  const auto cfg = lpddr5x();
  LtDesign d(cfg, {}, [&](LtBench& b) {
    unsigned char buf[64];
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, cfg.capacity_bytes(), buf, 64), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(b.access(tlm::TLM_WRITE_COMMAND, cfg.capacity_bytes() - 32, buf, 64), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(sc_core::sc_time_stamp(), sc_core::SC_ZERO_TIME);
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0, buf, 64), tlm::TLM_OK_RESPONSE);
  });
  sc_core::sc_start();
  EXPECT_EQ(d.mem.address_errors(), 2u);
  EXPECT_EQ(d.checker.violation_count(), 0u);
}

// A strided access (tlm/common/strided_access.hpp, what the NDP units write result rows with):
// three 64-byte lines 4096 bytes apart, i.e. three columns of one row of one bank (see
// UnloadedReadLatencyIsTheConfiguredTerms). The packed data lands line by line and nothing
// between the lines is touched. Read back strided, from the end of the write's last beat: the
// write left the row open, so three row hits in one bank group, the first after the write-to-
// read turnaround tWTR_L (52): RD at 52, 52 + tCCD_L (32) = 84 and 116 cycles, the last beat
// at 116 + tRL (96) + tBURST (16) = 228 cycles = 228 x 234 = 53,352 ps.
// Bad shapes are burst errors, a last line past the end an address error.
TEST(MemoryTarget, StridedAccessMovesLinesAStrideApart) {
  const auto cfg = lpddr5x();
  sc_core::sc_time read_time;
  LtDesign d(cfg, {}, [&](LtBench& b) {
    unsigned char w[192], r[192] = {}, gap[64] = {};
    for (int i = 0; i < 192; ++i) w[i] = static_cast<unsigned char>(i + 1);
    StridedAccess s;
    s.line_bytes = 64;
    s.lines = 3;
    s.stride_bytes = 4096;
    EXPECT_EQ(b.access(tlm::TLM_WRITE_COMMAND, 0, w, 192, &s), tlm::TLM_OK_RESPONSE);
    for (unsigned i = 0; i < 3; ++i) {
      unsigned char line[64];
      EXPECT_EQ(b.debug(tlm::TLM_READ_COMMAND, i * 4096, line, 64), 64u);
      EXPECT_EQ(std::memcmp(line, w + i * 64, 64), 0) << "line " << i;
    }
    unsigned char zero[64] = {};
    EXPECT_EQ(b.debug(tlm::TLM_READ_COMMAND, 64, gap, 64), 64u);
    EXPECT_EQ(std::memcmp(gap, zero, 64), 0);  // the bytes after line 0 are not line 1
    const auto t0 = sc_core::sc_time_stamp();
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0, r, 192, &s), tlm::TLM_OK_RESPONSE);
    read_time = sc_core::sc_time_stamp() - t0;
    EXPECT_EQ(std::memcmp(r, w, 192), 0);

    StridedAccess overlap = s;
    overlap.stride_bytes = 32;
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0, r, 192, &overlap), tlm::TLM_BURST_ERROR_RESPONSE);
    StridedAccess part = s;
    part.line_bytes = 48;
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0, r, 144, &part), tlm::TLM_BURST_ERROR_RESPONSE);
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0, r, 128, &s), tlm::TLM_BURST_ERROR_RESPONSE);  // not 3 lines
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, cfg.capacity_bytes() - 8192, r, 192, &s),
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
  });
  sc_core::sc_start();
  EXPECT_EQ(read_time, sc_core::sc_time(53352, sc_core::SC_PS));
  EXPECT_EQ(d.mem.address_errors(), 1u);
  EXPECT_EQ(d.mem.bytes_written(), 192u);
  EXPECT_EQ(d.mem.bytes_read(), 192u);
  EXPECT_EQ(d.checker.violation_count(), 0u);
}

// timing_only: the same timing, but no payload bytes move (the buffer is left untouched).
TEST(MemoryTarget, TimingOnlyMovesNoBytes) {
  const auto cfg = lpddr5x();
  MemoryTargetOptions opt;
  opt.timing_only = true;
  sc_core::sc_time t;
  LtDesign d(cfg, opt, [&](LtBench& b) {
    unsigned char buf[64];
    std::memset(buf, 0x5A, 64);
    EXPECT_EQ(b.access(tlm::TLM_WRITE_COMMAND, 0, buf, 64), tlm::TLM_OK_RESPONSE);
    std::memset(buf, 0xA5, 64);
    const auto t0 = sc_core::sc_time_stamp();
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 4096 * 1024, buf, 64), tlm::TLM_OK_RESPONSE);
    t = sc_core::sc_time_stamp() - t0;
    EXPECT_EQ(buf[0], 0xA5);
  });
  sc_core::sc_start();
  EXPECT_EQ(d.mem.store().allocated_pages(), 0u);
  EXPECT_GT(t, sc_core::SC_ZERO_TIME);
}

// Approximately timed, 4000 random reads and writes with up to 512 in flight through the
// checker: no violations, every transaction completes, the DRAM queues never exceed their
// configured depth (back-pressure holds END_REQ instead), bytes add up.
TEST(MemoryTarget, AtRandomTrafficObeysTheProtocolAndBoundsQueues) {
  const auto cfg = lpddr5x();
  config::TrafficConfig tc;
  tc.pattern = config::TrafficPattern::kRandom;
  tc.requests = 4000;
  tc.read_fraction = 0.7;
  tc.outstanding = 512;
  tc.size_bytes = 128;
  tc.region_bytes = 1 << 26;
  AtDesign d(cfg, tc);
  auto& gen = d.gen;
  auto& checker = d.checker;
  auto& mem = d.mem;
  sc_core::sc_start();
  EXPECT_TRUE(gen.done());
  EXPECT_EQ(gen.errors(), 0u);
  EXPECT_EQ(checker.violation_count(), 0u) << (checker.violations().empty() ? "" : checker.violations()[0]);
  EXPECT_EQ(gen.bytes_read() + gen.bytes_written(), 4000u * 128);
  EXPECT_EQ(mem.bytes_read(), gen.bytes_read());
  const auto s = mem.dram().stats();
  EXPECT_EQ(s.reads + s.writes, 4000u * 2);  // 128 B = two 64 B bursts each
  for (unsigned c = 0; c < mem.dram().num_channels(); ++c) {
    EXPECT_LE(mem.dram().channel(c).stats().max_read_queue, cfg.queues.read_depth);
    EXPECT_LE(mem.dram().channel(c).stats().max_write_queue, cfg.queues.write_depth);
  }
}

// Sequential AT streaming keeps every channel busy: bandwidth within 5% of
// peak x refresh factor (16 x 17.09 GB/s x 0.9283 = 253.9 GB/s for this preset).
TEST(MemoryTarget, SequentialStreamingReachesTheDramBound) {
  const auto cfg = lpddr5x();
  config::TrafficConfig tc;
  tc.requests = 100000;
  tc.outstanding = 1024;
  AtDesign d(cfg, tc);
  auto& gen = d.gen;
  auto& checker = d.checker;
  sc_core::sc_start();
  const double secs = (gen.last_completion() - gen.first_issue()).to_seconds();
  const double bw = static_cast<double>(gen.bytes_read()) / secs;
  const double bound = cfg.peak_bandwidth_total() * cfg.refresh_factor();
  EXPECT_GT(bw, 0.95 * bound) << bw / 1e9 << " GB/s vs " << bound / 1e9;
  EXPECT_LE(bw, bound * 1.0001);
  EXPECT_EQ(checker.violation_count(), 0u);
}

// memory.model "bandwidth": one 1 MiB read is one bulk transfer taking the unloaded latency
// plus bytes / sustained bandwidth, sustained = peak x (1 - tRFC/tREFI) x efficiency.
TEST(MemoryTarget, BandwidthModeTimesBulkTransfers) {
  auto cfg = lpddr5x();
  cfg.model = config::MemoryModel::kBandwidth;
  const double sustained = cfg.peak_bandwidth_total() * cfg.refresh_factor() * cfg.bandwidth_efficiency;
  const double want_ps = 44226.0 + (1 << 20) * 1e12 / sustained;  // ~ 44.2 ns + 5.2 us
  sc_core::sc_time took;
  std::vector<unsigned char> buf(1 << 20);
  LtDesign d(cfg, {}, [&](LtBench& b) {
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0, buf.data(), 1 << 20), tlm::TLM_OK_RESPONSE);
    took = sc_core::sc_time_stamp();
  });
  sc_core::sc_start();
  EXPECT_NEAR(took.to_seconds() * 1e12, want_ps, 1.0);
  EXPECT_EQ(d.mem.dram().stats().reads, 0u);  // the timed model was not used
  EXPECT_EQ(d.checker.violation_count(), 0u);
}

// Scheduled accesses (tlm/common/scheduled_access.hpp) with the bandwidth model are taken in the
// call (no simulated time passes, the data moves) and served in the order of (start, source,
// stream, seq), each after the ordinary requests of its start picosecond. With p = 1e12 /
// sustained ps per byte and the latency L = 44,226 ps (tRCD + tRL + tBURST = 189 tCK of 234 ps):
//   at 0, W1 (source 1, start 0), W2 (source 0, start 0) and W3 (source 0, start 100 ns) are
//   scheduled, 1 KiB each. W2 goes first (source 0): done ceil(1024 p) + L; then W1:
//   ceil(2048 p) + L. At 100 ns an ordinary 1 KiB read arrives (the server idle again since
//   2048 p = 8 ns): it goes before W3, which starts in the same picosecond: done
//   ceil(100,000 + 1024 p) + L; W3 ceil(100,000 + 2048 p) + L.
// The timed model ignores the extension: the write blocks until the DRAM has written it.
void scheduled_accesses(config::MemoryModel model) {
  auto cfg = lpddr5x();
  cfg.model = model;
  const bool bandwidth = model == config::MemoryModel::kBandwidth;
  const long double p = 1e12L / static_cast<long double>(cfg.peak_bandwidth_total() * cfg.refresh_factor() *
                                                         cfg.bandwidth_efficiency);
  std::vector<ScheduledAccess> seen(3);
  std::vector<std::uint64_t> done;
  std::vector<sc_core::sc_time> returned_at;
  std::uint64_t read_done = 0;
  std::vector<unsigned char> data(1024), back(1024), read(1024);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 7 + 1);
  LtDesign d(cfg, {}, [&](LtBench& b) {
    const std::uint64_t addr[3] = {0x10000, 0x20000, 0x30000};
    const std::uint32_t source[3] = {1, 0, 0};
    const std::uint64_t start[3] = {0, 0, 100000};
    for (int i = 0; i < 3; ++i) {
      tlm::tlm_generic_payload t;
      prepare_access(t, tlm::TLM_WRITE_COMMAND, addr[i], data.data(), 1024);
      seen[i].start_ps = start[i];
      seen[i].source = source[i];
      seen[i].seq = static_cast<std::uint64_t>(i);
      t.set_extension(&seen[i]);
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      b.socket->b_transport(t, delay);
      t.clear_extension(&seen[i]);
      EXPECT_EQ(t.get_response_status(), tlm::TLM_OK_RESPONSE);
      EXPECT_EQ(delay, sc_core::SC_ZERO_TIME);
      returned_at.push_back(sc_core::sc_time_stamp());
    }
    b.debug(tlm::TLM_READ_COMMAND, 0x10000, back.data(), 1024);
    if (!bandwidth) return;
    sc_core::wait(sc_core::sc_time(100000 - sim_now_ps(), sc_core::SC_PS));
    EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0x10000, read.data(), 1024), tlm::TLM_OK_RESPONSE);
    read_done = sim_now_ps();
    EXPECT_EQ(read, data);
    for (const ScheduledAccess& a : seen) done.push_back(wait_until_done(a));
  });
  sc_core::sc_start();
  EXPECT_EQ(back, data);
  ASSERT_EQ(returned_at.size(), 3u);
  if (bandwidth) {
    const auto ceil_ps = [](long double x) { return static_cast<std::uint64_t>(std::ceil(x)); };
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(seen[i].taken());
      EXPECT_EQ(returned_at[i], sc_core::SC_ZERO_TIME);
    }
    // not_before: an access starting now, its completion if it went next (W1 and W2 alike: the
    // other of the same picosecond is not yet served); one ahead, its start plus the latency.
    EXPECT_EQ(seen[0].not_before_ps, ceil_ps(1024 * p) + 44226u);
    EXPECT_EQ(seen[1].not_before_ps, ceil_ps(1024 * p) + 44226u);
    EXPECT_EQ(seen[2].not_before_ps, 100000u + 44226u);
    ASSERT_EQ(done.size(), 3u);
    EXPECT_EQ(done[1], ceil_ps(1024 * p) + 44226u);  // W2: source 0 first
    EXPECT_EQ(done[0], ceil_ps(2048 * p) + 44226u);  // W1
    EXPECT_EQ(read_done, ceil_ps(100000 + 1024 * p) + 44226u);  // the ordinary read before W3
    EXPECT_EQ(done[2], ceil_ps(100000 + 2048 * p) + 44226u);
    EXPECT_EQ(d.mem.write_latency().count(), 3u);
    EXPECT_EQ(d.mem.bytes_written(), 3072u);
  } else {
    for (int i = 0; i < 3; ++i) EXPECT_FALSE(seen[i].taken());
    EXPECT_GT(returned_at[0], sc_core::SC_ZERO_TIME);  // blocked until written
    EXPECT_GT(returned_at[1], returned_at[0]);
  }
  EXPECT_EQ(d.checker.violation_count(), 0u);
}

TEST(MemoryTarget, BandwidthModeServesScheduledAccessesInTheirOrder) {
  scheduled_accesses(config::MemoryModel::kBandwidth);
}
TEST(MemoryTarget, TimedModeBlocksOnScheduledAccesses) { scheduled_accesses(config::MemoryModel::kTimed); }

}  // namespace
}  // namespace monde::mem

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
