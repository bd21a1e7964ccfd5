// The DDR4-3200AA preset (configs/device/ddr4-3200.json, DRAMSys's DDR4-3200AA): its values,
// its address mapping and its unloaded latencies, derived by hand from the listed timings
// (tCK = 625 ps; CL 22, RCD 22, RP 22, RAS 52, CWL 16, BL8 = 4 clocks on the bus).
#include <gtest/gtest.h>

#include <vector>

#include "core/config/device_config.hpp"
#include "tlm/memory/address_map.hpp"
#include "tlm/memory/dram_channel.hpp"

namespace monde::mem {
namespace {

constexpr std::uint64_t kCk = 625;  // ps

config::DramConfig ddr4() { return config::load_device_config(MONDE_SOURCE_DIR "/configs/device/ddr4-3200.json").dram; }

TEST(DramDdr4Preset, HasExactlyTheListedParameters) {
  const auto c = ddr4();
  EXPECT_EQ(c.org.channels, 1u);
  EXPECT_EQ(c.org.ranks, 1u);
  EXPECT_EQ(c.org.bank_groups, 4u);
  EXPECT_EQ(c.org.banks_per_group, 4u);
  EXPECT_EQ(c.org.rows, 65536u);
  EXPECT_EQ(c.org.columns, 1024u);
  EXPECT_EQ(c.org.bus_width_bits, 64u);  // 8 x8 devices
  EXPECT_EQ(c.bytes_per_burst(), 64u);   // BL8 x 8 B
  const auto& t = c.timing;
  EXPECT_EQ(t.tck_ps, kCk);
  EXPECT_EQ(t.tRL, 22u);
  EXPECT_EQ(t.tRCD, 22u);
  EXPECT_EQ(t.tRP, 22u);
  EXPECT_EQ(t.tRAS, 52u);
  EXPECT_EQ(t.tRAS + t.tRP, 74u);  // the listed tRC
  EXPECT_EQ(t.tWR, 24u);
  EXPECT_EQ(t.tRTP, 12u);
  EXPECT_EQ(t.tWL, 16u);
  EXPECT_EQ(t.tCCD_S, 4u);
  EXPECT_EQ(t.tCCD_L, 8u);
  EXPECT_EQ(t.tRRD_S, 4u);
  EXPECT_EQ(t.tRRD_L, 8u);
  EXPECT_EQ(t.tFAW, 34u);
  EXPECT_EQ(t.tWTR_S, 4u);
  EXPECT_EQ(t.tWTR_L, 12u);
  EXPECT_EQ(t.tRFC, 576u);
  EXPECT_EQ(t.tREFI, 12480u);
  EXPECT_EQ(c.page_policy, config::PagePolicy::kOpen);
  EXPECT_EQ(c.scheduler, config::DramScheduler::kFrFcfs);
  EXPECT_EQ(c.queues.read_depth, 32u);
  EXPECT_EQ(c.queues.write_depth, 32u);
  // 16 banks x 65,536 rows x 1,024 columns x 8 B = 8 GiB; peak 8 B x 2 / 0.625 ns = 25.6 GB/s.
  EXPECT_EQ(c.capacity_bytes(), 8ull << 30);
  EXPECT_DOUBLE_EQ(c.peak_bandwidth_total(), 25.6e9);
}

TEST(DramDdr4Preset, AddressMappingIsRoBaRaCoCh) {
  const AddressMap m(ddr4());
  // From the LSB: 6 offset bits, 7 column bits (1,024 columns / 8 per burst), 2 bank-group
  // bits, 2 bank bits, 16 row bits: row 0x1234, bank 3, group 2, burst column 0x55, offset 0x3F.
  const std::uint64_t a = (0x1234ull << 17) | (3ull << 15) | (2ull << 13) | (0x55ull << 6) | 0x3F;
  const auto c = m.decode(a);
  EXPECT_EQ(c.row, 0x1234u);
  EXPECT_EQ(c.bank, 3u);
  EXPECT_EQ(c.bank_group, 2u);
  EXPECT_EQ(c.column, 0x55u);
  EXPECT_EQ(c.rank, 0u);
  EXPECT_EQ(c.channel, 0u);
  EXPECT_EQ(m.capacity(), 1ull << 33);
  // Consecutive 64 B lines walk the columns of one row: line 128 is the next bank group.
  EXPECT_EQ(m.decode(127 * 64).column, 127u);
  EXPECT_EQ(m.decode(128 * 64).bank_group, 1u);
  EXPECT_EQ(m.decode(128 * 64).column, 0u);
}

TEST(DramDdr4Preset, UnloadedMissHitConflictAndWriteLatencies) {
  const auto cfg = ddr4();
  DramChannel ch(cfg, 0);
  const AddressMap m(cfg);
  std::vector<DramCompletion> out;
  auto one = [&](std::uint64_t id, const DramCoord& where, std::uint64_t t_ck, bool wr = false) {
    ch.push(DramRequest{id, m.encode(where), wr, t_ck * kCk});
    out.clear();
    while (out.empty()) ch.advance_to(ch.next_event_ps(), out);
    EXPECT_EQ(out[0].id, id);
    return out[0].done_ps - t_ck * kCk;
  };
  // Miss (bank precharged): ACT at arrival, RD after RCD 22, last beat after CL 22 + 4:
  // 48 clocks = 30,000 ps.
  EXPECT_EQ(one(1, {0, 0, 1, 2, 100, 0}, 0), 48 * kCk);
  EXPECT_EQ(48 * kCk, 30000u);
  // Hit (row 100 open, long after): RD at arrival, CL 22 + 4 = 26 clocks = 16,250 ps.
  EXPECT_EQ(one(2, {0, 0, 1, 2, 100, 9}, 1000), 26 * kCk);
  EXPECT_EQ(26 * kCk, 16250u);
  // Conflict (row 101 of the same bank; tRAS and tRTP long met): PRE at arrival, ACT after
  // RP 22, RD after RCD 22, CL 22 + 4: 70 clocks = 43,750 ps.
  EXPECT_EQ(one(3, {0, 0, 1, 2, 101, 0}, 2000), 70 * kCk);
  EXPECT_EQ(70 * kCk, 43750u);
  // Write miss in another bank: ACT, WR after RCD 22, last beat in after CWL 16 + 4: 42 clocks
  // = 26,250 ps.
  EXPECT_EQ(one(4, {0, 0, 3, 0, 7, 0}, 3000, true), 42 * kCk);
  EXPECT_EQ(42 * kCk, 26250u);
  const auto& s = ch.stats();
  EXPECT_EQ(s.row_misses, 2u);
  EXPECT_EQ(s.row_hits, 1u);
  EXPECT_EQ(s.row_conflicts, 1u);
  EXPECT_EQ(s.refreshes, 0u);  // all done before the first tREFI = 12,480 clocks
  EXPECT_EQ(cfg.unloaded_read_latency_ps(), 30000u);
}

TEST(DramDdr4Preset, RefreshBlocksTheRankForTrfc) {
  const auto cfg = ddr4();
  DramChannel ch(cfg, 0);
  const AddressMap m(cfg);
  // A read arriving exactly when the first refresh is due (tREFI = 12,480 clocks, all banks
  // closed): REF at 12,480, the rank is blocked for RFC 576, ACT at 13,056, RD 13,078, done
  // 13,078 + 26 = 13,104 clocks.
  ch.push(DramRequest{1, m.encode({0, 0, 0, 0, 5, 0}), false, 12480 * kCk});
  std::vector<DramCompletion> out;
  while (out.empty()) ch.advance_to(ch.next_event_ps(), out);
  EXPECT_EQ(out[0].done_ps, 13104 * kCk);
  EXPECT_EQ(ch.stats().refreshes, 1u);
}

}  // namespace
}  // namespace monde::mem
