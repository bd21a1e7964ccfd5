// The device's DRAM as a TLM-2.0 target. Functional data goes to the sparse backing store
// (unless timing_only); timing comes from the DRAM model (memory/dram_system.hpp), which one
// engine thread advances in simulated time, so both coding styles see the same timing:
// A StridedAccess extension (tlm/common/strided_access.hpp) makes one transaction several
// lines a stride apart: its bursts go to the lines' addresses (bandwidth mode: one transfer of
// all its bytes). Lines must be whole aligned bursts; otherwise TLM_BURST_ERROR_RESPONSE.
//   - loosely timed: b_transport splits the access into 64-byte bursts, waits for the DRAM
//     model to complete them (back-pressure included) and returns with the delay consumed;
// With memory.model "bandwidth" the same socket times each transaction as one bulk transfer
// of the bandwidth model instead (memory/bandwidth_model.hpp): no per-burst scheduling, for
// full-size runs; END_REQ at once, BEGIN_RESP at the transfer's completion time. An access with
// a ScheduledAccess extension (tlm/common/scheduled_access.hpp: the NDP units' and engine's) and
// no delay is then taken in the call and queued in the ledger (bulk_ledger.hpp), which serves it
// on the same server in a fixed order once time passes its start (the timed model ignores the
// extension and blocks).
//   - approximately timed: the 4-phase base protocol. END_REQ is sent only when every burst
//     of the request has been queued in the DRAM model (request exclusion = back-pressure);
//     BEGIN_RESP when all bursts are done, one response outstanding at a time. A BEGIN_REQ
//     without a delay that fits the DRAM queues at once is accepted in the call (TLM_UPDATED,
//     END_REQ), at the same simulated time the engine would have accepted it.
// The engine (an SC_METHOD) wakes only when something is observable: a burst's completion, an
// arrival, or, while requests wait for queue space, the command that frees it. While the head
// of the waiting line is blocked nothing can enter the DRAM model, so the model is run ahead to
// that command (DramSystem::run_until_accept); otherwise it wakes at each DRAM command time.
// The DRAM model's decisions do not depend on when it is advanced as long as it is advanced to
// the time of every push first, so this gives the picoseconds of stepping command by command.
// transport_dbg reads/writes the backing store with no timing (preload and inspection).
// DMI is granted only where it is safe: read/write pointers to backing-store pages when
// `allow_dmi` is set, with the DRAM's unloaded latency as the DMI latency (DMI bypasses the
// timing model, so it is off by default).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "tlm/common/event_pool.hpp"
#include "tlm/common/object_pool.hpp"
#include "tlm/common/payload_event_queue.hpp"
#include "tlm/memory/backing_store.hpp"
#include "tlm/memory/bandwidth_model.hpp"
#include "tlm/memory/bulk_ledger.hpp"
#include "core/config/dram_config.hpp"
#include "tlm/memory/dram_system.hpp"
#include "tlm/memory/poison_model.hpp"
#include "core/stats/latency_histogram.hpp"

namespace monde {
class StridedAccess;
class ScheduledAccess;
}

namespace monde::mem {

struct MemoryTargetOptions {
  bool timing_only = false;  // data: timing_only -> no payload bytes are stored or returned
  bool allow_dmi = false;
  // Reads that return poison (faults.dram_poison): such a read takes its DRAM time and completes
  // with TLM_GENERIC_ERROR_RESPONSE; a PoisonReport extension on it (tlm/common/poison_report.hpp)
  // gets the poisoned lines. Off by default.
  config::DramPoisonConfig poison;
  std::uint64_t fault_seed = 1;
};

class MemoryTarget : public sc_core::sc_module, private TransferRecorder {
 public:
  static constexpr unsigned kBurstBytes = 64;

  tlm_utils::simple_target_socket<MemoryTarget, 64> socket;

  SC_HAS_PROCESS(MemoryTarget);
  MemoryTarget(sc_core::sc_module_name name, const config::DramConfig& config, std::uint64_t capacity_bytes,
               const MemoryTargetOptions& options);

  BackingStore& store() { return store_; }
  const DramSystem& dram() const { return dram_; }
  // Request-to-completion latency of every transaction, and byte counts.
  const stats::LatencyHistogram& read_latency() const { return read_latency_; }
  const stats::LatencyHistogram& write_latency() const { return write_latency_; }
  std::uint64_t bytes_read() const { return bytes_read_; }
  std::uint64_t bytes_written() const { return bytes_written_; }
  std::uint64_t address_errors() const { return address_errors_; }
  const PoisonModel& poison() const { return poison_; }

 private:
  struct Job {  // one transaction in flight (pooled: released once its response is sent)
    tlm::tlm_generic_payload* trans = nullptr;
    bool at = false;
    bool is_write = false;
    std::uint64_t start_ps = 0;
    std::uint64_t first_burst = 0;  // 64-byte aligned address of the first burst
    unsigned bursts_total = 0;
    // A strided access (StridedAccess) is lines of line_bursts bursts, stride_bytes apart; a
    // plain one is a single line of bursts_total bursts.
    unsigned line_bursts = 0;
    std::uint64_t stride_bytes = 0;
    std::uint64_t burst_address(unsigned q) const;  // of the q-th burst
    unsigned bursts_queued = 0;
    unsigned bursts_done = 0;
    std::uint64_t last_done_ps = 0;
    bool complete = false;
    sc_core::sc_event* done = nullptr;  // LT (b_transport) only: the caller's, from events_
  };

  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);

  // Checks and moves the data; false (with the response status set) on a bad access.
  bool do_data(tlm::tlm_generic_payload& trans);
  bool do_strided_data(tlm::tlm_generic_payload& trans, const StridedAccess& s);
  // A read of pieces line_bytes long, stride apart: poisoned -> error status, PoisonReport filled.
  void check_poison(tlm::tlm_generic_payload& trans, std::uint64_t line_bytes, std::uint64_t lines, std::uint64_t stride);
  static unsigned bursts_of(const tlm::tlm_generic_payload& trans);  // 64-byte bursts the access touches
  Job* make_job(tlm::tlm_generic_payload& trans, bool at);
  bool try_queue(Job* job);  // pushes the bursts that fit; true when all are queued
  bool accept_now(tlm::tlm_generic_payload& trans);  // AT BEGIN_REQ fast path; true: END_REQ now
  void engine();                   // SC_METHOD: advances the DRAM model, completes jobs, admits waiting ones
  void deliver();                  // completions collected in done_ -> jobs
  void schedule();                 // the engine's next wake
  void at_phase(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase);  // AT arrivals, at their time
  void finish(Job* job);
  void record_done(bool is_write, std::uint64_t latency_ps, std::uint64_t bytes);  // latency and byte counts
  void take_scheduled(tlm::tlm_generic_payload& trans, ScheduledAccess& a);
  bool accept_bulk_now(tlm::tlm_generic_payload& trans);
  void record_transfer(bool is_write, std::uint64_t latency_ps, std::uint64_t bytes) override;
  bool bandwidth_mode() const { return config_.model == config::MemoryModel::kBandwidth; }
  // Bandwidth mode: completion time of the job's bytes issued now.
  std::uint64_t bulk_done_ps(const Job& job);
  void bulk_response(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase);  // PEQ callback
  void send_next_response();
  std::uint64_t now_ps() const;
  void wake_at(std::uint64_t t_ps);

  config::DramConfig config_;
  MemoryTargetOptions options_;
  BackingStore store_;
  DramSystem dram_;
  BandwidthModel bulk_;
  BulkLedger ledger_;  // scheduled accesses on bulk_
  PoisonModel poison_;
  std::uint64_t next_id_ = 1;
  ObjectPool<Job> jobs_;
  // Burst id -> job: ids are handed out in order and retire roughly in order, so a window from
  // the oldest burst in flight (first_burst_id_) holds them; retired slots are null.
  std::deque<Job*> burst_jobs_;
  std::uint64_t first_burst_id_ = 1;
  std::size_t bursts_in_flight_ = 0;
  std::deque<Job*> waiting_for_queue_;               // bursts not yet queued (back-pressure)
  std::deque<Job*> responses_;                       // AT jobs done, awaiting BEGIN_RESP
  bool response_in_flight_ = false;
  unsigned peq_requests_ = 0;                                // BEGIN_REQs in peq_ (the fast path may not overtake them)
  // While the head of waiting_for_queue_ is blocked: when the DRAM model, run ahead, made room
  // for it (0: not run ahead). The model's queues show that room early; it is not used before.
  std::uint64_t room_at_ps_ = 0;
  std::vector<DramCompletion> done_, delivering_;
  sc_core::sc_event wake_;
  PayloadEventQueue<MemoryTarget> peq_;
  PayloadEventQueue<MemoryTarget> bulk_peq_;  // bandwidth mode: responses at their time
  std::map<tlm::tlm_generic_payload*, Job*> bulk_jobs_;
  EventPool events_;  // b_transport callers' completion events
  stats::LatencyHistogram read_latency_, write_latency_;
  std::uint64_t bytes_read_ = 0, bytes_written_ = 0, address_errors_ = 0;
};

}  // namespace monde::mem
