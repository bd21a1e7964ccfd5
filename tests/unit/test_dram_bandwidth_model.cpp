// The bandwidth model: a bulk transfer takes unloaded latency + bytes / sustained bandwidth,
// sustained = peak * (1 - tRFC / tREFI) * efficiency; transfers queue FIFO.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "core/config/config_node.hpp"
#include "core/config/device_config.hpp"
#include "tlm/memory/bandwidth_model.hpp"

#include "device_presets.hpp"

namespace monde::mem {
namespace {

std::string preset(const std::string& name) { return test::device_preset(name); }

// 4 channels x 64-bit at tCK 1 ns: peak 4 x 16 GB/s = 64 GB/s. Refresh 400 / 8000 -> 0.95.
// Efficiency 0.9 -> sustained 64e9 * 0.95 * 0.9 = 54.72e9 B/s. Unloaded latency
// (tRCD 10 + tRL 14 + tBURST 4) ns = 28000 ps.
config::DramConfig config() {
  const auto j = config::parse_json_text(R"({
    "model": "bandwidth",
    "organization": {"channels": 4, "ranks": 1, "bank_groups": 4, "banks_per_group": 4, "rows": 16384,
                     "columns": 1024, "bus_width_bits": 64, "burst_length": 8},
    "timing": {"tck_ps": 1000, "tRCD": 10, "tRP": 12, "tRAS": 30, "tRL": 14, "tWL": 8, "tBURST": 4,
               "tCCD_S": 4, "tCCD_L": 6, "tRRD_S": 5, "tRRD_L": 7, "tFAW": 40, "tWTR_S": 3, "tWTR_L": 6,
               "tRTP": 5, "tWR": 12, "tREFI": 8000, "tRFC": 400},
    "address_mapping": ["row", "rank", "bank", "column", "bank_group", "channel"],
    "page_policy": "open", "queues": {"read_depth": 32, "write_depth": 32},
    "bandwidth_model": {"efficiency": 0.9}})",
                                 "bwm.json");
  return config::parse_dram_config(config::ConfigNode(j, "bwm.json"));
}

TEST(BandwidthModel, TransferTimeFollowsTheFormula) {
  const auto cfg = config();
  EXPECT_EQ(cfg.model, config::MemoryModel::kBandwidth);
  BandwidthModel bw(cfg);
  EXPECT_DOUBLE_EQ(bw.sustained_bandwidth(), 64e9 * 0.95 * 0.9);
  EXPECT_EQ(bw.unloaded_latency_ps(), 28000u);
  // 352 MiB = 369098752 bytes; at 54.72e9 B/s that is 369098752 / 54.72e9 s
  // = 6745225730.994 ps, rounded up to 6745225731 ps.
  const std::uint64_t bytes = 352ull << 20;
  const std::uint64_t stream = 6745225731ull;
  EXPECT_EQ(bw.stream_ps(bytes), stream);
  const std::uint64_t start = 1'000'000;
  EXPECT_EQ(bw.transfer(start, bytes), start + 28000 + stream);
  // A second transfer issued meanwhile streams after the first one (FIFO), its latency overlaps.
  EXPECT_EQ(bw.transfer(start + 10, 64), start + stream + bw.stream_ps(64) + 28000);
}

// Speed is measured by BM_Dram_BandwidthModeStream (bench/), never asserted here.
TEST(BandwidthModel, A352MegabyteStreamOf64ByteTransfersKeepsExactTime) {
  BandwidthModel bw(config::load_device_config(preset("lpddr5x-8533.json")).dram);
  // Cut into 64-byte transfers (5.8 million calls), 352 MiB still ends at bytes / bandwidth.
  std::uint64_t done = 0;
  for (std::uint64_t off = 0; off < (352ull << 20); off += 64) done = bw.transfer(0, 64);
  EXPECT_EQ(bw.bytes_transferred(), 352ull << 20);
  // The per-call rounding up to whole ps costs < 1 ps per call.
  const double exact_ps = static_cast<double>(352ull << 20) / bw.sustained_bandwidth() * 1e12;
  EXPECT_NEAR(static_cast<double>(done - bw.unloaded_latency_ps()), exact_ps, 5.8e6);
}

// The queue end is rounded up to whole ps without libm's ceill (BandwidthModel::ceil_ps): it
// must give std::ceil's answer for every end, including ends that are whole ps and ends a tiny
// fraction above one. Reference: the documented queue in long double, rounded with std::ceil.
TEST(BandwidthModel, RoundingOfTheQueueEndIsCeilOverManyTransfers) {
  BandwidthModel bw(config::load_device_config(preset("lpddr5x-8533.json")).dram);
  const long double ps_per_byte = 1e12L / static_cast<long double>(bw.sustained_bandwidth());
  std::mt19937_64 rng(2026);
  long double end = 0;
  std::uint64_t start = 0;
  for (int i = 0; i < 200000; ++i) {
    // Gaps (idle queue, end restarts at a whole ps) and back-to-back sizes from 64 B to 64 MiB.
    if (rng() % 5 == 0) start = static_cast<std::uint64_t>(std::ceil(end)) + rng() % 100000;
    const std::uint64_t bytes = 64 * (1 + rng() % (i % 100 == 0 ? (1u << 20) : 4096u));
    end = std::max(static_cast<long double>(start), end) + static_cast<long double>(bytes) * ps_per_byte;
    ASSERT_EQ(bw.transfer(start, bytes), static_cast<std::uint64_t>(std::ceil(end)) + bw.unloaded_latency_ps())
        << "transfer " << i;
  }
}

}  // namespace
}  // namespace monde::mem
