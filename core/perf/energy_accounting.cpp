#include "core/perf/energy_accounting.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace monde::perf {

EnergyActivity& EnergyActivity::operator+=(const EnergyActivity& o) {
  elapsed_s += o.elapsed_s;
  gpu_busy_s += o.gpu_busy_s;
  cxl_bytes += o.cxl_bytes;
  pcie_bytes += o.pcie_bytes;
  ndp_macs += o.ndp_macs;
  ndp_dma_bytes += o.ndp_dma_bytes;
  dram_activates += o.dram_activates;
  dram_reads += o.dram_reads;
  dram_writes += o.dram_writes;
  dram_refreshes += o.dram_refreshes;
  dram_read_bytes += o.dram_read_bytes;
  dram_written_bytes += o.dram_written_bytes;
  host_dram_bytes += o.host_dram_bytes;
  host_dram_busy_s += o.host_dram_busy_s;
  return *this;
}

namespace {

double ns(const config::DramConfig& d, std::uint64_t cycles) { return static_cast<double>(d.ps(cycles)) * 1e-3; }

// Every rank of every MoNDE device: `a`'s counts are sums over the devices (each has the same
// DRAM), so background and refresh are charged in each device's ranks.
std::uint64_t total_ranks(const config::DramConfig& d, std::uint32_t devices) {
  return std::uint64_t{d.org.channels} * d.org.ranks * devices;
}

}  // namespace

std::uint64_t ndp_sram_bytes(const EnergyActivity& a) { return 2 * a.ndp_dma_bytes; }

DramPowerSpec dram_power_spec(const config::DramConfig& d, std::uint32_t devices) {
  if (!d.power) throw std::invalid_argument("energy: the DRAM has no memory.power table");
  const auto& p = *d.power;
  DramPowerSpec s;
  static_cast<config::DramPowerConfig&>(s) = p;
  s.tras_ns = ns(d, d.timing.tRAS);
  s.trp_ns = ns(d, d.timing.tRP);
  s.tburst_ns = ns(d, d.timing.tBURST);
  s.trfc_ns = ns(d, d.timing.tRFC);
  s.devices = d.org.bus_width_bits / p.device_width_bits;
  s.ranks = static_cast<std::uint32_t>(total_ranks(d, devices));
  return s;
}

DramActivity dram_activity(const config::DramConfig& d, const EnergyActivity& a, std::uint32_t devices) {
  DramActivity out;
  out.total_s = a.elapsed_s;
  if (d.model == config::MemoryModel::kTimed) {
    out.activates = a.dram_activates;
    out.read_bursts = a.dram_reads;
    out.write_bursts = a.dram_writes;
    out.refreshes = a.dram_refreshes;
  } else {
    const auto burst = static_cast<std::uint32_t>(d.bytes_per_burst());
    out.read_bursts = bursts_for_bytes(a.dram_read_bytes, burst);
    out.write_bursts = bursts_for_bytes(a.dram_written_bytes, burst);
    out.activates = activates_for_bursts(out.read_bursts + out.write_bursts, d.org.columns / d.org.burst_length);
    if (d.timing.tREFI != 0) {
      const double trefi_s = static_cast<double>(d.ps(d.timing.tREFI)) * 1e-12;
      out.refreshes = static_cast<std::uint64_t>(std::llround(a.elapsed_s / trefi_s * double(total_ranks(d, devices))));
    }
  }
  if (d.page_policy == config::PagePolicy::kOpen) {
    out.active_s = out.total_s;
  } else {
    const double tras_s = ns(d, d.timing.tRAS) * 1e-9;
    out.active_s = std::min(out.total_s, double(out.activates) * tras_s / double(total_ranks(d, devices)));
  }
  return out;
}

EnergyBreakdown energy_of(const config::SystemConfig& c, const EnergyActivity& a) {
  EnergyBreakdown e;
  const auto& dram = c.device.dram;
  e.dram_activity = dram_activity(dram, a, c.devices.count);
  if (dram.power) e.dram = dram_energy(dram_power_spec(dram, c.devices.count), e.dram_activity);
  e.cxl_j = link_energy_j(a.cxl_bytes, c.device.link.pj_per_bit);
  e.pcie_j = link_energy_j(a.pcie_bytes, c.gpu.pcie.pj_per_bit);
  // Host DRAM: energy per bit moved, like a link's (the same formula, bytes x 8 x pJ/bit).
  e.host_dram_j = link_energy_j(a.host_dram_bytes, c.host_memory.pj_per_bit);
  e.ndp_j = ndp_energy_j(a.ndp_macs, c.device.ndp.pj_per_mac, ndp_sram_bytes(a), c.device.ndp.sram_pj_per_byte);
  // The GPU model's busy time is whole picoseconds, the elapsed time a difference of doubles:
  // clamp the rounding.
  e.gpu_j = gpu_energy_j(std::min(a.gpu_busy_s, a.elapsed_s), a.elapsed_s, c.gpu.power.busy_w, c.gpu.power.idle_w);
  return e;
}

nlohmann::json to_json(const EnergyBreakdown& e) {
  nlohmann::json j = {{"total_j", e.total_j()},
                      {"dram_j", e.dram ? nlohmann::json(e.dram_j()) : nlohmann::json(nullptr)},
                      {"cxl_j", e.cxl_j},
                      {"pcie_j", e.pcie_j},
                      {"ndp_j", e.ndp_j},
                      {"gpu_j", e.gpu_j},
                      {"host_dram_j", e.host_dram_j}};
  if (e.dram) {
    const auto& d = *e.dram;
    const auto& a = e.dram_activity;
    j["dram"] = {{"activate_j", d.activate_j},     {"precharge_j", d.precharge_j}, {"read_j", d.read_j},
                 {"write_j", d.write_j},           {"refresh_j", d.refresh_j},     {"background_j", d.background_j},
                 {"activates", a.activates},       {"read_bursts", a.read_bursts}, {"write_bursts", a.write_bursts},
                 {"refreshes", a.refreshes},       {"active_ms", a.active_s * 1e3}};
  }
  return j;
}

}  // namespace monde::perf
