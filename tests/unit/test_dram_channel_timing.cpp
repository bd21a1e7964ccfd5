// DramChannel timing, exact to the ps, derived by hand from the small configuration below
// (tCK = 1000 ps so that cycles read directly as ns):
//   tRCD 10, tRP 12, tRAS 30, tRL 14, tWL 8, tBURST 4 (BL8), tCCD_S 4, tCCD_L 6, tRRD_S 5,
//   tRRD_L 7, tFAW 40, tWTR_S 3, tWTR_L 6, tRTP 5, tWR 12, refresh off unless a test sets it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/config/config_node.hpp"
#include "core/config/device_config.hpp"
#include "tlm/memory/address_map.hpp"
#include "tlm/memory/dram_channel.hpp"

namespace monde::mem {
namespace {

constexpr std::uint64_t kCk = 1000;  // ps

config::DramConfig config(const std::string& extra_timing = "", const std::string& policy = "open") {
  const std::string text = R"({
    "organization": {"channels": 1, "ranks": 1, "bank_groups": 2, "banks_per_group": 4, "rows": 1024,
                     "columns": 128, "bus_width_bits": 64, "burst_length": 8},
    "timing": {"tck_ps": 1000, "tRP": 12, "tRL": 14, "tWL": 8, "tBURST": 4,
               "tCCD_S": 4, "tCCD_L": 6, "tRRD_S": 5, "tRRD_L": 7, "tFAW": 40, "tWTR_S": 3, "tWTR_L": 6,
               "tRTP": 5, "tWR": 12, "tRFC": 100)" + (extra_timing.empty() ? std::string(R"(, "tRCD": 10, "tRAS": 30, "tREFI": 0)") : extra_timing) + R"(},
    "address_mapping": ["row", "rank", "bank", "bank_group", "column", "channel"],
    "page_policy": ")" + policy + R"(", "queues": {"read_depth": 16, "write_depth": 16}})";
  const auto j = config::parse_json_text(text, "timing.json");
  return config::parse_dram_config(config::ConfigNode(j, "timing.json"));
}

struct Rig {
  explicit Rig(const config::DramConfig& c) : cfg(c), map(c), ch(c, 0) { ch.set_command_trace(&trace); }
  std::uint64_t addr(unsigned bg, unsigned bank, unsigned row, unsigned col = 0) const {
    return map.encode(DramCoord{0, 0, bg, bank, row, col});
  }
  void push(std::uint64_t id, std::uint64_t a, std::uint64_t t, bool wr = false) {
    ch.push(DramRequest{id, a, wr, t});
  }
  // Runs event to event until `n` completions have come out.
  std::vector<DramCompletion> run(std::size_t n) {
    std::vector<DramCompletion> out;
    while (out.size() < n) ch.advance_to(ch.next_event_ps(), out);
    return out;
  }
  config::DramConfig cfg;
  AddressMap map;
  DramChannel ch;
  std::vector<DramCommandRecord> trace;
};

TEST(DramChannelTiming, UnloadedReadOnPrechargedBank) {
  Rig r(config());
  r.push(1, r.addr(0, 0, 7), 1 * kCk);
  // ACT at arrival (1 ns), RD at +tRCD, last data beat at +tRL+tBURST:
  // done = 1000 + (10 + 14 + 4) * 1000 = 29000 ps.
  EXPECT_EQ(r.ch.next_event_ps(), 1000u);  // the ACT
  std::vector<DramCompletion> out;
  r.ch.advance_to(28999, out);
  EXPECT_TRUE(out.empty()) << "completes at 29000, not 28999";
  r.ch.advance_to(29000, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id, 1u);
  EXPECT_EQ(out[0].done_ps, 29000u);
  EXPECT_FALSE(out[0].row_hit);
  EXPECT_FALSE(out[0].is_write);
  EXPECT_EQ(r.ch.stats().row_misses, 1u);
  EXPECT_EQ(r.cfg.unloaded_read_latency_ps(), 28000u);
}

TEST(DramChannelTiming, ArrivalBetweenClockEdgesWaitsForTheNextEdge) {
  Rig r(config());
  r.push(1, r.addr(0, 0, 7), 1500);
  // Commands issue on clock edges: ACT at 2000, done = 2000 + 28000.
  EXPECT_EQ(r.run(1)[0].done_ps, 30000u);
}

TEST(DramChannelTiming, RowHitAndRowConflict) {
  Rig r(config());
  r.push(1, r.addr(1, 2, 7, 0), 0);
  EXPECT_EQ(r.run(1)[0].done_ps, 28000u);  // miss: (10 + 14 + 4) ns
  // Same row, another column, long after: RD at arrival, done = +(tRL + tBURST) = +18 ns.
  r.push(2, r.addr(1, 2, 7, 3), 100 * kCk);
  const auto hit = r.run(1)[0];
  EXPECT_EQ(hit.done_ps, 118000u);
  EXPECT_TRUE(hit.row_hit);
  // Another row of the same bank, long after (tRAS, tRTP long satisfied): PRE at arrival,
  // ACT at +tRP, RD at +tRCD: done = 200 + 12 + 10 + 14 + 4 = 240 ns.
  r.push(3, r.addr(1, 2, 8, 0), 200 * kCk);
  const auto conflict = r.run(1)[0];
  EXPECT_EQ(conflict.done_ps, 240000u);
  EXPECT_FALSE(conflict.row_hit);
  EXPECT_EQ(r.ch.stats().row_hits, 1u);
  EXPECT_EQ(r.ch.stats().row_misses, 1u);
  EXPECT_EQ(r.ch.stats().row_conflicts, 1u);
}

TEST(DramChannelTiming, ConflictRightAfterActivateWaitsForTras) {
  Rig r(config());
  r.push(1, r.addr(0, 1, 1), 0);
  r.push(2, r.addr(0, 1, 2), 1 * kCk);
  const auto out = r.run(2);
  // Request 1: ACT 0, RD 10, done 28 ns. Request 2: PRE only at ACT + tRAS = 30 ns
  // (RD + tRTP = 15 ns is earlier), ACT at 30 + tRP = 42, RD at 52, done 52 + 18 = 70 ns.
  EXPECT_EQ(out[0].done_ps, 28000u);
  EXPECT_EQ(out[1].done_ps, 70000u);
  ASSERT_EQ(r.trace.size(), 5u);
  EXPECT_EQ(r.trace[2].cmd, DramCommand::kPre);
  EXPECT_EQ(r.trace[2].t_ps, 30000u);
}

TEST(DramChannelTiming, UnloadedWriteCompletesAfterWriteLatencyAndBurst) {
  Rig r(config());
  r.push(1, r.addr(0, 0, 3), 0, true);
  // ACT 0, WR at tRCD, last beat in at + tWL + tBURST: (10 + 8 + 4) ns.
  const auto w = r.run(1)[0];
  EXPECT_TRUE(w.is_write);
  EXPECT_EQ(w.done_ps, 22000u);
  // A conflicting read to the same bank must wait for write recovery: PRE >= end of write
  // data (22) + tWR (12) = 34 (> ACT + tRAS = 30); ACT 46; RD 56; done 74 ns.
  r.push(2, r.addr(0, 0, 4), 23 * kCk);
  EXPECT_EQ(r.run(1)[0].done_ps, 74000u);
}

TEST(DramChannelTiming, ReadAfterWriteTurnaroundTwtr) {
  Rig r(config());
  // Open row 1 in bank 0 of both bank groups with two reads (ACTs at 0 and 5 ns).
  r.push(1, r.addr(0, 0, 1), 0);
  r.push(2, r.addr(1, 0, 1), 0);
  r.run(2);
  // A write hit to group 0 and a read hit to group 1, both at 100 ns. With a read waiting and
  // the write queue below its high watermark, the READ goes first: RD at 100, done 118. The
  // write's data must start >= 2 ns after the read data ends (bus turnaround): WR at
  // 118 + 2 - tWL 8 = 112, done 112 + 8 + 4 = 124.
  r.push(3, r.addr(0, 0, 1, 1), 100 * kCk, true);
  r.push(4, r.addr(1, 0, 1, 1), 100 * kCk);
  const auto out = r.run(2);
  EXPECT_EQ(out[0].id, 4u);
  EXPECT_EQ(out[0].done_ps, 118000u);
  EXPECT_EQ(out[1].id, 3u);
  EXPECT_EQ(out[1].done_ps, 124000u);
  // A read in the SAME bank group as that write waits tWTR_L = 6 after the write data (124):
  // RD at 130, done 148.
  r.push(5, r.addr(0, 0, 1, 2), 124 * kCk);
  EXPECT_EQ(r.run(1)[0].done_ps, 148000u);
  // Write alone in bank group 1 at 200 (nothing else queued, so write mode): WR at 200, data
  // ends 212. A read to the OTHER group arriving at 201 waits only tWTR_S = 3: RD at 215,
  // done 233.
  r.push(6, r.addr(1, 0, 1, 2), 200 * kCk, true);
  std::vector<DramCompletion> out2;
  r.ch.advance_to(200 * kCk, out2);
  r.push(7, r.addr(0, 0, 1, 3), 201 * kCk);
  out2 = r.run(2);
  EXPECT_EQ(out2[0].id, 6u);
  EXPECT_EQ(out2[0].done_ps, 212000u);
  EXPECT_EQ(out2[1].id, 7u);
  EXPECT_EQ(out2[1].done_ps, 233000u);
}

TEST(DramChannelTiming, FiveActivatesAlternatingGroupsObeyTrrdSAndTfaw) {
  // tRCD 50 keeps the reads off the command bus while the ACTs go out.
  Rig r(config(R"(, "tRCD": 50, "tRAS": 60, "tREFI": 0)"));
  const unsigned bg[5] = {0, 1, 0, 1, 0}, bank[5] = {0, 0, 1, 1, 2};
  for (unsigned i = 0; i < 5; ++i) r.push(i, r.addr(bg[i], bank[i], 9), 0);
  r.run(5);
  std::vector<std::uint64_t> acts;
  for (const auto& c : r.trace) {
    if (c.cmd == DramCommand::kAct) acts.push_back(c.t_ps / kCk);
  }
  // 0; +tRRD_S = 5 (other group); 10 (tRRD_S from 5; tRRD_L from 0 is only 7); 15;
  // the fifth waits for tFAW after the first: 0 + 40 = 40 (tRRD alone would allow 20).
  EXPECT_EQ(acts, (std::vector<std::uint64_t>{0, 5, 10, 15, 40}));
}

TEST(DramChannelTiming, ActivatesInOneGroupObeyTrrdL) {
  Rig r(config(R"(, "tRCD": 50, "tRAS": 60, "tREFI": 0)"));
  for (unsigned i = 0; i < 4; ++i) r.push(i, r.addr(0, i, 9), 0);
  r.run(4);
  std::vector<std::uint64_t> acts;
  for (const auto& c : r.trace) {
    if (c.cmd == DramCommand::kAct) acts.push_back(c.t_ps / kCk);
  }
  // Four banks of one group: tRRD_L = 7 apart (tFAW 40 is not reached by 4 ACTs).
  EXPECT_EQ(acts, (std::vector<std::uint64_t>{0, 7, 14, 21}));
}

TEST(DramChannelTiming, FiveActivatesMostlyOneGroupObeyTrrdAndTfaw) {
  Rig r(config(R"(, "tRCD": 50, "tRAS": 60, "tREFI": 0)"));
  const unsigned bg[5] = {0, 0, 0, 0, 1}, bank[5] = {0, 1, 2, 3, 0};
  for (unsigned i = 0; i < 5; ++i) r.push(i, r.addr(bg[i], bank[i], 9), 0);
  r.run(5);
  std::vector<std::uint64_t> acts;
  for (const auto& c : r.trace) {
    if (c.cmd == DramCommand::kAct) acts.push_back(c.t_ps / kCk);
  }
  // FR-FCFS issues whatever can go first: ACT g0 at 0; the group-1 bank may go at tRRD_S = 5
  // before the group-0 banks (tRRD_L: 7), so it does; then group 0 at max(5 + 5, 0 + 7) = 10,
  // then max(10 + 5, 10 + 7) = 17; the fifth would be allowed at 24 by tRRD_L but tFAW counts
  // from the first of the last four ACTs: 0 + 40 = 40.
  EXPECT_EQ(acts, (std::vector<std::uint64_t>{0, 5, 10, 17, 40}));
}

TEST(DramChannelTiming, RefreshPrechargesAllThenBlocksForTrfc) {
  // tREFI 1000 cycles: the first refresh is due at 1000 ns.
  Rig r(config(R"(, "tRCD": 10, "tRAS": 30, "tREFI": 1000)"));
  r.push(1, r.addr(0, 0, 5), 0);
  EXPECT_EQ(r.run(1)[0].done_ps, 28000u);  // leaves row 5 open
  // A hit to the open row arriving exactly when refresh is due loses to the refresh:
  // PREA at 1000, REF at 1000 + tRP = 1012, ACT at 1012 + tRFC = 1112, RD 1122, done 1140 ns.
  r.push(2, r.addr(0, 0, 5, 1), 1000 * kCk);
  const auto d = r.run(1)[0];
  EXPECT_EQ(d.done_ps, 1140000u);
  EXPECT_FALSE(d.row_hit);
  EXPECT_EQ(r.ch.stats().refreshes, 1u);
  // Idle: the next event is the next refresh at 2000 ns; UINT64_MAX never (refresh is periodic).
  EXPECT_EQ(r.ch.next_event_ps(), 2000000u);
}

TEST(DramChannelTiming, IdleWithoutRefreshHasNoEvent) {
  Rig r(config());
  EXPECT_EQ(r.ch.next_event_ps(), UINT64_MAX);
}

TEST(DramChannelTiming, ClosedPagePolicyAutoPrecharges) {
  Rig r(config("", "closed"));
  r.push(1, r.addr(0, 0, 5), 0);
  EXPECT_EQ(r.run(1)[0].done_ps, 28000u);
  // Same row later: the row was closed after request 1 (auto-precharge at max(ACT + tRAS,
  // RD + tRTP) = 30, ready for ACT at 42), so it is a miss again: (10 + 14 + 4) ns.
  r.push(2, r.addr(0, 0, 5, 1), 100 * kCk);
  const auto d = r.run(1)[0];
  EXPECT_EQ(d.done_ps, 128000u);
  EXPECT_FALSE(d.row_hit);
  // A different row: no PRE command is needed (the bank was auto-precharged at
  // max(ACT 100 + tRAS, RD 110 + tRTP) = 130, so ACT may go at 142): a plain miss at 200 + 28.
  r.push(3, r.addr(0, 0, 6), 200 * kCk);
  EXPECT_EQ(r.run(1)[0].done_ps, 228000u);
  EXPECT_EQ(r.ch.stats().row_conflicts, 0u);
  EXPECT_EQ(r.ch.stats().precharges, 0u);
}

TEST(DramChannelTiming, ClosedPageKeepsRowOpenForQueuedHits) {
  Rig r(config("", "closed"));
  r.push(1, r.addr(0, 0, 5, 0), 0);
  r.push(2, r.addr(0, 0, 5, 1), 0);
  const auto out = r.run(2);
  // Both served from one activation: RD at 10 and, tCCD_L = 6 later in the same bank group,
  // at 16: done 28 and 16 + 18 = 34.
  EXPECT_EQ(out[0].done_ps, 28000u);
  EXPECT_EQ(out[1].done_ps, 34000u);
  EXPECT_TRUE(out[1].row_hit);
}

}  // namespace
}  // namespace monde::mem
