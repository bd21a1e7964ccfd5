// Configuration of the MAC array (a device's "ndp" object): defaults, overrides, and errors that
// name file and key.
#include <gtest/gtest.h>

#include "core/config/config_node.hpp"
#include "core/config/device_config.hpp"
#include "core/config/ndp_config.hpp"

namespace monde::ndp {
namespace {

config::MacArrayConfig parse(const std::string& text) {
  const auto j = config::parse_json_text(text, "test.json");
  return config::ndp_schema().parse(config::ConfigNode(j, "test.json").child("ndp")).mac;
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

TEST(MacArrayConfig, DevicePresetDefault) {
  const auto c = config::load_device_config("lpddr5x-8533").ndp.mac;
  EXPECT_EQ(c.pe_model, config::PeModel::kRtl);
  EXPECT_FALSE(c.pin_level);
  EXPECT_EQ(c.shape.rows, 16u);
  EXPECT_EQ(c.shape.cols, 16u);
  EXPECT_DOUBLE_EQ(c.clock_mhz, 1000.0);
  EXPECT_DOUBLE_EQ(c.clock_period_ps(), 1000.0);
}

TEST(MacArrayConfig, ExplicitValues) {
  const auto c = parse(R"({"ndp": {"pe_model": "cycle", "clock_mhz": 1250, "mac_array": {"rows": 8, "cols": 32}}})");
  EXPECT_EQ(c.pe_model, config::PeModel::kCycle);
  EXPECT_EQ(c.shape.rows, 8u);
  EXPECT_EQ(c.shape.cols, 32u);
  EXPECT_DOUBLE_EQ(c.clock_period_ps(), 800.0);
}

TEST(MacArrayConfig, ErrorsNameFileKeyAndRange) {
  EXPECT_EQ(error_of(R"({"ndp": {"mac_array": {"rows": 0}}})"),
            "test.json: key 'ndp.mac_array.rows' = 0: out of range; allowed 1 .. 256");
  EXPECT_EQ(error_of(R"({"ndp": {"mac_array": {"rows": -3}}})"),
            "test.json: key 'ndp.mac_array.rows' = -3: must be a non-negative integer; allowed 1 .. 256");
  EXPECT_EQ(error_of(R"({"ndp": {"pe_model": "gate"}})"),
            "test.json: key 'ndp.pe_model' = \"gate\": unknown value; allowed \"rtl\", \"cycle\"");
  EXPECT_EQ(error_of(R"({"ndp": {"clock_mhz": 0}})"),
            "test.json: key 'ndp.clock_mhz' = 0: out of range; allowed 1 .. 10000");
  EXPECT_EQ(error_of(R"({"ndp": {"expert_weight_error_budget": 2}})"),
            "test.json: key 'ndp.expert_weight_error_budget' = 2: out of range; allowed 0 .. 1");
  // Mixed precision needs a quantised lowest format to choose down to.
  EXPECT_NE(error_of(R"({"ndp": {"expert_weight_error_budget": 0.05}})")
                .find("key 'ndp.expert_weight_error_budget' = 0.05: > 0 chooses a quantised format per cold expert"),
            std::string::npos);
  EXPECT_EQ(error_of(R"({"ndp": {"pe_modle": "rtl"}})"),
            "test.json: key 'ndp.pe_modle': unknown key; allowed pe_model, rtl_drive, clock_mhz, mac_array, units, "
            "weight_sram_bytes, act_buffer_bytes, out_buffer_bytes, mmio_latency_ns, expert_weight_format, "
            "pj_per_mac, sram_pj_per_byte, expert_weight_group, expert_weight_error_budget");
  EXPECT_EQ(error_of(R"({"ndp": {"expert_weight_format": "int2"}})"),
            "test.json: key 'ndp.expert_weight_format' = \"int2\": unknown value; allowed \"bf16\", \"int8\", \"int4\"");
  EXPECT_EQ(error_of(R"({"ndp": {"expert_weight_group": 256}})"),
            "test.json: key 'ndp.expert_weight_group' = 256: not a group size the NDP units take; allowed 32, 64, 128");
  EXPECT_EQ(error_of(R"({"ndp": {"expert_weight_group": 96}})"),
            "test.json: key 'ndp.expert_weight_group' = 96: not a group size the NDP units take; allowed 32, 64, 128");
  EXPECT_EQ(error_of(R"({"ndp": {"pe_model": "cycle", "rtl_drive": "pins"}})"),
            "test.json: key 'ndp.rtl_drive' = \"pins\": needs pe_model \"rtl\" (the cycle model has no pins); allowed "
            "\"batched\" with pe_model \"cycle\"");
  EXPECT_EQ(error_of(R"({"other": 1})"), "test.json: key 'ndp': missing; this key is required; allowed a JSON object");
}

TEST(MacArrayConfig, JsonSyntaxErrorsHaveLineAndColumn) {
  const auto msg = error_of("{\n  \"ndp\": {\n    \"pe_model\": rtl\n  }\n}");
  EXPECT_EQ(msg.rfind("test.json:3:17: invalid JSON", 0), 0u) << msg;
}

}  // namespace
}  // namespace monde::ndp
