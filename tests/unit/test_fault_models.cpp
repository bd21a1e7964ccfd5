// The SystemC-free parts of fault injection: the rare-event draws (tlm/common/rare_events.hpp),
// the DRAM poison model (tlm/memory/poison_model.hpp) and the `faults` configuration section
// (core/config/fault_config.hpp) with its checks and its resolved form.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tlm/common/rare_events.hpp"
#include "tlm/memory/poison_model.hpp"
#include "experiment_text.hpp"

namespace monde {
namespace {

TEST(RareEvents, RateZeroNeverAndRateOneAlways) {
  RareEvents none(0.0, 1, 0), all(1.0, 1, 0);
  EXPECT_FALSE(none.active());
  EXPECT_EQ(none.take(1000000).count, 0u);
  EXPECT_EQ(none.take(7).first, 7u);  // "none": first == the trial count
  const auto h = all.take(5);
  EXPECT_EQ(h.count, 5u);
  EXPECT_EQ(h.first, 0u);
}

// Splitting a stream of trials into calls does not change which trials are events.
TEST(RareEvents, EventsDoNotDependOnHowTheStreamIsCut) {
  RareEvents whole(0.01, 42, 3), parts(0.01, 42, 3);
  std::uint64_t in_parts = 0;
  for (int i = 0; i < 1000; ++i) in_parts += parts.take(100).count;
  EXPECT_EQ(whole.take(100000).count, in_parts);
}

// The count over many trials is close to the rate (Binomial(10^6, 10^-3): mean 1000, sd 31.6),
// the same for the same seed and stream, and different for another stream.
TEST(RareEvents, TheRateIsTheMeanAndTheSeedFixesTheDraws) {
  RareEvents a(1e-3, 7, 1), b(1e-3, 7, 1), c(1e-3, 7, 2);
  const auto na = a.take(1000000).count;
  EXPECT_EQ(na, b.take(1000000).count);
  EXPECT_NE(na, c.take(1000000).count);
  EXPECT_NEAR(static_cast<double>(na), 1000.0, 5 * 31.6);
}

TEST(PoisonModel, RangesPoisonTheLinesTheyTouch) {
  config::DramPoisonConfig c;
  c.ranges = {{0x1040, 1}, {0x4000, 0x80}};
  mem::PoisonModel m(c, 1);
  // A contiguous read of 0x1000..0x10FF: the line 0x1040 is 64 B into the data.
  auto p = m.read(0x1000, 0x100, 1, 0);
  EXPECT_EQ(p.lines, 1u);
  EXPECT_EQ(p.first_offset, 0x40u);
  // A read that starts in the middle of a poisoned line: its first byte is poisoned.
  p = m.read(0x1050, 0x20, 1, 0);
  EXPECT_EQ(p.lines, 1u);
  EXPECT_EQ(p.first_offset, 0u);
  // A strided read of 4 lines 0x2000 apart from 0x0000: lines 0x0000, 0x2000, 0x4000, 0x6000;
  // the third is poisoned, at data offset 2 x 64.
  p = m.read(0x0000, 64, 4, 0x2000);
  EXPECT_EQ(p.lines, 1u);
  EXPECT_EQ(p.first_offset, 128u);
  p = m.read(0x8000, 0x1000, 1, 0);
  EXPECT_EQ(p.lines, 0u);
  EXPECT_EQ(m.poisoned_reads(), 3u);
  EXPECT_EQ(m.poisoned_lines(), 3u);
}

using test::experiment_error_of;
using test::parse_experiment_text;

const char* kBase = R"({"model": "mixtral-8x7b-tiny", "device": "lpddr5x-8533")";

TEST(FaultConfig, OffByDefaultAndLeftOutOfTheResolvedConfiguration) {
  const auto c = parse_experiment_text(std::string(kBase) + "}");
  EXPECT_FALSE(c.faults.any_injected());
  EXPECT_DOUBLE_EQ(c.faults.ndp.job_timeout_ms, 1000.0);
  EXPECT_FALSE(config::to_json(c).contains("faults"));
}

TEST(FaultConfig, EverySectionParsesAndIsWrittenBack) {
  const auto c = parse_experiment_text(std::string(kBase) + R"(, "faults": {"seed": 9,
      "dram_poison": {"read_line_rate": 1e-6, "ranges": [{"base": "0x40000", "size": 4096}]},
      "cxl_link": {"flit_error_rate": 1e-5, "replay_buffer_flits": 128, "retry_turnaround_ns": 2},
      "ndp": {"hang_job": 3, "hang_scope": "engine", "job_timeout_ms": 5}}})");
  EXPECT_EQ(c.faults.seed, 9u);
  ASSERT_EQ(c.faults.dram_poison.ranges.size(), 1u);
  EXPECT_EQ(c.faults.dram_poison.ranges[0].base, 0x40000u);
  EXPECT_EQ(c.faults.dram_poison.ranges[0].size, 4096u);
  EXPECT_EQ(c.faults.cxl_link.replay_buffer_flits, 128u);
  EXPECT_EQ(c.faults.ndp.hang_scope, config::HangScope::kEngine);
  EXPECT_TRUE(c.faults.any_injected());
  const auto j = config::to_json(c);
  ASSERT_TRUE(j.contains("faults"));
  EXPECT_EQ(j["faults"]["dram_poison"]["ranges"][0]["base"], "0x40000");
  // The resolved form reads back to the same tree.
  const auto again = parse_experiment_text(j.dump());
  EXPECT_EQ(config::to_json(again), j);
}

TEST(FaultConfig, BadValuesNameTheKeyAndTheAllowedRange) {
  EXPECT_NE(experiment_error_of(std::string(kBase) + R"(, "faults": {"cxl_link": {"flit_error_rate": 0.9}}})")
                .find("key 'faults.cxl_link.flit_error_rate' = 0.9: out of range; allowed 0 .. 0.5"),
            std::string::npos);
  EXPECT_NE(experiment_error_of(std::string(kBase) + R"(, "faults": {"ndp": {"hang_scope": "gpu"}}})").find("faults.ndp.hang_scope"),
            std::string::npos);
  EXPECT_NE(experiment_error_of(std::string(kBase) + R"(, "faults": {"dram_poison": {"ranges": [{"base": 0}]}}})")
                .find("key 'faults.dram_poison.ranges[0].size': missing"),
            std::string::npos);
  EXPECT_NE(experiment_error_of(std::string(kBase) + R"(, "faults": {"dram_poison": {"ranges": [{"base": 0, "size": 0}]}}})")
                .find("must be > 0"),
            std::string::npos);
  // Device addresses: the 64 GiB preset ends at 0x1000000000.
  EXPECT_NE(experiment_error_of(std::string(kBase) + R"(, "faults": {"dram_poison": {"ranges": [{"base": "0xfffffffc0", "size": 128}]}}})")
                .find("key 'faults.dram_poison.ranges[0].size' = 128: the range ends at 0x1000000040, beyond the "
                      "device memory (0x1000000000 bytes)"),
            std::string::npos);
  EXPECT_NE(experiment_error_of(std::string(kBase) + R"(, "faults": {"ndp": {"hang": 3}}})").find("unknown key"),
            std::string::npos);
}

// Several devices: faults.device names the injected device (default 0) or "all"; each injected
// device draws from its own seed: the seed itself on device 0, splitmix64(seed + d x
// 0x9E3779B97F4A7C15) on device d (for seed 9: d = 1 -> 0xaeaf52febe706064, d = 2 ->
// 0xc02d8a5e87afea62, computed independently with Python's integers); none elsewhere, the
// watchdog everywhere.
TEST(FaultConfig, TheDeviceKeyPicksTheInjectedDevices) {
  const std::string two = std::string(kBase) + R"(, "devices": {"count": 3}, "faults": {"seed": 9,
      "ndp": {"hang_job": 3, "job_timeout_ms": 5}, "device": )";
  const auto one = parse_experiment_text(two + "1}}");
  EXPECT_EQ(one.faults.device, 1);
  EXPECT_FALSE(one.faults.of_device(0).any_injected());
  EXPECT_DOUBLE_EQ(one.faults.of_device(0).ndp.job_timeout_ms, 5.0);
  EXPECT_EQ(one.faults.of_device(1).ndp.hang_job, 3u);
  EXPECT_EQ(one.faults.of_device(1).seed, 0xaeaf52febe706064ull);
  EXPECT_FALSE(one.faults.of_device(2).any_injected());
  EXPECT_EQ(config::to_json(one)["faults"]["device"], 1);
  const auto all = parse_experiment_text(two + "\"all\"}}");
  EXPECT_EQ(all.faults.device, config::FaultConfig::kAllDevices);
  EXPECT_EQ(all.faults.of_device(0).seed, 9u);
  EXPECT_EQ(all.faults.of_device(1).seed, 0xaeaf52febe706064ull);
  EXPECT_EQ(all.faults.of_device(2).seed, 0xc02d8a5e87afea62ull);
  EXPECT_EQ(all.faults.of_device(2).ndp.hang_job, 3u);
  EXPECT_EQ(config::to_json(all)["faults"]["device"], "all");
  EXPECT_EQ(config::to_json(parse_experiment_text(config::to_json(all).dump())), config::to_json(all));
  // One device: device 0 (the default) is the one-device configuration, unchanged.
  const auto plain = parse_experiment_text(std::string(kBase) + R"(, "faults": {"seed": 9, "ndp": {"hang_job": 3}}})");
  EXPECT_EQ(plain.faults.device, 0);
  EXPECT_EQ(plain.faults.of_device(0).seed, 9u);
  EXPECT_EQ(config::fault_schema().to_json(plain.faults.of_device(0)), config::fault_schema().to_json(plain.faults));
  // Beyond the devices, or neither a device nor "all".
  EXPECT_NE(experiment_error_of(two + "3}}").find("key 'faults.device' = 3: beyond devices.count 3; allowed 0 .. 2 or "
                                                   "\"all\""),
            std::string::npos);
  EXPECT_NE(experiment_error_of(two + "\"some\"}}").find("key 'faults.device' = \"some\": allowed 0 .. 15 or \"all\""),
            std::string::npos);
  EXPECT_NE(experiment_error_of(two + "16}}").find("faults.device"), std::string::npos);
}

}  // namespace
}  // namespace monde
