// The host's half of the NDP ring protocol (docs/ndp_interface.md, "Rings"): where the next
// descriptor goes and how many are in flight (SubmissionRing), and which completion entry is
// next and how to recognise it as new (CompletionRing). Pure bookkeeping, no bus access and no
// SystemC, so the index and phase rules are exercised without a device.
#pragma once

#include <cstdint>

#include "tlm/ndp/command/completion_entry.hpp"
#include "tlm/ndp/command/job_descriptor.hpp"
#include "tlm/ndp/command/ring_index.hpp"

namespace monde::driver {

class SubmissionRing {
 public:
  // Throws std::invalid_argument unless entries is a valid ring size (RingIndex::valid_size).
  SubmissionRing(std::uint64_t base, std::uint32_t entries);

  std::uint64_t base() const { return base_; }
  std::uint32_t entries() const { return ring_.size(); }
  std::uint32_t tail() const { return tail_; }
  std::uint32_t head() const { return head_; }
  // One slot always stays free, so at most entries - 1 jobs are in flight.
  bool full() const { return ring_.full(head_, tail_); }
  std::uint32_t in_flight() const { return ring_.count(head_, tail_); }
  // Where the next descriptor is written.
  std::uint64_t slot_address() const { return base_ + std::uint64_t{tail_} * ndp::kJobDescriptorBytes; }
  // After the descriptor is written at slot_address(): the new tail, the value for SQ_TAIL.
  // Throws std::logic_error when the ring is full (the caller must wait for a slot first).
  std::uint32_t publish();
  // A completion reported the device's consumer index after its job. Jobs complete in ring
  // order, one per completion, so it must be exactly next(head); anything else means the driver
  // and the device disagree about the ring and is a DriverError.
  void consumed(std::uint32_t sq_head, std::uint32_t job_tag);

 private:
  std::uint64_t base_;
  ndp::RingIndex ring_;
  std::uint32_t tail_ = 0;
  std::uint32_t head_ = 0;  // the device's consumer index as last reported by a completion
};

class CompletionRing {
 public:
  CompletionRing(std::uint64_t base, std::uint32_t entries);

  std::uint64_t base() const { return base_; }
  std::uint32_t entries() const { return ring_.size(); }
  std::uint32_t head() const { return head_; }
  bool phase() const { return phase_; }
  std::uint64_t head_address() const { return base_ + std::uint64_t{head_} * ndp::kCompletionEntryBytes; }
  // The device wrote this entry on its current pass: its phase is the one the host expects
  // (1 on the first pass over the zeroed ring, flipped on every wrap).
  bool is_new(const ndp::CompletionEntry& e) const { return e.phase == phase_; }
  // Consumes the entry at head: the new head, the value for CQ_HEAD.
  std::uint32_t consume();

 private:
  std::uint64_t base_;
  ndp::RingIndex ring_;
  std::uint32_t head_ = 0;
  bool phase_ = true;
};

}  // namespace monde::driver
