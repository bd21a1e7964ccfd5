#include "core/perf/energy.hpp"

#include <stdexcept>
#include <string>

namespace monde::perf {
namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("energy: " + what);
}

// mA x ns x V = 1e-3 A x 1e-9 s x V = 1e-12 J.
constexpr double kMilliampNanosecondVolt = 1e-12;

}  // namespace

DramEnergy dram_energy(const DramPowerSpec& s, const DramActivity& a) {
  require(s.vdd_v >= 0 && s.idd2n_mA >= 0, "VDD and IDD2N must be >= 0");
  require(s.idd3n_mA >= s.idd2n_mA, "IDD3N must be >= IDD2N (a row open draws more than none)");
  require(s.idd0_mA >= s.idd3n_mA, "IDD0 must be >= IDD3N");
  require(s.idd4r_mA >= s.idd3n_mA && s.idd4w_mA >= s.idd3n_mA && s.idd5b_mA >= s.idd3n_mA,
          "IDD4R, IDD4W and IDD5B must be >= IDD3N");
  require(s.tras_ns >= 0 && s.trp_ns >= 0 && s.tburst_ns >= 0 && s.trfc_ns >= 0, "times must be >= 0");
  require(s.devices > 0 && s.ranks > 0, "devices and ranks must be >= 1");
  require(a.total_s >= 0 && a.active_s >= 0 && a.active_s <= a.total_s, "active_s must be in [0, total_s]");

  const double k = s.vdd_v * s.devices * kMilliampNanosecondVolt;  // J per (mA x ns), all devices
  DramEnergy e;
  e.activate_j = k * (s.idd0_mA - s.idd3n_mA) * s.tras_ns * static_cast<double>(a.activates);
  e.precharge_j = k * (s.idd0_mA - s.idd2n_mA) * s.trp_ns * static_cast<double>(a.activates);
  e.read_j = k * (s.idd4r_mA - s.idd3n_mA) * s.tburst_ns * static_cast<double>(a.read_bursts);
  e.write_j = k * (s.idd4w_mA - s.idd3n_mA) * s.tburst_ns * static_cast<double>(a.write_bursts);
  e.refresh_j = k * (s.idd5b_mA - s.idd3n_mA) * s.trfc_ns * static_cast<double>(a.refreshes);
  constexpr double kNsPerS = 1e9;
  e.background_j = k * s.ranks * (s.idd3n_mA * a.active_s + s.idd2n_mA * (a.total_s - a.active_s)) * kNsPerS;
  return e;
}

std::uint64_t bursts_for_bytes(std::uint64_t bytes, std::uint32_t burst_bytes) {
  require(burst_bytes > 0, "burst_bytes must be >= 1");
  return (bytes + burst_bytes - 1) / burst_bytes;
}

std::uint64_t activates_for_bursts(std::uint64_t bursts, std::uint32_t row_hits_per_activate) {
  require(row_hits_per_activate > 0, "row_hits_per_activate must be >= 1");
  return (bursts + row_hits_per_activate - 1) / row_hits_per_activate;
}

double link_energy_j(std::uint64_t bytes, double pj_per_bit) {
  require(pj_per_bit >= 0, "link pJ/bit must be >= 0");
  return static_cast<double>(bytes) * 8.0 * pj_per_bit * 1e-12;
}

double ndp_energy_j(std::uint64_t macs, double pj_per_mac, std::uint64_t sram_bytes, double pj_per_sram_byte) {
  require(pj_per_mac >= 0 && pj_per_sram_byte >= 0, "NDP pJ per MAC and per SRAM byte must be >= 0");
  return (static_cast<double>(macs) * pj_per_mac + static_cast<double>(sram_bytes) * pj_per_sram_byte) * 1e-12;
}

double gpu_energy_j(double busy_s, double elapsed_s, double busy_w, double idle_w) {
  require(busy_w >= 0 && idle_w >= 0, "GPU powers must be >= 0");
  require(busy_s >= 0 && busy_s <= elapsed_s, "GPU busy time must be in [0, elapsed]");
  return busy_w * busy_s + idle_w * (elapsed_s - busy_s);
}

}  // namespace monde::perf
