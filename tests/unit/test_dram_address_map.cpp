// Address map: hand-worked decodes and encode/decode round trips.
#include <gtest/gtest.h>

#include <random>
#include <stdexcept>
#include <string>

#include "core/config/config_node.hpp"
#include "core/config/device_config.hpp"
#include "tlm/memory/address_map.hpp"

#include "device_presets.hpp"

namespace monde::mem {
namespace {

std::string preset(const std::string& name) { return test::device_preset(name); }

config::DramConfig small_config() {
  const auto j = config::parse_json_text(R"({
    "organization": {"channels": 1, "ranks": 1, "bank_groups": 2, "banks_per_group": 4, "rows": 1024,
                     "columns": 128, "bus_width_bits": 64, "burst_length": 8},
    "timing": {"tck_ps": 1000, "tRCD": 10, "tRP": 12, "tRAS": 30, "tRL": 14, "tWL": 8, "tBURST": 4,
               "tCCD_S": 4, "tCCD_L": 6, "tRRD_S": 5, "tRRD_L": 7, "tFAW": 40, "tWTR_S": 3, "tWTR_L": 6,
               "tRTP": 5, "tWR": 12, "tREFI": 0, "tRFC": 100},
    "address_mapping": ["row", "rank", "bank", "bank_group", "column", "channel"],
    "page_policy": "open", "queues": {"read_depth": 8, "write_depth": 8}})",
                                 "small.json");
  return config::parse_dram_config(config::ConfigNode(j, "small.json"));
}

TEST(AddressMap, SmallConfigFieldLayout) {
  // 64-byte bursts -> 6 offset bits; channel 0 bits; column: 128 columns / BL8 = 16 bursts ->
  // 4 bits at 6; bank_group 1 bit at 10; bank 2 bits at 11; rank 0 bits; row 10 bits at 13.
  const AddressMap m(small_config());
  EXPECT_EQ(m.offset_bits(), 6u);
  EXPECT_EQ(m.field_shift(config::AddrField::kColumn), 6u);
  EXPECT_EQ(m.field_shift(config::AddrField::kBankGroup), 10u);
  EXPECT_EQ(m.field_shift(config::AddrField::kBank), 11u);
  EXPECT_EQ(m.field_shift(config::AddrField::kRow), 13u);
  EXPECT_EQ(m.capacity(), 1u << 23);
  // row 3, bank 2, bank group 1, column 5: 3<<13 | 2<<11 | 1<<10 | 5<<6 = 24576+4096+1024+320.
  const DramCoord c = m.decode(30016 + 63);  // any byte of the burst
  EXPECT_EQ(c, (DramCoord{0, 0, 1, 2, 3, 5}));
  EXPECT_EQ(m.encode(c), 30016u);
  EXPECT_THROW(m.decode(1u << 23), std::out_of_range);
  EXPECT_THROW(m.encode(DramCoord{0, 0, 2, 0, 0, 0}), std::out_of_range);  // only 2 bank groups
}

TEST(AddressMap, Lpddr5xHandDecode) {
  // Mapping row | bank | rank | column | bank_group | channel | offset:
  // offset 6 bits, channel 4 bits at 6, bank_group 2 at 10, column 5 (1024 / BL32) at 12,
  // rank 1 at 17, bank 2 at 18, row 16 at 20 -> 36 bits = 64 GiB.
  // 0x12345678 = ...0001 0010 0011 0100 0101 0110 0111 1000:
  //   bits 5..0 = 111000 (offset 56); 9..6 = 1001 -> channel 9; 11..10 = 01 -> bank group 1;
  //   16..12 = 00101 -> column 5; 17 = 0 -> rank 0; 19..18 = 01 -> bank 1; 35..20 = 0x123 -> row 291.
  const AddressMap m(config::load_device_config(preset("lpddr5x-8533.json")).dram);
  EXPECT_EQ(m.capacity(), 1ull << 36);
  EXPECT_EQ(m.decode(0x12345678), (DramCoord{9, 0, 1, 1, 291, 5}));
  EXPECT_EQ(m.encode(DramCoord{9, 0, 1, 1, 291, 5}), 0x12345678u - 56);
  // Consecutive 64-byte lines go to consecutive channels.
  EXPECT_EQ(m.decode(64).channel, 1u);
  EXPECT_EQ(m.decode(16 * 64).bank_group, 1u);
}

TEST(AddressMap, RoundTripPresets) {
  for (const char* name : {"lpddr5x-8533.json", "ddr5-4800.json"}) {
    const auto cfg = config::load_device_config(preset(name)).dram;
    const AddressMap m(cfg);
    std::mt19937_64 rng(42);
    for (int i = 0; i < 100000; ++i) {
      const std::uint64_t a = rng() % m.capacity() & ~std::uint64_t{63};
      const DramCoord c = m.decode(a);
      ASSERT_LT(c.channel, cfg.org.channels);
      ASSERT_LT(c.rank, cfg.org.ranks);
      ASSERT_LT(c.bank_group, cfg.org.bank_groups);
      ASSERT_LT(c.bank, cfg.org.banks_per_group);
      ASSERT_LT(c.row, cfg.org.rows);
      ASSERT_LT(c.column, cfg.org.columns / cfg.org.burst_length);
      ASSERT_EQ(m.encode(c), a) << name;
    }
  }
}

}  // namespace
}  // namespace monde::mem
