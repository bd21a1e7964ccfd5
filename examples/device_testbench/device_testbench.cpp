// A verification engineer's testbench, as one would write it against the installed MoNDE package:
// the device comes from a preset through the builder (system::build_device), the testbench's own
// approximately-timed initiator drives the device's CXL.mem host socket through a TLM-2.0
// base-protocol checker, writes a pattern, reads it back and checks every byte and the checker;
// a second initiator reads the NDP block's ID register on the CXL.io register socket.
// Exit status: 0 pass, 1 a data mismatch, an error response or a protocol violation.
#include <cstdint>
#include <iostream>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "core/config/device_config.hpp"
#include "system/builder.hpp"
#include "tlm/checker/protocol_checker.hpp"
#include "tlm/ndp/command/ndp_registers.hpp"

namespace {

// The base protocol wants a memory manager on every payload passed through nb_transport
// (IEEE 1666-2011 14.5): payloads come from this pool and return to it on their last release().
class PayloadPool : public tlm::tlm_mm_interface {
 public:
  ~PayloadPool() override {
    for (auto* p : free_) delete p;
  }
  tlm::tlm_generic_payload* allocate() {
    if (free_.empty()) return new tlm::tlm_generic_payload(this);
    auto* p = free_.back();
    free_.pop_back();
    return p;
  }
  void free(tlm::tlm_generic_payload* p) override {
    p->reset();
    free_.push_back(p);
  }

 private:
  std::vector<tlm::tlm_generic_payload*> free_;
};

// One transaction at a time over the 4-phase base protocol (BEGIN_REQ / END_REQ / BEGIN_RESP,
// the response completed in the backward call).
class AtInitiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<AtInitiator, 64> socket;
  tlm_utils::simple_initiator_socket<AtInitiator, 64> registers;  // CXL.io, loosely timed

  SC_HAS_PROCESS(AtInitiator);
  explicit AtInitiator(sc_core::sc_module_name name) : sc_module(name), socket("socket"), registers("registers") {
    socket.register_nb_transport_bw(this, &AtInitiator::nb_transport_bw);
    SC_THREAD(run);
  }
  int errors = 0;

 private:
  static constexpr std::uint64_t kBytes = 4096;  // 64 lines
  static constexpr std::uint64_t kBase = 0x10000;

  void transfer(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data, unsigned len) {
    tlm::tlm_generic_payload& t = *pool_.allocate();
    t.acquire();
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(data);
    t.set_data_length(len);
    t.set_streaming_width(len);
    t.set_byte_enable_ptr(nullptr);
    t.set_dmi_allowed(false);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    response_ = false;
    const tlm::tlm_sync_enum s = socket->nb_transport_fw(t, phase, delay);
    if (s == tlm::TLM_UPDATED && phase == tlm::BEGIN_RESP) {
      phase = tlm::END_RESP;
      socket->nb_transport_fw(t, phase, delay);
      response_ = true;
    } else if (s == tlm::TLM_COMPLETED) {
      response_ = true;
    }
    while (!response_) sc_core::wait(response_event_);
    if (t.is_response_error()) {
      std::cerr << "error response at 0x" << std::hex << addr << std::dec << ": " << t.get_response_string() << "\n";
      ++errors;
    }
    t.release();
  }

  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload&, tlm::tlm_phase& phase, sc_core::sc_time&) {
    if (phase == tlm::BEGIN_RESP) {
      response_ = true;
      response_event_.notify(sc_core::SC_ZERO_TIME);
      return tlm::TLM_COMPLETED;  // END_RESP implied
    }
    return tlm::TLM_ACCEPTED;  // END_REQ
  }

  void run() {
    // The NDP block answers on its register socket: ID at offset 0.
    std::uint32_t id = 0;
    tlm::tlm_generic_payload r;
    r.set_command(tlm::TLM_READ_COMMAND);
    r.set_address(monde::ndp::reg::kId);
    r.set_data_ptr(reinterpret_cast<unsigned char*>(&id));
    r.set_data_length(4);
    r.set_streaming_width(4);
    r.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    registers->b_transport(r, delay);
    sc_core::wait(delay);
    if (r.is_response_error() || id != monde::ndp::kIdValue) {
      std::cerr << "NDP ID register: 0x" << std::hex << id << std::dec << ", expected 0x" << std::hex
                << monde::ndp::kIdValue << std::dec << "\n";
      ++errors;
    }
    std::vector<unsigned char> out(kBytes), in(kBytes);
    for (std::uint64_t i = 0; i < kBytes; ++i) out[i] = static_cast<unsigned char>(i * 7 + 3);
    const sc_core::sc_time t0 = sc_core::sc_time_stamp();
    for (std::uint64_t off = 0; off < kBytes; off += 64) transfer(tlm::TLM_WRITE_COMMAND, kBase + off, &out[off], 64);
    for (std::uint64_t off = 0; off < kBytes; off += 64) transfer(tlm::TLM_READ_COMMAND, kBase + off, &in[off], 64);
    std::uint64_t mismatches = 0;
    for (std::uint64_t i = 0; i < kBytes; ++i) mismatches += in[i] != out[i];
    errors += static_cast<int>(mismatches);
    std::cout << "device_testbench: " << kBytes / 64 << " line writes and reads through the CXL link in "
              << sc_core::sc_time_stamp() - t0 << ", " << mismatches << " mismatched bytes\n";
    sc_core::sc_stop();
  }

  PayloadPool pool_;
  bool response_ = false;
  sc_core::sc_event response_event_;
};

}  // namespace

int sc_main(int, char*[]) {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const monde::config::DeviceConfig preset = monde::config::load_device_config("lpddr5x-8533");
  auto device = monde::system::build_device(preset);
  AtInitiator tb("tb");
  monde::checker::ProtocolChecker<64> checker("checker");
  tb.socket.bind(checker.target_socket);
  checker.initiator_socket.bind(device->host_socket());
  tb.registers.bind(device->ndp_mmio_socket());
  sc_core::sc_start();
  const auto violations = checker.violation_count();
  const bool pass = tb.errors == 0 && violations == 0;
  std::cout << "device_testbench: " << violations << " protocol violations: " << (pass ? "PASS" : "FAIL") << "\n";
  return pass ? 0 : 1;
}
