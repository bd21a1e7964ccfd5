#include "tlm/memory/memory_target.hpp"

#include <algorithm>
#include <limits>

#include "tlm/common/poison_report.hpp"
#include "tlm/common/scheduled_access.hpp"
#include "tlm/common/sim_time.hpp"
#include "tlm/common/strided_access.hpp"

namespace monde::mem {

MemoryTarget::MemoryTarget(sc_core::sc_module_name name, const config::DramConfig& config, std::uint64_t capacity_bytes,
                           const MemoryTargetOptions& options)
    : sc_module(name),
      socket("socket"),
      config_(config),
      options_(options),
      store_(capacity_bytes),
      dram_(config),
      bulk_(config),
      ledger_(bulk_, *this),
      poison_(options.poison, options.fault_seed),
      peq_(this, &MemoryTarget::at_phase),
      bulk_peq_(this, &MemoryTarget::bulk_response) {
  socket.register_b_transport(this, &MemoryTarget::b_transport);
  socket.register_nb_transport_fw(this, &MemoryTarget::nb_transport_fw);
  socket.register_transport_dbg(this, &MemoryTarget::transport_dbg);
  socket.register_get_direct_mem_ptr(this, &MemoryTarget::get_direct_mem_ptr);
  SC_METHOD(engine);
  sensitive << wake_;
  dont_initialize();
}

std::uint64_t MemoryTarget::now_ps() const { return sim_now_ps(); }

void MemoryTarget::wake_at(std::uint64_t t_ps) {
  // A pending earlier notification wins; a later one is replaced (IEEE 1666 5.10.8).
  const std::uint64_t now = now_ps();
  wake_.notify(t_ps > now ? ps_time(t_ps - now) : sc_core::SC_ZERO_TIME);
}

std::uint64_t MemoryTarget::Job::burst_address(unsigned q) const {
  return first_burst + std::uint64_t(q / line_bursts) * stride_bytes + std::uint64_t(q % line_bursts) * kBurstBytes;
}

bool MemoryTarget::do_strided_data(tlm::tlm_generic_payload& trans, const StridedAccess& s) {
  const auto addr = trans.get_address();
  // Whole aligned bursts only, lines that do not overlap, the packed data exactly the lines.
  if (s.lines == 0 || s.line_bytes == 0 || s.line_bytes % kBurstBytes != 0 || addr % kBurstBytes != 0 ||
      s.stride_bytes % kBurstBytes != 0 || (s.lines > 1 && s.stride_bytes < s.line_bytes) ||
      trans.get_data_length() != s.lines * s.line_bytes || trans.get_byte_enable_ptr() != nullptr) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return false;
  }
  if (addr >= store_.capacity() || s.lines - 1 > (store_.capacity() - addr) / std::max<std::uint64_t>(1, s.stride_bytes) ||
      s.end(addr) > store_.capacity()) {
    ++address_errors_;
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  if (trans.is_read()) check_poison(trans, s.line_bytes, s.lines, s.stride_bytes);
  if (!options_.timing_only) {
    unsigned char* data = trans.get_data_ptr();
    for (std::uint64_t i = 0; i < s.lines; ++i) {
      const std::uint64_t line = addr + i * s.stride_bytes;
      unsigned char* bytes = data + i * s.line_bytes;
      if (trans.is_write()) {
        store_.write(line, bytes, s.line_bytes);
      } else {
        store_.read(line, bytes, s.line_bytes);
      }
    }
  }
  return true;
}

bool MemoryTarget::do_data(tlm::tlm_generic_payload& trans) {
  const auto len = trans.get_data_length();
  const auto addr = trans.get_address();
  if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) return true;
  if (const auto* s = trans.get_extension<StridedAccess>()) return do_strided_data(trans, *s);
  if (len == 0 || addr >= store_.capacity() || len > store_.capacity() - addr) {
    ++address_errors_;
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  if (trans.get_streaming_width() != 0 && trans.get_streaming_width() < len) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);  // streaming is not a memory access
    return false;
  }
  // DMI hint (1666-2011 11.2.4): granted for backing-store pages when configured.
  if (options_.allow_dmi && !options_.timing_only) trans.set_dmi_allowed(true);
  if (trans.is_read()) check_poison(trans, len, 1, 0);
  if (!options_.timing_only) {
    if (trans.is_write()) {
      store_.write(addr, trans.get_data_ptr(), len, trans.get_byte_enable_ptr(), trans.get_byte_enable_length());
    } else {
      store_.read(addr, trans.get_data_ptr(), len);
    }
  }
  return true;
}

void MemoryTarget::check_poison(tlm::tlm_generic_payload& trans, std::uint64_t line_bytes, std::uint64_t lines,
                                std::uint64_t stride) {
  if (!poison_.enabled()) return;
  const PoisonedLines p = poison_.read(trans.get_address(), line_bytes, lines, stride);
  if (p.lines == 0) return;
  // The read still takes its DRAM time (the error is found in the data); it completes with this
  // status instead of OK, and an initiator that asked is told where.
  trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
  if (auto* report = trans.get_extension<PoisonReport>()) report->add(p.lines, p.first_offset);
}

unsigned MemoryTarget::bursts_of(const tlm::tlm_generic_payload& trans) {
  const std::uint64_t first = trans.get_address() / kBurstBytes * kBurstBytes;
  const std::uint64_t end = trans.get_address() + trans.get_data_length();
  return trans.get_command() == tlm::TLM_IGNORE_COMMAND ? 0u
                                                        : static_cast<unsigned>((end - first + kBurstBytes - 1) / kBurstBytes);
}

MemoryTarget::Job* MemoryTarget::make_job(tlm::tlm_generic_payload& trans, bool at) {
  Job* job = jobs_.acquire();
  job->trans = &trans;
  job->at = at;
  job->is_write = trans.is_write();
  job->start_ps = now_ps();
  job->first_burst = trans.get_address() / kBurstBytes * kBurstBytes;
  job->bursts_total = bursts_of(trans);
  job->line_bursts = std::max(1u, job->bursts_total);
  if (const auto* s = trans.get_extension<StridedAccess>(); s != nullptr && job->bursts_total > 0) {
    job->line_bursts = std::max(1u, static_cast<unsigned>(s->line_bytes / kBurstBytes));  // do_data checked it
    job->stride_bytes = s->stride_bytes;
  }
  return job;
}

bool MemoryTarget::try_queue(Job* job) {
  while (job->bursts_queued < job->bursts_total) {
    const std::uint64_t addr = job->burst_address(job->bursts_queued);
    if (!dram_.try_push(DramRequest{next_id_, addr, job->is_write, now_ps()})) return false;
    ++next_id_;
    ++job->bursts_queued;
    burst_jobs_.push_back(job);  // at index id - first_burst_id_
    ++bursts_in_flight_;
  }
  return true;
}

void MemoryTarget::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (bandwidth_mode() && delay == sc_core::SC_ZERO_TIME) {
    if (auto* scheduled = trans.get_extension<ScheduledAccess>()) {
      take_scheduled(trans, *scheduled);
      return;
    }
  }
  // Synchronise: the DRAM model runs in simulated time, so the access starts at now + delay.
  sc_core::wait(delay);
  delay = sc_core::SC_ZERO_TIME;
  if (!do_data(trans)) return;
  // OK unless the data was poisoned (check_poison set the status).
  const auto ok_unless_poisoned = [&trans] {
    if (trans.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE) trans.set_response_status(tlm::TLM_OK_RESPONSE);
  };
  const unsigned bursts = bursts_of(trans);
  if (bursts == 0) {
    ok_unless_poisoned();
    return;
  }
  if (bandwidth_mode()) {
    // One bulk transfer and one wait: no job (nothing else refers to it; finish() would only
    // record the latency and notify a done event nobody waits on).
    const std::uint64_t start = now_ps();
    ledger_.apply_before(start);  // the scheduled accesses that start earlier go first
    const std::uint64_t done = bulk_.transfer(start, std::uint64_t(bursts) * kBurstBytes);
    sc_core::wait(ps_time(done - start));
    record_done(trans.is_write(), done - start, trans.get_data_length());
    ok_unless_poisoned();
    return;
  }
  auto job = make_job(trans, false);
  job->done = events_.acquire();
  waiting_for_queue_.push_back(job);
  wake_.notify(sc_core::SC_ZERO_TIME);
  while (!job->complete) sc_core::wait(*job->done);
  job->done->cancel();
  events_.release(job->done);
  jobs_.release(job);
  ok_unless_poisoned();
}

// A scheduled access (tlm/common/scheduled_access.hpp) with the bandwidth model: the data now,
// the transfer queued in the ledger, served in its order once time passes its start; nothing
// waits here.
void MemoryTarget::take_scheduled(tlm::tlm_generic_payload& trans, ScheduledAccess& a) {
  const std::uint64_t now = now_ps();
  if (a.start_ps < now) a.start_ps = now;  // an access cannot start in the past
  a.ledger = &ledger_;
  a.id = ScheduledAccess::kNoTransfer;
  a.not_before_ps = a.start_ps;
  if (!do_data(trans)) return;  // error status set; nothing reaches the DRAM
  const unsigned bursts = bursts_of(trans);
  if (bursts > 0) {
    const std::uint64_t bytes = std::uint64_t(bursts) * kBurstBytes;
    a.id = ledger_.schedule(a, bytes, trans.is_write(), trans.get_data_length());
    if (a.start_ps == now) {
      // Everything that starts earlier is known by now: queue it, and the access's completion if
      // nothing of its own picosecond goes first is a bound its initiator can wait to (usually
      // the completion itself, so one wait).
      ledger_.apply_before(now);
      a.not_before_ps = bulk_.completion_if_next(now, bytes);
    } else {
      // Ahead: the server's latency after the start at the earliest (the data takes > 0 ps).
      a.not_before_ps = a.start_ps + std::max<std::uint64_t>(1, bulk_.unloaded_latency_ps());
    }
  }
  // OK unless the data was poisoned (check_poison set the status; the read still takes its time).
  if (trans.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE) trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void MemoryTarget::record_transfer(bool is_write, std::uint64_t latency_ps, std::uint64_t bytes) {
  record_done(is_write, latency_ps, bytes);
}

tlm::tlm_sync_enum MemoryTarget::nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                                 sc_core::sc_time& delay) {
  if (phase == tlm::BEGIN_REQ) {
    if (trans.has_mm()) trans.acquire();  // held until END_RESP
    // A request arriving now, with no earlier one still in the PEQ, is handled in the call.
    if (delay == sc_core::SC_ZERO_TIME && peq_requests_ == 0) {
      if (!(bandwidth_mode() ? accept_bulk_now(trans) : accept_now(trans))) return tlm::TLM_ACCEPTED;
      phase = tlm::END_REQ;
      return tlm::TLM_UPDATED;
    }
    ++peq_requests_;
  }
  peq_.notify(trans, phase, delay);
  return tlm::TLM_ACCEPTED;
}

// Does at once what the PEQ callback and then the engine would do at this same time: the data,
// then the DRAM model advanced to now, then the bursts queued. False when the request has to
// wait in line (END_REQ later, from the engine).
bool MemoryTarget::accept_now(tlm::tlm_generic_payload& trans) {
  const bool ok = do_data(trans);
  auto job = make_job(trans, true);
  if (!ok) job->bursts_total = 0;  // error status already set; answered by the engine
  if (!waiting_for_queue_.empty() || job->bursts_total == 0) {
    const bool first_in_line = waiting_for_queue_.empty();
    waiting_for_queue_.push_back(job);
    if (first_in_line) wake_.notify(sc_core::SC_ZERO_TIME);
    return false;
  }
  dram_.advance_to(now_ps(), done_);
  if (!done_.empty()) wake_.notify(sc_core::SC_ZERO_TIME);  // the engine hands them out
  const bool queued = try_queue(job);
  if (!queued) waiting_for_queue_.push_back(job);
  schedule();
  return queued;
}

// The bandwidth model's at_phase(BEGIN_REQ) done in the call: the transfer queued now, its
// response due at its completion. False for a request with nothing to transfer (an error):
// the engine answers it, END_REQ later.
bool MemoryTarget::accept_bulk_now(tlm::tlm_generic_payload& trans) {
  const bool ok = do_data(trans);
  auto job = make_job(trans, true);
  if (!ok) job->bursts_total = 0;  // error status already set; answer without DRAM time
  if (ok && job->bursts_total > 0) {
    job->last_done_ps = bulk_done_ps(*job);
    bulk_jobs_[&trans] = job;
    bulk_peq_.notify(trans, tlm::BEGIN_RESP, ps_time(job->last_done_ps - job->start_ps));
    return true;
  }
  const bool first_in_line = waiting_for_queue_.empty();
  waiting_for_queue_.push_back(job);
  if (first_in_line) wake_.notify(sc_core::SC_ZERO_TIME);
  return false;
}

void MemoryTarget::at_phase(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase) {
  if (phase == tlm::BEGIN_REQ) {
    --peq_requests_;
    if (bandwidth_mode()) {
      if (accept_bulk_now(trans)) {
        tlm::tlm_phase end_req = tlm::END_REQ;
        sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
        socket->nb_transport_bw(trans, end_req, zero);
      }
      return;
    }
    const bool ok = do_data(trans);
    auto job = make_job(trans, true);
    if (!ok) job->bursts_total = 0;  // error status already set; answer without DRAM time
    const bool first_in_line = waiting_for_queue_.empty();
    waiting_for_queue_.push_back(job);
    if (first_in_line) wake_.notify(sc_core::SC_ZERO_TIME);
  } else if (phase == tlm::END_RESP) {
    response_in_flight_ = false;
    if (trans.has_mm()) trans.release();
    send_next_response();
  } else {
    SC_REPORT_ERROR("monde/memory", "nb_transport_fw: unexpected phase (the base protocol allows BEGIN_REQ and END_RESP)");
  }
}

std::uint64_t MemoryTarget::bulk_done_ps(const Job& job) {
  ledger_.apply_before(job.start_ps);  // the scheduled accesses that start earlier go first
  return bulk_.transfer(job.start_ps, std::uint64_t(job.bursts_total) * kBurstBytes);
}

void MemoryTarget::bulk_response(tlm::tlm_generic_payload& trans, const tlm::tlm_phase&) {
  auto it = bulk_jobs_.find(&trans);
  if (it == bulk_jobs_.end()) return;
  Job* job = it->second;
  bulk_jobs_.erase(it);
  finish(job);
}

void MemoryTarget::finish(Job* job) {
  job->complete = true;
  if (job->bursts_total > 0) record_done(job->is_write, job->last_done_ps - job->start_ps, job->trans->get_data_length());
  if (!job->at) {
    if (job->done != nullptr) job->done->notify(sc_core::SC_ZERO_TIME);
    return;
  }
  if (job->trans->get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE) {
    job->trans->set_response_status(tlm::TLM_OK_RESPONSE);
  }
  responses_.push_back(job);
  send_next_response();
}

void MemoryTarget::record_done(bool is_write, std::uint64_t latency_ps, std::uint64_t bytes) {
  if (is_write) {
    write_latency_.record(latency_ps);
    bytes_written_ += bytes;
  } else {
    read_latency_.record(latency_ps);
    bytes_read_ += bytes;
  }
}

void MemoryTarget::send_next_response() {
  // Response exclusion: one BEGIN_RESP outstanding until END_RESP (or TLM_COMPLETED).
  while (!response_in_flight_ && !responses_.empty()) {
    Job* job = responses_.front();
    responses_.pop_front();
    tlm::tlm_phase phase = tlm::BEGIN_RESP;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    response_in_flight_ = true;
    const auto status = socket->nb_transport_bw(*job->trans, phase, delay);
    if (status == tlm::TLM_COMPLETED || (status == tlm::TLM_UPDATED && phase == tlm::END_RESP)) {
      response_in_flight_ = false;
      if (job->trans->has_mm()) job->trans->release();
    }
    jobs_.release(job);  // END_RESP refers to the transaction, not to the job
  }
}

void MemoryTarget::engine() {
  dram_.advance_to(now_ps(), done_);
  deliver();
  // Requests waiting for queue space, strictly in arrival order; not before the DRAM model,
  // run ahead for the head of the line, has made room for it in simulated time too.
  if (now_ps() < room_at_ps_) {
    schedule();
    return;
  }
  room_at_ps_ = 0;
  while (!waiting_for_queue_.empty()) {
    Job* job = waiting_for_queue_.front();
    if (!try_queue(job)) break;
    waiting_for_queue_.pop_front();
    if (job->at) {
      tlm::tlm_phase phase = tlm::END_REQ;
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      socket->nb_transport_bw(*job->trans, phase, delay);
    }
    if (job->bursts_total == 0) {
      job->last_done_ps = job->start_ps;
      finish(job);
    }
  }
  schedule();
}

void MemoryTarget::deliver() {
  // Swapped out first: a response may lead an initiator straight into accept_now, which
  // collects into done_ again.
  delivering_.swap(done_);
  for (const auto& c : delivering_) {
    const std::uint64_t slot = c.id - first_burst_id_;
    if (c.id < first_burst_id_ || slot >= burst_jobs_.size() || !burst_jobs_[slot]) continue;
    Job* job = burst_jobs_[slot];
    burst_jobs_[slot] = nullptr;
    --bursts_in_flight_;
    while (!burst_jobs_.empty() && !burst_jobs_.front()) {
      burst_jobs_.pop_front();
      ++first_burst_id_;
    }
    ++job->bursts_done;
    job->last_done_ps = std::max(job->last_done_ps, c.done_ps);
    if (job->bursts_done == job->bursts_total) finish(job);
  }
  delivering_.clear();
}

void MemoryTarget::schedule() {
  if (!done_.empty()) {
    wake_.notify(sc_core::SC_ZERO_TIME);
    return;
  }
  if (bursts_in_flight_ == 0 && waiting_for_queue_.empty()) return;  // idle: refresh is caught up on the next access
  const Job* head = waiting_for_queue_.empty() ? nullptr : waiting_for_queue_.front();
  const bool head_has_bursts = head != nullptr && head->bursts_queued < head->bursts_total;
  // When the model is about to run ahead for the head (below), its first step computes the
  // same decision at the same state as next_event_ps would here: skip the call, not its effect.
  std::uint64_t next = head_has_bursts && room_at_ps_ == 0 ? 0 : dram_.next_event_ps();
  if (head != nullptr) {
    if (!head_has_bursts) {
      next = now_ps();  // nothing to queue (an error or an empty access): answer it now
    } else {
      // Nothing can enter the DRAM model before the head does: run it ahead to the command that
      // makes room for the head's next burst, and wake then (or at an earlier completion).
      if (room_at_ps_ == 0) {
        room_at_ps_ = dram_.run_until_accept(head->burst_address(head->bursts_queued), head->is_write);
      }
      next = std::min(room_at_ps_, dram_.next_event_ps());
    }
  }
  if (next != std::numeric_limits<std::uint64_t>::max()) wake_at(next);
}

unsigned int MemoryTarget::transport_dbg(tlm::tlm_generic_payload& trans) {
  const auto addr = trans.get_address();
  if (addr >= store_.capacity() || trans.get_command() == tlm::TLM_IGNORE_COMMAND) return 0;
  const auto len = static_cast<unsigned>(std::min<std::uint64_t>(trans.get_data_length(), store_.capacity() - addr));
  if (trans.is_write()) {
    store_.write(addr, trans.get_data_ptr(), len);
  } else {
    store_.read(addr, trans.get_data_ptr(), len);
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  return len;
}

bool MemoryTarget::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  const auto addr = trans.get_address();
  if (!options_.allow_dmi || options_.timing_only || addr >= store_.capacity()) {
    dmi.set_start_address(0);
    dmi.set_end_address(std::numeric_limits<sc_dt::uint64>::max());  // nothing here is DMI-able
    dmi.allow_none();
    return false;
  }
  std::uint64_t base = 0;
  unsigned char* page = store_.page(addr, base);
  dmi.set_dmi_ptr(page);
  dmi.set_start_address(base);
  dmi.set_end_address(base + BackingStore::kPageBytes - 1);
  dmi.allow_read_write();
  const sc_core::sc_time unloaded(static_cast<double>(config_.unloaded_read_latency_ps()), sc_core::SC_PS);
  dmi.set_read_latency(unloaded);
  dmi.set_write_latency(unloaded);
  return true;
}

}  // namespace monde::mem
