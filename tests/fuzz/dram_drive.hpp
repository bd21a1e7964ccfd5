// Drives the SystemC-free DRAM model (tlm/memory/dram_system.hpp) with a list of requests as
// the memory target does: each request offered in order, not before its time, waiting while
// its queue is full; then everything drained. Checks what must hold for any valid configuration
// and any addresses: every request completes exactly once, not before it arrived, and the model
// always has a next event while work is pending (a model that stops would hang a simulation).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_target.hpp"
#include "tlm/memory/dram_system.hpp"

namespace monde::fuzz {

struct OfferedRequest {
  std::uint64_t addr = 0;  // any byte address below the capacity (aligned down to a burst here)
  bool is_write = false;
  std::uint64_t earliest_ps = 0;
};

inline void drive_dram(mem::DramSystem& dram, const std::vector<OfferedRequest>& requests) {
  const std::uint64_t burst = dram.config().bytes_per_burst();
  std::vector<mem::DramCompletion> done;
  std::vector<std::uint64_t> arrival(requests.size());
  std::vector<bool> completed(requests.size(), false);
  std::size_t seen = 0;
  std::uint64_t now = 0;
  auto collect = [&]() {
    for (const auto& c : done) {
      require(c.id < requests.size() && !completed[c.id], "DRAM completed request " + std::to_string(c.id) +
                                                              " twice or never pushed it");
      require(c.done_ps >= arrival[c.id], "DRAM completed a request before it arrived");
      require(c.is_write == requests[c.id].is_write, "DRAM completion has the wrong direction");
      completed[c.id] = true;
      ++seen;
    }
    done.clear();
  };
  auto step = [&]() {
    const std::uint64_t t = dram.next_event_ps();
    require(t != UINT64_MAX, "DRAM has work pending but no next event (a simulation would hang)");
    if (t > now) now = t;
    dram.advance_to(now, done);
    collect();
  };
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const std::uint64_t addr = requests[i].addr / burst * burst;
    if (requests[i].earliest_ps > now) {
      now = requests[i].earliest_ps;
      dram.advance_to(now, done);
      collect();
    }
    for (int guard = 0; !dram.can_accept(addr, requests[i].is_write); ++guard) {
      require(guard < 1000000, "DRAM queue never drains");
      step();
    }
    arrival[i] = now;
    dram.push(mem::DramRequest{i, addr, requests[i].is_write, now});
  }
  for (long guard = 0; seen < requests.size(); ++guard) {
    require(guard < 10000000, "DRAM never completes its last requests");
    step();
  }
}

}  // namespace monde::fuzz
