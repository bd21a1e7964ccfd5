// All channels of the device behind one address map: routes each request to its channel and
// merges their completions and statistics. Channels are independent (no shared resources), so
// the system is just the set of channel models advanced to the same time.
#pragma once

#include <cstdint>
#include <vector>

#include "tlm/memory/address_map.hpp"
#include "tlm/memory/dram_channel.hpp"
#include "core/config/dram_config.hpp"

namespace monde::mem {

class DramSystem {
 public:
  explicit DramSystem(const config::DramConfig& cfg);

  bool can_accept(std::uint64_t addr, bool is_write) const;
  void push(const DramRequest& req);  // same preconditions as DramChannel::push
  bool try_push(const DramRequest& req);  // can_accept, then push: the address decoded once
  // Completions of all channels with done_ps <= t_ps, in done order (ties: channel order).
  void advance_to(std::uint64_t t_ps, std::vector<DramCompletion>& out);
  std::uint64_t next_event_ps() const;
  // DramChannel::run_until_accept on the channel of `addr` (same precondition).
  std::uint64_t run_until_accept(std::uint64_t addr, bool is_write);
  // Sum over channels. max_*_queue are sums of per-channel maxima (an upper bound).
  DramChannelStats stats() const;
  // The command counters of stats() alone, without merging the channels' latency histograms
  // (sampled around every layer for the energy model).
  struct CommandCounts {
    std::uint64_t activates = 0, reads = 0, writes = 0, refreshes = 0;
  };
  CommandCounts command_counts() const;

  const AddressMap& address_map() const { return map_; }
  const config::DramConfig& config() const { return cfg_; }
  DramChannel& channel(unsigned i) { return channels_.at(i); }
  const DramChannel& channel(unsigned i) const { return channels_.at(i); }
  unsigned num_channels() const { return static_cast<unsigned>(channels_.size()); }

 private:
  config::DramConfig cfg_;
  AddressMap map_;
  std::vector<DramChannel> channels_;
  std::vector<DramCompletion> scratch_;
};

}  // namespace monde::mem
