// NDP register block (ndp_register_file.hpp).
#include "tlm/ndp/command/ndp_register_file.hpp"

#include <stdexcept>
#include <string>

#include "tlm/ndp/command/completion_entry.hpp"
#include "tlm/ndp/command/job_descriptor.hpp"
#include "tlm/ndp/command/ring_index.hpp"

namespace monde::ndp {
namespace {

// Ring bases must be line aligned: a 32-byte completion entry then never straddles two lines,
// so the device writes it with a single CXL.mem request.
constexpr std::uint64_t kRingBaseAlign = 64;

std::uint32_t cap_field(std::uint32_t v, const char* name) {
  if (v == 0 || v > 0xFFu) {
    throw std::invalid_argument(std::string("NdpRegisterFile: CAP field ") + name +
                                " must be 1..255");
  }
  return v;
}

std::uint64_t set_lo(std::uint64_t r, std::uint32_t v) { return (r & ~0xFFFFFFFFull) | v; }
std::uint64_t set_hi(std::uint64_t r, std::uint32_t v) {
  return (r & 0xFFFFFFFFull) | (std::uint64_t{v} << 32);
}

}  // namespace

NdpRegisterFile::NdpRegisterFile(const NdpRegisterConfig& cfg)
    : cap_((kInterfaceVersion << kCapVersionShift) |
           (cap_field(cfg.units, "units") << kCapUnitsShift) |
           (cap_field(cfg.rows, "rows") << kCapRowsShift) |
           (cap_field(cfg.cols, "cols") << kCapColsShift)),
      device_bytes_(cfg.device_bytes) {}

RegAccess NdpRegisterFile::read32(std::uint32_t offset, std::uint32_t& value) const {
  if (offset % 4 != 0 || offset >= reg::kBlockBytes) return RegAccess::kAddressError;
  switch (offset) {
    case reg::kId: value = kIdValue; break;
    case reg::kCap: value = cap_; break;
    case reg::kStatus:
      value = (enabled_ ? kStatusReady : 0u) | (busy_ ? kStatusBusy : 0u) |
              ((error_ & kErrorValid) != 0 ? kStatusError : 0u);
      break;
    case reg::kControl:
      value = (enabled_ ? kControlEnable : 0u) | (irq_enable_ ? kControlIrqEnable : 0u);
      break;
    case reg::kSqBaseLo: value = static_cast<std::uint32_t>(sq_base_); break;
    case reg::kSqBaseHi: value = static_cast<std::uint32_t>(sq_base_ >> 32); break;
    case reg::kSqSize: value = sq_size_; break;
    case reg::kSqTail: value = sq_tail_; break;
    case reg::kSqHead: value = sq_head_; break;
    case reg::kCqBaseLo: value = static_cast<std::uint32_t>(cq_base_); break;
    case reg::kCqBaseHi: value = static_cast<std::uint32_t>(cq_base_ >> 32); break;
    case reg::kCqSize: value = cq_size_; break;
    case reg::kCqHead: value = cq_head_; break;
    case reg::kCqTail: value = cq_tail_; break;
    case reg::kError: value = error_; break;
    case reg::kIrqStatus: value = irq_status_; break;
    default: return RegAccess::kAddressError;  // unreachable: every aligned offset is mapped
  }
  return RegAccess::kOk;
}

RegAccess NdpRegisterFile::write32(std::uint32_t offset, std::uint32_t value) {
  if (offset % 4 != 0 || offset >= reg::kBlockBytes) return RegAccess::kAddressError;
  switch (offset) {
    case reg::kId:
    case reg::kCap:
    case reg::kStatus:
    case reg::kSqHead:
    case reg::kCqTail:
      return ignore();
    case reg::kControl:
      return write_control(value);
    // Ring geometry is frozen while enabled: the device is walking those rings.
    case reg::kSqBaseLo:
    case reg::kSqBaseHi:
    case reg::kSqSize:
    case reg::kCqBaseLo:
    case reg::kCqBaseHi:
    case reg::kCqSize:
      if (enabled_) return ignore();
      if (offset == reg::kSqBaseLo) sq_base_ = set_lo(sq_base_, value);
      if (offset == reg::kSqBaseHi) sq_base_ = set_hi(sq_base_, value);
      if (offset == reg::kSqSize) sq_size_ = value;
      if (offset == reg::kCqBaseLo) cq_base_ = set_lo(cq_base_, value);
      if (offset == reg::kCqBaseHi) cq_base_ = set_hi(cq_base_, value);
      if (offset == reg::kCqSize) cq_size_ = value;
      return RegAccess::kOk;
    case reg::kSqTail:
    case reg::kCqHead: {
      if (!enabled_) return ignore();
      const bool sq = offset == reg::kSqTail;
      // An index outside the ring is a driver bug worth reporting (like NVMe's "invalid
      // doorbell write value"); the queue state stays consistent by ignoring it.
      if (value >= (sq ? sq_size_ : cq_size_)) {
        latch_error(NdpErrorCode::kBadDoorbell);
        return ignore();
      }
      (sq ? sq_tail_ : cq_head_) = value;
      notify(sq ? RegEvent::kSqDoorbell : RegEvent::kCqHeadUpdated);
      return RegAccess::kOk;
    }
    case reg::kError:
      if ((value & kErrorValid) != 0) error_ = 0;  // W1C on VALID clears code and flag
      return RegAccess::kOk;
    case reg::kIrqStatus:
      irq_status_ &= ~(value & kIrqAll);
      return RegAccess::kOk;
    default:
      return RegAccess::kAddressError;
  }
}

RegAccess NdpRegisterFile::write_control(std::uint32_t value) {
  if ((value & kControlReset) != 0) {
    // Reset wins over the other bits of the same write.
    reset_all();
    notify(RegEvent::kReset);
    return RegAccess::kOk;
  }
  irq_enable_ = (value & kControlIrqEnable) != 0;
  const bool want = (value & kControlEnable) != 0;
  if (want && !enabled_) {
    if (!queue_config_valid()) {
      latch_error(NdpErrorCode::kBadQueueConfig);
      return RegAccess::kOk;  // the IRQ_EN part of the write took effect; ENABLE reads 0
    }
    reset_queues();
    enabled_ = true;
    notify(RegEvent::kEnabled);
  } else if (!want && enabled_) {
    enabled_ = false;
    reset_queues();
    notify(RegEvent::kDisabled);
  }
  if ((value & kControlAbort) != 0 && enabled_) notify(RegEvent::kAbort);
  return RegAccess::kOk;
}

bool NdpRegisterFile::queue_config_valid() const {
  if (!RingIndex::valid_size(sq_size_) || !RingIndex::valid_size(cq_size_)) return false;
  if (sq_base_ % kRingBaseAlign != 0 || cq_base_ % kRingBaseAlign != 0) return false;
  const AddressRange sq = sq_range(), cq = cq_range();
  return sq.within(device_bytes_) && cq.within(device_bytes_) && !sq.overlaps(cq);
}

void NdpRegisterFile::reset_queues() {
  sq_head_ = sq_tail_ = cq_head_ = cq_tail_ = 0;
  // The host zeroes the CQ memory, so entries of the first pass carry phase 1.
  cq_phase_ = true;
}

void NdpRegisterFile::reset_all() {
  enabled_ = irq_enable_ = busy_ = false;
  sq_base_ = cq_base_ = 0;
  sq_size_ = cq_size_ = 0;
  reset_queues();
  error_ = 0;
  irq_status_ = 0;
}

RegAccess NdpRegisterFile::ignore() {
  ++ignored_writes_;
  return RegAccess::kIgnored;
}

AddressRange NdpRegisterFile::sq_range() const {
  return {sq_base_, std::uint64_t{sq_size_} * kJobDescriptorBytes};
}
AddressRange NdpRegisterFile::cq_range() const {
  return {cq_base_, std::uint64_t{cq_size_} * kCompletionEntryBytes};
}

bool NdpRegisterFile::sq_pending() const { return enabled_ && sq_head_ != sq_tail_; }

bool NdpRegisterFile::cq_full() const {
  return enabled_ && RingIndex(cq_size_).full(cq_head_, cq_tail_);
}

std::uint64_t NdpRegisterFile::sq_entry_addr() const {
  return sq_base_ + std::uint64_t{sq_head_} * kJobDescriptorBytes;
}
std::uint64_t NdpRegisterFile::cq_entry_addr() const {
  return cq_base_ + std::uint64_t{cq_tail_} * kCompletionEntryBytes;
}

std::uint32_t NdpRegisterFile::next_sq_head() const {
  return enabled_ ? RingIndex(sq_size_).next(sq_head_) : 0;
}

bool NdpRegisterFile::complete_job(bool raise_irq) {
  if (!enabled_ || sq_head_ == sq_tail_ || cq_full()) return false;
  const RingIndex sq(sq_size_), cq(cq_size_);
  sq_head_ = sq.next(sq_head_);
  if (cq.wraps(cq_tail_)) cq_phase_ = !cq_phase_;
  cq_tail_ = cq.next(cq_tail_);
  if (raise_irq) irq_status_ |= kIrqCq;
  return true;
}

void NdpRegisterFile::latch_error(NdpErrorCode code) {
  error_ = kErrorValid | (static_cast<std::uint32_t>(code) & kErrorCodeMask);
  irq_status_ |= kIrqError;
}

bool NdpRegisterFile::irq_pending() const { return irq_enable_ && (irq_status_ & kIrqAll) != 0; }

}  // namespace monde::ndp
