#include "host/driver/tlm_device_bus.hpp"

#include <algorithm>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "tlm/common/blocking_access.hpp"
#include "tlm/common/interleave_span.hpp"
#include "tlm/common/poison_report.hpp"
#include "host/driver/driver_error.hpp"

namespace monde::driver {

namespace {

std::string describe(const char* what, tlm::tlm_command cmd, std::uint64_t address, std::uint64_t bytes) {
  std::ostringstream s;
  s << what << (cmd == tlm::TLM_WRITE_COMMAND ? " write" : " read") << " of " << bytes << " bytes at 0x" << std::hex
    << address;
  return s.str();
}

unsigned length_of(const char* what, tlm::tlm_command cmd, std::uint64_t address, std::uint64_t bytes) {
  // A generic payload's length is 32 bits: callers chunk larger transfers.
  if (bytes == 0 || bytes > std::numeric_limits<unsigned>::max()) {
    throw DriverError(describe(what, cmd, address, bytes) + ": length must be 1 .. 2^32-1 bytes per access");
  }
  return static_cast<unsigned>(bytes);
}

}  // namespace

TlmDeviceBus::TlmDeviceBus(tlm::tlm_initiator_socket<64>& mem, tlm::tlm_initiator_socket<64>& mmio,
                           const sc_core::sc_event* irq_event, std::function<bool()> irq_level,
                           std::uint64_t hpa_base, InterleavePosition interleave)
    : mem_(mem),
      mmio_(mmio),
      irq_event_(irq_event),
      irq_level_(std::move(irq_level)),
      hpa_base_(hpa_base),
      interleave_(interleave) {
  if (interleave_.active() && (interleave_.granularity == 0 ||
                               (interleave_.granularity & (interleave_.granularity - 1)) != 0 ||
                               interleave_.position >= interleave_.ways)) {
    throw std::invalid_argument("TlmDeviceBus: interleave position " + std::to_string(interleave_.position) + " of " +
                                std::to_string(interleave_.ways) + " ways at " +
                                std::to_string(interleave_.granularity) +
                                " bytes: the granularity must be a power of two and the position below the ways");
  }
  // The driver checks the level before sleeping on the edge; with only one of the two an
  // interrupt raised while it was not waiting would be lost (or it could never sleep).
  if ((irq_event_ == nullptr) != !irq_level_) {
    throw std::invalid_argument("TlmDeviceBus: give both the interrupt event and its level, or neither");
  }
}

std::uint64_t TlmDeviceBus::hpa(std::uint64_t address) const {
  if (!interleave_.active()) return hpa_base_ + address;
  const std::uint64_t g = interleave_.granularity;
  return hpa_base_ + ((address / g) * interleave_.ways + interleave_.position) * g + address % g;
}

void TlmDeviceBus::timed(tlm::tlm_initiator_socket<64>& socket, tlm::tlm_command cmd, std::uint64_t address,
                         void* data, std::uint64_t bytes, const char* what, bool walks) {
  const unsigned len = length_of(what, cmd, address, bytes);
  tlm::tlm_generic_payload t;
  PoisonReport poison;  // where a read came back poisoned
  t.set_extension(&poison);
  InterleaveSpan span;
  span.ways = interleave_.ways;
  span.granularity = interleave_.granularity;
  if (walks) t.set_extension(&span);
  blocking_access(socket, t, cmd, address, static_cast<unsigned char*>(data), len);
  t.clear_extension(&poison);  // stack objects
  if (walks) t.clear_extension(&span);
  if (!t.is_response_ok()) {
    const std::string message = describe(what, cmd, address, bytes) + " failed: " + t.get_response_string();
    if (poison.poisoned()) {
      const std::uint64_t first = walks ? span.hpa(address, poison.first_offset) : address + poison.first_offset;
      std::ostringstream at;
      at << message << " (poisoned data: " << poison.lines << " line(s), the first at 0x" << std::hex << first << ")";
      throw PoisonedRead(at.str(), first, poison.lines);
    }
    throw DriverError(message);
  }
}

void TlmDeviceBus::mem(tlm::tlm_command cmd, std::uint64_t address, void* data, std::uint64_t bytes) {
  const std::uint64_t g = interleave_.granularity;
  const bool walks = interleave_.active() && address % g + bytes > g;
  timed(mem_, cmd, hpa(address), data, bytes, "CXL.mem", walks);
}

void TlmDeviceBus::debug(tlm::tlm_command cmd, std::uint64_t address, void* data, std::uint64_t bytes) {
  length_of("debug", cmd, address, bytes);
  // Interleaved: granule by granule (each a contiguous HPA piece); otherwise one access.
  for (std::uint64_t done = 0; done < bytes;) {
    const std::uint64_t at = address + done;
    const std::uint64_t n =
        interleave_.active() ? std::min(bytes - done, interleave_.granularity - at % interleave_.granularity)
                             : bytes;
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(hpa(at));
    t.set_data_ptr(static_cast<unsigned char*>(data) + done);
    t.set_data_length(static_cast<unsigned>(n));
    const unsigned moved = mem_->transport_dbg(t);
    if (moved != n) {
      throw DriverError(describe("debug", cmd, address, bytes) + " moved only " + std::to_string(done + moved) +
                        " bytes");
    }
    done += n;
  }
}

void TlmDeviceBus::mem_write(std::uint64_t address, const void* data, std::uint64_t bytes) {
  // The payload's data pointer is non-const by type only: a write never modifies it.
  mem(tlm::TLM_WRITE_COMMAND, address, const_cast<void*>(data), bytes);
}

void TlmDeviceBus::mem_read(std::uint64_t address, void* data, std::uint64_t bytes) {
  mem(tlm::TLM_READ_COMMAND, address, data, bytes);
}

void TlmDeviceBus::debug_write(std::uint64_t address, const void* data, std::uint64_t bytes) {
  debug(tlm::TLM_WRITE_COMMAND, address, const_cast<void*>(data), bytes);
}

void TlmDeviceBus::debug_read(std::uint64_t address, void* data, std::uint64_t bytes) {
  debug(tlm::TLM_READ_COMMAND, address, data, bytes);
}

std::uint32_t TlmDeviceBus::reg_read(std::uint32_t offset) {
  std::uint32_t v = 0;  // registers are little-endian words; so is every host this builds on
  timed(mmio_, tlm::TLM_READ_COMMAND, offset, &v, 4, "CXL.io register");
  return v;
}

void TlmDeviceBus::reg_write(std::uint32_t offset, std::uint32_t value) {
  timed(mmio_, tlm::TLM_WRITE_COMMAND, offset, &value, 4, "CXL.io register");
}

}  // namespace monde::driver
