// TLM-2.0 base-protocol checker (IEEE Std 1666-2011, clauses 11, 14 and 15).
//
// A pass-through module placed on one hop (one initiator socket -> one target socket
// binding). Every interface call is forwarded unchanged and checked before and after:
//   initiator --> [target_socket  ProtocolChecker  initiator_socket] --> target
//
// Violations are collected (violations(), violation_count()) and reported with
// SC_REPORT_WARNING (message type kProtocolCheckerMsgType), or with SC_REPORT_ERROR when
// ProtocolCheckerConfig::violations_are_errors is set. Each message starts with the rule,
// e.g. "[1666-2011 15.2.6 request exclusion]", and names the simulation time, the checker
// and the transaction (command, address, length, phase).
//
// One checker watches one hop. The exclusion rules are per hop, so with several initiators
// put one checker on each initiator's hop (in front of the interconnect's target sockets),
// and one on each of the interconnect's initiator hops.
//
// The checking logic lives in the non-template ProtocolCheckerBase (protocol_checker.cpp);
// the template only owns the two sockets, so any BUSWIDTH costs nothing extra to compile.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

namespace monde::checker {

inline constexpr const char* kProtocolCheckerMsgType = "monde/tlm/protocol_checker";

struct ProtocolCheckerConfig {
  // Report violations with SC_REPORT_ERROR (default action: throw) instead of a warning.
  bool violations_are_errors = false;
  // The downstream side is a target, not an interconnect. An interconnect may change the
  // address on the forward path (1666-2011 14.7, 14.10), a target may not; set false when
  // the checker sits in front of an address-translating interconnect.
  bool downstream_is_target = true;
  // Each byte-enable element must be TLM_BYTE_DISABLED (0x00) or TLM_BYTE_ENABLED (0xff).
  bool check_byte_enable_values = true;
  // Stricter than the standard text we could verify: when streaming (streaming_width <
  // data_length), data_length must be a whole multiple of streaming_width. Off by default.
  bool check_streaming_multiple = false;
  // Phases other than the four base-protocol phases (ignorable phases, 15.2.5) are passed
  // through without changing the phase state. When false, any such phase is a violation.
  bool allow_ignorable_phases = true;
};

class ProtocolCheckerBase : public sc_core::sc_module,
                            public tlm::tlm_fw_transport_if<>,
                            public tlm::tlm_bw_transport_if<> {
 public:
  std::size_t violation_count() const { return violations_.size(); }
  const std::vector<std::string>& violations() const { return violations_; }
  // Number of violations whose message contains `text` (e.g. a clause "15.2.6").
  std::size_t violations_matching(const std::string& text) const;
  void clear_violations() { violations_.clear(); }

  const ProtocolCheckerConfig& config() const { return config_; }
  void set_config(const ProtocolCheckerConfig& config) { config_ = config; }

  // Forward path (called by the initiator through target_socket).
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) override;
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay) override;
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) override;
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans) override;
  // Backward path (called by the target through initiator_socket).
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay) override;
  void invalidate_direct_mem_ptr(sc_dt::uint64 start_range, sc_dt::uint64 end_range) override;

 protected:
  ProtocolCheckerBase(sc_core::sc_module_name name, const ProtocolCheckerConfig& config);

  virtual tlm::tlm_fw_transport_if<>& downstream() = 0;
  virtual tlm::tlm_bw_transport_if<>& upstream() = 0;

 private:
  // The request attributes as the initiator set them, to detect later modification.
  struct Snapshot {
    tlm::tlm_command command = tlm::TLM_IGNORE_COMMAND;
    sc_dt::uint64 address = 0;
    unsigned char* data_ptr = nullptr;
    unsigned int data_length = 0;
    unsigned char* byte_enable_ptr = nullptr;
    unsigned int byte_enable_length = 0;
    unsigned int streaming_width = 0;
    std::vector<unsigned char> write_data;   // copy of the data array for writes
    std::vector<unsigned char> byte_enables; // copy of the byte-enable array
  };
  enum class NbState { kRequest, kRequestAccepted, kResponse };
  struct NbTxn {
    NbState state = NbState::kRequest;
    sc_core::sc_time last_time;  // sc_time_stamp() + delay of the last call or return
    Snapshot snap;
  };

  using Gp = tlm::tlm_generic_payload;

  void violation(const char* rule, const std::string& what, const Gp* trans,
                 const tlm::tlm_phase* phase, const char* where);
  void check_new_request(const Gp& trans, const tlm::tlm_phase* phase, const char* where);
  void check_mm(const Gp& trans, const tlm::tlm_phase* phase, const char* where, bool required);
  static Snapshot snapshot(const Gp& trans);
  void check_unmodified(const Gp& trans, const Snapshot& snap, const tlm::tlm_phase* phase,
                        const char* where, bool check_data);
  void check_time(NbTxn& txn, const Gp& trans, const tlm::tlm_phase& phase,
                  const sc_core::sc_time& delay, const char* where);
  bool is_base_phase(const tlm::tlm_phase& phase) const;
  // Response side of a phase arriving on the backward path (a bw call, or the return of a
  // fw call with TLM_UPDATED). Returns false if the transaction is finished.
  void on_end_req(NbTxn* txn, const Gp& trans, const tlm::tlm_phase& phase, const char* where);
  void on_begin_resp(NbTxn* txn, const Gp& trans, const tlm::tlm_phase& phase,
                     const char* where);
  void finish(const Gp& trans);

  ProtocolCheckerConfig config_;
  std::vector<std::string> violations_;
  std::map<const Gp*, NbTxn> nb_;         // transactions in an nb_transport sequence
  std::map<const Gp*, unsigned> in_b_;    // transactions inside b_transport (nesting count)
  const Gp* request_in_progress_ = nullptr;   // BEGIN_REQ seen, END_REQ not yet
  const Gp* response_in_progress_ = nullptr;  // BEGIN_RESP seen, END_RESP not yet
};

template <unsigned BUSWIDTH = 64>
class ProtocolChecker final : public ProtocolCheckerBase {
 public:
  tlm::tlm_target_socket<BUSWIDTH> target_socket;        // bind the initiator here
  tlm::tlm_initiator_socket<BUSWIDTH> initiator_socket;  // bind to the target

  explicit ProtocolChecker(sc_core::sc_module_name name,
                           const ProtocolCheckerConfig& config = ProtocolCheckerConfig{})
      : ProtocolCheckerBase(name, config),
        target_socket("target_socket"),
        initiator_socket("initiator_socket") {
    target_socket.bind(*this);
    initiator_socket.bind(*this);
  }

 protected:
  tlm::tlm_fw_transport_if<>& downstream() override { return *initiator_socket.operator->(); }
  tlm::tlm_bw_transport_if<>& upstream() override { return *target_socket.operator->(); }
};

}  // namespace monde::checker
