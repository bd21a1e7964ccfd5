#include "host/driver/host_rings.hpp"

#include <stdexcept>
#include <string>

#include "host/driver/driver_error.hpp"

namespace monde::driver {

SubmissionRing::SubmissionRing(std::uint64_t base, std::uint32_t entries) : base_(base), ring_(entries) {}

std::uint32_t SubmissionRing::publish() {
  if (full()) throw std::logic_error("SubmissionRing::publish on a full ring (" + std::to_string(entries()) + " entries)");
  tail_ = ring_.next(tail_);
  return tail_;
}

void SubmissionRing::consumed(std::uint32_t sq_head, std::uint32_t job_tag) {
  const std::uint32_t expected = ring_.next(head_);
  if (in_flight() == 0 || sq_head != expected) {
    throw DriverError("completion of job " + std::to_string(job_tag) + " reports SQ head " + std::to_string(sq_head) +
                      ", but the driver expected " + (in_flight() == 0 ? std::string("no completion (SQ empty)")
                                                                       : std::to_string(expected)));
  }
  head_ = sq_head;
}

CompletionRing::CompletionRing(std::uint64_t base, std::uint32_t entries) : base_(base), ring_(entries) {}

std::uint32_t CompletionRing::consume() {
  if (ring_.wraps(head_)) phase_ = !phase_;
  head_ = ring_.next(head_);
  return head_;
}

}  // namespace monde::driver
