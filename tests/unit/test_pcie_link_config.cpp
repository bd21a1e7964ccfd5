// PCIe link parameters of the GPU side (tlm/gpu/pcie_link_config.hpp): bandwidth and TLP counts
// for Gen5 x16 computed by hand, other generations, and configuration errors.
#include <gtest/gtest.h>

#include <string>

#include "core/config/config_node.hpp"
#include "core/config/pcie_config.hpp"

namespace monde::config {
namespace {

TEST(PcieLinkConfig, Gen5X16Bandwidth) {
  const config::PcieLinkConfig c;
  // raw = 16 lanes x 32 GT/s x 128/130 / 8 bit = 64 GB/s x 0.984615 = 63.0154 GB/s per direction
  //     = 8192/130 B/ns exactly.
  EXPECT_DOUBLE_EQ(c.encoding_efficiency(), 128.0 / 130.0);
  EXPECT_DOUBLE_EQ(c.raw_bytes_per_s(), 16 * 32e9 * 128.0 / 130.0 / 8.0);
  EXPECT_NEAR(c.raw_bytes_per_s(), 63.0154e9, 1e5);
  // MPS 256 B payload + 24 B overhead per TLP: 256 / 280 = 0.9142857
  //   -> 63.0154 x 0.9142857 = 57.6141 GB/s of data per direction.
  EXPECT_DOUBLE_EQ(c.data_efficiency(), 256.0 / 280.0);
  EXPECT_NEAR(c.data_bytes_per_s(), 57.6141e9, 1e5);
  EXPECT_DOUBLE_EQ(c.data_bytes_per_s(), 8192.0 / 130.0 * 1e9 * 256.0 / 280.0);
}

TEST(PcieLinkConfig, TlpCountsAndWireTimesOfA2MiBRead) {
  const config::PcieLinkConfig c;
  const std::uint64_t n = std::uint64_t{2} << 20;
  // Requests: 2 MiB / MRRS 512 = 4,096 header-only TLPs x 24 B = 98,304 wire bytes upstream,
  //   at 8192/130 B/ns: 98,304 x 130 / 8192 = 1,560 ns.
  EXPECT_EQ(c.read_requests(0, n), 4096u);
  EXPECT_DOUBLE_EQ(c.request_wire_bytes(0, n), 98304.0);
  EXPECT_NEAR(c.wire_ps(c.request_wire_bytes(0, n)), 1'560'000.0, 1e-6);
  // Completions: 2 MiB / MPS 256 = 8,192 TLPs; 2,097,152 + 8,192 x 24 = 2,293,760 wire bytes
  //   downstream = 2,293,760 x 130 / 8192 = 36,400 ns.
  EXPECT_EQ(c.payload_tlps(0, n), 8192u);
  EXPECT_DOUBLE_EQ(c.payload_wire_bytes(0, n), 2293760.0);
  EXPECT_NEAR(c.wire_ps(c.payload_wire_bytes(0, n)), 36'400'000.0, 1e-6);
  // One full completion TLP: 280 B x 130 / 8192 = 4.443359375 ns; one request 24 B = 0.380859375 ns.
  EXPECT_NEAR(c.wire_ps(280), 4443.359375, 1e-9);
  EXPECT_NEAR(c.wire_ps(24), 380.859375, 1e-9);
}

TEST(PcieLinkConfig, UnalignedAccessesCountTouchedBlocks) {
  const config::PcieLinkConfig c;
  // [100, 1100): 512-byte blocks 0, 1, 2 -> 3 requests; 256-byte blocks 0..4 -> 5 completions.
  EXPECT_EQ(c.read_requests(100, 1000), 3u);
  EXPECT_EQ(c.payload_tlps(100, 1000), 5u);
  EXPECT_DOUBLE_EQ(c.payload_wire_bytes(100, 1000), 1000.0 + 5 * 24.0);
  // One byte is one TLP each way; an access ending exactly on a boundary does not touch the next.
  EXPECT_EQ(c.read_requests(511, 1), 1u);
  EXPECT_EQ(c.payload_tlps(256, 256), 1u);
  EXPECT_EQ(c.payload_tlps(255, 2), 2u);
}

TEST(PcieLinkConfig, OtherGenerations) {
  config::PcieLinkConfig gen2;
  gen2.lanes = 8;
  gen2.rate_gtps = 5.0;
  gen2.encoding = "8b/10b";
  // 8 x 5 GT/s x 0.8 / 8 = 4 GB/s raw per direction.
  EXPECT_DOUBLE_EQ(gen2.raw_bytes_per_s(), 4e9);
  config::PcieLinkConfig gen4 = config::PcieLinkConfig{};
  gen4.rate_gtps = 16.0;
  gen4.max_payload_bytes = 512;
  // 16 x 16 x 128/130 / 8 = 31.5077 GB/s raw; x 512/536 = 30.0969 GB/s data.
  EXPECT_NEAR(gen4.data_bytes_per_s(), 16 * 16e9 * 128.0 / 130.0 / 8.0 * 512.0 / 536.0, 1.0);
  EXPECT_NEAR(gen4.data_bytes_per_s(), 30.0969e9, 1e5);
}

TEST(PcieLinkConfig, ParsesEveryKey) {
  const auto j = nlohmann::json::parse(R"({"lanes": 8, "rate_gtps": 16, "encoding": "none",
      "max_payload_bytes": 512, "read_request_bytes": 4096, "tlp_overhead_bytes": 20, "latency_ns": 350,
      "_comment": "ignored"})");
  const config::PcieLinkConfig c = config::pcie_schema().parse(config::ConfigNode(j, "gpu.json", "gpu.pcie"));
  EXPECT_EQ(c.lanes, 8u);
  EXPECT_DOUBLE_EQ(c.rate_gtps, 16.0);
  EXPECT_EQ(c.encoding, "none");
  EXPECT_EQ(c.max_payload_bytes, 512u);
  EXPECT_EQ(c.read_request_bytes, 4096u);
  EXPECT_EQ(c.tlp_overhead_bytes, 20u);
  EXPECT_DOUBLE_EQ(c.latency_ns, 350.0);
  // 8 x 16 GT/s / 8 = 16 GB/s raw ("none"); x 512/532.
  EXPECT_DOUBLE_EQ(c.data_bytes_per_s(), 16e9 * 512.0 / 532.0);
}

TEST(PcieLinkConfig, EmptySectionGivesDefaults) {
  const auto j = nlohmann::json::object();
  const config::PcieLinkConfig c = config::pcie_schema().parse(config::ConfigNode(j, "gpu.json", "gpu.pcie"));
  const config::PcieLinkConfig d;
  EXPECT_EQ(c.lanes, d.lanes);
  EXPECT_EQ(c.max_payload_bytes, d.max_payload_bytes);
  EXPECT_EQ(c.read_request_bytes, d.read_request_bytes);
  EXPECT_EQ(c.tlp_overhead_bytes, d.tlp_overhead_bytes);
  EXPECT_DOUBLE_EQ(c.latency_ns, d.latency_ns);
}

// Each bad value is rejected with the file, the full key and the allowed values in the message.
TEST(PcieLinkConfig, ErrorsNameFileKeyAndRange) {
  struct Case {
    const char* json;
    const char* expect;
  };
  const Case cases[] = {
      {R"({"lanes": 3})", "gpu.pcie.lanes' = 3: not a link width; allowed 1, 2, 4, 8, 16"},
      {R"({"lanes": 32})", "gpu.pcie.lanes' = 32: out of range; allowed 1 .. 16"},
      {R"({"rate_gtps": 128})", "gpu.pcie.rate_gtps' = 128: out of range; allowed 2.5 .. 64"},
      {R"({"encoding": "64b/66b"})", "gpu.pcie.encoding' = \"64b/66b\": unknown value; allowed \"128b/130b\", \"8b/10b\", \"none\""},
      {R"({"max_payload_bytes": 300})", "gpu.pcie.max_payload_bytes' = 300: not a PCIe size encoding; allowed 128, 256"},
      {R"({"max_payload_bytes": 8192})", "gpu.pcie.max_payload_bytes' = 8192: out of range; allowed 128 .. 4096"},
      {R"({"read_request_bytes": 64})", "gpu.pcie.read_request_bytes' = 64: out of range; allowed 128 .. 4096"},
      {R"({"tlp_overhead_bytes": 65})", "gpu.pcie.tlp_overhead_bytes' = 65: out of range; allowed 0 .. 64"},
      {R"({"latency_ns": -1})", "gpu.pcie.latency_ns' = -1: out of range"},
      {R"({"lane": 16})", "gpu.pcie.lane': unknown key; allowed lanes, rate_gtps"},
  };

  for (const auto& c : cases) {
    const auto j = nlohmann::json::parse(c.json);
    try {
      config::pcie_schema().parse(config::ConfigNode(j, "gpu.json", "gpu.pcie"));
      ADD_FAILURE() << "accepted " << c.json;
    } catch (const config::ConfigError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("gpu.json: key '"), std::string::npos) << what;
      EXPECT_NE(what.find(c.expect), std::string::npos) << "got: " << what << "\nwanted: " << c.expect;
    }
  }
}

}  // namespace
}  // namespace monde::config
