#include "tlm/cxl/cxl_mem_controller.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "tlm/common/interleave_span.hpp"
#include "tlm/common/sim_time.hpp"
#include "tlm/cxl/cxl_mem_extension.hpp"

namespace monde::cxl {

using sc_core::sc_time;
using sc_core::SC_PS;
using sc_core::SC_ZERO_TIME;

CxlMemController::CxlMemController(sc_core::sc_module_name name, const HdmDecoder& hdm, double controller_ns,
                                   unsigned queue_lines)
    : sc_module(name),
      link_socket("link_socket"),
      memory_socket("memory_socket"),
      hdm_(hdm),
      controller_ps_(static_cast<std::uint64_t>(std::llround(controller_ns * 1000.0))),
      queue_lines_(queue_lines) {
  link_socket.register_nb_transport_fw(this, &CxlMemController::link_fw);
  link_socket.register_transport_dbg(this, &CxlMemController::transport_dbg);
  link_socket.register_get_direct_mem_ptr(this, &CxlMemController::get_direct_mem_ptr);
  memory_socket.register_nb_transport_bw(this, &CxlMemController::memory_bw);
  SC_THREAD(issuer);
}

std::uint64_t CxlMemController::now_ps() const {
  return sim_now_ps();
}

std::uint64_t CxlMemController::contiguous_end(std::uint64_t hpa) const {
  return contiguous_end(hpa, hdm_.decode_detail(hpa));
}

std::uint64_t CxlMemController::contiguous_end(std::uint64_t hpa, const HdmDecoder::Result& r) const {
  const config::HdmRange& d = hdm_.config().decoders.at(r.decoder);
  if (d.ways == 1) return d.base + d.size;
  return (hpa / d.granularity + 1) * d.granularity;  // granules are aligned to their size
}

std::optional<std::uint64_t> CxlMemController::decode_range(std::uint64_t hpa, std::uint64_t len) const {
  const auto first = hdm_.decode_detail(hpa);
  if (first.outcome != HdmDecoder::Outcome::kHit) return std::nullopt;
  if (len > 1 && hpa + len > contiguous_end(hpa, first)) return std::nullopt;
  return first.dpa;
}

std::optional<std::uint64_t> CxlMemController::decode_span(std::uint64_t hpa, std::uint64_t len,
                                                           const InterleaveSpan& span) const {
  // This device's granules of an interleaved access: contiguous in DPA when the walk is the one
  // its decoder was programmed with and both ends are its own (the owned HPAs between them map
  // to consecutive DPAs, one granule after another).
  const auto first = hdm_.decode_detail(hpa);
  if (first.outcome != HdmDecoder::Outcome::kHit) return std::nullopt;
  const config::HdmRange& d = hdm_.config().decoders.at(first.decoder);
  if (d.ways != span.ways || d.granularity != span.granularity) return std::nullopt;
  const auto last = hdm_.decode_detail(span.hpa(hpa, len - 1));
  if (last.outcome != HdmDecoder::Outcome::kHit || last.decoder != first.decoder) return std::nullopt;
  if (last.dpa - first.dpa != len - 1) return std::nullopt;
  return first.dpa;
}

// ---------------------------------------------------------------- requests

tlm::tlm_sync_enum CxlMemController::link_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                             sc_time& delay) {
  if (phase == tlm::END_RESP) {
    response_taken();
    return tlm::TLM_COMPLETED;
  }
  if (phase != tlm::BEGIN_REQ) {
    SC_REPORT_ERROR("monde/cxl/controller", "link_socket: unexpected phase (the base protocol allows BEGIN_REQ and END_RESP)");
    return tlm::TLM_ACCEPTED;
  }
  if (trans.has_mm()) trans.acquire();  // held until the link's END_RESP
  if (queue_.size() >= queue_lines_) {
    pending_accept_ = &trans;  // END_REQ when a slot frees: the link holds the message (and its credit)
    pending_delay_ = delay;
    return tlm::TLM_ACCEPTED;
  }
  enqueue(trans, delay);
  phase = tlm::END_REQ;
  return tlm::TLM_UPDATED;
}

void CxlMemController::enqueue(tlm::tlm_generic_payload& trans, const sc_time& delay) {
  ++stats_.requests;
  Entry e;
  e.trans = &trans;
  e.ready_ps = now_ps() + static_cast<std::uint64_t>(delay.value() / ticks_per_ps()) + controller_ps_;
  const auto* span = trans.get_extension<InterleaveSpan>();
  e.dpa = span != nullptr && span->active() ? decode_span(trans.get_address(), trans.get_data_length(), *span)
                                            : decode_range(trans.get_address(), trans.get_data_length());
  queue_.push_back(e);
  stats_.max_queue_lines = std::max<std::uint64_t>(stats_.max_queue_lines, queue_.size());
  // The issuer waits on work_ only while the queue is empty (it looks at the queue before it
  // waits again), so a notification at any other time would wake nobody. A request alone in the
  // queue wakes it when it is ready (one activation instead of a wake-up and then a wait); one
  // behind it wakes it now (an earlier notification replaces a later one), and it then waits
  // for the head's time itself, as before.
  if (issuer_idle_) {
    const std::uint64_t now = now_ps();
    if (queue_.size() == 1 && e.ready_ps > now) {
      work_.notify(ps_time(e.ready_ps - now));
    } else {
      work_.notify(SC_ZERO_TIME);
    }
  }
}

void CxlMemController::issuer() {
  for (;;) {
    while (queue_.empty()) {
      issuer_idle_ = true;
      sc_core::wait(work_);
      issuer_idle_ = false;
    }
    const Entry e = queue_.front();
    if (e.ready_ps > now_ps()) sc_core::wait(ps_time(e.ready_ps - now_ps()));
    queue_.pop_front();
    if (pending_accept_ != nullptr) {
      tlm::tlm_generic_payload* t = pending_accept_;
      pending_accept_ = nullptr;
      enqueue(*t, SC_ZERO_TIME);
      tlm::tlm_phase phase = tlm::END_REQ;
      sc_time zero = SC_ZERO_TIME;
      link_socket->nb_transport_bw(*t, phase, zero);
    }
    auto& t = *e.trans;
    if (!e.dpa) {
      ++stats_.undecoded;
      t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      respond(t, false);
      continue;
    }
    hpa_of_[&t] = t.get_address();
    t.set_address(*e.dpa);
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_time delay = SC_ZERO_TIME;
    memory_request_open_ = &t;
    const auto status = memory_socket->nb_transport_fw(t, phase, delay);
    if (status == tlm::TLM_COMPLETED) {
      memory_request_open_ = nullptr;
      if (delay > SC_ZERO_TIME) sc_core::wait(delay);
      memory_response(t);
      respond(t, false);
      continue;
    }
    if (status == tlm::TLM_UPDATED) {
      if (delay > SC_ZERO_TIME) sc_core::wait(delay);
      memory_request_open_ = nullptr;
      if (phase == tlm::BEGIN_RESP) {
        memory_response(t);
        respond(t, true);
      }
      continue;
    }
    while (memory_request_open_ != nullptr) sc_core::wait(memory_end_req_);
  }
}

tlm::tlm_sync_enum CxlMemController::memory_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                               sc_time&) {
  // END_REQ, or BEGIN_RESP (which implies it), of the request in progress ends its request
  // phase; a BEGIN_RESP of an earlier request does not (1666-2011 15.2.6 request exclusion).
  if ((phase == tlm::END_REQ || phase == tlm::BEGIN_RESP) && memory_request_open_ == &trans) {
    memory_request_open_ = nullptr;
    memory_end_req_.notify(SC_ZERO_TIME);
  }
  if (phase == tlm::BEGIN_RESP) {
    memory_response(trans);
    respond(trans, true);
  }
  return tlm::TLM_ACCEPTED;
}

// Counts memory errors. The host address is restored only once the memory is done with the
// transaction (after its END_RESP): a target must see its attributes unchanged until then.
void CxlMemController::memory_response(tlm::tlm_generic_payload& trans) {
  if (trans.get_response_status() != tlm::TLM_OK_RESPONSE) ++stats_.memory_errors;
}

void CxlMemController::respond(tlm::tlm_generic_payload& trans, bool from_memory) {
  const bool ok = trans.get_response_status() == tlm::TLM_OK_RESPONSE;
  if (!ok && trans.is_read()) ++stats_.poisoned_reads;
  if (!ok && trans.is_write()) ++stats_.dropped_writes;
  if (auto* ext = trans.get_extension<CxlMemExtension>()) {
    ext->add_response(trans.is_write() ? CxlMemOpcode::kCmp : CxlMemOpcode::kMemData, !ok && trans.is_read());
  }
  responses_.push_back(Response{&trans, from_memory});
  send_next_response();
}

void CxlMemController::send_next_response() {
  if (link_response_open_ || responses_.empty()) return;
  auto& t = *responses_.front().trans;
  tlm::tlm_phase phase = tlm::BEGIN_RESP;
  sc_time delay = SC_ZERO_TIME;
  link_response_open_ = true;
  const auto status = link_socket->nb_transport_bw(t, phase, delay);
  if (status == tlm::TLM_COMPLETED || (status == tlm::TLM_UPDATED && phase == tlm::END_RESP)) response_taken();
}

void CxlMemController::response_taken() {
  if (responses_.empty()) {
    SC_REPORT_ERROR("monde/cxl/controller", "END_RESP with no response outstanding");
    return;
  }
  const Response r = responses_.front();
  responses_.pop_front();
  link_response_open_ = false;
  if (r.from_memory) {
    tlm::tlm_phase phase = tlm::END_RESP;
    sc_time zero = SC_ZERO_TIME;
    memory_socket->nb_transport_fw(*r.trans, phase, zero);
  }
  if (auto it = hpa_of_.find(r.trans); it != hpa_of_.end()) {
    r.trans->set_address(it->second);
    hpa_of_.erase(it);
  }
  if (r.trans->has_mm()) r.trans->release();
  send_next_response();
}

// ---------------------------------------------------------------- debug and DMI

unsigned int CxlMemController::transport_dbg(tlm::tlm_generic_payload& trans) {
  const std::uint64_t hpa0 = trans.get_address();
  const std::uint64_t len = trans.get_data_length();
  unsigned char* data = trans.get_data_ptr();
  std::uint64_t done = 0;
  while (done < len) {
    const std::uint64_t hpa = hpa0 + done;
    const auto r = hdm_.decode_detail(hpa);
    if (r.outcome != HdmDecoder::Outcome::kHit) break;  // debug access stops at the first hole
    const std::uint64_t piece = std::min(len - done, contiguous_end(hpa) - hpa);
    tlm::tlm_generic_payload part;
    part.set_command(trans.get_command());
    part.set_address(r.dpa);
    part.set_data_ptr(data + done);
    part.set_data_length(static_cast<unsigned>(piece));
    const unsigned n = memory_socket->transport_dbg(part);
    done += n;
    if (n < piece) break;
  }
  trans.set_response_status(done > 0 ? tlm::TLM_OK_RESPONSE : tlm::TLM_ADDRESS_ERROR_RESPONSE);
  return static_cast<unsigned>(done);
}

bool CxlMemController::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  const std::uint64_t hpa = trans.get_address();
  const auto r = hdm_.decode_detail(hpa);
  if (r.outcome != HdmDecoder::Outcome::kHit) {
    dmi.allow_none();
    dmi.set_start_address(hpa);
    dmi.set_end_address(hpa);
    return false;
  }
  const std::uint64_t piece_start = contiguous_end(hpa) - (hdm_.config().decoders[r.decoder].ways == 1
                                                               ? hdm_.config().decoders[r.decoder].size
                                                               : hdm_.config().decoders[r.decoder].granularity);
  const std::uint64_t piece_end = contiguous_end(hpa) - 1;
  trans.set_address(r.dpa);
  const bool granted = memory_socket->get_direct_mem_ptr(trans, dmi);
  trans.set_address(hpa);
  if (!granted) {  // nothing in this piece is DMI-able
    dmi.allow_none();
    dmi.set_start_address(piece_start);
    dmi.set_end_address(piece_end);
    return false;
  }
  // Back from DPAs to HPAs, clipped to the piece that is contiguous in both spaces.
  const std::uint64_t lo = std::max<std::uint64_t>(piece_start, hpa - (r.dpa - dmi.get_start_address()));
  const std::uint64_t hi = std::min<std::uint64_t>(piece_end, hpa + (dmi.get_end_address() - r.dpa));
  dmi.set_dmi_ptr(dmi.get_dmi_ptr() + ((r.dpa - (hpa - lo)) - dmi.get_start_address()));
  dmi.set_start_address(lo);
  dmi.set_end_address(hi);
  const sc_time ctrl(static_cast<double>(controller_ps_), SC_PS);
  dmi.set_read_latency(dmi.get_read_latency() + ctrl);
  dmi.set_write_latency(dmi.get_write_latency() + ctrl);
  return granted;
}

nlohmann::json CxlMemController::stats_json() const {
  return nlohmann::json{{"requests", stats_.requests},
                        {"undecoded_requests", stats_.undecoded},
                        {"poisoned_reads", stats_.poisoned_reads},
                        {"dropped_writes", stats_.dropped_writes},
                        {"memory_error_responses", stats_.memory_errors},
                        {"max_queue_lines", stats_.max_queue_lines},
                        {"queue_capacity_lines", queue_lines_}};
}

}  // namespace monde::cxl
