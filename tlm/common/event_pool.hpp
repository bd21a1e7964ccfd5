// Events for blocking callers that wait on a per-transaction completion, reused instead of one
// sc_event constructed and destroyed per transaction (an unnamed sc_event registers with the
// kernel on construction: a measurable share of a step with ~10^5 GPU DMA chunks). Which event
// object a caller waits on is not observable, so a pooled one behaves exactly like a fresh one.
// A released event must not be pending: release it after the wait it was notified for returned.
#pragma once

#include <memory>
#include <vector>

#include <systemc>

namespace monde {

class EventPool {
 public:
  sc_core::sc_event* acquire() {
    if (free_.empty()) {
      all_.push_back(std::make_unique<sc_core::sc_event>());
      return all_.back().get();
    }
    sc_core::sc_event* e = free_.back();
    free_.pop_back();
    return e;
  }
  void release(sc_core::sc_event* e) { free_.push_back(e); }

 private:
  std::vector<std::unique_ptr<sc_core::sc_event>> all_;
  std::vector<sc_core::sc_event*> free_;
};

}  // namespace monde
