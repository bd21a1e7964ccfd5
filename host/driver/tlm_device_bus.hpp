// DeviceBus over TLM-2.0 initiator sockets: the host's CXL.mem socket (bound, possibly through
// a protocol checker, to CxlType3Device::host_socket()) and its CXL.io socket (bound to
// ndp_mmio_socket()), plus the NDP engine's interrupt line.
//
// Timed accesses are loosely timed: one b_transport per call, then wait() for the returned
// delay so that the calling thread's local time never runs ahead (the link synchronises
// anyway). Payloads follow the base protocol: streaming width = length, no byte enables,
// response status reset to INCOMPLETE before each call.
//
// The driver works in device physical addresses (its allocator, its descriptors). The host maps
// the device's memory at hpa_base (its HDM range: 0 for the first or only device, d x the mapped
// bytes for device d of several): CXL.mem accesses go to hpa_base + address. On an HDM range
// interleaved across devices (docs/interleave.md) the bus is the view of the device at one
// interleave position p: DPA a is HPA ((a / g) x ways + p) x g + a mod g (the device's decoder
// rule run backwards), and an access that spans granules goes out as one transaction at the HPA
// of its first byte with an InterleaveSpan extension (the walk over this device's granules,
// tlm/common/interleave_span.hpp), which the root complex routes whole to the device; debug
// accesses go granule by granule.
#pragma once

#include <cstdint>
#include <functional>

#include <systemc>
#include <tlm>

#include "host/driver/device_bus.hpp"

namespace monde::driver {

// The device's place in an interleaved range (ways 0 or 1: its own window, no interleave).
struct InterleavePosition {
  std::uint64_t ways = 0;
  std::uint64_t granularity = 0;  // bytes, a power of two
  std::uint64_t position = 0;     // < ways
  bool active() const { return ways > 1; }
};

class TlmDeviceBus : public DeviceBus {
 public:
  // irq_event and irq_level (the line's current state) come together, or both null / empty for
  // a polling-only host (std::invalid_argument otherwise).
  TlmDeviceBus(tlm::tlm_initiator_socket<64>& mem, tlm::tlm_initiator_socket<64>& mmio,
               const sc_core::sc_event* irq_event = nullptr, std::function<bool()> irq_level = {},
               std::uint64_t hpa_base = 0, InterleavePosition interleave = {});

  std::uint64_t hpa_base() const { return hpa_base_; }
  // The HPA of device address `address` (hpa_base + address, or its interleaved HPA).
  std::uint64_t hpa(std::uint64_t address) const;
  const InterleavePosition& interleave() const { return interleave_; }

  void mem_write(std::uint64_t address, const void* data, std::uint64_t bytes) override;
  void mem_read(std::uint64_t address, void* data, std::uint64_t bytes) override;
  void debug_write(std::uint64_t address, const void* data, std::uint64_t bytes) override;
  void debug_read(std::uint64_t address, void* data, std::uint64_t bytes) override;
  std::uint32_t reg_read(std::uint32_t offset) override;
  void reg_write(std::uint32_t offset, std::uint32_t value) override;
  const sc_core::sc_event* irq_event() const override { return irq_event_; }
  bool irq_asserted() const override { return irq_level_ && irq_level_(); }

 private:
  // `walks`: the access crosses granules of an interleaved range (an InterleaveSpan goes with it).
  void timed(tlm::tlm_initiator_socket<64>& socket, tlm::tlm_command cmd, std::uint64_t address, void* data,
             std::uint64_t bytes, const char* what, bool walks = false);
  void mem(tlm::tlm_command cmd, std::uint64_t address, void* data, std::uint64_t bytes);
  void debug(tlm::tlm_command cmd, std::uint64_t address, void* data, std::uint64_t bytes);

  tlm::tlm_initiator_socket<64>& mem_;
  tlm::tlm_initiator_socket<64>& mmio_;
  const sc_core::sc_event* irq_event_;
  std::function<bool()> irq_level_;
  std::uint64_t hpa_base_;
  InterleavePosition interleave_;
};

}  // namespace monde::driver
