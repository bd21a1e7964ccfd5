// Fault injection and fault handling: the `faults` section of an experiment (docs: README,
// "Faults"). Everything is off by default, and a configuration without faults resolves (and
// simulates) exactly as before: config.resolved.json writes the section only when a value
// differs from its default.
//   "faults": { "seed": 1,
//     "dram_poison": { "read_line_rate": 1e-6, "ranges": [{"base": "0x40000", "size": 4096}] },
//     "cxl_link":    { "flit_error_rate": 1e-5, "replay_buffer_flits": 128, "retry_turnaround_ns": 0 },
//     "ndp":         { "hang_job": 3, "hang_scope": "unit", "job_timeout_ms": 1000 },
//     "device": 0 }
// With several MoNDE devices (devices.count) `device` names the one the faults are injected into
// (0 .. count - 1, default 0) or "all"; each injected device draws from its own seed (of_device).
#pragma once

#include <cstdint>
#include <vector>

#include "core/config/enum_names.hpp"
#include "core/config/schema.hpp"

namespace monde::config {

struct AddressSpan {
  std::uint64_t base = 0;
  std::uint64_t size = 0;
};

// Uncorrectable read errors of the device DRAM, returned as poison (CXL 2.0 §8.2.9.5.4: the
// device's poison list; a poisoned read completes with the poison bit on S2M DRS, §3.3).
struct DramPoisonConfig {
  // Probability that a 64 B line read from the device DRAM returns poison, each read drawn on
  // its own (a transient uncorrectable error; writes do not change it), from faults.seed.
  double read_line_rate = 0.0;
  // Device physical address ranges whose every read returns poison for the whole run (a failed
  // region: writes land but do not repair it).
  std::vector<AddressSpan> ranges;
  bool enabled() const { return read_line_rate > 0.0 || !ranges.empty(); }
};

// CRC errors on the CXL.cache/CXL.mem link and the link layer's retry (CXL 2.0 §4.2.8).
struct CxlLinkFaultConfig {
  double flit_error_rate = 0.0;       // probability that a 68 B flit fails its CRC, each direction
  std::uint32_t replay_buffer_flits = 0;  // the sender's local retry buffer; 0: never limits the sender
  double retry_turnaround_ns = 0.0;   // both link layers turning a RETRY.Req into the replay (assumption)
  bool enabled() const { return flit_error_rate > 0.0 || replay_buffer_flits > 0; }
};

// Which part of the NDP stops responding in a hung job.
enum class HangScope { kUnit, kEngine };
const std::vector<EnumName<HangScope>>& names_of(HangScope);

struct NdpFaultConfig {
  std::uint64_t hang_job = 0;  // the n-th descriptor the device starts never completes (1-based; 0: none)
  HangScope hang_scope = HangScope::kUnit;
  // The driver's watchdog: jobs in flight and no completion for this long (simulated time) ->
  // CONTROL.ABORT; still none after as long again -> reset and ring recovery.
  double job_timeout_ms = 1000.0;
};

struct FaultConfig {
  static constexpr std::int32_t kAllDevices = -1;
  std::uint64_t seed = 1;  // every fault's random draws
  DramPoisonConfig dram_poison;
  CxlLinkFaultConfig cxl_link;
  NdpFaultConfig ndp;
  // The device the faults are injected into (0 .. devices.count - 1), or kAllDevices.
  std::int32_t device = 0;
  // Something is injected (the watchdog alone is not a fault).
  bool any_injected() const { return dram_poison.enabled() || cxl_link.enabled() || ndp.hang_job != 0; }
  bool targets(std::uint32_t d) const { return device == kAllDevices || device == static_cast<std::int32_t>(d); }
  // What device d injects: these faults with the device's own seed (device_seed) where `device`
  // names it, none elsewhere. The driver's watchdog (ndp.job_timeout_ms) is every device's.
  FaultConfig of_device(std::uint32_t d) const;
};

// The seed device d draws its faults from: faults.seed itself on device 0 (so one device, and
// device 0 of several, draw what they always drew), splitmix64(seed + d x 0x9E3779B97F4A7C15) on
// device d > 0 (independent streams). It depends only on the seed and d, not on which devices are
// injected: device 1 sees the same faults with "device": 1 as with "all".
std::uint64_t device_seed(std::uint64_t seed, std::uint32_t d);

const Schema<FaultConfig>& fault_schema();
// Whether `c` differs from the defaults (config.resolved.json writes the section only then).
bool differs_from_defaults(const FaultConfig& c);

}  // namespace monde::config
