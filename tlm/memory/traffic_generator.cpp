#include "tlm/memory/traffic_generator.hpp"

#include <cstring>

namespace monde::mem {

namespace {
// The issue time rides on the payload as a small extension, so a response carries its own
// start time whatever order responses come back in.
struct IssueTime : tlm::tlm_extension<IssueTime> {
  sc_core::sc_time t;
  tlm_extension_base* clone() const override { return new IssueTime(*this); }
  void copy_from(const tlm_extension_base& e) override { t = static_cast<const IssueTime&>(e).t; }
};
}  // namespace

TrafficGenerator::TrafficGenerator(sc_core::sc_module_name name, const config::TrafficConfig& config)
    : sc_module(name), socket("socket"), config_(config), rng_(config.seed) {
  socket.register_nb_transport_bw(this, &TrafficGenerator::nb_transport_bw);
  SC_THREAD(run);
}

TrafficGenerator::~TrafficGenerator() = default;

tlm::tlm_generic_payload* TrafficGenerator::allocate() {
  if (pool_.empty()) {
    owned_.push_back(std::make_unique<tlm::tlm_generic_payload>(this));
    buffers_.push_back(std::make_unique<unsigned char[]>(config_.size_bytes));
    auto* t = owned_.back().get();
    t->set_data_ptr(buffers_.back().get());
    t->set_extension(new IssueTime);
    pool_.push_back(t);
  }
  auto* t = pool_.back();
  pool_.pop_back();
  t->acquire();
  return t;
}

void TrafficGenerator::free(tlm::tlm_generic_payload* trans) { pool_.push_back(trans); }

std::uint64_t TrafficGenerator::next_address() {
  const std::uint64_t slots = config_.region_bytes / config_.size_bytes;
  const std::uint64_t slot = config_.random() ? rng_() % slots : issued_ % slots;
  return slot * config_.size_bytes;
}

void TrafficGenerator::run() {
  for (; issued_ < config_.requests; ++issued_) {
    while (in_flight_ >= config_.outstanding) sc_core::wait(slot_event_);
    auto* t = allocate();
    const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    const bool read = u < config_.read_fraction;
    t->set_command(read ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
    t->set_address(next_address());
    t->set_data_length(config_.size_bytes);
    t->set_streaming_width(config_.size_bytes);
    t->set_byte_enable_ptr(nullptr);
    t->set_dmi_allowed(false);
    t->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    if (!read) std::memset(t->get_data_ptr(), static_cast<int>(issued_ & 0xFF), config_.size_bytes);
    IssueTime* it = nullptr;
    t->get_extension(it);
    it->t = sc_core::sc_time_stamp();
    if (issued_ == 0) first_issue_ = it->t;
    ++in_flight_;
    request_open_ = true;
    open_trans_ = t;
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    const auto status = socket->nb_transport_fw(*t, phase, delay);
    if (status == tlm::TLM_COMPLETED) {
      request_open_ = false;
      complete(*t);
    } else if (status == tlm::TLM_UPDATED && (phase == tlm::END_REQ || phase == tlm::BEGIN_RESP)) {
      request_open_ = false;
      if (phase == tlm::BEGIN_RESP) complete(*t);
    }
    // Request exclusion: the next BEGIN_REQ waits for this END_REQ.
    while (request_open_) sc_core::wait(end_req_event_);
  }
}

tlm::tlm_sync_enum TrafficGenerator::nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                                     sc_core::sc_time&) {
  if (phase == tlm::END_REQ || (phase == tlm::BEGIN_RESP && request_open_ && &trans == open_trans_)) {
    request_open_ = false;
    end_req_event_.notify(sc_core::SC_ZERO_TIME);
  }
  if (phase == tlm::BEGIN_RESP) {
    complete(trans);
    phase = tlm::END_RESP;
    return tlm::TLM_COMPLETED;
  }
  return tlm::TLM_ACCEPTED;
}

void TrafficGenerator::complete(tlm::tlm_generic_payload& trans) {
  IssueTime* it = nullptr;
  trans.get_extension(it);
  const auto now = sc_core::sc_time_stamp();
  latency_.record(static_cast<std::uint64_t>((now - it->t).value() / sc_core::sc_time(1, sc_core::SC_PS).value()));
  last_completion_ = now;
  if (trans.is_response_error()) {
    ++errors_;
  } else if (trans.is_read()) {
    bytes_read_ += trans.get_data_length();
  } else {
    bytes_written_ += trans.get_data_length();
  }
  ++completed_;
  --in_flight_;
  trans.release();
  slot_event_.notify(sc_core::SC_ZERO_TIME);
}

}  // namespace monde::mem
