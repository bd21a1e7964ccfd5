// Simulated time in whole picoseconds, the unit every timing model here computes in. Building an
// sc_time from a double and a unit is costly (it rescales through the kernel's time table on
// every call: ~13 % of a DRAM-bound run's wall time in perf), so the hot paths convert through the
// number of kernel ticks per picosecond, read once. Exact for whole picoseconds: sc_time(v, SC_PS)
// and from_value(v * ticks) give the same value for any integral v below 2^53.
#pragma once

#include <cstdint>

#include <systemc>

namespace monde {

// Kernel ticks per picosecond (1 at SystemC's default 1 ps resolution). Read on first use, which
// is after elaboration: the time resolution is fixed by then.
inline sc_core::sc_time::value_type ticks_per_ps() {
  static const sc_core::sc_time::value_type ticks = sc_core::sc_time(1, sc_core::SC_PS).value();
  return ticks;
}

inline std::uint64_t sim_now_ps() { return sc_core::sc_time_stamp().value() / ticks_per_ps(); }

inline sc_core::sc_time ps_time(std::uint64_t ps) { return sc_core::sc_time::from_value(ps * ticks_per_ps()); }

}  // namespace monde
