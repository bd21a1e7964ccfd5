// The energy formulas (core/perf/energy.hpp), each derived by hand. The DRAM spec below is a
// test input with round numbers, not a claim about any part: VDD 1.2 V; IDD0 60, IDD2N 40,
// IDD3N 50, IDD4R 150, IDD4W 140, IDD5B 250 mA; tRAS 32 ns, tRP 14 ns, tBURST 2.5 ns (BL8 at
// 3200 MT/s = 4 clocks x 0.625 ns), tRFC 350 ns; 8 devices per rank.
// One mA x ns x V is 1e-12 J, so each (mA x ns) costs 1.2 V x 8 devices x 1e-12 = 9.6e-12 J.
#include <gtest/gtest.h>

#include <stdexcept>

#include "core/perf/energy.hpp"

namespace monde::perf {
namespace {

DramPowerSpec spec() {
  DramPowerSpec s;
  s.vdd_v = 1.2;
  s.idd0_mA = 60;
  s.idd2n_mA = 40;
  s.idd3n_mA = 50;
  s.idd4r_mA = 150;
  s.idd4w_mA = 140;
  s.idd5b_mA = 250;
  s.tras_ns = 32;
  s.trp_ns = 14;
  s.tburst_ns = 2.5;
  s.trfc_ns = 350;
  s.devices = 8;
  return s;
}

constexpr double kJPerMaNs = 9.6e-12;

TEST(DramEnergy, BurstsActivatesRefreshAndBackgroundByHand) {
  DramActivity a;
  a.activates = 100;
  a.read_bursts = 1000;
  a.write_bursts = 500;
  a.refreshes = 2;
  a.active_s = 1e-6;
  a.total_s = 4e-6;
  const DramEnergy e = dram_energy(spec(), a);
  // activate: (60 - 50) mA x 32 ns x 100 = 32,000 mA ns -> 3.072e-7 J
  EXPECT_NEAR(e.activate_j, 32000 * kJPerMaNs, 1e-18);
  EXPECT_NEAR(e.activate_j, 3.072e-7, 1e-18);
  // precharge: (60 - 40) x 14 x 100 = 28,000 -> 2.688e-7 J
  EXPECT_NEAR(e.precharge_j, 2.688e-7, 1e-18);
  // reads: (150 - 50) x 2.5 x 1000 = 250,000 -> 2.4e-6 J
  EXPECT_NEAR(e.read_j, 2.4e-6, 1e-17);
  // writes: (140 - 50) x 2.5 x 500 = 112,500 -> 1.08e-6 J
  EXPECT_NEAR(e.write_j, 1.08e-6, 1e-17);
  // refresh: (250 - 50) x 350 x 2 = 140,000 -> 1.344e-6 J
  EXPECT_NEAR(e.refresh_j, 1.344e-6, 1e-17);
  // background: 50 mA x 1,000 ns (row open) + 40 mA x 3,000 ns (all closed) = 170,000 -> 1.632e-6 J
  EXPECT_NEAR(e.background_j, 1.632e-6, 1e-17);
  // total: 3.072e-7 + 2.688e-7 + 2.4e-6 + 1.08e-6 + 1.344e-6 + 1.632e-6 = 7.032e-6 J
  EXPECT_NEAR(e.total_j(), 7.032e-6, 1e-16);
}

TEST(DramEnergy, BackgroundInEveryRankCommandsInOne) {
  // Two ranks: 100 read bursts charge one rank's 8 devices, (150 - 50) x 2.5 x 100 = 25,000 mA ns
  // -> 2.4e-7 J; 2 us all banks closed charge both: 2 x 40 mA x 2,000 ns = 160,000 -> 1.536e-6 J.
  DramPowerSpec s = spec();
  s.ranks = 2;
  DramActivity a;
  a.read_bursts = 100;
  a.total_s = 2e-6;
  const DramEnergy e = dram_energy(s, a);
  EXPECT_NEAR(e.read_j, 2.4e-7, 1e-18);
  EXPECT_NEAR(e.background_j, 1.536e-6, 1e-17);
}

TEST(DramEnergy, NoActivityNoTimeIsZero) {
  EXPECT_DOUBLE_EQ(dram_energy(spec(), DramActivity{}).total_j(), 0.0);
}

TEST(DramEnergy, BadSpecOrActivityIsRefused) {
  DramPowerSpec s = spec();
  s.idd0_mA = 45;  // below IDD3N: the activate charge would be negative
  EXPECT_THROW(dram_energy(s, DramActivity{}), std::invalid_argument);
  s = spec();
  s.devices = 0;
  EXPECT_THROW(dram_energy(s, DramActivity{}), std::invalid_argument);
  DramActivity a;
  a.active_s = 2e-6;
  a.total_s = 1e-6;  // a row open longer than the run
  EXPECT_THROW(dram_energy(spec(), a), std::invalid_argument);
}

TEST(DramEnergy, BurstsAndActivatesFromBytes) {
  // 4,097 bytes in 64-byte bursts: 64 full bursts and one partial = 65.
  EXPECT_EQ(bursts_for_bytes(4097, 64), 65u);
  EXPECT_EQ(bursts_for_bytes(4096, 64), 64u);
  EXPECT_EQ(bursts_for_bytes(0, 64), 0u);
  // 16 bursts per opened row (e.g. a 1 KB page read in 64-byte bursts): 65 bursts open 5 rows.
  EXPECT_EQ(activates_for_bursts(65, 16), 5u);
  EXPECT_EQ(activates_for_bursts(64, 16), 4u);
  EXPECT_THROW(bursts_for_bytes(1, 0), std::invalid_argument);
  EXPECT_THROW(activates_for_bursts(1, 0), std::invalid_argument);
}

TEST(LinkEnergy, BytesTimesEightTimesPicojoulesPerBit) {
  // 4,096 bytes x 8 bits x 5 pJ/bit = 163,840 pJ = 1.6384e-7 J.
  EXPECT_NEAR(link_energy_j(4096, 5.0), 1.6384e-7, 1e-20);
  EXPECT_THROW(link_energy_j(1, -1.0), std::invalid_argument);
}

TEST(NdpEnergy, MacsAndSramBytes) {
  // 1e6 MACs x 0.5 pJ + 2e6 SRAM bytes x 0.1 pJ = 5e5 + 2e5 pJ = 7e-7 J.
  EXPECT_NEAR(ndp_energy_j(1000000, 0.5, 2000000, 0.1), 7e-7, 1e-19);
  EXPECT_THROW(ndp_energy_j(1, -0.5, 1, 0.1), std::invalid_argument);
}

TEST(GpuEnergy, BusyAtBusyPowerRestAtIdle) {
  // 2 ms at 700 W + (5 - 2) ms at 100 W = 1.4 J + 0.3 J = 1.7 J.
  EXPECT_NEAR(gpu_energy_j(2e-3, 5e-3, 700, 100), 1.7, 1e-12);
  EXPECT_THROW(gpu_energy_j(6e-3, 5e-3, 700, 100), std::invalid_argument);
  EXPECT_THROW(gpu_energy_j(1e-3, 5e-3, -1, 100), std::invalid_argument);
}

TEST(EnergyDelay, ProductOfJoulesAndSeconds) {
  // 1.7 J over a 5 ms step: 8.5e-3 J s.
  EXPECT_NEAR(energy_delay_js(1.7, 5e-3), 8.5e-3, 1e-15);
}

}  // namespace
}  // namespace monde::perf
