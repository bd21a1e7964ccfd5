// Timed model of ONE DRAM channel: bounded read/write queues, an FR-FCFS command scheduler and
// the bank/rank/bus timing rules. SystemC-free and event driven: the model jumps from command to
// command (it computes when the next command can legally issue) and never ticks idle cycles.
//
// Timing rules (all in cycles of tCK, converted to ps; commands issue on clock edges):
//   ACT  : bank closed and >= PRE + tRP (or REF + tRFC); >= previous ACT in the rank + tRRD_S
//          (+ tRRD_L in the same bank group); at most 4 ACTs per rank in any tFAW window.
//   RD/WR: row open, >= ACT + tRCD; same-direction column commands in a rank >= tCCD_S apart
//          (tCCD_L within a bank group); the data bus carries one burst at a time.
//   RD after WR (same rank): >= end of the write data + tWTR_S (tWTR_L within the bank group).
//   WR after RD (any rank): the write data starts >= 2 tCK after the read data ends (bus
//          turnaround; the 2 is the preamble/postamble gap, not a configuration key).
//   PRE  : >= ACT + tRAS, >= RD + tRTP, >= end of write data + tWR.
//   Refresh: every tREFI per rank (ranks staggered by tREFI / ranks), all-bank: once due, the
//          rank gets no new commands; open banks are closed by one PREA (at the latest of
//          their PRE constraints), then REF at >= PREA + tRP; the rank is blocked for tRFC.
//   One command per tCK on the command bus (ACT, PRE, PREA, RD, WR and REF each take a slot).
//
// Completion: a read is done when its last data beat is on the bus: RD issue + (tRL + tBURST);
// a write is done when its last data beat has been transferred to the device: WR issue +
// (tWL + tBURST) (write recovery tWR is the bank's business and delays only its next PRE).
// The data bus is serialised, so completions come out in issue order.
//
// Scheduling, memory.scheduler "drain" (FR-FCFS in drain modes, as Ramulator's controller):
// among commands that can issue earliest, column commands (row hits) win over ACT/PRE, then the
// oldest request. Within a bank, the oldest request that hits the open row is served first; the
// row is closed for an older conflicting request only when no queued request hits it, or after
// kRowHitCap hits in a row (so a hit stream cannot starve it). Reads and writes are scheduled
// apart: the channel is either in read or in write mode. A row opened (ACT) for a request is
// never closed before that request is served: when the mode switched in between, the bank
// serves that request (a column command of the other direction) instead of precharging for
// the new direction, as Ramulator's active buffer does; other banks are not affected.
//
// Write drain (high/low watermarks, queues.write_*_watermark): the channel serves reads until
// the write queue holds >= high entries (or there is no read to serve and some write waits);
// it then drains writes until the write queue is down to <= low entries while reads wait (or
// until it is empty). This amortises the bus turnaround (tWTR, read-to-write) over many writes.
// With queues.write_watermarks false, a direction is served until its queue is empty.
//
// Scheduling, memory.scheduler "fr_fcfs" (DRAMSys's FR-FCFS): reads and writes form one pool;
// per bank, the oldest request that hits the open row, otherwise the oldest request (no hit
// cap); among the banks' commands that can issue earliest, the oldest request's command goes
// first, whatever its kind (a column command and an ACT legal in the same cycle: the older
// request wins). There are no modes and no watermarks.
//
// Page policy: "open" leaves rows open until a conflict or refresh closes them; "closed"
// closes the row with the last column command that hits it among the queued requests
// (auto-precharge: the bank closes at its earliest legal PRE time, without a command slot).
//
// Data is not modelled: the caller keeps the backing store (apply writes when accepted).
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <vector>

#include "tlm/memory/address_map.hpp"
#include "core/config/dram_config.hpp"
#include "tlm/memory/dram_stats.hpp"

namespace monde::mem {

struct DramRequest {
  std::uint64_t id;
  std::uint64_t addr;
  bool is_write;
  std::uint64_t arrival_ps;
};

struct DramCompletion {
  std::uint64_t id;
  bool is_write;
  std::uint64_t done_ps;
  bool row_hit;
};

enum class DramCommand : std::uint8_t { kAct, kPre, kRd, kWr, kPreA, kRef };

// One issued command, for tests and debugging (see set_command_trace).
struct DramCommandRecord {
  std::uint64_t t_ps;
  DramCommand cmd;
  unsigned rank, bank_group, bank, row;
};

class DramChannel {
 public:
  // Consecutive row hits after which an older conflicting request in the bank may close the row.
  static constexpr unsigned kRowHitCap = 16;

  DramChannel(const config::DramConfig& cfg, unsigned channel_index);

  bool can_accept(bool is_write) const;
  // Requires queue space (can_accept), an address of this channel, and arrival_ps >= the last
  // advance_to time; violations throw std::logic_error / std::out_of_range.
  void push(const DramRequest& req);
  void push(const DramRequest& req, const DramCoord& where);  // already decoded
  // Issues every command due at or before t_ps and appends the completions with done_ps <= t_ps.
  void advance_to(std::uint64_t t_ps, std::vector<DramCompletion>& out);
  // Issues commands ahead of time until the queue of `is_write` has room; returns the time of
  // the command that made it (UINT64_MAX when nothing is queued to make room). Completions stay
  // pending for advance_to. Only valid while nothing will be pushed before that time (the
  // decisions are then exactly those advance_to would make): a caller whose pushes wait in line
  // behind a request for this queue. Does not move the model's time (last_advance).
  std::uint64_t run_until_accept(bool is_write);
  // Earliest time at which advance_to would do something: the next command or completion. With
  // nothing queued this is the next refresh; UINT64_MAX only when refresh is off and all is idle.
  std::uint64_t next_event_ps() const;

  const DramChannelStats& stats() const { return stats_; }
  std::size_t read_queue_size() const { return rq_count_; }
  std::size_t write_queue_size() const { return wq_count_; }
  std::size_t in_flight() const { return done_.size(); }  // issued, not yet returned
  bool write_mode() const { return write_mode_; }
  unsigned index() const { return index_; }
  const config::DramConfig& config() const { return cfg_; }
  void set_command_trace(std::vector<DramCommandRecord>* sink) { trace_ = sink; }

 private:
  enum class Kind : std::uint8_t { kNone, kMiss, kConflict };
  struct Entry {
    std::uint64_t id, arrival_ps, seq;
    std::uint32_t row, bank;  // bank: flat index in banks_
    bool is_write;
    Kind kind;
  };
  // A bank's next command for the current mode, bank-local timing only. Kept densely (one per
  // active bank, parallel to active_) so that the scheduler's scan is a linear pass over memory.
  struct Candidate {
    std::uint64_t t_bank = 0;
    std::uint64_t seq = 0;
    std::uint64_t key = 0;  // same-cycle order, smaller first: wins_tie() as one number
    std::uint32_t bank = 0, entry = 0;
    std::uint32_t group = 0;  // rank * bank_groups + bank_group
    std::uint32_t gidx = 0;   // index of the command's rank/channel bound in g_
    std::uint32_t rank = 0;
    DramCommand cmd = DramCommand::kAct;
    bool col = false;    // RD or WR (a row hit)
    bool valid = false;  // computed for the current mode
    bool none = false;   // the bank has nothing queued in the current direction
  };
  static constexpr std::uint32_t kNoEntry = UINT32_MAX;
  struct Bank {
    unsigned rank = 0, bg = 0, bank = 0;
    bool open = false;
    std::uint32_t row = 0;
    std::uint32_t owner = kNoEntry;  // entry whose ACT opened the row, until it is served
    unsigned hit_streak = 0;
    std::uint64_t next_act = 0, next_pre = 0, next_col = 0;
    std::vector<std::uint32_t> q[2];  // entry indices, oldest first; [0] reads, [1] writes
    int active_pos = -1;              // position in active_ / cands_, or -1
  };
  struct Rank {
    std::uint64_t act_ready = 0, rd_ready = 0, wr_ready = 0, wtr_ready = 0;
    std::vector<std::uint64_t> act_bg_ready, rd_bg_ready, wr_bg_ready, wtr_bg_ready;
    std::uint64_t faw[4] = {0, 0, 0, 0};
    unsigned faw_count = 0, faw_head = 0;
    std::uint64_t ref_due = UINT64_MAX;
    unsigned open_banks = 0;
  };
  struct Decision {
    bool valid = false;
    DramCommand cmd = DramCommand::kAct;
    std::uint64_t t = UINT64_MAX;
    std::uint32_t bank = 0, entry = 0;
    unsigned rank = 0;
    std::uint64_t seq = 0;
  };
  struct Done {
    std::uint64_t id, done_ps;
    bool is_write, hit;
  };

  const Decision& decision() const;
  void compute_decision() const;
  bool update_mode() const;  // true when the mode changed (candidates invalidated)
  void fill_candidate(Candidate& c) const;
  void fill_mixed_candidate(Candidate& c, const Bank& b) const;  // scheduler fr_fcfs
  void set_column(Candidate& c, const Bank& b, std::uint32_t ei) const;
  // Tie-break between two candidates ready in the same cycle.
  bool wins_tie(bool col, std::uint64_t seq, bool other_col, std::uint64_t other_seq) const {
    if (!mixed_ && col != other_col) return col;  // drain: row hits first
    return seq < other_seq;                       // then (fr_fcfs: only) the oldest request
  }
  void compute_global_bounds() const;
  std::uint64_t candidate_time(const Candidate& c) const { return std::max(c.t_bank, g_[c.gidx]); }
  bool better(const Candidate& c, std::uint64_t t, const Decision& best, bool best_col) const;
  void invalidate_bank(const Bank& b) const;
  void refresh_candidate(unsigned r, Decision& best) const;
  void issue(const Decision& d);
  void issue_column(Bank& b, Rank& rk, std::uint32_t ei, std::uint64_t t, bool is_write);
  void close_bank(Bank& b, Rank& rk, std::uint64_t pre_t);
  void remove_from_queue(Bank& b, int dir, std::uint32_t ei);
  void invalidate_rank(unsigned r);
  void record(std::uint64_t t, DramCommand c, const Bank* b, unsigned rank, std::uint32_t row);
  std::uint64_t align(std::uint64_t t) const { return (t + tck_ - 1) / tck_ * tck_; }

  config::DramConfig cfg_;
  AddressMap map_;
  unsigned index_;
  // Timings in ps.
  std::uint64_t tck_, tRCD_, tRP_, tRAS_, tRL_, tWL_, tBURST_, tCCD_S_, tCCD_L_, tRRD_S_, tRRD_L_, tFAW_;
  std::uint64_t tWTR_S_, tWTR_L_, tRTP_, tWR_, tREFI_, tRFC_, tRTW_gap_;
  unsigned bgs_, bpg_, banks_per_rank_;
  bool mixed_;  // scheduler fr_fcfs: reads and writes in one pool, no modes

  std::vector<Entry> entries_;
  std::vector<std::uint32_t> free_;
  mutable std::vector<Bank> banks_;
  std::vector<Rank> ranks_;
  std::vector<std::uint32_t> active_;  // banks with queued requests
  mutable std::vector<Candidate> cands_;  // parallel to active_
  // Per decision: earliest ACT / RD / WR / PRE issue time per (rank, bank group) from the rank-
  // and channel-level rules (tRRD, tFAW, tCCD, tWTR, turnaround, data bus, command bus), as
  // four blocks of ranks * bank_groups entries; a candidate indexes it with its gidx.
  mutable std::vector<std::uint64_t> g_;
  mutable std::vector<std::uint64_t> ref_due_;  // per rank, copied for the scan (compute_decision)
  mutable bool decision_best_col_ = false;  std::deque<Done> done_;
  std::size_t rq_count_ = 0, wq_count_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t cmd_free_ = 0;    // next command-bus slot
  std::uint64_t bus_free_ = 0;    // end of the last data burst
  std::uint64_t wr_after_rd_ = 0; // earliest WR issue after the last read (turnaround)
  std::uint64_t last_advance_ = 0;
  // First clock edge at or after last_advance_: commands never issue in the past (a request
  // that was not eligible earlier, e.g. a write during read mode, starts from here).
  std::uint64_t floor_ = 0;
  mutable bool write_mode_ = false;
  mutable bool dirty_ = true;
  mutable Decision decision_;
  DramChannelStats stats_;
  std::vector<DramCommandRecord>* trace_ = nullptr;
};

}  // namespace monde::mem
