// The NDP command processor and its units: the CXL.io register block (NdpRegisterFile behind a
// TLM target socket), the submission/completion rings in device memory, and N NdpUnits.
//
// Per descriptor (docs/ndp_interface.md, "Ring protocol"): fetch the 128-byte descriptor at
// SQ_HEAD, validate it (limits from config::NdpConfig, device size, the rings as protected ranges);
// a valid job runs phase 1 (x -> h, d_ff split over the units) then, after all units finished,
// phase 2 (h -> y, d_model split over the units); then the 32-byte completion entry (status,
// error code, phase, NDP cycles, summed MAC-busy cycles, DMA bytes) is written at CQ_TAIL, the
// rings advance and IRQ_STATUS is set (unless the descriptor asked for no interrupt; errors
// always interrupt). Jobs run one after another in ring order. A bad descriptor completes with
// its error code without touching any other memory; later jobs still run.
//
// The register socket takes 4-byte LT accesses (b_transport or transport_dbg) at the offsets
// of ndp_registers.hpp; each access costs mmio_latency_ns (CXL.io round trip). Other sizes get
// TLM_BURST_ERROR_RESPONSE, unknown or unaligned offsets TLM_ADDRESS_ERROR_RESPONSE, writes a
// register ignores (read-only, ring set-up while enabled) complete OK (posted writes).
// The memory sockets (engine and units) are bound by the device to its internal memory port.
// With data: timing_only the device memory stores no payload; the rings still carry real bytes
// (the engine moves them with debug accesses after the timed ones), so a timing_only host
// writes its descriptors and reads completions with transport_dbg.
// Faults: a DMA read that comes back poisoned completes the job with dma_poison (the first
// poisoned device address is in the job log); CONTROL.ABORT ends the job in progress with
// `aborted` (phase 2 is not started; a unit that hangs is released), and the engine goes on with
// the next descriptor. Injected hangs (config::NdpFaultConfig::hang_job): scope "unit" stops unit
// 0 at the start of the job (ABORT ends it); scope "engine" stops the command processor itself
// after it fetched the descriptor: it answers neither the job nor ABORT, only a reset (or
// disabling the rings) frees it, and the job is abandoned without a completion.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "tlm/ndp/command/completion_entry.hpp"
#include "tlm/ndp/command/job_descriptor.hpp"
#include "tlm/ndp/command/ndp_register_file.hpp"
#include "core/config/fault_config.hpp"
#include "core/config/ndp_config.hpp"
#include "tlm/ndp/ndp_unit.hpp"

namespace monde::ndp {

// One job as the device saw it: from the descriptor fetch to the completion write.
struct NdpJobSpan {
  std::uint32_t job_tag = 0;
  std::uint64_t start_ps = 0, end_ps = 0;
  NdpErrorCode code = NdpErrorCode::kOk;
  std::uint64_t poison_address = 0;  // code dma_poison: the first poisoned device address read
};

struct NdpEngineStats {
  std::uint64_t jobs_ok = 0;
  std::uint64_t jobs_failed = 0;
  std::uint64_t mac_busy_cycles = 0;
  std::uint64_t dma_bytes_read = 0;
  std::uint64_t dma_bytes_written = 0;
  std::uint64_t busy_cycles = 0;  // NDP clock cycles with a job in flight
  std::uint64_t jobs_aborted = 0;    // completed with `aborted` (CONTROL.ABORT)
  std::uint64_t jobs_abandoned = 0;  // dropped without a completion (reset or disable while running)
  std::uint64_t hangs_injected = 0;
};

class NdpEngine : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<NdpEngine, 64> mmio_socket;
  tlm_utils::simple_initiator_socket<NdpEngine, 64> memory_socket;

  SC_HAS_PROCESS(NdpEngine);
  // options.scheduled: the device memory takes scheduled accesses (the bandwidth DRAM model;
  // tlm/common/scheduled_access.hpp): the units' and the engine's accesses are handed over as
  // such, the engine's as source `units` (after the units).
  NdpEngine(sc_core::sc_module_name name, const config::NdpConfig& config, std::uint64_t device_bytes,
            const NdpUnitOptions& options, const config::NdpFaultConfig& faults = {});
  ~NdpEngine() override;

  NdpUnit& unit(unsigned i) { return *units_.at(i); }
  unsigned units() const { return static_cast<unsigned>(units_.size()); }
  const NdpRegisterFile& registers() const { return regs_; }
  const config::NdpConfig& config() const { return config_; }
  const config::NdpLimits& limits() const { return limits_; }
  const NdpEngineStats& stats() const { return stats_; }
  const config::NdpFaultConfig& faults() const { return faults_; }
  // Every completed job in completion order (for traces of a run), since the last clear.
  const std::vector<NdpJobSpan>& job_log() const { return job_log_; }
  // A long run takes the spans it needs and clears the log, so it does not grow with the run.
  void clear_job_log() { job_log_.clear(); }
  // The interrupt line: level, IRQ_EN and an IRQ_STATUS bit set. The event fires when it rises.
  bool irq_pending() const { return regs_.irq_pending(); }
  const sc_core::sc_event& irq_event() const { return irq_; }

 private:
  void mmio_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int mmio_dbg(tlm::tlm_generic_payload& trans);
  bool mmio_access(tlm::tlm_generic_payload& trans);
  void command_loop();  // SC_THREAD
  // kOk, or kDmaPoison / kDmaError for a failed access.
  NdpErrorCode memory(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data, unsigned bytes);
  void on_register_event(RegEvent e);
  NdpErrorCode run_job(const JobDescriptor& d, CompletionEntry& e, std::uint64_t& poison_address);
  NdpErrorCode run_phase(const std::vector<NdpPhaseWork>& work, CompletionEntry& e, std::uint64_t& poison_address);
  std::uint64_t cycles_since(const sc_core::sc_time& t0) const;

  config::NdpConfig config_;
  config::NdpLimits limits_;
  std::uint64_t device_bytes_;
  bool timing_only_;
  bool scheduled_;
  std::uint64_t seq_ = 0;  // scheduled accesses issued
  config::NdpFaultConfig faults_;
  NdpRegisterFile regs_;
  std::vector<std::unique_ptr<NdpUnit>> units_;
  sc_core::sc_event doorbell_, irq_, stopped_;  // stopped_: reset or disable
  bool busy_ = false, abort_requested_ = false;
  std::uint64_t jobs_started_ = 0;
  sc_core::sc_time period_;
  NdpEngineStats stats_;
  std::vector<NdpJobSpan> job_log_;
};

}  // namespace monde::ndp
