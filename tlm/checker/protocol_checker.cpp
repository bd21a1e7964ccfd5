// TLM-2.0 base-protocol checker: the checks (see protocol_checker.hpp).
//
// Rule references are to IEEE Std 1666-2011: 11.1 transport interfaces, 11.2 DMI,
// 11.3 debug transport, 14 generic payload, 15.2 base protocol.
#include "tlm/checker/protocol_checker.hpp"

#include <cstring>
#include <sstream>

namespace monde::checker {

namespace {

const char* command_name(tlm::tlm_command cmd) {
  switch (cmd) {
    case tlm::TLM_READ_COMMAND: return "READ";
    case tlm::TLM_WRITE_COMMAND: return "WRITE";
    case tlm::TLM_IGNORE_COMMAND: return "IGNORE";
  }
  return "INVALID";
}

bool valid_command(tlm::tlm_command cmd) {
  return cmd == tlm::TLM_READ_COMMAND || cmd == tlm::TLM_WRITE_COMMAND ||
         cmd == tlm::TLM_IGNORE_COMMAND;
}

const char* status_name(tlm::tlm_response_status s) {
  switch (s) {
    case tlm::TLM_OK_RESPONSE: return "TLM_OK_RESPONSE";
    case tlm::TLM_INCOMPLETE_RESPONSE: return "TLM_INCOMPLETE_RESPONSE";
    case tlm::TLM_GENERIC_ERROR_RESPONSE: return "TLM_GENERIC_ERROR_RESPONSE";
    case tlm::TLM_ADDRESS_ERROR_RESPONSE: return "TLM_ADDRESS_ERROR_RESPONSE";
    case tlm::TLM_COMMAND_ERROR_RESPONSE: return "TLM_COMMAND_ERROR_RESPONSE";
    case tlm::TLM_BURST_ERROR_RESPONSE: return "TLM_BURST_ERROR_RESPONSE";
    case tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE: return "TLM_BYTE_ENABLE_ERROR_RESPONSE";
  }
  return "INVALID";
}

bool valid_status(tlm::tlm_response_status s) {
  return s <= tlm::TLM_OK_RESPONSE && s >= tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
}

}  // namespace

ProtocolCheckerBase::ProtocolCheckerBase(sc_core::sc_module_name name,
                                         const ProtocolCheckerConfig& config)
    : sc_core::sc_module(name), config_(config) {}

std::size_t ProtocolCheckerBase::violations_matching(const std::string& text) const {
  std::size_t n = 0;
  for (const auto& v : violations_) {
    if (v.find(text) != std::string::npos) ++n;
  }
  return n;
}

void ProtocolCheckerBase::violation(const char* rule, const std::string& what, const Gp* trans,
                                    const tlm::tlm_phase* phase, const char* where) {
  std::ostringstream os;
  os << "[1666-2011 " << rule << "] " << what << " | at " << sc_core::sc_time_stamp() << " in "
     << name() << " (" << where << ")";
  if (trans != nullptr) {
    os << " | " << command_name(trans->get_command()) << " addr=0x" << std::hex
       << trans->get_address() << std::dec << " len=" << trans->get_data_length();
  }
  if (phase != nullptr) os << " phase=" << *phase;
  violations_.push_back(os.str());
  if (config_.violations_are_errors) {
    SC_REPORT_ERROR(kProtocolCheckerMsgType, violations_.back().c_str());
  } else {
    SC_REPORT_WARNING(kProtocolCheckerMsgType, violations_.back().c_str());
  }
}

bool ProtocolCheckerBase::is_base_phase(const tlm::tlm_phase& phase) const {
  return phase == tlm::BEGIN_REQ || phase == tlm::END_REQ || phase == tlm::BEGIN_RESP ||
         phase == tlm::END_RESP;
}

// Attributes the initiator must have set before it starts a transaction (b_transport or
// BEGIN_REQ).
void ProtocolCheckerBase::check_new_request(const Gp& trans, const tlm::tlm_phase* phase,
                                            const char* where) {
  const tlm::tlm_command cmd = trans.get_command();
  if (trans.get_response_status() != tlm::TLM_INCOMPLETE_RESPONSE) {
    violation("14.17 response status",
              std::string("initiator must set response_status to TLM_INCOMPLETE_RESPONSE "
                          "before starting a transaction, found ") +
                  status_name(trans.get_response_status()),
              &trans, phase, where);
  }
  if (!valid_command(cmd)) {
    violation("14.9 command",
              "command is not TLM_READ_COMMAND, TLM_WRITE_COMMAND or TLM_IGNORE_COMMAND (value " +
                  std::to_string(static_cast<int>(cmd)) + ")",
              &trans, phase, where);
  }
  if (trans.get_data_ptr() == nullptr && cmd != tlm::TLM_IGNORE_COMMAND) {
    violation("14.11 data pointer", "data pointer is null", &trans, phase, where);
  }
  if (trans.get_data_length() == 0 && cmd != tlm::TLM_IGNORE_COMMAND) {
    violation("14.12 data length",
              "data_length is 0 (to transfer nothing use TLM_IGNORE_COMMAND)", &trans, phase,
              where);
  }
  if (trans.get_byte_enable_ptr() != nullptr) {
    if (trans.get_byte_enable_length() == 0) {
      violation("14.14 byte enable length", "byte enable pointer set but byte_enable_length is 0",
                &trans, phase, where);
    } else if (config_.check_byte_enable_values) {
      const unsigned char* byte_en = trans.get_byte_enable_ptr();
      for (unsigned i = 0; i < trans.get_byte_enable_length(); ++i) {
        if (byte_en[i] != TLM_BYTE_DISABLED && byte_en[i] != TLM_BYTE_ENABLED) {
          violation("14.13 byte enable",
                    "byte enable element " + std::to_string(i) + " is " +
                        std::to_string(static_cast<unsigned>(byte_en[i])) +
                        " (must byte_en 0x00 or 0xff)",
                    &trans, phase, where);
          break;
        }
      }
    }
  }
  if (trans.get_streaming_width() == 0) {
    violation("14.15 streaming width", "streaming_width is 0", &trans, phase, where);
  } else if (config_.check_streaming_multiple && trans.get_streaming_width() < trans.get_data_length() &&
             trans.get_data_length() % trans.get_streaming_width() != 0) {
    violation("14.15 streaming width",
              "data_length " + std::to_string(trans.get_data_length()) +
                  " is not a multiple of streaming_width " +
                  std::to_string(trans.get_streaming_width()),
              &trans, phase, where);
  }
  if (trans.is_dmi_allowed()) {
    violation("14.16 DMI hint", "initiator must clear the DMI-allowed hint before a transaction",
              &trans, phase, where);
  }
  if (trans.get_gp_option() != tlm::TLM_MIN_PAYLOAD) {
    violation("14.8 option", "gp_option must byte_en TLM_MIN_PAYLOAD for b_transport/nb_transport",
              &trans, phase, where);
  }
}

void ProtocolCheckerBase::check_mm(const Gp& trans, const tlm::tlm_phase* phase,
                                   const char* where, bool required) {
  if (!trans.has_mm()) {
    if (required) {
      violation("14.5 memory management",
                "transaction passed to nb_transport has no memory manager", &trans, phase, where);
    }
    return;
  }
  if (trans.get_ref_count() <= 0) {
    violation("14.5 memory management",
              "transaction with a memory manager is in flight with reference count " +
                  std::to_string(trans.get_ref_count()) + " (not acquired)",
              &trans, phase, where);
  }
}

ProtocolCheckerBase::Snapshot ProtocolCheckerBase::snapshot(const Gp& trans) {
  Snapshot s;
  s.command = trans.get_command();
  s.address = trans.get_address();
  s.data_ptr = trans.get_data_ptr();
  s.data_length = trans.get_data_length();
  s.byte_enable_ptr = trans.get_byte_enable_ptr();
  s.byte_enable_length = trans.get_byte_enable_length();
  s.streaming_width = trans.get_streaming_width();
  if (s.command == tlm::TLM_WRITE_COMMAND && s.data_ptr != nullptr) {
    s.write_data.assign(s.data_ptr, s.data_ptr + s.data_length);
  }
  if (s.byte_enable_ptr != nullptr) {
    s.byte_enables.assign(s.byte_enable_ptr, s.byte_enable_ptr + s.byte_enable_length);
  }
  return s;
}

void ProtocolCheckerBase::check_unmodified(const Gp& trans, const Snapshot& snap,
                                           const tlm::tlm_phase* phase, const char* where,
                                           bool check_data) {
  const char* rule = "14.7 attribute modified";
  if (trans.get_command() != snap.command) {
    violation(rule, std::string("command changed from ") + command_name(snap.command), &trans,
              phase, where);
  }
  if (config_.downstream_is_target && trans.get_address() != snap.address) {
    std::ostringstream os;
    os << "address changed from 0x" << std::hex << snap.address
       << " (a target must not modify the address)";
    violation(rule, os.str(), &trans, phase, where);
  }
  if (trans.get_data_ptr() != snap.data_ptr) {
    violation(rule, "data pointer changed", &trans, phase, where);
  }
  if (trans.get_data_length() != snap.data_length) {
    violation(rule, "data_length changed from " + std::to_string(snap.data_length), &trans,
              phase, where);
  }
  if (trans.get_byte_enable_ptr() != snap.byte_enable_ptr) {
    violation(rule, "byte enable pointer changed", &trans, phase, where);
  }
  if (trans.get_byte_enable_length() != snap.byte_enable_length) {
    violation(rule, "byte_enable_length changed from " + std::to_string(snap.byte_enable_length),
              &trans, phase, where);
  }
  if (trans.get_streaming_width() != snap.streaming_width) {
    violation(rule, "streaming_width changed from " + std::to_string(snap.streaming_width),
              &trans, phase, where);
  }
  if (!check_data) return;
  if (!snap.write_data.empty() && trans.get_data_ptr() == snap.data_ptr &&
      trans.get_data_length() == snap.data_length &&
      std::memcmp(snap.write_data.data(), trans.get_data_ptr(), snap.write_data.size()) != 0) {
    violation(rule, "data array of a write changed", &trans, phase, where);
  }
  if (!snap.byte_enables.empty() && trans.get_byte_enable_ptr() == snap.byte_enable_ptr &&
      trans.get_byte_enable_length() == snap.byte_enable_length &&
      std::memcmp(snap.byte_enables.data(), trans.get_byte_enable_ptr(),
                  snap.byte_enables.size()) != 0) {
    violation(rule, "byte enable array changed", &trans, phase, where);
  }
}

void ProtocolCheckerBase::check_time(NbTxn& txn, const Gp& trans, const tlm::tlm_phase& phase,
                                     const sc_core::sc_time& delay, const char* where) {
  const sc_core::sc_time t = sc_core::sc_time_stamp() + delay;
  if (t < txn.last_time) {
    violation("15.2.7 timing annotation",
              "sc_time_stamp() + delay = " + t.to_string() +
                  " is earlier than on the previous call/return for this transaction (" +
                  txn.last_time.to_string() + ")",
              &trans, &phase, where);
  }
  txn.last_time = t;
}

void ProtocolCheckerBase::finish(const Gp& trans) {
  if (request_in_progress_ == &trans) request_in_progress_ = nullptr;
  if (response_in_progress_ == &trans) response_in_progress_ = nullptr;
  nb_.erase(&trans);
}

// ---------------------------------------------------------------- b_transport (11.1.1)

void ProtocolCheckerBase::b_transport(Gp& trans, sc_core::sc_time& delay) {
  static const char* where = "b_transport";
  const sc_core::sc_process_handle proc = sc_core::sc_get_current_process_handle();
  if (proc.valid() && proc.proc_kind() == sc_core::SC_METHOD_PROC_) {
    violation("11.1.1 b_transport", "b_transport called from a method process", &trans, nullptr,
              where);
  }
  if (nb_.count(&trans) != 0) {
    violation("15.2.10 b/nb mixing",
              "b_transport called with a transaction that is in an nb_transport phase sequence",
              &trans, nullptr, where);
  }
  if (in_b_[&trans] != 0) {
    violation("15.2.10 b/nb mixing",
              "b_transport called with a transaction already inside b_transport", &trans,
              nullptr, where);
  }
  check_mm(trans, nullptr, where, false);
  check_new_request(trans, nullptr, where);
  const Snapshot snap = snapshot(trans);
  const sc_core::sc_time start = sc_core::sc_time_stamp() + delay;
  ++in_b_[&trans];

  downstream().b_transport(trans, delay);

  if (--in_b_[&trans] == 0) in_b_.erase(&trans);
  static const char* where_ret = "return from b_transport";
  const sc_core::sc_time end = sc_core::sc_time_stamp() + delay;
  if (end < start) {
    violation("11.1.3 timing annotation",
              "b_transport returned with sc_time_stamp() + delay = " + end.to_string() +
                  " earlier than at the call (" + start.to_string() + ")",
              &trans, nullptr, where_ret);
  }
  if (trans.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE) {
    violation("14.17 response status",
              "target left response_status TLM_INCOMPLETE_RESPONSE on return from b_transport",
              &trans, nullptr, where_ret);
  } else if (!valid_status(trans.get_response_status())) {
    violation("14.17 response status", "response_status has an invalid value", &trans, nullptr,
              where_ret);
  }
  check_unmodified(trans, snap, nullptr, where_ret, true);
}

// ------------------------------------------------------- nb_transport (11.1.2, 15.2)

tlm::tlm_sync_enum ProtocolCheckerBase::nb_transport_fw(Gp& trans, tlm::tlm_phase& phase,
                                                        sc_core::sc_time& delay) {
  static const char* where = "nb_transport_fw";
  const tlm::tlm_phase start_phase = phase;
  check_mm(trans, &phase, where, true);

  auto it = nb_.find(&trans);
  if (phase == tlm::BEGIN_REQ) {
    if (in_b_.count(&trans) != 0) {
      violation("15.2.10 b/nb mixing",
                "nb_transport_fw called with a transaction that is inside b_transport", &trans,
                &phase, where);
    }
    if (it != nb_.end()) {
      violation("15.2.4 phase sequence",
                "BEGIN_REQ for a transaction whose previous phase sequence has not completed",
                &trans, &phase, where);
      finish(trans);
    }
    check_new_request(trans, &phase, where);
    if (request_in_progress_ != nullptr) {
      violation("15.2.6 request exclusion",
                "BEGIN_REQ while an earlier request on this hop has not received END_REQ or "
                "BEGIN_RESP",
                &trans, &phase, where);
    }
    request_in_progress_ = &trans;
    NbTxn txn;
    txn.state = NbState::kRequest;
    txn.last_time = sc_core::sc_time_stamp() + delay;
    txn.snap = snapshot(trans);
    it = nb_.emplace(&trans, std::move(txn)).first;
  } else if (phase == tlm::END_RESP) {
    if (it == nb_.end() || it->second.state != NbState::kResponse) {
      violation("15.2.4 phase sequence", "END_RESP without a preceding BEGIN_RESP", &trans,
                &phase, where);
      finish(trans);  // stop tracking: avoids follow-on reports for the same error
    } else {
      check_unmodified(trans, it->second.snap, &phase, where, true);
      check_time(it->second, trans, phase, delay, where);
    }
    if (response_in_progress_ == &trans) response_in_progress_ = nullptr;
  } else if (phase == tlm::END_REQ || phase == tlm::BEGIN_RESP) {
    violation("15.2.3 phase direction",
              "END_REQ and BEGIN_RESP may only byte_en sent on the backward path", &trans, &phase,
              where);
  } else if (phase == tlm::UNINITIALIZED_PHASE || !config_.allow_ignorable_phases) {
    violation("15.2 base protocol phases", "phase is not a base-protocol phase", &trans, &phase,
              where);
  } else if (it != nb_.end()) {
    check_time(it->second, trans, phase, delay, where);
  }

  const tlm::tlm_sync_enum status = downstream().nb_transport_fw(trans, phase, delay);

  static const char* where_ret = "return from nb_transport_fw";
  it = nb_.find(&trans);
  if (it == nb_.end()) return status;  // not tracked (sequence error already reported)
  NbTxn& txn = it->second;
  check_unmodified(trans, txn.snap, &phase, where_ret, start_phase == tlm::BEGIN_REQ);

  if (status == tlm::TLM_ACCEPTED) {
    if (phase != start_phase) {
      violation("11.1.2 nb_transport return value",
                "callee returned TLM_ACCEPTED but changed the phase", &trans, &phase, where_ret);
    }
    if (start_phase == tlm::END_RESP) finish(trans);
  } else if (status == tlm::TLM_UPDATED) {
    check_time(txn, trans, phase, delay, where_ret);
    if (start_phase == tlm::BEGIN_REQ && phase == tlm::END_REQ) {
      on_end_req(&txn, trans, phase, where_ret);
    } else if (start_phase == tlm::BEGIN_REQ && phase == tlm::BEGIN_RESP) {
      on_begin_resp(&txn, trans, phase, where_ret);
    } else if (is_base_phase(start_phase)) {
      std::ostringstream os;
      os << "TLM_UPDATED with phase " << phase << " is not a legal answer to " << start_phase
         << " (after BEGIN_REQ: END_REQ or BEGIN_RESP; after END_RESP: none)";
      violation("15.2.4 phase sequence", os.str(), &trans, &phase, where_ret);
      if (start_phase == tlm::END_RESP) finish(trans);
    }
  } else if (status == tlm::TLM_COMPLETED) {
    if (start_phase == tlm::BEGIN_REQ || txn.state != NbState::kResponse) {
      if (trans.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE) {
        violation("14.17 response status",
                  "target returned TLM_COMPLETED but left response_status "
                  "TLM_INCOMPLETE_RESPONSE",
                  &trans, &phase, where_ret);
      }
    }
    finish(trans);
  } else {
    violation("11.1.2 nb_transport return value",
              "nb_transport_fw returned an invalid tlm_sync_enum", &trans, &phase, where_ret);
  }
  auto still = nb_.find(&trans);
  if (still != nb_.end()) check_mm(trans, &phase, where_ret, true);
  return status;
}

void ProtocolCheckerBase::on_end_req(NbTxn* txn, const Gp& trans, const tlm::tlm_phase& phase,
                                     const char* where) {
  if (txn == nullptr || txn->state != NbState::kRequest) {
    violation("15.2.4 phase sequence", "END_REQ without an outstanding BEGIN_REQ", &trans,
              &phase, where);
    return;
  }
  txn->state = NbState::kRequestAccepted;
  if (request_in_progress_ == &trans) request_in_progress_ = nullptr;
}

void ProtocolCheckerBase::on_begin_resp(NbTxn* txn, const Gp& trans,
                                        const tlm::tlm_phase& phase, const char* where) {
  if (txn == nullptr ||
      (txn->state != NbState::kRequest && txn->state != NbState::kRequestAccepted)) {
    violation("15.2.4 phase sequence", "BEGIN_RESP without a preceding BEGIN_REQ", &trans,
              &phase, where);
    return;
  }
  // BEGIN_RESP also ends the request phase (END_REQ may byte_en skipped).
  if (request_in_progress_ == &trans) request_in_progress_ = nullptr;
  if (response_in_progress_ != nullptr && response_in_progress_ != &trans) {
    violation("15.2.6 response exclusion",
              "BEGIN_RESP while an earlier response on this hop has not received END_RESP",
              &trans, &phase, where);
  }
  response_in_progress_ = &trans;
  if (trans.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE) {
    violation("14.17 response status",
              "BEGIN_RESP sent with response_status still TLM_INCOMPLETE_RESPONSE", &trans,
              &phase, where);
  }
  txn->state = NbState::kResponse;
}

tlm::tlm_sync_enum ProtocolCheckerBase::nb_transport_bw(Gp& trans, tlm::tlm_phase& phase,
                                                        sc_core::sc_time& delay) {
  static const char* where = "nb_transport_bw";
  const tlm::tlm_phase start_phase = phase;
  check_mm(trans, &phase, where, true);
  if (in_b_.count(&trans) != 0) {
    violation("15.2.10 b/nb mixing",
              "nb_transport_bw called with a transaction that is inside b_transport", &trans,
              &phase, where);
  }
  auto it = nb_.find(&trans);
  NbTxn* txn = it == nb_.end() ? nullptr : &it->second;
  if (txn != nullptr) {
    check_unmodified(trans, txn->snap, &phase, where, true);
    check_time(*txn, trans, phase, delay, where);
  }
  if (phase == tlm::END_REQ) {
    on_end_req(txn, trans, phase, where);
  } else if (phase == tlm::BEGIN_RESP) {
    on_begin_resp(txn, trans, phase, where);
  } else if (phase == tlm::BEGIN_REQ || phase == tlm::END_RESP) {
    violation("15.2.3 phase direction",
              "BEGIN_REQ and END_RESP may only byte_en sent on the forward path", &trans, &phase,
              where);
  } else if (phase == tlm::UNINITIALIZED_PHASE || !config_.allow_ignorable_phases) {
    violation("15.2 base protocol phases", "phase is not a base-protocol phase", &trans, &phase,
              where);
  }

  const tlm::tlm_sync_enum status = upstream().nb_transport_bw(trans, phase, delay);

  static const char* where_ret = "return from nb_transport_bw";
  it = nb_.find(&trans);
  if (it == nb_.end()) return status;
  NbTxn& t = it->second;
  if (status == tlm::TLM_ACCEPTED) {
    if (phase != start_phase) {
      violation("11.1.2 nb_transport return value",
                "callee returned TLM_ACCEPTED but changed the phase", &trans, &phase, where_ret);
    }
  } else if (status == tlm::TLM_UPDATED) {
    check_time(t, trans, phase, delay, where_ret);
    if (start_phase == tlm::BEGIN_RESP && phase == tlm::END_RESP && t.state == NbState::kResponse) {
      finish(trans);
    } else if (is_base_phase(start_phase)) {
      std::ostringstream os;
      os << "TLM_UPDATED with phase " << phase << " is not a legal answer to " << start_phase
         << " (after BEGIN_RESP: END_RESP; after END_REQ: none)";
      violation("15.2.4 phase sequence", os.str(), &trans, &phase, where_ret);
    }
  } else if (status == tlm::TLM_COMPLETED) {
    finish(trans);
  } else {
    violation("11.1.2 nb_transport return value",
              "nb_transport_bw returned an invalid tlm_sync_enum", &trans, &phase, where_ret);
  }
  if (nb_.count(&trans) != 0) check_mm(trans, &phase, where_ret, true);
  return status;
}

// ------------------------------------------------------------------------ DMI (11.2)

bool ProtocolCheckerBase::get_direct_mem_ptr(Gp& trans, tlm::tlm_dmi& dmi) {
  static const char* where = "get_direct_mem_ptr";
  const char* rule = "11.2.5 DMI";
  if (dmi.get_dmi_ptr() != nullptr || !dmi.is_none_allowed() || dmi.get_start_address() != 0 ||
      dmi.get_end_address() != ~sc_dt::uint64{0} ||
      dmi.get_read_latency() != sc_core::SC_ZERO_TIME ||
      dmi.get_write_latency() != sc_core::SC_ZERO_TIME) {
    violation(rule,
              "DMI descriptor passed by the initiator is not in its initial state "
              "(tlm_dmi::init())",
              &trans, nullptr, where);
  }
  const tlm::tlm_command cmd = trans.get_command();
  if (cmd != tlm::TLM_READ_COMMAND && cmd != tlm::TLM_WRITE_COMMAND) {
    violation(rule, "DMI request command must byte_en TLM_READ_COMMAND or TLM_WRITE_COMMAND", &trans,
              nullptr, where);
  }
  const sc_dt::uint64 address = trans.get_address();
  const tlm::tlm_command command = trans.get_command();

  const bool granted = downstream().get_direct_mem_ptr(trans, dmi);

  static const char* where_ret = "return from get_direct_mem_ptr";
  if (trans.get_command() != command) {
    violation("14.7 attribute modified", "command changed by get_direct_mem_ptr", &trans,
              nullptr, where_ret);
  }
  if (config_.downstream_is_target && trans.get_address() != address) {
    violation("14.7 attribute modified", "address changed by get_direct_mem_ptr", &trans, nullptr,
              where_ret);
  }
  if (dmi.get_start_address() > dmi.get_end_address()) {
    violation(rule, "DMI start address is greater than end address", &trans, nullptr, where_ret);
  }
  if (!granted) return granted;
  if (dmi.get_dmi_ptr() == nullptr) {
    violation(rule, "DMI granted with a null pointer", &trans, nullptr, where_ret);
  }
  if (address < dmi.get_start_address() || address > dmi.get_end_address()) {
    std::ostringstream os;
    os << "granted DMI range [0x" << std::hex << dmi.get_start_address() << ", 0x"
       << dmi.get_end_address() << "] does not contain the requested address 0x" << address;
    violation(rule, os.str(), &trans, nullptr, where_ret);
  }
  if (dmi.is_none_allowed()) {
    violation(rule, "DMI granted (returned true) with access DMI_ACCESS_NONE", &trans, nullptr,
              where_ret);
  } else if ((command == tlm::TLM_READ_COMMAND && !dmi.is_read_allowed()) ||
             (command == tlm::TLM_WRITE_COMMAND && !dmi.is_write_allowed())) {
    violation(rule, "granted DMI access does not include the requested access", &trans, nullptr,
              where_ret);
  }
  return granted;
}

void ProtocolCheckerBase::invalidate_direct_mem_ptr(sc_dt::uint64 start_range,
                                                    sc_dt::uint64 end_range) {
  upstream().invalidate_direct_mem_ptr(start_range, end_range);
}

// ---------------------------------------------------------------- debug (11.3)

unsigned int ProtocolCheckerBase::transport_dbg(Gp& trans) {
  static const char* where = "transport_dbg";
  const char* rule = "11.3.4 debug transport";
  if (!valid_command(trans.get_command())) {
    violation(rule, "debug command is not READ, WRITE or IGNORE", &trans, nullptr, where);
  }
  if (trans.get_data_length() > 0 && trans.get_data_ptr() == nullptr) {
    violation(rule, "debug transaction with data_length > 0 has a null data pointer", &trans,
              nullptr, where);
  }
  const tlm::tlm_command command = trans.get_command();
  const sc_dt::uint64 address = trans.get_address();
  unsigned char* data = trans.get_data_ptr();
  const unsigned int length = trans.get_data_length();

  const unsigned int count = downstream().transport_dbg(trans);

  static const char* where_ret = "return from transport_dbg";
  if (count > length) {
    violation(rule,
              "transport_dbg returned " + std::to_string(count) +
                  " bytes, more than data_length " + std::to_string(length),
              &trans, nullptr, where_ret);
  }
  if (trans.get_command() != command || trans.get_data_ptr() != data ||
      trans.get_data_length() != length ||
      (config_.downstream_is_target && trans.get_address() != address)) {
    violation(rule, "debug target modified command, address, data pointer or data_length",
              &trans, nullptr, where_ret);
  }
  return count;
}

}  // namespace monde::checker
