// The two schedulers of DramChannel (memory.scheduler) on short hand-worked sequences: which
// request goes first and when, to the ps. Configuration (tCK = 1000 ps, so cycles read as ns):
//   tRCD 10, tRP 12, tRAS 30, tRL 14, tWL 8, tBURST 4, tCCD_S 4, tCCD_L 6, tRRD_S 5, tRRD_L 7,
//   tFAW 40, tWTR_S 3, tWTR_L 6, tRTP 5, tWR 12, refresh off; 1 rank, 2 bank groups x 4 banks;
//   read-to-write turnaround: WR data starts >= 2 tCK after the read data ends.
// A read completes at RD + tRL + tBURST = RD + 18 ns, a write at WR + tWL + tBURST = WR + 12 ns.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/config/config_node.hpp"
#include "core/config/device_config.hpp"
#include "tlm/memory/address_map.hpp"
#include "tlm/memory/dram_channel.hpp"

namespace monde::mem {
namespace {

constexpr std::uint64_t kNs = 1000;  // ps

config::DramConfig config(const std::string& scheduler, const std::string& queues) {
  const std::string text = R"({
    "organization": {"channels": 1, "ranks": 1, "bank_groups": 2, "banks_per_group": 4, "rows": 1024,
                     "columns": 128, "bus_width_bits": 64, "burst_length": 8},
    "timing": {"tck_ps": 1000, "tRCD": 10, "tRP": 12, "tRAS": 30, "tRL": 14, "tWL": 8, "tBURST": 4,
               "tCCD_S": 4, "tCCD_L": 6, "tRRD_S": 5, "tRRD_L": 7, "tFAW": 40, "tWTR_S": 3, "tWTR_L": 6,
               "tRTP": 5, "tWR": 12, "tREFI": 0, "tRFC": 100},
    "address_mapping": ["row", "rank", "bank", "bank_group", "column", "channel"],
    "page_policy": "open", "scheduler": ")" + scheduler + R"(", "queues": )" + queues + "}";
  const auto j = config::parse_json_text(text, "sched.json");
  return config::parse_dram_config(config::ConfigNode(j, "sched.json"));
}

struct Rig {
  explicit Rig(const config::DramConfig& c) : map(c), ch(c, 0) { ch.set_command_trace(&trace); }
  std::uint64_t addr(unsigned bg, unsigned bank, unsigned row, unsigned col = 0) const {
    return map.encode(DramCoord{0, 0, bg, bank, row, col});
  }
  void push(std::uint64_t id, std::uint64_t a, std::uint64_t t_ns, bool wr = false) {
    ch.push(DramRequest{id, a, wr, t_ns * kNs});
  }
  std::vector<DramCompletion> run(std::size_t n) {
    std::vector<DramCompletion> out;
    while (out.size() < n) ch.advance_to(ch.next_event_ps(), out);
    return out;
  }
  // "id@done_ns" per completion, in completion order.
  static std::string order(const std::vector<DramCompletion>& out) {
    std::string s;
    for (const auto& c : out) s += (s.empty() ? "" : " ") + std::to_string(c.id) + "@" + std::to_string(c.done_ps / kNs);
    return s;
  }
  AddressMap map;
  DramChannel ch;
  std::vector<DramCommandRecord> trace;
};

const char* kQueues = R"({"read_depth": 16, "write_depth": 16})";

// R1 (bank 0, row 1), W2 (bank 0, row 1: a hit once R1 opened it), R3 (bank 0, row 2), all at 0.
TEST(DramScheduler, FrFcfsServesReadsAndWritesFromOnePool) {
  Rig r(config("fr_fcfs", kQueues));
  r.push(1, r.addr(0, 0, 1, 0), 0);
  r.push(2, r.addr(0, 0, 1, 1), 0, true);
  r.push(3, r.addr(0, 0, 2, 0), 0);
  // ACT (for R1, the oldest) at 0; RD R1 at 10, data 24..28. The bank's oldest hit is now W2:
  // WR when its data can start 2 ns after the read data: 28 + 2 - tWL 8 = 22; done 22 + 12 = 34.
  // R3: PRE at max(ACT + tRAS = 30, RD + tRTP = 15, write data end 34 + tWR 12 = 46) = 46,
  // ACT 58, RD 68 (tWTR_L: 34 + 6 = 40 is long past), done 86.
  EXPECT_EQ(Rig::order(r.run(3)), "1@28 2@34 3@86");
  EXPECT_FALSE(r.ch.write_mode());  // no modes in this scheduler
}

TEST(DramScheduler, DrainServesTheSameRequestsReadsFirst) {
  Rig r(config("drain", kQueues));
  r.push(1, r.addr(0, 0, 1, 0), 0);
  r.push(2, r.addr(0, 0, 1, 1), 0, true);
  r.push(3, r.addr(0, 0, 2, 0), 0);
  // Read mode (1 write < the high watermark 12): R1 ACT 0, RD 10, done 28. R3 conflicts:
  // PRE at max(ACT + tRAS = 30, RD + tRTP = 15) = 30, ACT 42, RD 52, done 70. No read left:
  // write mode. W2 now conflicts (row 2 is open): PRE at max(ACT 42 + 30, RD 52 + 5) = 72,
  // ACT 84, WR 94, done 106.
  EXPECT_EQ(Rig::order(r.run(3)), "1@28 3@70 2@106");
  EXPECT_EQ(r.ch.stats().row_conflicts, 2u);
  EXPECT_EQ(r.ch.stats().row_hits, 0u);
}

// Bank A (group 0, bank 0) has row 1 open; at 100 ns X (older) needs an ACT in bank B (group 1,
// bank 0) and Y (younger) hits bank A: both commands are legal at 100.
void open_row_then_tie(Rig& r) {
  r.push(0, r.addr(0, 0, 1, 0), 0);
  EXPECT_EQ(Rig::order(r.run(1)), "0@28");  // ACT 0, RD 10, done 28
  r.push(1, r.addr(1, 0, 5, 0), 100);       // X
  r.push(2, r.addr(0, 0, 1, 1), 100);       // Y
}

TEST(DramScheduler, FrFcfsTieGoesToTheOlderRequest) {
  Rig r(config("fr_fcfs", kQueues));
  open_row_then_tie(r);
  // X's ACT at 100 (older), Y's RD at 101 (next command slot), done 119; X's RD at 110
  // (tRCD; tCCD_S from 101 and the data bus 115..119 allow it), done 128.
  EXPECT_EQ(Rig::order(r.run(2)), "2@119 1@128");
  ASSERT_EQ(r.trace.size(), 5u);
  EXPECT_EQ(r.trace[2].cmd, DramCommand::kAct);
  EXPECT_EQ(r.trace[2].t_ps, 100 * kNs);
  EXPECT_EQ(r.trace[3].cmd, DramCommand::kRd);
  EXPECT_EQ(r.trace[3].t_ps, 101 * kNs);
}

TEST(DramScheduler, DrainTieGoesToTheRowHit) {
  Rig r(config("drain", kQueues));
  open_row_then_tie(r);
  // Y's RD at 100 (row hits first), done 118; X's ACT at 101, RD 111, done 129.
  EXPECT_EQ(Rig::order(r.run(2)), "2@118 1@129");
  ASSERT_EQ(r.trace.size(), 5u);
  EXPECT_EQ(r.trace[2].cmd, DramCommand::kRd);
  EXPECT_EQ(r.trace[2].t_ps, 100 * kNs);
  EXPECT_EQ(r.trace[3].cmd, DramCommand::kAct);
  EXPECT_EQ(r.trace[3].t_ps, 101 * kNs);
}

// R1 (group 0, bank 0, row 1) at 0; its ACT issues at 0. At 1 ns two writes arrive, W2 (group 0,
// bank 0, row 2: conflicts with R1's row) and W3 (group 1, bank 0), which reach the high
// watermark (2): the channel switches to write mode before R1's RD (due at tRCD = 10).
TEST(DramScheduler, DrainServesTheRequestARowWasOpenedForBeforeClosingIt) {
  Rig r(config("drain", R"({"read_depth": 4, "write_depth": 4, "write_high_watermark": 2, "write_low_watermark": 0})"));
  r.push(1, r.addr(0, 0, 1), 0);
  std::vector<DramCompletion> out;
  r.ch.advance_to(0, out);  // ACT for R1 at 0
  r.push(2, r.addr(0, 0, 2), 1, true);
  r.push(3, r.addr(1, 0, 1), 1, true);
  r.ch.next_event_ps();  // the next decision sets the mode
  EXPECT_TRUE(r.ch.write_mode());
  // Write mode. Bank (0,0) would precharge for W2, but its row was opened for R1: R1's RD at 10
  // instead, done 28. W3: ACT at tRRD_S = 5 after R1's; its WR waits for the turnaround after
  // R1's data (28 + 2 - tWL 8 = 22), done 34. W2: PRE at max(ACT + tRAS = 30, RD + tRTP = 15)
  // = 30, ACT 42, WR 52, done 64.
  // (Before this rule, the drain scheduler precharged R1's row at 30 and served R1 last:
  // W3 done 27, W2 done 64, R1 PRE 76 ACT 88 RD 98 done 116.)
  EXPECT_EQ(Rig::order(r.run(3)), "1@28 3@34 2@64");
  EXPECT_EQ(r.ch.stats().row_misses, 2u);     // R1, W3
  EXPECT_EQ(r.ch.stats().row_conflicts, 1u);  // W2
}

// Depth 4: default watermarks high 3, low 1. One read (group 1) and three writes (banks 0..2 of
// group 0), all at 0, queued before the first decision (which starts in read mode).
std::string kinds(Rig& r) {
  r.push(10, r.addr(1, 0, 1), 0);
  for (unsigned i = 0; i < 3; ++i) r.push(i, r.addr(0, i, 1), 0, true);
  std::string s;
  for (const auto& c : r.run(4)) s += c.is_write ? 'W' : 'R';
  return s;
}

TEST(DramScheduler, DrainWatermarksStartADrainAtTheHighOne) {
  Rig r(config("drain", R"({"read_depth": 4, "write_depth": 4})"));
  // 3 writes >= high 3: drain to <= low 1 (two writes), then the read, then the last write.
  EXPECT_EQ(kinds(r), "WWRW");
}

TEST(DramScheduler, DrainWithoutWatermarksServesReadsUntilNoneIsQueued) {
  Rig r(config("drain", R"({"read_depth": 4, "write_depth": 4, "write_watermarks": false})"));
  // No watermarks: the read goes first, then the writes until the write queue is empty.
  EXPECT_EQ(kinds(r), "RWWW");
}

}  // namespace
}  // namespace monde::mem
