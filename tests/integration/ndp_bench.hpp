// Test host for the NDP device: an SC_THREAD running `body` with a CXL.mem socket (through the
// link) and a CXL.io register socket, plus the ring protocol of docs/ndp_interface.md done by
// hand (the real driver is host/driver's). Tensors are preloaded with debug writes.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "tlm/ndp/command/completion_entry.hpp"
#include "tlm/common/blocking_access.hpp"
#include "tlm/ndp/command/job_descriptor.hpp"
#include "tlm/ndp/command/ndp_registers.hpp"
#include "tlm/ndp/numerics/bf16.hpp"

namespace monde::test {

class NdpBench : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<NdpBench, 64> mem{"mem"};
  tlm_utils::simple_initiator_socket<NdpBench, 64> mmio{"mmio"};

  SC_HAS_PROCESS(NdpBench);
  NdpBench(sc_core::sc_module_name n, std::function<void(NdpBench&)> body) : sc_module(n), body_(std::move(body)) {
    SC_THREAD(run);
  }

  // Ring layout used by the tests: SQ at sq_base, CQ right after it.
  std::uint64_t sq_base = 0x100000, cq_base = 0x110000;
  std::uint32_t sq_size = 8, cq_size = 8;
  std::uint32_t sq_tail = 0, cq_head = 0;
  bool cq_phase = true;  // phase of the next entry to consume (starts at 1)
  bool timing_only = false;  // ring bytes also through debug accesses (a timing_only memory keeps none)
  const sc_core::sc_event* irq = nullptr;  // the device's interrupt edge, when connected

  std::uint32_t reg_read(std::uint32_t offset) {
    std::uint32_t v = 0;
    reg_access(tlm::TLM_READ_COMMAND, offset, &v);
    return v;
  }
  tlm::tlm_response_status reg_write(std::uint32_t offset, std::uint32_t value) {
    return reg_access(tlm::TLM_WRITE_COMMAND, offset, &value);
  }
  void dbg(tlm::tlm_command cmd, std::uint64_t addr, void* data, unsigned len) {
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(static_cast<unsigned char*>(data));
    t.set_data_length(len);
    mem->transport_dbg(t);
  }
  tlm::tlm_response_status mem_access(tlm::tlm_command cmd, std::uint64_t addr, void* data, unsigned len) {
    // A timing_only memory keeps no payload: the debug access moves the ring's bytes, first,
    // as a data: full memory does at the start of an access; the timed access charges the time
    // (the NDP engine does the same for its own ring accesses).
    if (timing_only) dbg(cmd, addr, data, len);
    tlm::tlm_generic_payload t;
    return blocking_access(mem, t, cmd, addr, static_cast<unsigned char*>(data), len);
  }

  // Programs the rings and enables the device with interrupts.
  void enable() {
    using namespace ndp;
    reg_write(reg::kSqBaseLo, static_cast<std::uint32_t>(sq_base));
    reg_write(reg::kSqBaseHi, static_cast<std::uint32_t>(sq_base >> 32));
    reg_write(reg::kSqSize, sq_size);
    reg_write(reg::kCqBaseLo, static_cast<std::uint32_t>(cq_base));
    reg_write(reg::kCqBaseHi, static_cast<std::uint32_t>(cq_base >> 32));
    reg_write(reg::kCqSize, cq_size);
    reg_write(reg::kControl, kControlEnable | kControlIrqEnable);
  }
  // Writes descriptors into the SQ (through CXL.mem) and rings the doorbell once.
  void submit(const std::vector<ndp::JobDescriptor>& jobs) {
    for (const auto& d : jobs) {
      auto bytes = ndp::encode(d);
      mem_access(tlm::TLM_WRITE_COMMAND, sq_base + std::uint64_t{sq_tail} * ndp::kJobDescriptorBytes, bytes.data(),
                 ndp::kJobDescriptorBytes);
      sq_tail = (sq_tail + 1) % sq_size;
    }
    reg_write(ndp::reg::kSqTail, sq_tail);
  }
  // Waits for the next completion entry (polls the phase bit after each interrupt edge or
  // every microsecond), consumes it, returns it. With a `limit`, std::runtime_error when none
  // came within that much simulated time (a device that never completes).
  ndp::CompletionEntry wait_completion(const sc_core::sc_time& limit = sc_core::SC_ZERO_TIME) {
    const sc_core::sc_time deadline = sc_core::sc_time_stamp() + limit;
    for (;;) {
      if (limit != sc_core::SC_ZERO_TIME && sc_core::sc_time_stamp() > deadline) {
        throw std::runtime_error("no NDP completion within " + limit.to_string());
      }
      std::uint8_t raw[ndp::kCompletionEntryBytes];
      mem_access(tlm::TLM_READ_COMMAND, cq_base + std::uint64_t{cq_head} * ndp::kCompletionEntryBytes, raw,
                 ndp::kCompletionEntryBytes);
      const ndp::CompletionEntry e = ndp::decode_completion(raw);
      if (e.phase == cq_phase) {
        cq_head = (cq_head + 1) % cq_size;
        if (cq_head == 0) cq_phase = !cq_phase;
        reg_write(ndp::reg::kCqHead, cq_head);
        reg_write(ndp::reg::kIrqStatus, ndp::kIrqAll);
        return e;
      }
      if (irq != nullptr) {
        sc_core::wait(sc_core::sc_time(1, sc_core::SC_US), *irq);
      } else {
        sc_core::wait(sc_core::sc_time(1, sc_core::SC_US));
      }
    }
  }

 private:
  tlm::tlm_response_status reg_access(tlm::tlm_command cmd, std::uint32_t offset, std::uint32_t* v) {
    tlm::tlm_generic_payload t;
    return blocking_access(mmio, t, cmd, offset, reinterpret_cast<unsigned char*>(v), 4);
  }
  void run() { body_(*this); }
  std::function<void(NdpBench&)> body_;
};

// Random bf16 values of moderate magnitude (|v| in [2^-4, 2^2)), both signs: sums of a few
// thousand products stay far from overflow and exercise rounding everywhere.
inline std::vector<num::bf16_t> random_bf16(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<num::bf16_t> v(n);
  for (auto& x : v) {
    const std::uint64_t r = rng();
    const unsigned exp = 123 + static_cast<unsigned>(r % 6);  // 2^-4 .. 2^1
    x = static_cast<num::bf16_t>(((r >> 8) & 1u) << 15 | exp << 7 | ((r >> 16) & 0x7Fu));
  }
  return v;
}

}  // namespace monde::test
