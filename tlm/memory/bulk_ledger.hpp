// The bandwidth model's scheduled accesses (tlm/common/scheduled_access.hpp): the accesses the
// device's NDP units and engine hand to the DRAM, served on the one FIFO server
// (bandwidth_model.hpp) in the order of (start, source, stream, seq), each after the ordinary
// requests of its start picosecond. An access is applied to the server once simulated time has
// passed its start (by then every request that can precede it has been made): when an ordinary
// request arrives (apply_before(now) first) or when its initiator asks for its completion.
#pragma once

#include <cstdint>
#include <vector>

#include "tlm/common/scheduled_access.hpp"
#include "tlm/memory/bandwidth_model.hpp"

namespace monde::mem {

// What the DRAM target records of each transfer (latency histograms, byte counts).
class TransferRecorder {
 public:
  virtual ~TransferRecorder() = default;
  virtual void record_transfer(bool is_write, std::uint64_t latency_ps, std::uint64_t bytes) = 0;
};

class BulkLedger final : public TransferLedger {
 public:
  BulkLedger(BandwidthModel& server, TransferRecorder& recorder) : server_(server), recorder_(recorder) {}

  // Queues an access of `bytes` DRAM bytes (> 0; `data_bytes` the transaction's length for the
  // statistics) starting at a.start_ps. Returns its id.
  std::uint32_t schedule(const ScheduledAccess& a, std::uint64_t bytes, bool is_write, std::uint64_t data_bytes);
  // Serves every queued access that starts before t_ps, in order.
  void apply_before(std::uint64_t t_ps);
  std::uint64_t take(std::uint32_t id) override;
  std::size_t queued() const { return heap_.size(); }

 private:
  struct Item {
    std::uint64_t start_ps = 0, bytes = 0, data_bytes = 0, done_ps = 0;
    bool is_write = false;
  };
  // A queued access's place: start, then (source, stream, seq) packed into one word (source in
  // the top 9 bits, stream in the next 2, seq in the low 53).
  struct Queued {
    std::uint64_t start_ps, order;
    std::uint32_t id;
    bool operator>(const Queued& o) const { return start_ps != o.start_ps ? start_ps > o.start_ps : order > o.order; }
  };
  BandwidthModel& server_;
  TransferRecorder& recorder_;
  std::vector<Item> items_;
  std::vector<std::uint32_t> free_;  // reusable ids
  std::vector<Queued> heap_;         // the next one to serve on top
};

}  // namespace monde::mem
