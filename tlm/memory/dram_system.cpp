#include "tlm/memory/dram_system.hpp"

#include <algorithm>

namespace monde::mem {

DramSystem::DramSystem(const config::DramConfig& cfg) : cfg_(cfg), map_(cfg) {
  channels_.reserve(cfg.org.channels);
  for (unsigned i = 0; i < cfg.org.channels; ++i) channels_.emplace_back(cfg, i);
}

bool DramSystem::can_accept(std::uint64_t addr, bool is_write) const {
  return channels_[map_.decode(addr).channel].can_accept(is_write);
}

bool DramSystem::try_push(const DramRequest& req) {
  const auto c = map_.decode(req.addr);
  DramChannel& ch = channels_[c.channel];
  if (!ch.can_accept(req.is_write)) return false;
  ch.push(req, c);
  return true;
}

void DramSystem::push(const DramRequest& req) {
  const auto c = map_.decode(req.addr);
  channels_[c.channel].push(req, c);
}

void DramSystem::advance_to(std::uint64_t t_ps, std::vector<DramCompletion>& out) {
  if (channels_.size() == 1) {
    channels_[0].advance_to(t_ps, out);
    return;
  }
  scratch_.clear();
  for (auto& ch : channels_) ch.advance_to(t_ps, scratch_);
  // Each channel's completions are already in done order; a stable sort merges them.
  std::stable_sort(scratch_.begin(), scratch_.end(),
                   [](const DramCompletion& a, const DramCompletion& b) { return a.done_ps < b.done_ps; });
  out.insert(out.end(), scratch_.begin(), scratch_.end());
}

std::uint64_t DramSystem::next_event_ps() const {
  std::uint64_t t = UINT64_MAX;
  for (const auto& ch : channels_) t = std::min(t, ch.next_event_ps());
  return t;
}

std::uint64_t DramSystem::run_until_accept(std::uint64_t addr, bool is_write) {
  return channels_[map_.decode(addr).channel].run_until_accept(is_write);
}

DramSystem::CommandCounts DramSystem::command_counts() const {
  CommandCounts c;
  for (const auto& ch : channels_) {
    const DramChannelStats& s = ch.stats();
    c.activates += s.activates;
    c.reads += s.reads;
    c.writes += s.writes;
    c.refreshes += s.refreshes;
  }
  return c;
}

DramChannelStats DramSystem::stats() const {
  DramChannelStats s;
  for (const auto& ch : channels_) s.merge(ch.stats());
  return s;
}

}  // namespace monde::mem
