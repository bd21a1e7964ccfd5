// A posted write: an ignorable TLM extension with which an initiator that does not wait for its
// writes (the NDP units' write-back, tlm/ndp/ndp_unit.hpp) asks the target to take the write at
// once and say when it completes. A target that can answer at the call (the device DRAM with
// the bandwidth model: its FIFO server gives the completion time when the transfer is queued)
// stores the data, queues the transfer at the current time, sets `taken` and `done_ps` and
// returns without waiting; the initiator then holds whatever the write occupies (its output
// buffer space) until done_ps. A target that cannot (the timed DRAM model, which needs its
// engine to run the bursts) ignores it and b_transport blocks as for any write; `taken` stays
// false. The initiator calls with a zero delay (the write starts at the current time).
#pragma once

#include <cstdint>

#include <tlm>

namespace monde {

class PostedWrite : public tlm::tlm_extension<PostedWrite> {
 public:
  bool taken = false;        // the target took the write without waiting
  std::uint64_t done_ps = 0;  // then: the simulated time at which it completes

  tlm::tlm_extension_base* clone() const override { return new PostedWrite(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override { *this = static_cast<const PostedWrite&>(other); }
};

}  // namespace monde
