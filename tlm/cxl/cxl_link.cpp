#include "tlm/cxl/cxl_link.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "tlm/common/interleave_span.hpp"
#include "tlm/common/poison_report.hpp"
#include "tlm/common/sim_time.hpp"
#include "tlm/memory/memory_stats.hpp"

namespace monde::cxl {

using sc_core::sc_time;
using sc_core::SC_PS;
using sc_core::SC_ZERO_TIME;

struct CxlLink::HostJob {
  tlm::tlm_generic_payload* trans = nullptr;
  bool at = false;
  bool is_write = false;
  bool bulk = false;
  std::vector<CxlLineAccess> lines;  // flit mode: one message each
  std::size_t total = 0;             // messages that must come back (1 in bulk mode)
  std::size_t queued = 0, done = 0;
  bool error = false, poisoned = false, complete = false;
  tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;  // the first error a message got
  std::uint64_t poison_lines = 0, poison_offset = 0;        // for the host's PoisonReport
  bool dmi_hint = false;  // the device said DMI is available for (part of) this access
  // Taken in the nb_transport_fw call: END_REQ goes back in its return value, not on the
  // backward path (admit() sets end_req_returned when it admits the job whole).
  bool end_req_by_return = false, end_req_returned = false;
  std::uint64_t start_ps = 0;
  sc_core::sc_event* done_event = nullptr;  // LT (b_transport) only: the caller's, from events_
  unsigned refs = 0;  // the owner and every line that points here (release_job)
  void reset() {  // as new, keeping the capacity of `lines` (ObjectPool)
    auto keep = std::move(lines);
    keep.clear();
    *this = HostJob{};
    lines = std::move(keep);
  }
};

struct CxlLink::Line {
  tlm::tlm_generic_payload gp;
  std::array<unsigned char, kCxlLineBytes> data{};
  std::array<unsigned char, kCxlLineBytes> be{};
  CxlMemExtension* ext = nullptr;  // owned by gp (freed with it)
  PoisonReport* report = nullptr;  // owned by gp: where the memory found poison (bulk transfers)
  InterleaveSpan* span = nullptr;  // owned by gp: a bulk transfer's interleave walk (inactive otherwise)
  HostJob* job = nullptr;  // holds a reference until the payload is freed
  CxlLineAccess access;
  bool accepted = false;         // the device took it out of its rx buffer (END_REQ)
  bool completed_early = false;  // the device answered BEGIN_REQ with TLM_COMPLETED
  // Bulk mode: one payload for the whole host transaction.
  bool bulk = false;
  std::uint64_t bulk_lines = 0;
  std::uint64_t bulk_partial_lines = 0;
  double device_arrival_ps = 0;    // first message reached the device
  double last_m2s_arrival_ps = 0;  // last message reached the device
};

// Which link and Line a message's payload belongs to (set once per pooled payload), so that a
// payload coming back on device_socket finds its Line without a lookup.
struct CxlLink::LineMark : tlm::tlm_extension<CxlLink::LineMark> {
  const CxlLink* link = nullptr;
  Line* line = nullptr;
  tlm::tlm_extension_base* clone() const override { return new LineMark(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override { *this = static_cast<const LineMark&>(other); }
};

namespace {

// Credit class within a direction: 0 = header-only message, 1 = message with data.
unsigned credit_class(bool is_write, bool m2s) { return m2s ? (is_write ? 1u : 0u) : (is_write ? 0u : 1u); }

bool host_byte_enabled(const tlm::tlm_generic_payload& t, std::uint64_t offset) {
  const unsigned char* be = t.get_byte_enable_ptr();
  if (be == nullptr || t.get_byte_enable_length() == 0) return true;
  return be[offset % t.get_byte_enable_length()] == TLM_BYTE_ENABLED;
}

}  // namespace

CxlLink::CxlLink(sc_core::sc_module_name name, const config::CxlLinkConfig& config, CxlLinkMode mode, bool timing_only,
                 const config::CxlLinkFaultConfig& faults, std::uint64_t fault_seed)
    : sc_module(name),
      host_socket("host_socket"),
      device_socket("device_socket"),
      config_(config),
      mode_(mode),
      timing_only_(timing_only),
      one_way_ps_(config.one_way_ns() * 1000.0),
      faults_(faults),
      flit_ps_(static_cast<double>(config.flit_bytes) / config.raw_bytes_per_s() * 1e12),
      message_ns_{config.header_message_ns(), config.read_data_message_ns(),
                  {config.write_data_message_ns(false), config.write_data_message_ns(true)}},
      host_peq_(this, &CxlLink::host_phase),
      device_peq_(this, &CxlLink::device_phase),
      arrival_peq_(this, &CxlLink::arrival_phase) {
  host_socket.register_b_transport(this, &CxlLink::b_transport);
  host_socket.register_nb_transport_fw(this, &CxlLink::nb_transport_fw);
  host_socket.register_transport_dbg(this, &CxlLink::transport_dbg);
  host_socket.register_get_direct_mem_ptr(this, &CxlLink::get_direct_mem_ptr);
  device_socket.register_nb_transport_bw(this, &CxlLink::nb_transport_bw);
  dir_[kM2S].tx_capacity = config.host_tx_queue_lines;
  dir_[kM2S].credit_limit = {config.credits_m2s_req, config.credits_m2s_rwd};
  dir_[kS2M].tx_capacity = config.device_tx_queue_lines;
  dir_[kS2M].credit_limit = {config.credits_s2m_ndr, config.credits_s2m_drs};
  for (auto& d : dir_) d.credits = d.credit_limit;
  // Streams 2 and 3 of the fault seed (the DRAM's poison draws are stream 1).
  dir_[kM2S].flit_errors = RareEvents(faults.flit_error_rate, fault_seed, 2);
  dir_[kS2M].flit_errors = RareEvents(faults.flit_error_rate, fault_seed, 3);
  SC_THREAD(m2s_sender);
  SC_THREAD(s2m_sender);
  SC_METHOD(credit_arrivals);
  sensitive << credit_event_;
  dont_initialize();
}

CxlLink::~CxlLink() = default;

std::uint64_t CxlLink::now_ps() const {
  return sim_now_ps();
}

void CxlLink::notify_at(sc_core::sc_event& e, std::uint64_t at_ps) {
  const std::uint64_t now = now_ps();
  e.notify(at_ps > now ? ps_time(at_ps - now) : SC_ZERO_TIME);
}

std::uint64_t CxlLink::in_flight(bool m2s) const {
  const Dir dir = m2s ? kM2S : kS2M;
  const auto& d = dir_[dir];
  // Credits already home but not yet applied (apply_due_credits) are not in flight.
  std::uint64_t home = 0;
  const std::uint64_t now = now_ps();
  for (const auto& r : credit_returns_) {
    if (r.due_ps > now) break;
    if (r.dir == dir) ++home;
  }
  return (d.credit_limit[0] - d.credits[0]) + (d.credit_limit[1] - d.credits[1]) - home;
}

// ---------------------------------------------------------------- line payload pool

CxlLink::Line* CxlLink::new_line() {
  if (pool_.empty()) {
    auto l = std::make_unique<Line>();
    l->gp.set_mm(this);
    l->ext = new CxlMemExtension();
    l->gp.set_extension(l->ext);
    l->report = new PoisonReport();
    l->gp.set_extension(l->report);
    auto* mark = new LineMark();
    mark->link = this;
    mark->line = l.get();
    l->gp.set_extension(mark);
    l->span = new InterleaveSpan();
    l->gp.set_extension(l->span);
    pool_.push_back(l.get());
    lines_.push_back(std::move(l));
  }
  Line* l = pool_.back();
  pool_.pop_back();
  l->gp.acquire();
  l->accepted = l->completed_early = l->bulk = false;
  l->ext->clear_responses();
  l->report->clear();
  *l->span = InterleaveSpan{};
  l->gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  l->gp.set_dmi_allowed(false);
  return l;
}

void CxlLink::free(tlm::tlm_generic_payload* trans) {
  Line* l = line_of(trans);
  if (l->job != nullptr) release_job(l->job);
  l->job = nullptr;
  pool_.push_back(l);
}

CxlLink::Line* CxlLink::line_of(tlm::tlm_generic_payload* trans) {
  // Every message's payload carries its Line (new_line): no lookup per message.
  const auto* mark = trans->get_extension<LineMark>();
  if (mark == nullptr || mark->link != this) {
    SC_REPORT_FATAL("monde/cxl/link", "a transaction that is not one of the link's messages came back on device_socket");
  }
  return mark->line;
}

// ---------------------------------------------------------------- host side

void CxlLink::release_job(HostJob* job) {
  if (--job->refs == 0) jobs_.release(job);
}

CxlLink::HostJob* CxlLink::make_job(tlm::tlm_generic_payload& trans, bool at) {
  HostJob* job = jobs_.acquire();
  job->refs = 1;
  job->trans = &trans;
  job->at = at;
  job->is_write = trans.is_write();
  job->start_ps = now_ps();
  const auto len = trans.get_data_length();
  if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) return job;  // nothing crosses the link
  if (len == 0) {
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return job;
  }
  if (trans.get_streaming_width() != 0 && trans.get_streaming_width() < len) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);  // CXL.mem has no streaming access
    return job;
  }
  if (trans.get_address() > std::numeric_limits<std::uint64_t>::max() - len) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return job;
  }
  if (mode_ == CxlLinkMode::kBulk) {
    job->bulk = true;
    job->total = 1;
    return job;
  }
  const auto* span = trans.get_extension<InterleaveSpan>();
  if (span != nullptr && span->active()) {
    // One device's granules of an interleaved range: each granule piece is a contiguous HPA run
    // (granules are 64 B aligned, so every piece after the first starts on a line).
    for (std::uint64_t off = 0; off < len;) {
      const std::uint64_t n = span->piece(trans.get_address(), off, len - off);
      const std::size_t first = job->lines.size();
      split_host_access(span->hpa(trans.get_address(), off), n, job->is_write, job->lines);
      for (std::size_t i = first; i < job->lines.size(); ++i) job->lines[i].host_offset += off;
      off += n;
    }
  } else {
    split_host_access(trans.get_address(), len, job->is_write, job->lines);
  }
  if (job->is_write && trans.get_byte_enable_ptr() != nullptr) {
    // Host byte enables narrow each line's mask; a line that loses bytes becomes MemWrPtl.
    for (auto& a : job->lines) {
      const std::uint64_t first = a.line_address < trans.get_address() ? trans.get_address() - a.line_address : 0;
      for (unsigned i = 0; i < kCxlLineBytes; ++i) {
        if (((a.byte_mask >> i) & 1u) == 0) continue;
        if (!host_byte_enabled(trans, a.host_offset + (i - first))) a.byte_mask &= ~(std::uint64_t{1} << i);
      }
      a.opcode = a.byte_mask == ~std::uint64_t{0} ? CxlMemOpcode::kMemWr : CxlMemOpcode::kMemWrPtl;
    }
  }
  job->total = job->lines.size();
  return job;
}

void CxlLink::admit() {
  auto& tx = dir_[kM2S];
  while (!admission_.empty()) {
    HostJob* job = admission_.front();
    if (job->bulk) {
      admit_bulk(job);
    } else {
      while (job->queued < job->lines.size() && tx.tx.size() < tx.tx_capacity) {
        const CxlLineAccess& a = job->lines[job->queued++];
        Line* l = new_line();
        l->job = job;
        ++job->refs;
        l->access = a;
        auto& gp = l->gp;
        gp.set_command(job->is_write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        gp.set_address(a.line_address);
        gp.set_data_ptr(l->data.data());
        gp.set_data_length(kCxlLineBytes);
        gp.set_streaming_width(kCxlLineBytes);
        gp.set_byte_enable_ptr(nullptr);
        gp.set_byte_enable_length(0);
        l->ext->request = make_message(a.opcode, next_tag_++, a.line_address);
        if (a.opcode == CxlMemOpcode::kMemWrPtl) {
          l->ext->request.byte_enable = a.byte_mask;
          for (unsigned i = 0; i < kCxlLineBytes; ++i) {
            l->be[i] = ((a.byte_mask >> i) & 1u) ? TLM_BYTE_ENABLED : TLM_BYTE_DISABLED;
          }
          gp.set_byte_enable_ptr(l->be.data());
          gp.set_byte_enable_length(kCxlLineBytes);
        }
        if (job->is_write && !timing_only_) {
          // The covered bytes of a line are contiguous in the host buffer from host_offset.
          const std::uint64_t first = a.line_address < job->trans->get_address()
                                          ? job->trans->get_address() - a.line_address : 0;
          const std::uint64_t n = std::min<std::uint64_t>(kCxlLineBytes - first,
                                                          job->trans->get_data_length() - a.host_offset);
          std::memcpy(l->data.data() + first, job->trans->get_data_ptr() + a.host_offset, n);
        }
        tx.tx.push_back(l);
      }
      tx.stats.max_tx_queue = std::max<std::uint64_t>(tx.stats.max_tx_queue, tx.tx.size());
      tx.wake_sender();
      if (job->queued < job->lines.size()) return;  // tx queue full: END_REQ waits (back-pressure)
    }
    admission_.pop_front();
    if (job->end_req_by_return) {
      job->end_req_returned = true;
    } else if (job->at) {
      tlm::tlm_phase phase = tlm::END_REQ;
      sc_time zero = SC_ZERO_TIME;
      host_socket->nb_transport_bw(*job->trans, phase, zero);
    }
    if (job->total == 0) finish(job);
  }
}

void CxlLink::admit_bulk(HostJob* job) {
  auto& trans = *job->trans;
  const std::uint64_t addr = trans.get_address(), len = trans.get_data_length();
  const std::uint64_t n = (addr + len - 1) / kCxlLineBytes - addr / kCxlLineBytes + 1;
  std::uint64_t partial = 0;
  if (job->is_write) {
    if (n == 1) {
      partial = (addr % kCxlLineBytes != 0 || len != kCxlLineBytes) ? 1 : 0;
    } else {
      partial = (addr % kCxlLineBytes != 0 ? 1 : 0) + ((addr + len) % kCxlLineBytes != 0 ? 1 : 0);
    }
  }
  Line* l = new_line();
  l->job = job;
  ++job->refs;
  l->bulk = true;
  // An interleaved device's granules (InterleaveSpan): the controller decodes the walk; the line
  // count and partial lines are those of the contiguous range (granules are whole lines).
  if (const auto* span = trans.get_extension<InterleaveSpan>()) *l->span = *span;
  l->bulk_lines = n;
  l->bulk_partial_lines = partial;
  auto& gp = l->gp;
  gp.set_command(trans.get_command());
  gp.set_address(addr);
  gp.set_data_ptr(trans.get_data_ptr());  // bulk: the memory reads/writes the host buffer itself
  gp.set_data_length(static_cast<unsigned>(len));
  gp.set_streaming_width(static_cast<unsigned>(len));
  gp.set_byte_enable_ptr(trans.get_byte_enable_ptr());
  gp.set_byte_enable_length(trans.get_byte_enable_length());
  const auto op = job->is_write ? CxlMemOpcode::kMemWr : CxlMemOpcode::kMemRd;
  l->ext->request = make_message(op, next_tag_++, addr / kCxlLineBytes * kCxlLineBytes);

  auto& d = dir_[kM2S];
  const double first = wire_ps(*l, kM2S) / static_cast<double>(n);  // one message's share
  const double wire = job->is_write ? (n * message_ns_.write_data[0] +
                                       partial * config_.partial_write_extra_slots * message_ns_.header) * 1000.0
                                    : n * message_ns_.header * 1000.0;
  const double start = std::max(d.free_ps, static_cast<double>(now_ps()));
  d.free_ps = start + wire + retries(kM2S, wire / static_cast<double>(n), n);
  d.stats.busy_ps += d.free_ps - start;
  d.stats.messages += n;
  if (job->is_write) d.stats.data_bytes += n * kCxlLineBytes;
  messages_.count(op, n);
  l->device_arrival_ps = start + first + one_way_ps_;
  l->last_m2s_arrival_ps = d.free_ps + one_way_ps_;
  const auto arrive = static_cast<std::uint64_t>(std::llround(l->device_arrival_ps));
  arrival_peq_.notify(gp, tlm::BEGIN_REQ, ps_time(arrive - now_ps()));
}

void CxlLink::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  // LT: synchronise, then take the same timed path as AT, so both styles see the same timing.
  sc_core::wait(delay);
  delay = SC_ZERO_TIME;
  HostJob* job = make_job(trans, false);
  job->done_event = events_.acquire();
  admission_.push_back(job);
  admit();
  while (!job->complete) sc_core::wait(*job->done_event);
  job->done_event->cancel();  // notified but not waited for when the job finished in admit()
  events_.release(job->done_event);
  job->done_event = nullptr;
  release_job(job);
}

tlm::tlm_sync_enum CxlLink::nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_time& delay) {
  if (phase == tlm::BEGIN_REQ) {
    if (trans.has_mm()) trans.acquire();  // held until END_RESP
    // A request arriving now, with nothing ahead of it, is admitted in the call, at the time the
    // PEQ callback would have admitted it; only one that crosses the link as messages, so that
    // no response can be due before this call returns.
    if (delay == SC_ZERO_TIME && host_peq_requests_ == 0 && admission_.empty() && mode_ == CxlLinkMode::kFlit &&
        crosses_link(trans)) {
      HostJob* job = make_job(trans, true);
      job->end_req_by_return = true;
      admission_.push_back(job);
      admit();
      job->end_req_by_return = false;
      if (!job->end_req_returned) return tlm::TLM_ACCEPTED;  // END_REQ later, on the backward path
      phase = tlm::END_REQ;
      return tlm::TLM_UPDATED;
    }
    ++host_peq_requests_;
  }
  host_peq_.notify(trans, phase, delay);
  return tlm::TLM_ACCEPTED;
}

bool CxlLink::crosses_link(const tlm::tlm_generic_payload& t) const {
  const auto len = t.get_data_length();
  return t.get_command() != tlm::TLM_IGNORE_COMMAND && len != 0 &&
         (t.get_streaming_width() == 0 || t.get_streaming_width() >= len) &&
         t.get_address() <= std::numeric_limits<std::uint64_t>::max() - len;
}

void CxlLink::host_phase(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase) {
  if (phase == tlm::BEGIN_REQ) {
    --host_peq_requests_;
    admission_.push_back(make_job(trans, true));
    admit();
  } else if (phase == tlm::END_RESP) {
    host_response_open_ = false;
    if (trans.has_mm()) trans.release();
    send_next_host_response();
  } else {
    SC_REPORT_ERROR("monde/cxl/link", "host_socket: unexpected phase (the base protocol allows BEGIN_REQ and END_RESP)");
  }
}

void CxlLink::host_arrival(Line* l) {
  HostJob* job = l->job;  // the owner's reference keeps it after the line is released below
  const bool is_write = job->is_write;
  if (!l->bulk) return_credit(kS2M, credit_class(is_write, false));
  const bool ok = l->gp.get_response_status() == tlm::TLM_OK_RESPONSE;
  const bool poisoned = l->ext->response_poisoned();
  if (!ok && !job->error) job->status = l->gp.get_response_status();
  if (!ok) job->error = true;
  if (l->gp.is_dmi_allowed()) job->dmi_hint = true;
  if (poisoned) {
    job->poisoned = true;
    ++poisoned_lines_;
    // Where, in the host's data: a message is one line (its first covered byte); a bulk transfer
    // says which of its lines (the memory's report, or all of them when nothing more is known).
    const std::uint64_t lines = l->bulk ? std::max<std::uint64_t>(1, l->report->lines) : 1;
    const std::uint64_t offset = l->bulk ? l->report->first_offset : l->access.host_offset;
    if (job->poison_lines == 0 || offset < job->poison_offset) job->poison_offset = offset;
    job->poison_lines += lines;
  }
  if (!is_write && ok && !poisoned && !timing_only_ && !l->bulk) {
    auto& t = *job->trans;
    const CxlLineAccess& a = l->access;
    const std::uint64_t first = a.line_address < t.get_address() ? t.get_address() - a.line_address : 0;
    const std::uint64_t n = std::min<std::uint64_t>(kCxlLineBytes - first, t.get_data_length() - a.host_offset);
    if (t.get_byte_enable_ptr() == nullptr) {
      std::memcpy(t.get_data_ptr() + a.host_offset, l->data.data() + first, n);
    } else {
      for (std::uint64_t i = 0; i < n; ++i) {  // disabled bytes of a read stay untouched
        if (host_byte_enabled(t, a.host_offset + i)) t.get_data_ptr()[a.host_offset + i] = l->data[first + i];
      }
    }
  }
  ++job->done;
  l->gp.release();  // back to the pool when the device side has released it too
  if (job->done == job->total) finish(job);
}

void CxlLink::finish(HostJob* job_ptr) {
  HostJob& job = *job_ptr;
  job.complete = true;
  ++host_transactions_;
  auto& t = *job.trans;
  if (job.error) t.set_response_status(job.status);
  if (job.poison_lines > 0) {
    if (auto* report = t.get_extension<PoisonReport>()) report->add(job.poison_lines, job.poison_offset);
  }
  if (job.dmi_hint) t.set_dmi_allowed(true);
  if (t.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE) t.set_response_status(tlm::TLM_OK_RESPONSE);
  if (t.get_response_status() != tlm::TLM_OK_RESPONSE) ++error_transactions_;
  if (job.total > 0) (job.is_write ? write_latency_ : read_latency_).record(now_ps() - job.start_ps);
  if (auto* ext = t.get_extension<CxlMemExtension>()) {
    // An initiator that attached the CXL view gets the S2M answer, poison included.
    ext->add_response(job.is_write ? CxlMemOpcode::kCmp : CxlMemOpcode::kMemData, job.poisoned);
  }
  if (!job.at) {
    job.done_event->notify(SC_ZERO_TIME);
    return;
  }
  responses_.push_back(job_ptr);
  send_next_host_response();
}

void CxlLink::send_next_host_response() {
  while (!host_response_open_ && !responses_.empty()) {
    HostJob* job = responses_.front();
    tlm::tlm_generic_payload* t = job->trans;
    responses_.pop_front();
    release_job(job);  // END_RESP refers to the transaction, not to the job
    tlm::tlm_phase phase = tlm::BEGIN_RESP;
    sc_time delay = SC_ZERO_TIME;
    host_response_open_ = true;
    const auto status = host_socket->nb_transport_bw(*t, phase, delay);
    if (status == tlm::TLM_COMPLETED || (status == tlm::TLM_UPDATED && phase == tlm::END_RESP)) {
      host_response_open_ = false;
      if (t->has_mm()) t->release();
    }
  }
}

unsigned int CxlLink::transport_dbg(tlm::tlm_generic_payload& trans) { return device_socket->transport_dbg(trans); }

bool CxlLink::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  if (!device_socket->get_direct_mem_ptr(trans, dmi)) return false;
  // DMI skips the link: charge its unloaded round trip (request wire time, two crossings,
  // response wire time) on top of what the device charges.
  const double rd = (config_.header_message_ns() + config_.read_data_message_ns()) * 1000.0 + 2 * one_way_ps_;
  const double wr = (config_.write_data_message_ns() + config_.header_message_ns()) * 1000.0 + 2 * one_way_ps_;
  dmi.set_read_latency(dmi.get_read_latency() + sc_time(std::round(rd), SC_PS));
  dmi.set_write_latency(dmi.get_write_latency() + sc_time(std::round(wr), SC_PS));
  return true;
}

// ---------------------------------------------------------------- serialisers and credits

double CxlLink::retry_ps(double w) const {
  return 2 * one_way_ps_ + 2 * flit_ps_ + faults_.retry_turnaround_ns * 1000.0 + w;
}

double CxlLink::retries(Dir d, double w, std::uint64_t messages) {
  Direction& dr = dir_[d];
  if (!dr.flit_errors.active() && dr.forced_errors == 0) return 0;
  // The flits these transmissions occupy along the direction's stream (fractional: messages are
  // charged in slots), each failing independently; a failed message is retried once per failure
  // (go-back-N from its first failed flit), and its resend takes fresh flits of the stream.
  const auto trials = [&dr](double flits) {
    const double before = dr.flit_pos;
    dr.flit_pos += flits;
    return static_cast<std::uint64_t>(std::floor(dr.flit_pos) - std::floor(before));
  };
  std::uint64_t failed = dr.flit_errors.take(trials(w / flit_ps_ * static_cast<double>(messages))).count;
  const std::uint64_t forced = std::min<std::uint64_t>(dr.forced_errors, messages);
  dr.forced_errors -= static_cast<unsigned>(forced);
  failed += forced;
  double extra = 0;
  while (failed > 0) {
    --failed;
    ++dr.stats.crc_errors;
    extra += retry_ps(w);
    failed += dr.flit_errors.take(trials(w / flit_ps_)).count > 0 ? 1 : 0;  // the resend fails too
  }
  dr.stats.retry_ps += extra;
  return extra;
}

void CxlLink::wait_for_replay_room(Dir d, double flits) {
  Direction& dr = dir_[d];
  const double cap = faults_.replay_buffer_flits;
  for (;;) {
    const double now = static_cast<double>(now_ps());
    while (!dr.unacked.empty() && dr.unacked.front().first <= now) {
      dr.unacked_flits -= dr.unacked.front().second;
      dr.unacked.pop_front();
    }
    if (dr.unacked.empty() || dr.unacked_flits + flits <= cap) return;
    const auto due = static_cast<std::uint64_t>(std::ceil(dr.unacked.front().first));
    const std::uint64_t t0 = now_ps();
    sc_core::wait(ps_time(due - t0));
    dr.stats.replay_stall_ps += now_ps() - t0;
  }
}

void CxlLink::buffer_flits(Dir d, double flits, double acked_ps) {
  Direction& dr = dir_[d];
  dr.unacked.emplace_back(acked_ps, flits);
  dr.unacked_flits += flits;
  dr.stats.max_replay_flits = std::max(dr.stats.max_replay_flits, dr.unacked_flits);
}

double CxlLink::wire_ps(const Line& l, Dir d) const {
  const bool is_write = l.job->is_write;
  double ns;
  if (d == kM2S) {
    ns = is_write ? message_ns_.write_data[l.access.opcode == CxlMemOpcode::kMemWrPtl ? 1 : 0] : message_ns_.header;
  } else {
    ns = is_write ? message_ns_.header : message_ns_.read_data;
  }
  return ns * 1000.0 * (l.bulk ? static_cast<double>(l.bulk_lines) : 1.0);
}

void CxlLink::sender(Dir d) {
  Direction& dr = dir_[d];
  for (;;) {
    while (dr.tx.empty()) {
      dr.waiting_for_work = true;
      sc_core::wait(dr.work);
      dr.waiting_for_work = false;
    }
    // The serialiser is not waited out after a message with nothing queued behind it (one
    // activation less per message on a lightly loaded link): a message that arrives while the
    // last one is still on the wire waits for it here, and starts when it would have.
    if (const auto busy_until = static_cast<std::uint64_t>(std::ceil(dr.free_ps)); busy_until > now_ps()) {
      sc_core::wait(ps_time(busy_until - now_ps()));
    }
    Line* l = dr.tx.front();
    const bool is_write = l->job->is_write;
    const unsigned cls = credit_class(is_write, d == kM2S);
    apply_due_credits();
    if (dr.credits[cls] == 0) {
      const std::uint64_t t0 = now_ps();
      // Woken when the first credit of this class is home (return_credit arms the event for one
      // returned later); the sender applies the returns itself.
      dr.waiting_for_credit = true;
      dr.waiting_class = cls;
      while (dr.credits[cls] == 0) {
        if (const std::uint64_t due = next_credit_due(d, cls); due != 0) notify_at(dr.credit_returned, due);
        sc_core::wait(dr.credit_returned);
        apply_due_credits();
      }
      dr.waiting_for_credit = false;
      dr.stats.credit_stall_ps += now_ps() - t0;
    }
    --dr.credits[cls];
    dr.stats.max_in_flight = std::max(dr.stats.max_in_flight, in_flight(d == kM2S));
    dr.tx.pop_front();
    on_tx_space(d);

    const double w = wire_ps(*l, d);
    if (faults_.replay_buffer_flits > 0) wait_for_replay_room(d, w / flit_ps_);
    // A message that was waiting when the serialiser freed starts at the exact (fractional)
    // free time, so that rounding to whole picoseconds never lowers the bandwidth.
    const std::uint64_t now_ps_int = now_ps();  // no wait from here to the end of the message
    const double now = static_cast<double>(now_ps_int);
    const double start = now <= std::ceil(dr.free_ps) ? std::max(dr.free_ps, now - 1.0) : now;
    const double retry = retries(d, w);
    dr.free_ps = start + w + retry;
    dr.stats.busy_ps += w + retry;
    if (faults_.replay_buffer_flits > 0) buffer_flits(d, w / flit_ps_, dr.free_ps + 2 * one_way_ps_);
    ++dr.stats.messages;
    if (cls == 1) dr.stats.data_bytes += kCxlLineBytes;
    if (d == kM2S) {
      messages_.count(l->ext->request.opcode);
    } else if (l->ext->responses.empty()) {
      messages_.count(is_write ? CxlMemOpcode::kCmp : CxlMemOpcode::kMemData);
    } else {
      for (const auto& m : l->ext->responses) messages_.count(m.opcode);
    }
    const auto arrive =
        std::max<std::uint64_t>(static_cast<std::uint64_t>(std::llround(dr.free_ps + one_way_ps_)), now_ps_int);
    arrival_peq_.notify(l->gp, d == kM2S ? tlm::BEGIN_REQ : tlm::BEGIN_RESP, ps_time(arrive - now_ps_int));
    const auto free_at = static_cast<std::uint64_t>(std::ceil(dr.free_ps));
    if (!dr.tx.empty() && free_at > now_ps_int) sc_core::wait(ps_time(free_at - now_ps_int));
  }
}

void CxlLink::on_tx_space(Dir d) {
  if (d == kM2S) {
    admit();
    return;
  }
  if (pending_response_ != nullptr) {
    Line* l = pending_response_;
    const bool end_resp = pending_needs_end_resp_;
    pending_response_ = nullptr;
    dir_[kS2M].tx.push_back(l);
    dir_[kS2M].wake_sender();
    if (end_resp) {
      tlm::tlm_phase phase = tlm::END_RESP;
      sc_time zero = SC_ZERO_TIME;
      device_socket->nb_transport_fw(l->gp, phase, zero);
    }
  }
}

void CxlLink::return_credit(Dir d, unsigned cls) {
  const auto due = now_ps() + static_cast<std::uint64_t>(std::llround(one_way_ps_));
  credit_returns_.push_back(CreditReturn{due, d, cls});  // due times never decrease: a FIFO is in order
  Direction& dr = dir_[d];
  // A sender waiting for this class wakes when it is due (an earlier pending wake stands).
  if (dr.waiting_for_credit && dr.waiting_class == cls) notify_at(dr.credit_returned, due);
  if (credit_wake_ps_ == 0) {
    credit_wake_ps_ = due;
    notify_at(credit_event_, due);
  }
}

std::uint64_t CxlLink::next_credit_due(Dir d, unsigned cls) const {
  for (const auto& r : credit_returns_) {
    if (r.dir == d && r.cls == cls) return r.due_ps;
  }
  return 0;
}

void CxlLink::apply_due_credits() {
  const std::uint64_t now = now_ps();
  while (!credit_returns_.empty() && credit_returns_.front().due_ps <= now) {
    ++dir_[credit_returns_.front().dir].credits[credit_returns_.front().cls];
    credit_returns_.pop_front();
  }
}

void CxlLink::credit_arrivals() {
  // Nobody needs a return before a sender looks (it applies the due ones itself, and one that
  // waits has its own wake), so this runs once per window of returns, at the last one's due
  // time, instead of once per credit: simulated time still reaches the moment every credit is
  // home, and the counts are current when the link goes idle.
  apply_due_credits();
  credit_wake_ps_ = 0;
  if (credit_returns_.empty()) return;
  credit_wake_ps_ = credit_returns_.back().due_ps;
  notify_at(credit_event_, credit_wake_ps_);
}

// ---------------------------------------------------------------- device side

tlm::tlm_sync_enum CxlLink::nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_time& delay) {
  if (phase != tlm::END_REQ && phase != tlm::BEGIN_RESP) {
    SC_REPORT_ERROR("monde/cxl/link", "device_socket: unexpected phase (the base protocol allows END_REQ and BEGIN_RESP)");
    return tlm::TLM_ACCEPTED;
  }
  device_peq_.notify(trans, phase, delay);
  return tlm::TLM_ACCEPTED;
}

// The device's END_REQ / BEGIN_RESP (and a TLM_COMPLETED answer, queued as BEGIN_RESP).
void CxlLink::device_phase(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase) {
  Line* l = line_of(&trans);
  if (!l->accepted) device_accepted(l);  // BEGIN_RESP implies END_REQ
  if (phase == tlm::BEGIN_RESP) device_response(l);
}

// Messages reaching the other end of the wire: BEGIN_REQ = M2S at the device port's rx buffer,
// BEGIN_RESP = S2M at the root port.
void CxlLink::arrival_phase(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase) {
  Line* l = line_of(&trans);
  if (phase == tlm::BEGIN_RESP) {
    host_arrival(l);
    return;
  }
  device_rx_.push_back(l);
  max_device_rx_ = std::max<std::uint64_t>(max_device_rx_, device_rx_.size());
  issue_to_device();
}

void CxlLink::issue_to_device() {
  while (!device_request_open_ && !device_rx_.empty()) {
    Line* l = device_rx_.front();
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_time delay = SC_ZERO_TIME;
    device_request_open_ = true;
    const auto status = device_socket->nb_transport_fw(l->gp, phase, delay);
    if (status == tlm::TLM_ACCEPTED) return;  // END_REQ / BEGIN_RESP come on the backward path
    if (status == tlm::TLM_UPDATED && phase == tlm::END_REQ && delay == SC_ZERO_TIME) {
      // Accepted in the call, now: take it as the PEQ would one delta cycle later, at this same
      // time (nothing else can reach the rx buffer in between: messages arrive serialised).
      take_from_rx(l);
      continue;
    }
    if (status == tlm::TLM_COMPLETED) {
      l->completed_early = true;
      phase = tlm::BEGIN_RESP;
    }
    device_peq_.notify(l->gp, phase, delay);
    return;
  }
}

void CxlLink::take_from_rx(Line* l) {
  l->accepted = true;
  device_request_open_ = false;
  if (device_rx_.empty() || device_rx_.front() != l) {
    SC_REPORT_FATAL("monde/cxl/link", "device accepted a message that is not the head of the device port's rx buffer");
  }
  device_rx_.pop_front();
  // The rx buffer slot is free: its credit flies back to the root port.
  if (!l->bulk) return_credit(kM2S, credit_class(l->job->is_write, true));
}

void CxlLink::device_accepted(Line* l) {
  take_from_rx(l);
  issue_to_device();
}

void CxlLink::device_response(Line* l) {
  if (l->bulk) {
    // The response stream of a bulk transfer: it cannot start before the request reached the
    // device and cannot end before the memory finished plus one message.
    auto& d = dir_[kS2M];
    const bool is_write = l->job->is_write;
    const double wire = wire_ps(*l, kS2M);
    const double one = wire / static_cast<double>(l->bulk_lines);
    const double now = static_cast<double>(now_ps());
    const double start = std::max(d.free_ps, l->device_arrival_ps);
    const double retry = retries(kS2M, one, l->bulk_lines);
    double end = std::max(start + wire + retry, now + one + retry);
    if (is_write) end = std::max(end, l->last_m2s_arrival_ps + one);
    d.free_ps = end;
    d.stats.busy_ps += wire + retry;
    d.stats.messages += l->bulk_lines;
    if (!is_write) d.stats.data_bytes += l->bulk_lines * kCxlLineBytes;
    messages_.count(is_write ? CxlMemOpcode::kCmp : CxlMemOpcode::kMemData, l->bulk_lines);
    const auto arrive = static_cast<std::uint64_t>(std::llround(end + one_way_ps_));
    arrival_peq_.notify(l->gp, tlm::BEGIN_RESP, ps_time(arrive - now_ps()));
  } else if (dir_[kS2M].tx.size() >= dir_[kS2M].tx_capacity) {
    pending_response_ = l;  // END_RESP withheld until the S2M tx queue has room
    pending_needs_end_resp_ = !l->completed_early;
    return;
  } else {
    auto& d = dir_[kS2M];
    d.tx.push_back(l);
    d.stats.max_tx_queue = std::max<std::uint64_t>(d.stats.max_tx_queue, d.tx.size());
    d.wake_sender();
  }
  if (!l->completed_early) {
    tlm::tlm_phase phase = tlm::END_RESP;
    sc_time zero = SC_ZERO_TIME;
    device_socket->nb_transport_fw(l->gp, phase, zero);
  }
}

// ---------------------------------------------------------------- statistics

nlohmann::json CxlLink::stats_json(double elapsed_ps) const {
  auto dir_json = [&](const Direction& d, double bytes_per_s) {
    const double util = elapsed_ps > 0 ? d.stats.busy_ps / elapsed_ps : 0.0;
    return nlohmann::json{{"utilisation", util},
                          {"busy_ns", d.stats.busy_ps / 1000.0},
                          {"messages", d.stats.messages},
                          {"data_bytes", d.stats.data_bytes},
                          {"data_GBps", elapsed_ps > 0 ? d.stats.data_bytes / elapsed_ps * 1e3 : 0.0},
                          {"peak_data_GBps", bytes_per_s / 1e9},
                          {"max_tx_queue_lines", d.stats.max_tx_queue},
                          {"tx_queue_capacity_lines", d.tx_capacity},
                          {"max_in_flight_messages", d.stats.max_in_flight},
                          {"credit_stall_ns", d.stats.credit_stall_ps / 1000.0}};
  };
  // The retry counters only where retries can happen: a run without faults reports what it did.
  const bool retry_stats = faults_.enabled() || dir_[kM2S].stats.crc_errors + dir_[kS2M].stats.crc_errors > 0;
  auto with_retry = [&](nlohmann::json j, const Direction& d) {
    if (!retry_stats) return j;
    j["crc_errors"] = d.stats.crc_errors;
    j["retry_ns"] = d.stats.retry_ps / 1000.0;
    j["replay_buffer_max_flits"] = d.stats.max_replay_flits;
    j["replay_buffer_stall_ns"] = d.stats.replay_stall_ps / 1000.0;
    return j;
  };
  return nlohmann::json{{"mode", mode_ == CxlLinkMode::kFlit ? "flit" : "bulk"},
                        {"m2s", with_retry(dir_json(dir_[kM2S], config_.write_bytes_per_s()), dir_[kM2S])},
                        {"s2m", with_retry(dir_json(dir_[kS2M], config_.read_bytes_per_s()), dir_[kS2M])},
                        {"device_rx_max_lines", max_device_rx_},
                        {"messages", messages_.to_json()},
                        {"host", {{"transactions", host_transactions_},
                                  {"error_transactions", error_transactions_},
                                  {"poisoned_lines", poisoned_lines_},
                                  {"read_latency", mem::latency_json(read_latency_)},
                                  {"write_latency", mem::latency_json(write_latency_)}}}};
}

}  // namespace monde::cxl
