// Bounded queues, FR-FCFS order and the write-drain policy of DramChannel; DramSystem routing.
// Same small configuration as test_dram_channel_timing.cpp (tCK 1 ns, tRCD 10, tRP 12,
// tRAS 30, tRL 14, tWL 8, tBURST 4), with queue depths chosen per test.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/config/config_node.hpp"
#include "core/config/device_config.hpp"
#include "tlm/memory/address_map.hpp"
#include "tlm/memory/dram_channel.hpp"
#include "tlm/memory/dram_system.hpp"

namespace monde::mem {
namespace {

config::DramConfig config(const std::string& queues, unsigned channels = 1) {
  const std::string text = R"({
    "organization": {"channels": )" + std::to_string(channels) + R"(, "ranks": 2, "bank_groups": 2, "banks_per_group": 4,
                     "rows": 1024, "columns": 128, "bus_width_bits": 64, "burst_length": 8},
    "timing": {"tck_ps": 1000, "tRCD": 10, "tRP": 12, "tRAS": 30, "tRL": 14, "tWL": 8, "tBURST": 4,
               "tCCD_S": 4, "tCCD_L": 6, "tRRD_S": 5, "tRRD_L": 7, "tFAW": 40, "tWTR_S": 3, "tWTR_L": 6,
               "tRTP": 5, "tWR": 12, "tREFI": 3000, "tRFC": 100},
    "address_mapping": ["row", "rank", "bank", "bank_group", "column", "channel"],
    "page_policy": "open", "queues": )" + queues + "}";
  const auto j = config::parse_json_text(text, "q.json");
  return config::parse_dram_config(config::ConfigNode(j, "q.json"));
}

std::vector<DramCompletion> drain(DramChannel& ch, std::size_t n) {
  std::vector<DramCompletion> out;
  while (out.size() < n) ch.advance_to(ch.next_event_ps(), out);
  return out;
}

TEST(DramQueue, BoundedQueuesRefuseWhenFull) {
  const auto cfg = config(R"({"read_depth": 4, "write_depth": 2})");
  DramChannel ch(cfg, 0);
  for (std::uint64_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(ch.can_accept(false));
    ch.push(DramRequest{i, i * 64, false, 0});
  }
  EXPECT_FALSE(ch.can_accept(false));
  EXPECT_TRUE(ch.can_accept(true));  // the write queue is separate
  EXPECT_THROW(ch.push(DramRequest{99, 0, false, 0}), std::logic_error);
  ch.push(DramRequest{10, 4096, true, 0});
  ch.push(DramRequest{11, 8192, true, 0});
  EXPECT_FALSE(ch.can_accept(true));
  const auto out = drain(ch, 6);
  EXPECT_TRUE(ch.can_accept(false));
  EXPECT_TRUE(ch.can_accept(true));
  EXPECT_EQ(ch.read_queue_size() + ch.write_queue_size() + ch.in_flight(), 0u);
  for (std::size_t i = 1; i < out.size(); ++i) EXPECT_LE(out[i - 1].done_ps, out[i].done_ps);
}

TEST(DramQueue, RowHitsFirstThenOldest) {
  const auto cfg = config(R"({"read_depth": 8, "write_depth": 8})");
  const AddressMap m(cfg);
  DramChannel ch(cfg, 0);
  // Same bank: A (row 1), B (row 2), C (row 1), all at 0. A opens row 1; C hits it and is
  // served before the older B, which needs a PRE: order A, C, B.
  ch.push(DramRequest{1, m.encode({0, 0, 0, 0, 1, 0}), false, 0});
  ch.push(DramRequest{2, m.encode({0, 0, 0, 0, 2, 0}), false, 0});
  ch.push(DramRequest{3, m.encode({0, 0, 0, 0, 1, 1}), false, 0});
  const auto out = drain(ch, 3);
  EXPECT_EQ(out[0].id, 1u);
  EXPECT_EQ(out[1].id, 3u);
  EXPECT_TRUE(out[1].row_hit);
  EXPECT_EQ(out[2].id, 2u);
  EXPECT_FALSE(out[2].row_hit);
  // Hits among themselves stay in arrival order (same bank, same row).
  DramChannel ch2(cfg, 0);
  for (unsigned i = 0; i < 6; ++i) ch2.push(DramRequest{i, m.encode({0, 0, 0, 0, 1, 5 - i}), false, 0});
  const auto out2 = drain(ch2, 6);
  for (unsigned i = 0; i < 6; ++i) EXPECT_EQ(out2[i].id, i);
}

TEST(DramQueue, WritesWaitBelowTheHighWatermark) {
  const auto cfg = config(R"({"read_depth": 8, "write_depth": 8, "write_high_watermark": 6, "write_low_watermark": 2})");
  const AddressMap m(cfg);
  DramChannel ch(cfg, 0);
  // Three writes and three reads to six different banks, all at 0: the write queue (3) is
  // below the high watermark and reads are waiting, so all reads complete first.
  for (unsigned i = 0; i < 3; ++i) ch.push(DramRequest{i, m.encode({0, 0, i % 2, i, 1, 0}), true, 0});
  for (unsigned i = 0; i < 3; ++i) ch.push(DramRequest{10 + i, m.encode({0, 1, i % 2, i, 1, 0}), false, 0});
  const auto out = drain(ch, 6);
  for (unsigned i = 0; i < 3; ++i) EXPECT_FALSE(out[i].is_write) << i;
  for (unsigned i = 3; i < 6; ++i) EXPECT_TRUE(out[i].is_write) << i;
}

TEST(DramQueue, WriteDrainFromHighToLowWatermark) {
  const auto cfg = config(R"({"read_depth": 8, "write_depth": 8, "write_high_watermark": 6, "write_low_watermark": 2})");
  const AddressMap m(cfg);
  DramChannel ch(cfg, 0);
  // Six writes reach the high watermark: the channel drains writes until 2 remain (4 writes),
  // then serves the 2 reads, then (no reads left) the last 2 writes.
  for (unsigned i = 0; i < 6; ++i) ch.push(DramRequest{i, m.encode({0, 0, i % 2, i / 2, 1, 0}), true, 0});
  for (unsigned i = 0; i < 2; ++i) ch.push(DramRequest{10 + i, m.encode({0, 1, i, 0, 1, 0}), false, 0});
  const auto out = drain(ch, 8);
  std::string kinds;
  for (const auto& c : out) kinds += c.is_write ? 'W' : 'R';
  EXPECT_EQ(kinds, "WWWWRRWW");
}

TEST(DramQueue, NothingLostOrDuplicatedUnderRandomMixedLoad) {
  const auto cfg = config(R"({"read_depth": 6, "write_depth": 5})");
  DramChannel ch(cfg, 0);
  std::mt19937_64 rng(3);
  const std::uint64_t lines = AddressMap(cfg).capacity() / 64;
  std::set<std::uint64_t> seen;
  std::vector<DramCompletion> out;
  std::uint64_t t = 0, next_id = 0;
  const std::uint64_t n = 50000;
  while (seen.size() < n) {
    while (next_id < n) {
      const bool wr = rng() % 3 == 0;
      if (!ch.can_accept(wr)) break;
      ch.push(DramRequest{next_id++, (rng() % lines) * 64, wr, t});
    }
    t = ch.next_event_ps();
    out.clear();
    ch.advance_to(t, out);
    for (const auto& c : out) {
      ASSERT_TRUE(seen.insert(c.id).second) << "duplicate " << c.id;
      ASSERT_LE(c.done_ps, t);
    }
  }
  EXPECT_EQ(ch.stats().reads + ch.stats().writes, n);
  EXPECT_EQ(ch.stats().row_hits + ch.stats().row_misses + ch.stats().row_conflicts, n);
  EXPECT_GT(ch.stats().refreshes, 0u);
}

TEST(DramSystem, RoutesByChannelAndMergesInDoneOrder) {
  const auto cfg = config(R"({"read_depth": 4, "write_depth": 4})", 4);
  DramSystem sys(cfg);
  // Channel bits are the lowest above the 64-byte offset: line i goes to channel i % 4.
  for (std::uint64_t i = 0; i < 16; ++i) {
    ASSERT_TRUE(sys.can_accept(i * 64, false));
    sys.push(DramRequest{i, i * 64, false, 0});
  }
  EXPECT_FALSE(sys.can_accept(0, false));     // channel 0 holds 4 reads
  EXPECT_TRUE(sys.can_accept(0, true));
  for (unsigned c = 0; c < 4; ++c) EXPECT_EQ(sys.channel(c).read_queue_size(), 4u);
  std::vector<DramCompletion> out;
  while (out.size() < 16) sys.advance_to(sys.next_event_ps(), out);
  for (std::size_t i = 1; i < out.size(); ++i) EXPECT_LE(out[i - 1].done_ps, out[i].done_ps);
  // The first line of each channel is an unloaded read: ACT 0, done 28 ns, in all four channels.
  EXPECT_EQ(out[0].done_ps, 28000u);
  EXPECT_EQ(out[3].done_ps, 28000u);
  const auto st = sys.stats();
  EXPECT_EQ(st.reads, 16u);
  EXPECT_EQ(st.read_latency_ps.count(), 16u);
  EXPECT_EQ(st.data_bus_busy_ps, 16u * 4000u);
}

}  // namespace
}  // namespace monde::mem
