#include "tlm/memory/trace_player.hpp"

#include <algorithm>

namespace monde::mem {

TracePlayer::TracePlayer(sc_core::sc_module_name name, const RequestTrace& trace, std::uint64_t tck_ps,
                         unsigned burst_bytes)
    : sc_module(name), socket("socket"), trace_(trace), tck_ps_(tck_ps), burst_bytes_(burst_bytes) {
  socket.register_nb_transport_bw(this, &TracePlayer::nb_transport_bw);
  SC_THREAD(run);
}

std::uint64_t TracePlayer::now_ps() const {
  return static_cast<std::uint64_t>(sc_core::sc_time_stamp().value() / sc_core::sc_time(1, sc_core::SC_PS).value());
}

tlm::tlm_generic_payload* TracePlayer::allocate() {
  if (pool_.empty()) {
    owned_.push_back(std::make_unique<tlm::tlm_generic_payload>(this));
    buffers_.push_back(std::make_unique<unsigned char[]>(burst_bytes_));
    owned_.back()->set_data_ptr(buffers_.back().get());
    pool_.push_back(owned_.back().get());
  }
  auto* t = pool_.back();
  pool_.pop_back();
  t->acquire();
  return t;
}

void TracePlayer::free(tlm::tlm_generic_payload* trans) { pool_.push_back(trans); }

void TracePlayer::run() {
  const bool timed = trace_.format == TraceFormat::kDramsysStl;
  // Earliest time of the next offer: one clock after the previous request was accepted.
  std::uint64_t next_ps = 0;
  for (const auto& r : trace_.requests) {
    std::uint64_t at = next_ps;
    if (timed) at = std::max(at, r.clk * tck_ps_);  // the caller checked that this fits
    const std::uint64_t now = now_ps();
    if (at > now) sc_core::wait(sc_core::sc_time(static_cast<double>(at - now), sc_core::SC_PS));
    auto* t = allocate();
    t->set_command(r.is_write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    t->set_address(r.addr / burst_bytes_ * burst_bytes_);
    t->set_data_length(burst_bytes_);
    t->set_streaming_width(burst_bytes_);
    t->set_byte_enable_ptr(nullptr);
    t->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    ++(r.is_write ? writes_ : reads_);
    open_ = t;
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    const auto status = socket->nb_transport_fw(*t, phase, delay);
    if (status == tlm::TLM_COMPLETED) {
      open_ = nullptr;
      complete(*t);
    } else if (status == tlm::TLM_UPDATED && (phase == tlm::END_REQ || phase == tlm::BEGIN_RESP)) {
      open_ = nullptr;
      if (phase == tlm::BEGIN_RESP) complete(*t);
    }
    // Stall while the target holds the request (its queue is full).
    while (open_ != nullptr) sc_core::wait(end_req_event_);
    next_ps = now_ps() + tck_ps_;
  }
}

tlm::tlm_sync_enum TracePlayer::nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                                sc_core::sc_time&) {
  if (&trans == open_ && (phase == tlm::END_REQ || phase == tlm::BEGIN_RESP)) {
    open_ = nullptr;
    end_req_event_.notify(sc_core::SC_ZERO_TIME);
  }
  if (phase != tlm::BEGIN_RESP) return tlm::TLM_ACCEPTED;
  complete(trans);
  phase = tlm::END_RESP;
  return tlm::TLM_COMPLETED;
}

void TracePlayer::complete(tlm::tlm_generic_payload& trans) {
  if (trans.is_response_error()) ++errors_;
  ++completed_;
  last_completion_ps_ = now_ps();
  trans.release();
}

}  // namespace monde::mem
