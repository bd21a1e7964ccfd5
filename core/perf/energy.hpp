// Energy formulas, one owner for each: DRAM (DRAMPower's current-based model), link transfers
// (pJ per bit), NDP MAC operations and SRAM accesses (pJ per operation / per byte) and the GPU
// (power x busy time). Every function takes counts the simulation already produces and returns
// joules. Nothing here knows where the parameters come from: the caller passes them (see
// docs/energy.md for what is modelled and the formulas' sources; energy_accounting.hpp is the caller
// that applies them to a run's counts).
#pragma once

#include <cstdint>

#include "core/config/dram_config.hpp"

namespace monde::perf {

// The currents and voltage of one DRAM device (one chip) as a datasheet's IDD table gives them,
// and the timings DRAMPower's formulas need. Currents in mA, voltage in V, times in ns.
// DRAMPower (Chandrasekar et al., "DRAMPower: Open-source DRAM Power & Energy Estimation Tool",
// and its DDR3/DDR4 memspec model) charges, per device:
//   activate   (IDD0 - IDD3N) x tRAS x VDD
//   precharge  (IDD0 - IDD2N) x tRP  x VDD
//   read burst (IDD4R - IDD3N) x tBURST x VDD
//   write burst(IDD4W - IDD3N) x tBURST x VDD
//   refresh    (IDD5B - IDD3N) x tRFC x VDD     (all-bank refresh)
//   background IDD3N x VDD over time with a row open, IDD2N x VDD over time with all banks closed,
//              in every rank (DRAMPower's total multiplies the standby terms by the rank count)
// (DRAMPower 4, src/MemoryPowerModel.cc power_calc: engy_act, engy_pre with tRP = tRC - tRAS,
// engy_read_cmd / engy_write_cmd with tBURST = BL / data rate clocks, engy_ref, engy_act_stdby,
// engy_pre_stdby). Power-down and self-refresh states and I/O termination are not modelled: the
// device is taken to stay in standby between commands.
// Only the VDD rail is modelled (DDR4/DDR5 VPP and LPDDR VDD1/VDDQ rails are not).
// The IDD table is the configuration's own (config::DramPowerConfig: vdd_v, idd0_mA .. idd5b_mA);
// this adds the timings and the device and rank counts.
struct DramPowerSpec : config::DramPowerConfig {
  double tras_ns = 0;
  double trp_ns = 0;
  double tburst_ns = 0;  // data time of one burst (burst length / 2 clocks on a DDR bus)
  double trfc_ns = 0;
  std::uint32_t devices = 1;  // chips that receive each command together (a rank's width)
  std::uint32_t ranks = 1;    // background current flows in every rank, commands reach one
};

// Per-command counts of one run and the time over which background power is charged.
struct DramActivity {
  std::uint64_t activates = 0;   // each one is followed by one precharge
  std::uint64_t read_bursts = 0;
  std::uint64_t write_bursts = 0;
  std::uint64_t refreshes = 0;
  double active_s = 0;  // time with at least one row open (IDD3N)
  double total_s = 0;   // elapsed time; total_s - active_s is charged at IDD2N
};

struct DramEnergy {
  double activate_j = 0;
  double precharge_j = 0;
  double read_j = 0;
  double write_j = 0;
  double refresh_j = 0;
  double background_j = 0;
  double total_j() const { return activate_j + precharge_j + read_j + write_j + refresh_j + background_j; }
};

// Throws std::invalid_argument if a current or the voltage is negative, IDD0 < IDD3N, IDD3N <
// IDD2N, IDD4R/IDD4W/IDD5B < IDD3N, a time is negative, devices or ranks is 0, or active_s is not in
// [0, total_s].
DramEnergy dram_energy(const DramPowerSpec& spec, const DramActivity& activity);

// When the DRAM model counts bytes rather than commands (memory.model = bandwidth): one burst
// per burst_bytes (rounded up) and one activate per row_hits_per_activate bursts (rounded up), the
// row-hit assumption the caller documents. Throws std::invalid_argument if burst_bytes or
// row_hits_per_activate is 0.
std::uint64_t bursts_for_bytes(std::uint64_t bytes, std::uint32_t burst_bytes);
std::uint64_t activates_for_bursts(std::uint64_t bursts, std::uint32_t row_hits_per_activate);

// A link transfer: bytes x 8 x pJ/bit. Throws std::invalid_argument if pj_per_bit < 0.
double link_energy_j(std::uint64_t bytes, double pj_per_bit);

// NDP compute: MAC operations x pJ per MAC plus SRAM bytes read and written x pJ per byte.
// Throws std::invalid_argument if an energy is negative.
double ndp_energy_j(std::uint64_t macs, double pj_per_mac, std::uint64_t sram_bytes, double pj_per_sram_byte);

// The GPU: busy_s at busy_w plus (elapsed_s - busy_s) at idle_w. Throws std::invalid_argument if
// a power is negative, busy_s < 0 or busy_s > elapsed_s.
double gpu_energy_j(double busy_s, double elapsed_s, double busy_w, double idle_w);

// Energy-delay product in J x s.
inline double energy_delay_js(double energy_j, double delay_s) { return energy_j * delay_s; }

}  // namespace monde::perf
