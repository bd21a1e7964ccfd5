// A scheduled access: an ignorable TLM extension with which the device's own initiators (the NDP
// units and the NDP engine) hand an access to a memory that can queue it by a fixed rule instead
// of by the order in which the SystemC kernel happens to run processes of one picosecond.
//
// The initiator calls b_transport with no delay at or before the access's start time
// (`start_ps` >= now) and names itself (`source`, `stream`, `seq`: its own order). A target that
// takes it (the device DRAM with the bandwidth model, tlm/memory/bulk_ledger.hpp) moves the data
// in the call (a read's bytes as they are at the call: the initiator calls at the start time
// unless nothing can write them before it), sets `ledger`, `id` and `not_before_ps` and returns
// without waiting. The access is then served by the memory's FIFO server in the order of
// (start_ps, source, stream, seq) among scheduled accesses, after every ordinary request that
// arrives in its start picosecond (those come from one process, the CXL.mem controller, in its own
// order). Its completion time is known once simulated time has passed its start: the
// initiator asks the ledger with take() at or after not_before_ps (the earliest it can complete),
// which also frees the id. A target that cannot (the timed DRAM model) ignores the extension and
// b_transport blocks as for any access; `ledger` stays null.
//
// Because no scheduled access depends on the order of same-picosecond events, an initiator may
// schedule its accesses ahead (an NDP unit's write-backs of blocks whose end times it knows) or
// one by one with the same result: tests/integration/test_ndp_device.cpp holds the two equal.
#pragma once

#include <cstdint>

#include <systemc>
#include <tlm>

#include "tlm/common/sim_time.hpp"

namespace monde {

class TransferLedger {
 public:
  virtual ~TransferLedger() = default;
  // The access's completion time; call once simulated time is past its start (at or after its
  // not_before_ps). Frees the id.
  virtual std::uint64_t take(std::uint32_t id) = 0;
};

class ScheduledAccess : public tlm::tlm_extension<ScheduledAccess> {
 public:
  static constexpr std::uint32_t kNoTransfer = ~0u;  // id of an access that moved nothing (an error)

  // From the initiator.
  std::uint64_t start_ps = 0;
  std::uint32_t source = 0;  // the initiator (an NDP unit's index; the engine after them)
  std::uint32_t stream = 0;  // one of its access streams
  std::uint64_t seq = 0;     // its order within the stream
  // From a target that took it (ledger null: the call blocked as an ordinary access).
  TransferLedger* ledger = nullptr;
  std::uint32_t id = kNoTransfer;
  std::uint64_t not_before_ps = 0;

  bool taken() const { return ledger != nullptr; }
  // Completion time: take() from the ledger, or the start for an access that moved nothing.
  std::uint64_t take_done_ps() const { return id == kNoTransfer ? start_ps : ledger->take(id); }

  tlm::tlm_extension_base* clone() const override { return new ScheduledAccess(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const ScheduledAccess&>(other);
  }
};

// From an SC_THREAD: waits until a taken access has completed (to its not_before_ps, where the
// ledger can tell, then to its completion) and returns the completion time.
inline std::uint64_t wait_until_done(const ScheduledAccess& a) {
  std::uint64_t now = sim_now_ps();
  if (a.id != ScheduledAccess::kNoTransfer && a.not_before_ps > now) {
    sc_core::wait(ps_time(a.not_before_ps - now));
    now = a.not_before_ps;
  }
  const std::uint64_t done = a.take_done_ps();
  if (done > now) sc_core::wait(ps_time(done - now));
  return done;
}

}  // namespace monde
