#include "tlm/ndp/ndp_engine.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "tlm/ndp/command/job_validation.hpp"
#include "tlm/common/blocking_access.hpp"
#include "tlm/common/scheduled_access.hpp"
#include "tlm/common/poison_report.hpp"
#include "tlm/ndp/command/work_split.hpp"

namespace monde::ndp {

namespace {

NdpRegisterConfig register_config(const config::NdpConfig& c, std::uint64_t device_bytes) {
  NdpRegisterConfig r;
  r.units = c.units;
  r.rows = c.mac.shape.rows;
  r.cols = c.mac.shape.cols;
  r.device_bytes = device_bytes;
  return r;
}

}  // namespace

NdpEngine::NdpEngine(sc_core::sc_module_name name, const config::NdpConfig& config, std::uint64_t device_bytes,
                     const NdpUnitOptions& options, const config::NdpFaultConfig& faults)
    : sc_module(name),
      mmio_socket("mmio_socket"),
      memory_socket("memory_socket"),
      config_(config),
      limits_(config.limits()),
      device_bytes_(device_bytes),
      timing_only_(options.timing_only),
      scheduled_(options.scheduled),
      faults_(faults),
      regs_(register_config(config, device_bytes)),
      period_(config.mac.clock_period_ps(), sc_core::SC_PS) {
  mmio_socket.register_b_transport(this, &NdpEngine::mmio_b_transport);
  mmio_socket.register_transport_dbg(this, &NdpEngine::mmio_dbg);
  for (unsigned i = 0; i < config.units; ++i) {
    units_.push_back(std::make_unique<NdpUnit>(("unit" + std::to_string(i)).c_str(), config, i, options));
  }
  regs_.set_listener([this](RegEvent e) { on_register_event(e); });
  SC_THREAD(command_loop);
}

NdpEngine::~NdpEngine() = default;

void NdpEngine::on_register_event(RegEvent e) {
  switch (e) {
    case RegEvent::kSqDoorbell:
    case RegEvent::kCqHeadUpdated:
    case RegEvent::kEnabled:
      doorbell_.notify(sc_core::SC_ZERO_TIME);
      break;
    case RegEvent::kAbort:
      if (!busy_) break;  // nothing in progress: nothing to abort
      abort_requested_ = true;
      for (auto& u : units_) u->abort();
      break;
    case RegEvent::kReset:
    case RegEvent::kDisabled:
      // The job in progress is abandoned (command_loop sees the rings disabled); a hung unit or a
      // hung command processor is released.
      for (auto& u : units_) u->abort();
      stopped_.notify(sc_core::SC_ZERO_TIME);
      break;
  }
}

// ---------------------------------------------------------------- CXL.io registers

bool NdpEngine::mmio_access(tlm::tlm_generic_payload& t) {
  if (t.get_data_length() != 4 || (t.get_streaming_width() != 0 && t.get_streaming_width() != 4)) {
    t.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);  // registers are 32-bit
    return false;
  }
  if (t.get_byte_enable_ptr() != nullptr) {
    t.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return false;
  }
  if (t.get_address() > 0xFFFFFFFFu) {
    t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  const auto offset = static_cast<std::uint32_t>(t.get_address());
  std::uint32_t value = 0;
  RegAccess r;
  if (t.is_write()) {
    std::memcpy(&value, t.get_data_ptr(), 4);  // little-endian host (static_assert in ndp_unit.cpp)
    r = regs_.write32(offset, value);
  } else if (t.is_read()) {
    r = regs_.read32(offset, value);
    if (r != RegAccess::kAddressError) std::memcpy(t.get_data_ptr(), &value, 4);
  } else {
    t.set_response_status(tlm::TLM_OK_RESPONSE);
    return true;
  }
  // Ignored writes are posted writes: the host sees no error (ndp_register_file.hpp).
  t.set_response_status(r == RegAccess::kAddressError ? tlm::TLM_ADDRESS_ERROR_RESPONSE : tlm::TLM_OK_RESPONSE);
  return r != RegAccess::kAddressError;
}

void NdpEngine::mmio_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  delay += sc_core::sc_time(config_.mmio_latency_ns, sc_core::SC_NS);
  mmio_access(trans);
}

unsigned int NdpEngine::mmio_dbg(tlm::tlm_generic_payload& trans) { return mmio_access(trans) ? 4u : 0u; }

// ---------------------------------------------------------------- jobs

NdpErrorCode NdpEngine::memory(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data, unsigned bytes) {
  if (timing_only_) {
    // A timing_only memory moves no payload, but descriptors and completions must be real:
    // the debug access moves the bytes, the timed access below charges the time. The bytes
    // move first because that is when the memory moves them with data: full (at the start of
    // the access), so that a host polling the completion queue sees an entry at the same
    // picosecond in both modes.
    tlm::tlm_generic_payload dbg;
    dbg.set_command(cmd);
    dbg.set_address(addr);
    dbg.set_data_ptr(data);
    dbg.set_data_length(bytes);
    if (memory_socket->transport_dbg(dbg) != bytes) return NdpErrorCode::kDmaError;
  }
  tlm::tlm_generic_payload t;
  PoisonReport poison;
  t.set_extension(&poison);
  tlm::tlm_response_status status;
  if (scheduled_) {
    // A scheduled access (tlm/common/scheduled_access.hpp) as the source after the units; waited
    // for here, as a blocking access.
    ScheduledAccess a;
    a.start_ps = sim_now_ps();
    a.source = config_.units;
    a.seq = seq_++;
    t.set_extension(&a);
    prepare_access(t, cmd, addr, data, bytes);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    memory_socket->b_transport(t, delay);
    t.clear_extension(&a);
    if (a.taken()) {
      wait_until_done(a);
    } else {
      sc_core::wait(delay);
    }
    status = t.get_response_status();
  } else {
    status = blocking_access(memory_socket, t, cmd, addr, data, bytes);
  }
  t.clear_extension(&poison);  // a stack object
  if (status == tlm::TLM_OK_RESPONSE) return NdpErrorCode::kOk;
  return poison.poisoned() ? NdpErrorCode::kDmaPoison : NdpErrorCode::kDmaError;
}

std::uint64_t NdpEngine::cycles_since(const sc_core::sc_time& t0) const {
  return static_cast<std::uint64_t>((sc_core::sc_time_stamp() - t0) / period_);
}

void NdpEngine::command_loop() {
  for (;;) {
    while (!regs_.sq_pending() || regs_.cq_full()) sc_core::wait(doorbell_);
    regs_.set_busy(true);
    busy_ = true;
    abort_requested_ = false;
    const sc_core::sc_time t0 = sc_core::sc_time_stamp();
    std::array<std::uint8_t, kJobDescriptorBytes> raw{};
    CompletionEntry e;
    NdpErrorCode code = NdpErrorCode::kOk;
    JobDescriptor d;
    std::uint64_t poison_address = 0;
    code = memory(tlm::TLM_READ_COMMAND, regs_.sq_entry_addr(), raw.data(), kJobDescriptorBytes);
    if (code == NdpErrorCode::kOk) {
      d = decode_job_descriptor(raw);
      code = validate(d, limits_, device_bytes_, {regs_.sq_range(), regs_.cq_range()});
    }
    e.dma_bytes_read = kJobDescriptorBytes;
    const bool hang = faults_.hang_job != 0 && ++jobs_started_ == faults_.hang_job;
    if (hang) ++stats_.hangs_injected;
    if (hang && faults_.hang_scope == config::HangScope::kEngine) {
      // The command processor itself stops: only a reset (or disabling the rings) ends this.
      while (regs_.enabled()) sc_core::wait(stopped_);
    } else if (code == NdpErrorCode::kOk) {
      if (hang) units_.front()->hang_next_phase();
      code = run_job(d, e, poison_address);
    }
    stats_.busy_cycles += cycles_since(t0);
    busy_ = false;
    if (!regs_.enabled()) {  // disabled while the job ran: abandoned, no completion (ndp_register_file.hpp)
      ++stats_.jobs_abandoned;
      regs_.set_busy(false);
      continue;
    }
    e.job_tag = d.job_tag;
    e.sq_head = static_cast<std::uint16_t>(regs_.next_sq_head());
    e.status = code == NdpErrorCode::kOk ? CompletionStatus::kOk : CompletionStatus::kError;
    e.error_code = code;
    e.phase = regs_.cq_phase();
    e.total_cycles = cycles_since(t0);
    auto bytes = encode(e);
    // Post the entry: its slot is taken (SQ head and CQ tail advance) before its bytes can be
    // seen, because the host may read an entry while its write is still in flight (the memory
    // moves a write's bytes when it starts) and write CQ_HEAD past it; a tail advanced only
    // after the write would then look like a full CQ and the engine would wait forever. The
    // interrupt is raised only once the entry is in memory.
    const std::uint64_t entry_addr = regs_.cq_entry_addr();
    regs_.complete_job(false);
    memory(tlm::TLM_WRITE_COMMAND, entry_addr, bytes.data(), kCompletionEntryBytes);
    job_log_.push_back(NdpJobSpan{d.job_tag, static_cast<std::uint64_t>(t0.value() / sc_core::sc_time(1, sc_core::SC_PS).value()),
                                  static_cast<std::uint64_t>(sc_core::sc_time_stamp().value() /
                                                             sc_core::sc_time(1, sc_core::SC_PS).value()),
                                  code, poison_address});
    // The line's level before this job touched it: latching an error raises IRQ_STATUS.ERROR,
    // and a driver asleep on the edge must be woken by it.
    const bool was_pending = regs_.irq_pending();
    if (code == NdpErrorCode::kOk) {
      ++stats_.jobs_ok;
    } else {
      ++stats_.jobs_failed;
      if (code == NdpErrorCode::kAborted) ++stats_.jobs_aborted;
      regs_.latch_error(code);
    }
    if (code != NdpErrorCode::kOk || (d.flags & kJobFlagNoIrq) == 0) regs_.raise_cq_irq();
    regs_.set_busy(false);
    if (!was_pending && regs_.irq_pending()) irq_.notify(sc_core::SC_ZERO_TIME);
  }
}

NdpErrorCode NdpEngine::run_job(const JobDescriptor& d, CompletionEntry& e, std::uint64_t& poison_address) {
  const bool gated = d.activation == kActivationSiluGated;
  const auto act = gated ? num::ExpertActivation::kSiluGated : num::ExpertActivation::kRelu;
  std::vector<NdpPhaseWork> up(units_.size()), down(units_.size());
  for (unsigned u = 0; u < units_.size(); ++u) {
    NdpPhaseWork& w = up[u];
    w.activation = act;
    w.gated = gated;
    w.tokens = d.tokens;
    w.k = d.d_model;
    w.n = d.d_ff;
    w.cols = unit_slice(d.d_ff, config_.units, u, config::kColumnsPerFetch);
    w.a_addr = d.x_addr;
    w.w_addr = d.w_up;
    w.w2_addr = d.w_gate;
    w.out_addr = d.h_scratch_addr;
    w.weights = weight_encoding(d);
    w.s_addr = d.s_up;
    w.s2_addr = d.s_gate;
    NdpPhaseWork& v = down[u];
    v.second_phase = true;
    v.activation = act;
    v.tokens = d.tokens;
    v.k = d.d_ff;
    v.n = d.d_model;
    v.cols = unit_slice(d.d_model, config_.units, u, config::kColumnsPerFetch);
    v.a_addr = d.h_scratch_addr;
    v.w_addr = d.w_down;
    v.out_addr = d.y_addr;
    v.weights = weight_encoding(d);
    v.s_addr = d.s_down;
  }
  // Phase 2 reads all of h, which every unit wrote a slice of: the barrier is the wait for
  // all units in run_phase.
  const NdpErrorCode first = run_phase(up, e, poison_address);
  // Aborted (or a unit released from a hang): phase 2 is not started.
  if (abort_requested_ || first == NdpErrorCode::kAborted) return NdpErrorCode::kAborted;
  const NdpErrorCode second = run_phase(down, e, poison_address);
  if (abort_requested_) return NdpErrorCode::kAborted;
  return first != NdpErrorCode::kOk ? first : second;
}

NdpErrorCode NdpEngine::run_phase(const std::vector<NdpPhaseWork>& work, CompletionEntry& e,
                                  std::uint64_t& poison_address) {
  for (unsigned u = 0; u < units_.size(); ++u) units_[u]->start(work[u]);
  NdpErrorCode code = NdpErrorCode::kOk;
  for (auto& unit : units_) {
    while (unit->busy()) sc_core::wait(unit->done_event());
    const NdpUnitStats& s = unit->stats();
    e.mac_busy_cycles += s.mac_busy_cycles;
    e.dma_bytes_read += s.dma_bytes_read;
    e.dma_bytes_written += s.dma_bytes_written;
    stats_.mac_busy_cycles += s.mac_busy_cycles;
    stats_.dma_bytes_read += s.dma_bytes_read;
    stats_.dma_bytes_written += s.dma_bytes_written;
    if (code == NdpErrorCode::kOk) {
      code = s.error;
      if (code == NdpErrorCode::kDmaPoison) poison_address = s.poison_address;
    }
  }
  return code;
}

}  // namespace monde::ndp
