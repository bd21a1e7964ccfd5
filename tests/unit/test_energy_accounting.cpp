// From a stretch of simulation's counts to joules per component (core/perf/energy_accounting.hpp)
// with the presets' parameters, every value derived by hand below, and the energy keys' checks.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "core/perf/energy_accounting.hpp"
#include "experiment_text.hpp"

namespace monde::perf {
namespace {

using test::experiment_error_of;
using test::parse_experiment_text;

// EXPECT_NEAR relative to the expected value.
#define EXPECT_REL(got, want) EXPECT_NEAR((got), (want), 1e-9 * (want))

// lpddr5x-8533 (its memory.power: VDD2H 1.05 V; IDD0 45, IDD2N 27, IDD3N 30, IDD4R 275, IDD4W 210,
// IDD5B 90 mA; x16 devices on x16 channels, so 1 device per rank; 16 channels x 2 ranks = 32
// ranks), bandwidth model, open page. Timings at tCK 234 ps: tRAS 180 -> 42.12 ns, tRP 77 ->
// 18.018 ns, tBURST 16 -> 3.744 ns, tRFC 1195 -> 279.63 ns, tREFI 16664 -> 3.899376 us. One mA x ns
// costs 1.05 V x 1 device x 1e-12 = 1.05e-12 J.
TEST(EnergyAccounting, BandwidthModelStretchByHand) {
  const auto c = parse_experiment_text(R"({"model": "mixtral-8x7b-tiny", "device": {"preset": "lpddr5x-8533",
                           "memory": {"model": "bandwidth"}}})");
  EnergyActivity a;
  a.elapsed_s = 10e-6;
  a.gpu_busy_s = 4e-6;
  a.cxl_bytes = 8192;
  a.pcie_bytes = 1'000'000;
  a.ndp_macs = 1'000'000;
  a.ndp_dma_bytes = 65536 + 4096;
  a.dram_read_bytes = 65536;   // / 64 B bursts = 1024 read bursts
  a.dram_written_bytes = 4096;  // 64 write bursts
  a.dram_activates = 999;      // the bandwidth model counts no commands: ignored
  const EnergyBreakdown e = energy_of(c, a);

  // Activates: ceil(1088 bursts / (1024 columns / BL32 = 32 bursts per row)) = 34.
  // Refreshes: 10 us / 3.899376 us x 32 ranks = 82.06 -> 82.
  EXPECT_EQ(e.dram_activity.read_bursts, 1024u);
  EXPECT_EQ(e.dram_activity.write_bursts, 64u);
  EXPECT_EQ(e.dram_activity.activates, 34u);
  EXPECT_EQ(e.dram_activity.refreshes, 82u);
  EXPECT_DOUBLE_EQ(e.dram_activity.active_s, 10e-6);  // open page: a row open all the time
  ASSERT_TRUE(e.dram.has_value());
  EXPECT_REL(e.dram->activate_j, 1.05e-12 * (45 - 30) * 42.12 * 34);     // 2.2555e-8
  EXPECT_REL(e.dram->precharge_j, 1.05e-12 * (45 - 27) * 18.018 * 34);   // 1.1578e-8
  EXPECT_REL(e.dram->read_j, 1.05e-12 * (275 - 30) * 3.744 * 1024);      // 9.8626e-7
  EXPECT_REL(e.dram->write_j, 1.05e-12 * (210 - 30) * 3.744 * 64);       // 4.5287e-8
  EXPECT_REL(e.dram->refresh_j, 1.05e-12 * (90 - 30) * 279.63 * 82);     // 1.4446e-6
  EXPECT_REL(e.dram->background_j, 1.05e-12 * 32 * 30 * 10'000);         // 1.008e-5
  // Links at 4 pJ/bit: 8192 B x 8 x 4e-12 = 2.62144e-7 J; 1e6 B x 8 x 4e-12 = 3.2e-5 J.
  EXPECT_REL(e.cxl_j, 2.62144e-7);
  EXPECT_REL(e.pcie_j, 3.2e-5);
  // NDP: 1e6 MACs x 2 pJ + 2 x 69632 B x 2.5 pJ = 2e-6 + 3.4816e-7 J.
  EXPECT_REL(e.ndp_j, 2e-6 + 3.4816e-7);
  // GPU: 4 us x 700 W + 6 us x 70 W = 2.8e-3 + 4.2e-4 J.
  EXPECT_REL(e.gpu_j, 3.22e-3);
  EXPECT_REL(e.total_j(), e.dram_j() + 2.62144e-7 + 3.2e-5 + 2e-6 + 3.4816e-7 + 3.22e-3);
}

// The same stretch summed over 2 MoNDE devices (devices.count 2): the activity's bursts are the
// two devices' together, but background and refresh flow in every rank of both: 2 x 32 = 64 ranks.
// Refreshes: 10 us / 3.899376 us x 64 ranks = 164.1 -> 164; background 1.05e-12 x 64 x 30 x 10,000.
TEST(EnergyAccounting, SeveralDevicesChargeEveryDevicesRanks) {
  const auto c = parse_experiment_text(R"({"model": "mixtral-8x7b-tiny", "device": {"preset": "lpddr5x-8533",
                           "memory": {"model": "bandwidth"}}, "devices": {"count": 2}})");
  EnergyActivity a;
  a.elapsed_s = 10e-6;
  a.dram_read_bytes = 65536;
  a.dram_written_bytes = 4096;
  const EnergyBreakdown e = energy_of(c, a);
  EXPECT_EQ(e.dram_activity.read_bursts, 1024u);
  EXPECT_EQ(e.dram_activity.activates, 34u);
  EXPECT_EQ(e.dram_activity.refreshes, 164u);
  ASSERT_TRUE(e.dram.has_value());
  EXPECT_REL(e.dram->background_j, 1.05e-12 * 64 * 30 * 10'000);  // 2.016e-5
  EXPECT_REL(e.dram->refresh_j, 1.05e-12 * (90 - 30) * 279.63 * 164);
  EXPECT_EQ(dram_power_spec(c.device.dram, 2).ranks, 64u);
}

// ddr4-3200 (timed model) with a closed page. Its memory.power: VDD 1.2 V; IDD0 60.75, IDD2N
// 38.25, IDD3N 44, IDD4R 184.5, IDD4W 168.75, IDD5B 118 mA; x8 devices on a 64-bit bus: 8 per
// rank; 1 channel x 1 rank. At tCK 625 ps: tRAS 52 -> 32.5 ns, tRP 22 -> 13.75 ns, tBURST 4 ->
// 2.5 ns, tRFC 576 -> 360 ns. One mA x ns costs 1.2 x 8 x 1e-12 = 9.6e-12 J.
TEST(EnergyAccounting, TimedModelCommandsByHand) {
  const auto c = parse_experiment_text(R"({"model": "mixtral-8x7b-tiny", "device": {"preset": "ddr4-3200",
                           "memory": {"page_policy": "closed"}}})");
  EnergyActivity a;
  a.elapsed_s = 2e-6;
  a.dram_activates = 40;
  a.dram_reads = 1000;
  a.dram_writes = 200;
  a.dram_refreshes = 3;
  a.dram_read_bytes = 1;  // the timed model's commands are used, not its bytes
  const EnergyBreakdown e = energy_of(c, a);
  ASSERT_TRUE(e.dram.has_value());
  // Closed page: a row is open 40 activates x 32.5 ns / 1 rank = 1.3 us of the 2 us.
  EXPECT_NEAR(e.dram_activity.active_s, 1.3e-6, 1e-18);
  EXPECT_REL(e.dram->activate_j, 9.6e-12 * (60.75 - 44) * 32.5 * 40);     // 2.0904e-7
  EXPECT_REL(e.dram->precharge_j, 9.6e-12 * (60.75 - 38.25) * 13.75 * 40);  // 1.188e-7
  EXPECT_REL(e.dram->read_j, 9.6e-12 * (184.5 - 44) * 2.5 * 1000);        // 3.372e-6
  EXPECT_REL(e.dram->write_j, 9.6e-12 * (168.75 - 44) * 2.5 * 200);       // 5.988e-7
  EXPECT_REL(e.dram->refresh_j, 9.6e-12 * (118 - 44) * 360 * 3);          // 7.67232e-7
  EXPECT_REL(e.dram->background_j, 9.6e-12 * (44 * 1300 + 38.25 * 700));  // 8.0616e-7
  // Nothing else happened: links and NDP cost nothing, the GPU idled 2 us at 70 W.
  EXPECT_EQ(e.cxl_j + e.pcie_j + e.ndp_j, 0.0);
  EXPECT_REL(e.gpu_j, 1.4e-4);
}

TEST(EnergyAccounting, WithoutAPowerTableNoDramEnergyAndJsonSaysSo) {
  // ddr5-4800 carries no memory.power table (none was available with a source).
  const auto c = parse_experiment_text(R"({"model": "mixtral-8x7b-tiny", "device": "ddr5-4800"})");
  EXPECT_FALSE(c.device.dram.power.has_value());
  EnergyActivity a;
  a.elapsed_s = 1e-3;
  a.dram_reads = 100;
  const EnergyBreakdown e = energy_of(c, a);
  EXPECT_FALSE(e.dram.has_value());
  EXPECT_EQ(e.dram_j(), 0.0);
  EXPECT_REL(e.total_j(), 70.0 * 1e-3);  // the idle GPU alone
  const nlohmann::json j = to_json(e);
  EXPECT_TRUE(j.at("dram_j").is_null());
  EXPECT_FALSE(j.contains("dram"));
  EXPECT_DOUBLE_EQ(j.at("gpu_j").get<double>(), 70.0 * 1e-3);
  EXPECT_THROW(dram_power_spec(c.device.dram), std::invalid_argument);
}

TEST(EnergyAccounting, ActivitiesAdd) {
  EnergyActivity a, b;
  a.elapsed_s = 1;
  a.cxl_bytes = 5;
  a.dram_refreshes = 2;
  b.elapsed_s = 2;
  b.cxl_bytes = 7;
  b.ndp_macs = 3;
  a += b;
  EXPECT_DOUBLE_EQ(a.elapsed_s, 3.0);
  EXPECT_EQ(a.cxl_bytes, 12u);
  EXPECT_EQ(a.ndp_macs, 3u);
  EXPECT_EQ(a.dram_refreshes, 2u);
}

TEST(EnergyConfig, PresetsCarryTheirTablesAndTheDefaults) {
  const auto c = parse_experiment_text(R"({"model": "mixtral-8x7b-tiny", "device": "lpddr5x-8533"})");
  ASSERT_TRUE(c.device.dram.power.has_value());
  EXPECT_DOUBLE_EQ(c.device.dram.power->vdd_v, 1.05);
  EXPECT_EQ(c.device.dram.power->device_width_bits, 16u);
  EXPECT_DOUBLE_EQ(c.device.link.pj_per_bit, 4.0);
  EXPECT_DOUBLE_EQ(c.gpu.pcie.pj_per_bit, 4.0);
  EXPECT_DOUBLE_EQ(c.device.ndp.pj_per_mac, 2.0);
  EXPECT_DOUBLE_EQ(c.device.ndp.sram_pj_per_byte, 2.5);
  EXPECT_DOUBLE_EQ(c.gpu.power.busy_w, 700.0);
  EXPECT_DOUBLE_EQ(c.gpu.power.idle_w, 70.0);
  // The resolved configuration writes them and reads back the same.
  const auto j = config::to_json(c);
  EXPECT_DOUBLE_EQ(j.at("device").at("memory").at("power").at("idd4r_mA").get<double>(), 275.0);
  EXPECT_DOUBLE_EQ(j.at("gpu").at("power").at("busy_w").get<double>(), 700.0);
}

TEST(EnergyConfig, BadValuesNameTheKeyAndTheRule) {
  const std::string dev = R"({"model": "mixtral-8x7b-tiny", "device": {"preset": "lpddr5x-8533", "memory": {"power": )";
  {
    const std::string e = experiment_error_of(dev + R"({"idd0_mA": 20}}}})");
    EXPECT_NE(e.find("'device.memory.power.idd0_mA' = 20"), std::string::npos) << e;
    EXPECT_NE(e.find("must be >= idd3n_mA (30)"), std::string::npos) << e;
  }
  {
    const std::string e = experiment_error_of(dev + R"({"device_width_bits": 32}}}})");
    EXPECT_NE(e.find("'device.memory.power.device_width_bits' = 32"), std::string::npos) << e;
    EXPECT_NE(e.find("must divide organization.bus_width_bits (16)"), std::string::npos) << e;
  }
  {
    const std::string e = experiment_error_of(dev + R"({"vdd_v": 12}}}})");
    EXPECT_NE(e.find("'device.memory.power.vdd_v' = 12"), std::string::npos) << e;
    EXPECT_NE(e.find("0.1 .. 5"), std::string::npos) << e;
  }
  {
    // A table must be whole: a power object of its own without currents is refused.
    const std::string e = experiment_error_of(R"({"model": "mixtral-8x7b-tiny", "device": {"preset": "ddr5-4800",
                                      "memory": {"power": {"vdd_v": 1.1}}}})");
    EXPECT_NE(e.find("'device.memory.power.idd0_mA': missing"), std::string::npos) << e;
    EXPECT_NE(e.find("required"), std::string::npos) << e;
  }
  {
    const std::string e = experiment_error_of(R"({"model": "mixtral-8x7b-tiny", "device": "lpddr5x-8533",
                                      "gpu": {"power": {"busy_w": 300, "idle_w": 400}}})");
    EXPECT_NE(e.find("'gpu.power.idle_w' = 400"), std::string::npos) << e;
    EXPECT_NE(e.find("must be <= busy_w (300)"), std::string::npos) << e;
  }
  {
    const std::string e = experiment_error_of(R"({"model": "mixtral-8x7b-tiny", "device": {"preset": "lpddr5x-8533",
                                      "cxl": {"link": {"pj_per_bit": -1}}}})");
    EXPECT_NE(e.find("'device.cxl.link.pj_per_bit' = -1"), std::string::npos) << e;
    EXPECT_NE(e.find("0 .. 1000"), std::string::npos) << e;
  }
  {
    const std::string e = experiment_error_of(R"({"model": "mixtral-8x7b-tiny", "device": {"preset": "lpddr5x-8533",
                                      "ndp": {"pj_per_mac": 5000}}})");
    EXPECT_NE(e.find("'device.ndp.pj_per_mac' = 5000"), std::string::npos) << e;
  }
}

}  // namespace
}  // namespace monde::perf
