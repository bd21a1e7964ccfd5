// What the driver needs from the machine it runs on: the device's memory (timed CXL.mem
// accesses and untimed debug accesses), its CXL.io register block, and its interrupt line.
// NdpDriver talks only to this interface, so the ring protocol can be driven against the TLM
// device (TlmDeviceBus) or against anything else that models these three things.
//
// The timed calls block the calling SC_THREAD for the access's simulated duration; the debug
// calls take no simulated time. All of them throw DriverError when the access fails.
#pragma once

#include <cstdint>

#include <systemc>

namespace monde::driver {

class DeviceBus {
 public:
  virtual ~DeviceBus() = default;

  // CXL.mem: HPA-addressed accesses through the link, charged their link and DRAM time.
  virtual void mem_write(std::uint64_t address, const void* data, std::uint64_t bytes) = 0;
  virtual void mem_read(std::uint64_t address, void* data, std::uint64_t bytes) = 0;
  // Debug (transport_dbg) accesses: no time, no link traffic. The driver uses them only where
  // the configuration allows it (debug preload, timing_only rings).
  virtual void debug_write(std::uint64_t address, const void* data, std::uint64_t bytes) = 0;
  virtual void debug_read(std::uint64_t address, void* data, std::uint64_t bytes) = 0;

  // CXL.io: one aligned 32-bit register, offsets of command/ndp_registers.hpp.
  virtual std::uint32_t reg_read(std::uint32_t offset) = 0;
  virtual void reg_write(std::uint32_t offset, std::uint32_t value) = 0;

  // The interrupt line (level: IRQ_EN and an IRQ_STATUS bit) and the event of its rising edge.
  // nullptr / false when no interrupt is wired: the driver then only supports polling.
  virtual const sc_core::sc_event* irq_event() const = 0;
  virtual bool irq_asserted() const = 0;
};

}  // namespace monde::driver
