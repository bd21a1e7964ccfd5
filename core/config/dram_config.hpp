// The `memory` section of a device configuration: DRAM organisation, timing, address mapping
// and controller policy (keys, ranges and meanings: dram_schema() and the README's reference).
// The object looks like
//   "memory": {
//     "model": "timed" | "bandwidth",
//     "organization": { "channels", "ranks", "bank_groups", "banks_per_group", "rows",
//                       "columns", "bus_width_bits", "burst_length" },
//     "timing": { "tck_ps", "tRCD", "tRP", "tRAS", "tRL", "tWL", "tBURST", "tCCD_S", "tCCD_L",
//                 "tRRD_S", "tRRD_L", "tFAW", "tWTR_S", "tWTR_L", "tRTP", "tWR", "tREFI", "tRFC" },
//     "address_mapping": ["row", "rank", "bank", "column", "bank_group", "channel"],
//     "page_policy": "open" | "closed",
//     "scheduler": "drain" | "fr_fcfs",
//     "queues": { "read_depth", "write_depth", "write_watermarks", "write_high_watermark",
//                 "write_low_watermark" },
//     "bandwidth_model": { "efficiency" },
//     "power": { "vdd_v", "idd0_mA", "idd2n_mA", "idd3n_mA", "idd4r_mA", "idd4w_mA", "idd5b_mA",
//                "device_width_bits" }                     (optional: without it no DRAM energy)
//   }
// All timings except tck_ps are in clock cycles of tck_ps. The clock is the one whose two edges
// each carry one data beat (DDR), so one burst occupies burst_length / 2 cycles. "_comment" and
// "_source" keys are accepted (and ignored) in every object so that presets can cite sources.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "core/config/config_node.hpp"
#include "core/config/enum_names.hpp"
#include "core/config/schema.hpp"

namespace monde::config {

enum class PagePolicy { kOpen, kClosed };
enum class MemoryModel { kTimed, kBandwidth };
// How a channel picks its next command (tlm/memory/dram_channel.hpp):
//   kDrain:  FR-FCFS within one direction at a time, reads and writes alternating in drain
//            modes (write watermarks), as Ramulator's FR-FCFS controller does;
//   kFrFcfs: DRAMSys's FR-FCFS: per bank a row hit first, otherwise the oldest request, reads and
//            writes from one pool; the oldest request's command wins a same-cycle tie.
enum class DramScheduler { kDrain, kFrFcfs };
const std::vector<EnumName<PagePolicy>>& names_of(PagePolicy);
const std::vector<EnumName<MemoryModel>>& names_of(MemoryModel);
const std::vector<EnumName<DramScheduler>>& names_of(DramScheduler);

// The address fields, in the order used by AddressMap::Coord.
enum class AddrField : unsigned { kChannel = 0, kRank, kBankGroup, kBank, kRow, kColumn };
inline constexpr unsigned kNumAddrFields = 6;
const char* addr_field_name(AddrField f);

struct DramOrganization {
  unsigned channels = 1;
  unsigned ranks = 1;
  unsigned bank_groups = 1;
  unsigned banks_per_group = 1;
  unsigned rows = 1;
  unsigned columns = 1;         // column addresses per row (one bus_width_bits word each)
  unsigned bus_width_bits = 64; // per channel
  unsigned burst_length = 8;    // beats per column command
};

// Cycles of tck_ps. tREFI = 0 disables refresh (tests and "what if" studies only).
struct DramTiming {
  std::uint64_t tck_ps = 1000;
  std::uint64_t tRCD = 0, tRP = 0, tRAS = 0, tRL = 0, tWL = 0, tBURST = 0;
  std::uint64_t tCCD_S = 0, tCCD_L = 0, tRRD_S = 0, tRRD_L = 0, tFAW = 0;
  std::uint64_t tWTR_S = 0, tWTR_L = 0, tRTP = 0, tWR = 0, tREFI = 0, tRFC = 0;
};

struct DramQueues {
  unsigned read_depth = 32;
  unsigned write_depth = 32;
  // Write drain (drain scheduler, see dram_channel.hpp): start draining at >= high, stop at
  // <= low. Without watermarks a direction is served until its queue is empty.
  bool write_watermarks = true;
  unsigned write_high_watermark = 24;
  unsigned write_low_watermark = 8;
};

// One DRAM device's (chip's) currents and voltage as its datasheet's IDD table gives them, for
// DRAMPower's formulas (core/perf/energy.hpp). Only the rail the array currents flow on is
// modelled (DDR4/DDR5 VDD, LPDDR VDD2H); the preset says which figures are datasheet values and
// which are assumptions. device_width_bits: the chip's data width, so that a rank of a channel
// holds bus_width_bits / device_width_bits chips that all receive each command.
struct DramPowerConfig {
  double vdd_v = 0;
  double idd0_mA = 0;
  double idd2n_mA = 0;
  double idd3n_mA = 0;
  double idd4r_mA = 0;
  double idd4w_mA = 0;
  double idd5b_mA = 0;
  unsigned device_width_bits = 8;
};

// Peak data rate of one DDR channel (device DRAM here, the host's DRAM in host_memory_config.hpp):
// bus_width_bits / 8 bytes per beat, two beats per clock period.
inline double ddr_peak_bytes_per_s(unsigned bus_width_bits, double clock_period_s) {
  return static_cast<double>(bus_width_bits) / 8.0 * 2.0 / clock_period_s;
}

struct DramConfig {
  MemoryModel model = MemoryModel::kTimed;
  DramOrganization org;
  DramTiming timing;
  // MSB first, each field exactly once; the transaction offset (log2 bytes_per_burst) is below.
  std::array<AddrField, kNumAddrFields> mapping{};
  PagePolicy page_policy = PagePolicy::kOpen;
  DramScheduler scheduler = DramScheduler::kDrain;
  DramQueues queues;
  // Fraction of the refresh-derated peak that the bandwidth model sustains (bandwidth_model.hpp).
  double bandwidth_efficiency = 0.9;
  // The devices' IDD table (absent: the run reports no DRAM energy).
  std::optional<DramPowerConfig> power;

  // Derived quantities.
  std::uint64_t bytes_per_burst() const { return std::uint64_t{org.bus_width_bits} / 8 * org.burst_length; }
  // bus_width_bits / 8 bytes per beat, two beats per tCK (DDR).
  double peak_bandwidth_per_channel() const {
    return ddr_peak_bytes_per_s(org.bus_width_bits, static_cast<double>(timing.tck_ps) * 1e-12);
  }
  double peak_bandwidth_total() const { return peak_bandwidth_per_channel() * org.channels; }
  // Fraction of time a rank can move data once all-bank refresh is accounted for.
  double refresh_factor() const {
    return timing.tREFI == 0 ? 1.0
                             : 1.0 - static_cast<double>(timing.tRFC) / static_cast<double>(timing.tREFI);
  }
  // A read to a precharged bank with nothing else queued: ACT, tRCD, RD, tRL, burst.
  std::uint64_t unloaded_read_latency_ps() const { return ps(timing.tRCD + timing.tRL + timing.tBURST); }
  std::uint64_t capacity_bytes() const;
  std::uint64_t ps(std::uint64_t cycles) const { return cycles * timing.tck_ps; }
};

const Schema<DramConfig>& dram_schema();
// Reads the memory object itself (e.g. top.child("memory")); throws ConfigError naming file and key.
DramConfig parse_dram_config(const ConfigNode& memory);

}  // namespace monde::config
