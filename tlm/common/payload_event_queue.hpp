// A payload event queue with callback and phase: tlm_utils::peq_with_cb_and_phase's behaviour
// (IEEE 1666-2011 16.3, the SystemC 2.3.4 implementation) with its timed list kept as a binary
// heap. The library keeps timed entries in a sorted singly linked list and inserts by walking it
// from the head, so every notify costs the number of entries already waiting: a link with a few
// hundred messages on the wire spent a fifth of its serialiser's time in that walk. Everything
// else is the library's, step by step, so that the kernel sees exactly the same notifications
// (and simulations give the same picoseconds and the same order of same-time callbacks):
//   * notify(t, phase, delay > 0): the entry is due at now + delay; the queue's event is notified
//     with that delay (an earlier pending notification wins, IEEE 1666 5.10.8);
//   * notify(t, phase, SC_ZERO_TIME): the entry goes to the list of the next delta cycle (by the
//     parity of the current delta count, as the library does) and the event is notified for the
//     next delta (which overrides a pending timed notification);
//   * notify(t, phase): immediate, delivered in this evaluation phase;
//   * the callback process (a spawned SC_METHOD, statically sensitive to the event, not
//     initialised) delivers the immediate entries, then the delta entries of this delta's parity
//     (re-notifying for the next delta when the other list has entries), then every timed entry
//     due now, in the order they were notified for the same time, and finally notifies the event
//     for the next timed entry.
// A callback may notify new entries (the base protocol's backward calls do); a timed one is due
// strictly later than now, so it never joins the batch being delivered.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include <systemc>
#include <tlm>

namespace monde {

template <typename OWNER, typename TYPES = tlm::tlm_base_protocol_types>
class PayloadEventQueue {
 public:
  using Payload = typename TYPES::tlm_payload_type;
  using Phase = typename TYPES::tlm_phase_type;
  using Callback = void (OWNER::*)(Payload&, const Phase&);

  PayloadEventQueue(OWNER* owner, Callback cb) : owner_(owner), cb_(cb) {
    sc_core::sc_spawn_options opts;
    opts.spawn_method();
    opts.set_sensitivity(&event_);
    opts.dont_initialize();
    sc_core::sc_spawn([this] { deliver(); }, sc_core::sc_gen_unique_name("fec"), &opts);
  }
  PayloadEventQueue(const PayloadEventQueue&) = delete;
  PayloadEventQueue& operator=(const PayloadEventQueue&) = delete;

  void notify(Payload& t, const Phase& p, const sc_core::sc_time& when) {
    if (when == sc_core::SC_ZERO_TIME) {
      // The library's naming: an entry notified in an odd delta cycle is due in the next (even)
      // one and goes to the "even" list, and the other way round.
      ((sc_core::sc_delta_count() & 1u) ? even_delta_ : odd_delta_).emplace_back(&t, p);
      event_.notify(sc_core::SC_ZERO_TIME);
      return;
    }
    timed_.push_back(Timed{(sc_core::sc_time_stamp() + when).value(), next_seq_++, &t, p});
    std::push_heap(timed_.begin(), timed_.end(), later);
    event_.notify(when);
  }
  void notify(Payload& t, const Phase& p) {
    immediate_.emplace_back(&t, p);
    event_.notify();
  }
  std::size_t timed_size() const { return timed_.size(); }

 private:
  struct Timed {
    std::uint64_t due;  // kernel time units (sc_time::value)
    std::uint64_t seq;  // notification order: same-time entries come out first in, first out
    Payload* payload;
    Phase phase;
  };
  // std::push_heap / pop_heap keep the largest on top: "later" puts the earliest (due, seq) there.
  static bool later(const Timed& a, const Timed& b) { return a.due != b.due ? a.due > b.due : a.seq > b.seq; }

  void run_list(std::vector<std::pair<Payload*, Phase>>& list) {
    // Indexed, not iterated: a callback may append to another list, never to this one (a delta
    // notification made now goes to the other parity's list), but keep it safe anyway.
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto entry = list[i];
      (owner_->*cb_)(*entry.first, entry.second);
    }
    list.clear();
  }

  void deliver() {
    run_list(immediate_);
    if (sc_core::sc_delta_count() & 1u) {
      run_list(odd_delta_);
      if (!even_delta_.empty()) event_.notify(sc_core::SC_ZERO_TIME);
    } else {
      run_list(even_delta_);
      if (!odd_delta_.empty()) event_.notify(sc_core::SC_ZERO_TIME);
    }
    if (timed_.empty()) return;
    const std::uint64_t now = sc_core::sc_time_stamp().value();
    while (!timed_.empty() && timed_.front().due == now) {
      std::pop_heap(timed_.begin(), timed_.end(), later);
      const Timed entry = timed_.back();
      timed_.pop_back();
      (owner_->*cb_)(*entry.payload, entry.phase);
    }
    if (!timed_.empty()) event_.notify(sc_core::sc_time::from_value(timed_.front().due - now));
  }

  OWNER* owner_;
  Callback cb_;
  std::vector<Timed> timed_;  // a heap under later()
  std::uint64_t next_seq_ = 0;
  std::vector<std::pair<Payload*, Phase>> immediate_, even_delta_, odd_delta_;
  sc_core::sc_event event_;
};

}  // namespace monde
