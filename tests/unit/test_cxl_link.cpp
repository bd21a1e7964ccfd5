// CXL link parameters: bandwidth and serialization times for CXL 2.0 x16 at 32 GT/s computed by
// hand, overrides, and configuration errors.
#include <gtest/gtest.h>

#include "core/config/config_node.hpp"
#include "core/config/cxl_config.hpp"

namespace monde::cxl {
namespace {

TEST(CxlLink, DefaultX16Gen5Bandwidth) {
  const config::CxlLinkConfig c;
  // raw = 16 lanes x 32 GT/s x 128/130 / 8 bit = 64 GB/s x 0.984615 = 63.0154 GB/s per direction
  //     = 8192/130 B/ns exactly.
  EXPECT_DOUBLE_EQ(c.raw_bytes_per_s(), 16 * 32e9 * 128.0 / 130.0 / 8.0);
  EXPECT_NEAR(c.raw_bytes_per_s(), 63.0154e9, 1e5);
  // 68 B flit / 4 slots = 17 wire bytes per slot; a line is 4 data slots of 16 B.
  EXPECT_DOUBLE_EQ(c.wire_bytes_per_slot(), 17.0);
  EXPECT_DOUBLE_EQ(c.data_slots_per_line(), 4.0);
  // Reads (S2M, 2 DRS headers per H5 slot): 64 / ((4 + 0.5) x 17) = 64 / 76.5 = 0.836601
  //   -> 63.0154 x 0.836601 = 52.718 GB/s.
  EXPECT_NEAR(c.read_data_efficiency(), 64.0 / 76.5, 1e-12);
  EXPECT_NEAR(c.read_bytes_per_s(), 52.718e9, 1e6);
  // Writes (M2S, 1 RwD header slot per line): 64 / (5 x 17) = 64 / 85 = 0.752941
  //   -> 63.0154 x 0.752941 = 47.447 GB/s.
  EXPECT_NEAR(c.write_data_efficiency(), 64.0 / 85.0, 1e-12);
  EXPECT_NEAR(c.write_bytes_per_s(), 47.447e9, 1e6);
}

TEST(CxlLink, DefaultSerializationTimes) {
  const config::CxlLinkConfig c;
  // One slot = 17 B at 8192/130 B/ns = 17 x 130 / 8192 = 0.269775390625 ns.
  EXPECT_NEAR(c.header_message_ns(), 0.269775390625, 1e-12);
  // DRS MemData: 4.5 slots = 1.2139892578125 ns; MemWr: 5 slots = 1.348876953125 ns;
  // MemWrPtl: 6 slots (plus the byte-enable slot) = 1.61865234375 ns.
  EXPECT_NEAR(c.read_data_message_ns(), 1.2139892578125, 1e-12);
  EXPECT_NEAR(c.write_data_message_ns(), 1.348876953125, 1e-12);
  EXPECT_NEAR(c.write_data_message_ns(true), 1.61865234375, 1e-12);
  // Consistency: a line every read_data_message_ns() gives read_bytes_per_s().
  EXPECT_NEAR(64.0 / c.read_data_message_ns() * 1e9, c.read_bytes_per_s(), 1.0);
  EXPECT_DOUBLE_EQ(c.one_way_ns(), 35.0);
}

config::CxlLinkConfig parse(const std::string& text) {
  const auto j = config::parse_json_text(text, "link.json");
  return config::cxl_link_schema().parse(config::ConfigNode(j, "link.json").child("cxl").child("link"));
}

std::string error_of(const std::string& link_json) {
  try {
    parse(R"({"cxl": {"link": )" + link_json + "}}");
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

TEST(CxlLinkConfig, EmptySectionGivesDefaults) {
  const auto c = parse(R"({"cxl": {"link": {}}})");
  EXPECT_EQ(c.lanes, 16u);
  EXPECT_DOUBLE_EQ(c.rate_gtps, 32.0);
  EXPECT_EQ(c.encoding, "128b/130b");
  EXPECT_EQ(c.flit_bytes, 68u);
  EXPECT_EQ(c.credits_s2m_drs, 64u);
}

TEST(CxlLinkConfig, Overrides) {
  const auto c = parse(R"({"cxl": {"link": {"lanes": 8, "rate_gtps": 16, "s2m_header_slots_per_line": 1,
      "latency_ns": {"host_port": 20, "controller": 12.5}, "credits": {"m2s_rwd": 32}}}})");
  // x8 at 16 GT/s: 8 x 16 x 128/130 / 8 = 15.7538 GB/s raw; MDH off -> reads at 64/85 too.
  EXPECT_NEAR(c.raw_bytes_per_s(), 15.7538e9, 1e5);
  EXPECT_NEAR(c.read_bytes_per_s(), 15.7538e9 * 64 / 85, 1e5);
  EXPECT_DOUBLE_EQ(c.host_port_ns, 20.0);
  EXPECT_DOUBLE_EQ(c.link_ns, 5.0);
  EXPECT_DOUBLE_EQ(c.controller_ns, 12.5);
  EXPECT_EQ(c.credits_m2s_rwd, 32u);
  EXPECT_EQ(c.credits_m2s_req, 64u);
}

TEST(CxlLinkConfig, ErrorsNameFileKeyAndRange) {
  EXPECT_EQ(error_of(R"({"lanes": 12})"), "link.json: key 'cxl.link.lanes' = 12: not a link width; allowed 1, 2, 4, 8, 16");
  EXPECT_EQ(error_of(R"({"lanes": 32})"), "link.json: key 'cxl.link.lanes' = 32: out of range; allowed 1 .. 16");
  EXPECT_EQ(error_of(R"({"rate_gtps": 0})"),
            "link.json: key 'cxl.link.rate_gtps' = 0: out of range; allowed 2.5 .. 64");
  EXPECT_EQ(error_of(R"({"encoding": "64b/66b"})"),
            "link.json: key 'cxl.link.encoding' = \"64b/66b\": unknown value; allowed \"128b/130b\", \"8b/10b\", \"none\"");
  EXPECT_EQ(error_of(R"({"slot_bytes": 24})"),
            "link.json: key 'cxl.link.slot_bytes' = 24: must divide the 64-byte line; allowed 1, 2, 4, 8, 16, 32, 64");
  EXPECT_EQ(error_of(R"({"flit_bytes": 60})"),
            "link.json: key 'cxl.link.flit_bytes' = 60: out of range; allowed 64 .. 4096 (slots_per_flit x slot_bytes ..)");
  EXPECT_EQ(error_of(R"({"latency_ns": {"link": -1}})"),
            "link.json: key 'cxl.link.latency_ns.link' = -1: out of range; allowed 0 .. 10000");
  EXPECT_EQ(error_of(R"({"credits": {"s2m_drs": 0}})"),
            "link.json: key 'cxl.link.credits.s2m_drs' = 0: out of range; allowed 1 .. 4096");
  EXPECT_EQ(error_of(R"({"credits": {"s2m_data": 4}})"),
            "link.json: key 'cxl.link.credits.s2m_data': unknown key; allowed m2s_req, m2s_rwd, s2m_ndr, s2m_drs");
  EXPECT_EQ(error_of(R"({"lane": 16})"),
            "link.json: key 'cxl.link.lane': unknown key; allowed lanes, rate_gtps, encoding, pj_per_bit, slot_bytes, slots_per_flit, flit_bytes, m2s_header_slots_per_line, s2m_header_slots_per_line, partial_write_extra_slots, latency_ns, credits, queues");
  EXPECT_EQ(error_of(R"({"queues": {"host_tx_lines": 0}})"),
            "link.json: key 'cxl.link.queues.host_tx_lines' = 0: out of range; allowed 1 .. 65536");
}

}  // namespace
}  // namespace monde::cxl
