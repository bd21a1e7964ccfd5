#include "tlm/memory/bulk_ledger.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>

#include "tlm/common/sim_time.hpp"

namespace monde::mem {

std::uint32_t BulkLedger::schedule(const ScheduledAccess& a, std::uint64_t bytes, bool is_write,
                                   std::uint64_t data_bytes) {
  if (a.source >= (1u << 9) || a.stream >= 4 || a.seq >= (std::uint64_t{1} << 53)) {
    throw std::logic_error("BulkLedger::schedule: source " + std::to_string(a.source) + ", stream " +
                           std::to_string(a.stream) + " or seq " + std::to_string(a.seq) +
                           " out of range (< 512, < 4, < 2^53)");
  }
  std::uint32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = static_cast<std::uint32_t>(items_.size());
    items_.emplace_back();
  }
  items_[id] = Item{a.start_ps, bytes, data_bytes, 0, is_write};
  const std::uint64_t order = std::uint64_t{a.source} << 55 | std::uint64_t{a.stream} << 53 | a.seq;
  heap_.push_back(Queued{a.start_ps, order, id});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<Queued>());
  return id;
}

void BulkLedger::apply_before(std::uint64_t t_ps) {
  while (!heap_.empty() && heap_.front().start_ps < t_ps) {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<Queued>());
    Item& it = items_[heap_.back().id];
    heap_.pop_back();
    it.done_ps = server_.transfer(it.start_ps, it.bytes);
    recorder_.record_transfer(it.is_write, it.done_ps - it.start_ps, it.data_bytes);
  }
}

std::uint64_t BulkLedger::take(std::uint32_t id) {
  const std::uint64_t now = sim_now_ps();
  if (id >= items_.size() || items_[id].start_ps >= now) {
    // An initiator asked too early (its start not yet past) or for an id it does not hold: a
    // model bug, never a user's input.
    throw std::logic_error("BulkLedger::take: access " + std::to_string(id) + " asked at " + std::to_string(now) +
                           " ps, before its start");
  }
  apply_before(now);
  const std::uint64_t done = items_[id].done_ps;
  free_.push_back(id);
  return done;
}

}  // namespace monde::mem
