// The NDP register block as a pure C++ state machine (no SystemC): the CXL.io host side reads
// and writes 32-bit words, the device side (the SystemC NDP controller) consumes submissions and
// posts completions. docs/ndp_interface.md, "Register map" and "Ring protocol", is the contract.
//
// Access rules:
//   * an offset outside the block or not a multiple of 4 -> RegAccess::kAddressError (the
//     SystemC wrapper answers TLM_ADDRESS_ERROR_RESPONSE); accesses other than 32 bits are the
//     wrapper's to reject;
//   * a write that the register ignores (an RO register, a ring base/size while enabled, a
//     doorbell while disabled or out of range) changes nothing, is counted in ignored_writes()
//     and returns RegAccess::kIgnored. CXL.io register writes are posted: the host gets no
//     error, so the wrapper should answer TLM_OK_RESPONSE for kIgnored.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>

#include "tlm/ndp/command/address_range.hpp"
#include "tlm/ndp/command/ndp_error.hpp"
#include "tlm/ndp/command/ndp_registers.hpp"

namespace monde::ndp {

enum class RegAccess { kOk, kIgnored, kAddressError };

// What a host write changed that the device must react to (the listener is called after the
// registers were updated, synchronously inside write32()).
enum class RegEvent {
  kSqDoorbell,     // SQ_TAIL written: there may be new descriptors
  kCqHeadUpdated,  // CQ_HEAD written: completion slots were freed
  kEnabled,        // CONTROL.ENABLE 0 -> 1 with a valid ring configuration
  kDisabled,       // CONTROL.ENABLE 1 -> 0: abandon the job in flight, indices were reset
  kReset,          // CONTROL.RESET: everything returned to its reset value
  kAbort,          // CONTROL.ABORT: end the job in progress with error `aborted` (nothing changes here)
};

struct NdpRegisterConfig {
  std::uint32_t units = 4;  // CAP fields, 1..255 each
  std::uint32_t rows = 16;
  std::uint32_t cols = 16;
  std::uint64_t device_bytes = 0;  // rings must lie inside [0, device_bytes)
};

class NdpRegisterFile {
 public:
  // Throws std::invalid_argument when a CAP field does not fit its 8 bits or is 0.
  explicit NdpRegisterFile(const NdpRegisterConfig& cfg);

  // ---- host side (CXL.io) ----
  RegAccess read32(std::uint32_t offset, std::uint32_t& value) const;
  RegAccess write32(std::uint32_t offset, std::uint32_t value);
  void set_listener(std::function<void(RegEvent)> listener) { listener_ = std::move(listener); }
  std::uint64_t ignored_writes() const { return ignored_writes_; }

  // ---- device side ----
  bool enabled() const { return enabled_; }
  std::uint64_t sq_base() const { return sq_base_; }
  std::uint64_t cq_base() const { return cq_base_; }
  std::uint32_t sq_size() const { return sq_size_; }
  std::uint32_t cq_size() const { return cq_size_; }
  std::uint32_t sq_head() const { return sq_head_; }
  std::uint32_t sq_tail() const { return sq_tail_; }
  std::uint32_t cq_head() const { return cq_head_; }
  std::uint32_t cq_tail() const { return cq_tail_; }
  bool cq_phase() const { return cq_phase_; }  // phase to write into the next entry

  // The ring memory (base, size * entry bytes): outputs must not overlap it.
  AddressRange sq_range() const;
  AddressRange cq_range() const;

  // A descriptor is waiting (enabled and SQ not empty).
  bool sq_pending() const;
  // No completion slot is free: the device must not start the next job (one slot stays free).
  bool cq_full() const;
  // Device address of the descriptor at SQ_HEAD and of the completion slot at CQ_TAIL.
  std::uint64_t sq_entry_addr() const;
  std::uint64_t cq_entry_addr() const;
  // SQ_HEAD after the current job: the completion entry's sq_head field (0 while disabled).
  std::uint32_t next_sq_head() const;

  // Call when the completion entry (phase cq_phase(), sq_head next_sq_head()) is posted at
  // cq_entry_addr(): advances SQ_HEAD and CQ_TAIL (flipping the phase when CQ_TAIL wraps to 0)
  // and sets IRQ_STATUS.CQ when `raise_irq`. Returns false and changes nothing when the device
  // is disabled (the job was abandoned), the SQ is empty or the CQ is full (the last two are
  // device bugs: it checks sq_pending() and cq_full() before starting a job).
  bool complete_job(bool raise_irq);
  // Sets IRQ_STATUS.CQ: the engine posts an entry with complete_job(false) before writing it and
  // raises the interrupt once the write is done (ndp_engine.cpp).
  void raise_cq_irq() { irq_status_ |= kIrqCq; }

  // Latches `code` in ERROR (the last error wins) and sets IRQ_STATUS.ERROR.
  void latch_error(NdpErrorCode code);
  void set_busy(bool busy) { busy_ = busy; }

  // The interrupt line (level): IRQ_EN and any IRQ_STATUS bit set.
  bool irq_pending() const;

 private:
  bool queue_config_valid() const;
  void reset_queues();
  void reset_all();
  RegAccess ignore();
  void notify(RegEvent e) const {
    if (listener_) listener_(e);
  }
  RegAccess write_control(std::uint32_t value);

  std::uint32_t cap_;
  std::uint64_t device_bytes_;
  std::function<void(RegEvent)> listener_;
  std::uint64_t ignored_writes_ = 0;

  bool enabled_ = false;
  bool irq_enable_ = false;
  bool busy_ = false;
  std::uint64_t sq_base_ = 0;
  std::uint64_t cq_base_ = 0;
  std::uint32_t sq_size_ = 0;
  std::uint32_t cq_size_ = 0;
  std::uint32_t sq_head_ = 0;
  std::uint32_t sq_tail_ = 0;
  std::uint32_t cq_head_ = 0;
  std::uint32_t cq_tail_ = 0;
  bool cq_phase_ = true;
  std::uint32_t error_ = 0;
  std::uint32_t irq_status_ = 0;
};

}  // namespace monde::ndp
