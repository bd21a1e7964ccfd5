// DRAM configuration: presets load and give the derived bandwidths; errors name file, key
// and allowed range.
#include <gtest/gtest.h>

#include <string>

#include "core/config/config_node.hpp"
#include "core/config/device_config.hpp"
#include "core/config/dram_config.hpp"

#include "device_presets.hpp"

namespace monde::mem {
namespace {

std::string preset(const std::string& name) { return test::device_preset(name); }

// A small, hand-checkable configuration; {ORG}/{TIMING} etc. are replaced by the tests.
const char* kBase = R"({"memory": {
  "model": "timed",
  "organization": {"channels": 1, "ranks": 1, "bank_groups": 2, "banks_per_group": 4, "rows": 1024,
                   "columns": 128, "bus_width_bits": 64, "burst_length": 8},
  "timing": {"tck_ps": 1000, "tRCD": 10, "tRP": 12, "tRAS": 30, "tRL": 14, "tWL": 8, "tBURST": 4,
             "tCCD_S": 4, "tCCD_L": 6, "tRRD_S": 5, "tRRD_L": 7, "tFAW": 40, "tWTR_S": 3, "tWTR_L": 6,
             "tRTP": 5, "tWR": 12, "tREFI": 0, "tRFC": 100},
  "address_mapping": ["row", "rank", "bank", "bank_group", "column", "channel"],
  "page_policy": "open",
  "queues": {"read_depth": 8, "write_depth": 8}
}})";

std::string with(const std::string& from, const std::string& to) {
  std::string s = kBase;
  const auto p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  return s.replace(p, from.size(), to);
}

config::DramConfig parse(const std::string& text) {
  const auto j = config::parse_json_text(text, "dev.json");
  return config::parse_dram_config(config::ConfigNode(j, "dev.json").child("memory"));
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(DramConfig, BaseParsesAndDerives) {
  const auto c = parse(kBase);
  EXPECT_EQ(c.bytes_per_burst(), 64u);  // 64 bits / 8 * BL8
  // 8 bytes per beat, 2 beats per 1000 ps -> 16 GB/s.
  EXPECT_DOUBLE_EQ(c.peak_bandwidth_per_channel(), 16e9);
  EXPECT_DOUBLE_EQ(c.peak_bandwidth_total(), 16e9);
  EXPECT_EQ(c.capacity_bytes(), 2u * 4 * 1024 * 128 * 8);
  EXPECT_EQ(c.queues.write_high_watermark, 6u);  // defaults: 3/4 and 1/4 of 8
  EXPECT_EQ(c.queues.write_low_watermark, 2u);
  EXPECT_DOUBLE_EQ(c.refresh_factor(), 1.0);  // tREFI 0: refresh off
  EXPECT_EQ(c.unloaded_read_latency_ps(), 28000u);
}

TEST(DramConfig, Lpddr5xPreset) {
  const auto c = config::load_device_config(preset("lpddr5x-8533.json")).dram;
  EXPECT_EQ(c.org.channels, 16u);
  EXPECT_EQ(c.bytes_per_burst(), 64u);  // x16, BL32
  // 2 bytes * 2 / 234 ps = 17.094 GB/s per channel, x16 channels = 273.5 GB/s.
  EXPECT_NEAR(c.peak_bandwidth_per_channel(), 4.0 / 234e-12, 1.0);
  EXPECT_NEAR(c.peak_bandwidth_total(), 16 * 4.0 / 234e-12, 16.0);
  EXPECT_EQ(c.capacity_bytes(), 64ull << 30);
  EXPECT_NEAR(c.refresh_factor(), 1.0 - 1195.0 / 16664.0, 1e-12);
}

TEST(DramConfig, Ddr5Preset) {
  const auto c = config::load_device_config(preset("ddr5-4800.json")).dram;
  EXPECT_EQ(c.org.channels, 4u);
  EXPECT_EQ(c.bytes_per_burst(), 64u);  // 32 bits, BL16
  EXPECT_NEAR(c.peak_bandwidth_per_channel(), 8.0 / 416e-12, 1.0);  // 19.23 GB/s
  EXPECT_EQ(c.timing.tRL, 40u);
  EXPECT_EQ(c.capacity_bytes(), 64ull << 30);
}

TEST(DramConfig, ErrorsNameFileKeyAndRange) {
  EXPECT_EQ(error_of(with("\"tRCD\": 10", "\"tRCD\": 0")),
            "dev.json: key 'memory.timing.tRCD' = 0: out of range; allowed 1 .. 1000000");
  EXPECT_EQ(error_of(with("\"rows\": 1024", "\"rows\": 1000")),
            "dev.json: key 'memory.organization.rows' = 1000: must be a power of two; allowed 16 .. 4194304, powers of two");
  EXPECT_EQ(error_of(with("\"tRAS\": 30", "\"tRAS\": 9")),
            "dev.json: key 'memory.timing.tRAS' = 9: must be >= tRCD (10): a row must stay open at least until it can be read");
  EXPECT_EQ(error_of(with("\"tBURST\": 4", "\"tBURST\": 8")),
            "dev.json: key 'memory.timing.tBURST' = 8: must equal organization.burst_length / 2 (4) for a double-data-rate bus");
  EXPECT_EQ(error_of(with("\"tREFI\": 0", "\"tREFI\": 100")),
            "dev.json: key 'memory.timing.tREFI' = 100: must be 0 (refresh off) or > tRFC + tRP (112): the rank would never be available");
  EXPECT_EQ(error_of(with("\"page_policy\": \"open\"", "\"page_policy\": \"lazy\"")),
            "dev.json: key 'memory.page_policy' = \"lazy\": unknown value; allowed \"open\", \"closed\"");
  EXPECT_EQ(error_of(with("\"tck_ps\": 1000", "\"tck_ps\": 1000, \"tCL\": 3")),
            "dev.json: key 'memory.timing.tCL': unknown key; allowed tck_ps, tRCD, tRP, tRAS, tRL, tWL, tBURST, tCCD_S, tCCD_L, tRRD_S, tRRD_L, tFAW, tWTR_S, tWTR_L, tRTP, tWR, tREFI, tRFC");
  EXPECT_EQ(error_of(with("\"tWR\": 12, ", "")), "dev.json: key 'memory.timing.tWR': missing; this key is required; allowed 1 .. 1000000");
  EXPECT_EQ(error_of(with("\"write_depth\": 8", "\"write_depth\": 8, \"write_high_watermark\": 9")),
            "dev.json: key 'memory.queues.write_high_watermark' = 9: out of range; allowed 1 .. 8");
}

TEST(DramConfig, MappingErrors) {
  const std::string key = "dev.json: key 'memory.address_mapping' = ";
  const std::string allowed = "allowed a list of row, rank, bank, bank_group, column, channel, each once, MSB first";
  EXPECT_EQ(error_of(with("\"column\", \"channel\"]", "\"column\", \"column\"]")),
            key + R"(["row","rank","bank","bank_group","column","column"]: names "column" twice; )" + allowed);
  EXPECT_EQ(error_of(with("\"column\", \"channel\"]", "\"col\", \"channel\"]")),
            key + R"(["row","rank","bank","bank_group","col","channel"]: has unknown field "col"; )" + allowed);
  EXPECT_EQ(error_of(with("\"column\", \"channel\"]", "\"column\"]")),
            key + R"(["row","rank","bank","bank_group","column"]: must be a list of 6 fields; )" + allowed);
}

}  // namespace
}  // namespace monde::mem
