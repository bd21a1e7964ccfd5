// What a stretch of a run (a layer, a step, a whole policy run) did that costs energy, and what
// it cost, per component. The simulation keeps the counts (link payload bytes, the DRAM model's
// commands or bytes, the GPU's busy time, the NDP's MACs and buffer bytes); this file is the one
// place that turns them into joules, with the formulas of energy.hpp and the parameters of the
// configuration (memory.power, cxl.link.pj_per_bit, gpu.pcie.pj_per_bit, ndp.pj_per_mac,
// ndp.sram_pj_per_byte, gpu.power). docs/energy.md says what each term leaves out.
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json_fwd.hpp>

#include "core/config/system_config.hpp"
#include "core/perf/energy.hpp"

namespace monde::perf {

// Counts over one stretch of simulated time: differences of the simulation's counters.
struct EnergyActivity {
  double elapsed_s = 0;
  double gpu_busy_s = 0;           // expert and dense kernels
  std::uint64_t cxl_bytes = 0;     // CXL.mem payload, both directions
  std::uint64_t pcie_bytes = 0;    // the GPU's PCIe payload, both directions
  std::uint64_t ndp_macs = 0;      // multiply-accumulates the NDP units ran
  std::uint64_t ndp_dma_bytes = 0;   // bytes the units' DMA moved (weights and activations in, results out)
  // The device DRAM as its model counts it: commands (memory.model timed; one read or write per
  // burst) and bytes (both models; the bandwidth model counts nothing else).
  std::uint64_t dram_activates = 0, dram_reads = 0, dram_writes = 0, dram_refreshes = 0;
  std::uint64_t dram_read_bytes = 0, dram_written_bytes = 0;
  // The host's DRAM (config host_memory): bytes read and written there (the host-memory
  // baselines' expert weights) and how long it streamed them.
  std::uint64_t host_dram_bytes = 0;
  double host_dram_busy_s = 0;

  EnergyActivity& operator+=(const EnergyActivity& o);
};

struct EnergyBreakdown {
  std::optional<DramEnergy> dram;  // none without memory.power
  DramActivity dram_activity;      // the commands and times the DRAM was charged for
  double cxl_j = 0, pcie_j = 0, ndp_j = 0, gpu_j = 0;
  // The host's DRAM: its bytes x host_memory.pj_per_bit (0 when nothing was read from it).
  double host_dram_j = 0;
  double dram_j() const { return dram ? dram->total_j() : 0.0; }
  double total_j() const { return dram_j() + cxl_j + pcie_j + ndp_j + gpu_j + host_dram_j; }
};

// The DRAM commands and standby times of `a` for DRAMPower's formulas:
//   timed model: activates, reads, writes and refreshes as the channels counted them;
//   bandwidth model: bursts_for_bytes of the bytes read and written, activates_for_bursts with one
//     activate per row of bursts (columns / burst_length: an assumption that transfers stream whole
//     rows, as expert weights do), and refreshes = elapsed / tREFI in every rank, rounded;
//   active_s (a row open, IDD3N): the whole time with an open-page policy (rows stay open between
//     accesses: an upper bound), else min(elapsed, activates x tRAS / ranks).
// The NDP units' buffer traffic: every byte their DMA moves is written into a buffer once and read
// from it once (2 x DMA bytes). Re-reads of activations across weight fetches and the arrays'
// register traffic are not counted: a lower bound.
std::uint64_t ndp_sram_bytes(const EnergyActivity& a);

DramActivity dram_activity(const config::DramConfig& dram, const EnergyActivity& a, std::uint32_t devices = 1);
// memory.power and the timings in DRAMPower's units: devices = bus_width_bits / device_width_bits
// per rank, ranks = channels x ranks x `devices` (background current flows in every rank of every
// MoNDE device; the activity is summed over the devices).
// std::invalid_argument without memory.power.
DramPowerSpec dram_power_spec(const config::DramConfig& dram, std::uint32_t devices = 1);

EnergyBreakdown energy_of(const config::SystemConfig& config, const EnergyActivity& a);

// {"total_j", "dram_j" (null without memory.power), "dram": {"activate_j", "precharge_j", "read_j",
// "write_j", "refresh_j", "background_j", "activates", "read_bursts", "write_bursts", "refreshes"}
// (absent without memory.power), "cxl_j", "pcie_j", "ndp_j", "gpu_j", "host_dram_j"}.
nlohmann::json to_json(const EnergyBreakdown& e);

}  // namespace monde::perf
