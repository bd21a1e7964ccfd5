#include "tlm/memory/dram_channel.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace monde::mem {

DramChannel::DramChannel(const config::DramConfig& cfg, unsigned channel_index)
    : cfg_(cfg), map_(cfg), index_(channel_index) {
  if (channel_index >= cfg.org.channels) {
    throw std::out_of_range("DramChannel: channel index " + std::to_string(channel_index) + " >= channels " +
                            std::to_string(cfg.org.channels));
  }
  const auto& t = cfg.timing;
  tck_ = t.tck_ps;
  tRCD_ = t.tRCD * tck_;
  tRP_ = t.tRP * tck_;
  tRAS_ = t.tRAS * tck_;
  tRL_ = t.tRL * tck_;
  tWL_ = t.tWL * tck_;
  tBURST_ = t.tBURST * tck_;
  tCCD_S_ = t.tCCD_S * tck_;
  tCCD_L_ = t.tCCD_L * tck_;
  tRRD_S_ = t.tRRD_S * tck_;
  tRRD_L_ = t.tRRD_L * tck_;
  tFAW_ = t.tFAW * tck_;
  tWTR_S_ = t.tWTR_S * tck_;
  tWTR_L_ = t.tWTR_L * tck_;
  tRTP_ = t.tRTP * tck_;
  tWR_ = t.tWR * tck_;
  tREFI_ = t.tREFI * tck_;
  tRFC_ = t.tRFC * tck_;
  tRTW_gap_ = 2 * tck_;
  bgs_ = cfg.org.bank_groups;
  bpg_ = cfg.org.banks_per_group;
  banks_per_rank_ = bgs_ * bpg_;
  mixed_ = cfg.scheduler == config::DramScheduler::kFrFcfs;

  ranks_.resize(cfg.org.ranks);
  for (unsigned r = 0; r < ranks_.size(); ++r) {
    auto& rk = ranks_[r];
    rk.act_bg_ready.assign(bgs_, 0);
    rk.rd_bg_ready.assign(bgs_, 0);
    rk.wr_bg_ready.assign(bgs_, 0);
    rk.wtr_bg_ready.assign(bgs_, 0);
    // Stagger the ranks' refreshes so that they do not all stall the channel at once.
    if (t.tREFI != 0) rk.ref_due = (t.tREFI + r * t.tREFI / cfg.org.ranks) * tck_;
  }
  banks_.resize(std::size_t{cfg.org.ranks} * banks_per_rank_);
  for (std::size_t i = 0; i < banks_.size(); ++i) {
    banks_[i].rank = static_cast<unsigned>(i / banks_per_rank_);
    banks_[i].bg = static_cast<unsigned>(i % banks_per_rank_ / bpg_);
    banks_[i].bank = static_cast<unsigned>(i % bpg_);
  }
  entries_.reserve(cfg.queues.read_depth + cfg.queues.write_depth);
  g_.assign(4 * std::size_t{cfg.org.ranks} * bgs_, 0);
  ref_due_.assign(cfg.org.ranks, UINT64_MAX);
}

bool DramChannel::can_accept(bool is_write) const {
  return is_write ? wq_count_ < cfg_.queues.write_depth : rq_count_ < cfg_.queues.read_depth;
}

void DramChannel::push(const DramRequest& req) { push(req, map_.decode(req.addr)); }

void DramChannel::push(const DramRequest& req, const DramCoord& c) {
  if (!can_accept(req.is_write)) {
    throw std::logic_error("DramChannel " + std::to_string(index_) + ": push into a full " +
                           (req.is_write ? "write" : "read") + " queue (check can_accept first)");
  }
  if (c.channel != index_) {
    throw std::logic_error("DramChannel " + std::to_string(index_) + ": request for channel " +
                           std::to_string(c.channel));
  }
  if (req.arrival_ps < last_advance_) {
    throw std::logic_error("DramChannel: request arrival " + std::to_string(req.arrival_ps) +
                           " ps is before the model time " + std::to_string(last_advance_) + " ps");
  }
  std::uint32_t ei;
  if (!free_.empty()) {
    ei = free_.back();
    free_.pop_back();
  } else {
    ei = static_cast<std::uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  const auto bi = static_cast<std::uint32_t>((c.rank * bgs_ + c.bank_group) * bpg_ + c.bank);
  entries_[ei] = Entry{req.id, req.arrival_ps, seq_++, c.row, bi, req.is_write, Kind::kNone};
  Bank& b = banks_[bi];
  b.q[req.is_write ? 1 : 0].push_back(ei);
  if (b.active_pos < 0) {
    b.active_pos = static_cast<int>(active_.size());
    active_.push_back(bi);
    Candidate nc;
    nc.bank = bi;
    nc.group = b.rank * bgs_ + b.bg;
    nc.rank = b.rank;
    cands_.push_back(nc);
  }
  invalidate_bank(b);
  if (req.is_write) {
    ++wq_count_;
    stats_.max_write_queue = std::max(stats_.max_write_queue, static_cast<unsigned>(wq_count_));
  } else {
    ++rq_count_;
    stats_.max_read_queue = std::max(stats_.max_read_queue, static_cast<unsigned>(rq_count_));
  }
  if (dirty_) return;
  // Incremental update: only this bank's candidate changed, and the rank/channel bounds of the
  // last decision still hold (no command issued since). Anything subtler recomputes it all.
  const bool mode_changed = update_mode();
  const bool bank_cmd = decision_.valid && decision_.cmd != DramCommand::kPreA && decision_.cmd != DramCommand::kRef;
  if (mode_changed || (bank_cmd && decision_.bank == bi)) {
    dirty_ = true;
    return;
  }
  if (!mixed_ && req.is_write != write_mode_) return;  // the other direction is not being scheduled
  Candidate& nc = cands_[static_cast<std::size_t>(b.active_pos)];
  fill_candidate(nc);
  // g_ dates from the last full decision; floor_ may have moved since (advance_to).
  const std::uint64_t t = std::max(candidate_time(nc), floor_);
  if (t < ranks_[b.rank].ref_due && better(nc, t, decision_, decision_best_col_)) {
    decision_ = Decision{true, nc.cmd, t, nc.bank, nc.entry, b.rank, nc.seq};
    decision_best_col_ = nc.col;
  }
}

bool DramChannel::update_mode() const {
  if (mixed_) return false;  // one pool: no modes
  const auto& q = cfg_.queues;
  const bool before = write_mode_;
  if (!q.write_watermarks) {
    // No watermarks: stay in a direction until its queue is empty.
    if (!write_mode_) {
      if (rq_count_ == 0 && wq_count_ > 0) write_mode_ = true;
    } else if (wq_count_ == 0) {
      write_mode_ = false;
    }
  } else if (!write_mode_) {
    if (wq_count_ > 0 && (wq_count_ >= q.write_high_watermark || rq_count_ == 0)) write_mode_ = true;
  } else if (wq_count_ == 0 || (wq_count_ <= q.write_low_watermark && rq_count_ > 0)) {
    write_mode_ = false;
  }
  if (write_mode_ == before) return false;
  for (auto& c : cands_) c.valid = false;  // candidates are per direction
  return true;
}

void DramChannel::invalidate_bank(const Bank& b) const {
  if (b.active_pos >= 0) cands_[static_cast<std::size_t>(b.active_pos)].valid = false;
}

void DramChannel::set_column(Candidate& c, const Bank& b, std::uint32_t ei) const {
  c.cmd = entries_[ei].is_write ? DramCommand::kWr : DramCommand::kRd;
  c.entry = ei;
  c.t_bank = std::max(b.next_col, align(entries_[ei].arrival_ps));
}

void DramChannel::fill_mixed_candidate(Candidate& c, const Bank& b) const {
  const auto& rq = b.q[0];
  const auto& wq = b.q[1];
  c.none = rq.empty() && wq.empty();
  if (c.none) return;
  // Each queue is in arrival order, so its first hit is its oldest; the older of the two wins.
  if (b.open) {
    std::uint32_t hit = kNoEntry;
    for (const auto* q : {&rq, &wq}) {
      for (const auto ei : *q) {
        if (entries_[ei].row == b.row) {
          if (hit == kNoEntry || entries_[ei].seq < entries_[hit].seq) hit = ei;
          break;
        }
      }
    }
    if (hit != kNoEntry) {
      set_column(c, b, hit);
      return;
    }
  }
  const std::uint32_t oldest =
      rq.empty() ? wq[0] : wq.empty() ? rq[0] : (entries_[rq[0]].seq < entries_[wq[0]].seq ? rq[0] : wq[0]);
  c.entry = oldest;
  c.cmd = b.open ? DramCommand::kPre : DramCommand::kAct;
  c.t_bank = std::max(b.open ? b.next_pre : b.next_act, align(entries_[oldest].arrival_ps));
}

void DramChannel::fill_candidate(Candidate& c) const {
  if (c.valid) return;
  const Bank& b = banks_[c.bank];
  c.valid = true;
  if (mixed_) {
    fill_mixed_candidate(c, b);
    if (c.none) return;
  } else {
    const int dir = write_mode_ ? 1 : 0;
    const auto& q = b.q[dir];
    c.none = q.empty();
    if (c.none) return;
    std::uint32_t ei = q[0];
    if (b.open) {
      std::size_t i = 0;
      while (i < q.size() && entries_[q[i]].row != b.row) ++i;
      if (i < q.size() && (i == 0 || b.hit_streak < kRowHitCap)) {
        set_column(c, b, q[i]);
      } else if (b.owner != kNoEntry && entries_[b.owner].is_write != write_mode_) {
        // The row was opened for a request of the other direction (the mode switched since):
        // serve it rather than close its row.
        set_column(c, b, b.owner);
      } else {
        c.cmd = DramCommand::kPre;
        c.entry = ei;
        c.t_bank = std::max(b.next_pre, align(entries_[ei].arrival_ps));
      }
    } else {
      c.cmd = DramCommand::kAct;
      c.entry = ei;
      c.t_bank = std::max(b.next_act, align(entries_[ei].arrival_ps));
    }
  }
  c.seq = entries_[c.entry].seq;
  c.col = c.cmd == DramCommand::kRd || c.cmd == DramCommand::kWr;
  // wins_tie() packed: sequence numbers stay far below 2^63, so the top bit can rank row hits
  // first (drain scheduler) without a second comparison in the scan.
  c.key = mixed_ || c.col ? c.seq : (std::uint64_t{1} << 63) | c.seq;
  const std::uint32_t groups = static_cast<std::uint32_t>(ranks_.size()) * bgs_;
  const std::uint32_t block = c.cmd == DramCommand::kAct ? 0 : c.cmd == DramCommand::kRd ? 1 : c.cmd == DramCommand::kWr ? 2 : 3;
  c.gidx = block * groups + c.group;
}

void DramChannel::compute_global_bounds() const {
  // No command can issue before the command bus is free nor before the time already reached.
  const std::uint64_t base = std::max(cmd_free_, floor_);
  for (unsigned r = 0; r < ranks_.size(); ++r) {
    const Rank& rk = ranks_[r];
    std::uint64_t act = std::max(base, rk.act_ready);
    if (rk.faw_count == 4) act = std::max(act, rk.faw[rk.faw_head] + tFAW_);
    std::uint64_t rd = std::max({base, rk.rd_ready, rk.wtr_ready});
    if (bus_free_ > tRL_) rd = std::max(rd, bus_free_ - tRL_);
    std::uint64_t wr = std::max({base, rk.wr_ready, wr_after_rd_});
    if (bus_free_ > tWL_) wr = std::max(wr, bus_free_ - tWL_);
    const std::size_t groups = ranks_.size() * bgs_;
    for (unsigned g = 0; g < bgs_; ++g) {
      const std::size_t i = r * bgs_ + g;
      g_[i] = std::max(act, rk.act_bg_ready[g]);
      g_[groups + i] = std::max({rd, rk.rd_bg_ready[g], rk.wtr_bg_ready[g]});
      g_[2 * groups + i] = std::max(wr, rk.wr_bg_ready[g]);
      g_[3 * groups + i] = base;
    }
  }
}

bool DramChannel::better(const Candidate& c, std::uint64_t t, const Decision& best, bool best_col) const {
  if (!best.valid) return true;
  if (best.cmd == DramCommand::kPreA || best.cmd == DramCommand::kRef) return t < best.t;  // refresh wins ties
  if (t != best.t) return t < best.t;
  return wins_tie(c.col, c.seq, best_col, best.seq);
}

void DramChannel::refresh_candidate(unsigned r, Decision& best) const {
  const Rank& rk = ranks_[r];
  std::uint64_t t = std::max({rk.ref_due, cmd_free_, floor_});
  const Bank* first = &banks_[std::size_t{r} * banks_per_rank_];
  DramCommand cmd = DramCommand::kRef;
  if (rk.open_banks > 0) {
    cmd = DramCommand::kPreA;
    for (unsigned i = 0; i < banks_per_rank_; ++i) {
      if (first[i].open) t = std::max(t, first[i].next_pre);
    }
  } else {
    for (unsigned i = 0; i < banks_per_rank_; ++i) t = std::max(t, first[i].next_act);
  }
  // Refresh wins ties: it is overdue by definition.
  if (!best.valid || t <= best.t) best = Decision{true, cmd, t, 0, 0, r, 0};
}

void DramChannel::compute_decision() const {
  update_mode();
  compute_global_bounds();
  // The hot loop of the model: a linear pass over the active banks' cached candidates, the
  // smallest (time, key) wins. Written without data-dependent branches (the winner is random
  // under random traffic, so a branch per candidate mispredicts): each candidate's (time, key)
  // is one 128-bit number, all ones when it cannot issue (nothing queued in the direction, or
  // its rank waits for a refresh). Keys are distinct (one request per candidate), so the
  // minimum is unique and the result does not depend on the order of the scan.
  for (unsigned r = 0; r < ranks_.size(); ++r) ref_due_[r] = ranks_[r].ref_due;
  __extension__ typedef unsigned __int128 Key;  // GCC/Clang; __extension__ keeps -Wpedantic quiet
  constexpr Key kNever = ~Key{0};
  Key best_k = kNever;
  std::size_t best_i = 0;
  for (std::size_t i = 0; i < cands_.size(); ++i) {
    Candidate& c = cands_[i];
    if (!c.valid) fill_candidate(c);
    const std::uint64_t t = candidate_time(c);
    const bool blocked = c.none | (t >= ref_due_[c.rank]);
    const Key k = blocked ? kNever : (Key{t} << 64 | c.key);
    best_i = k < best_k ? i : best_i;
    best_k = k < best_k ? k : best_k;
  }
  Decision best;
  bool best_col = false;
  if (best_k != kNever) {
    const Candidate& bc = cands_[best_i];
    best = Decision{true, bc.cmd, static_cast<std::uint64_t>(best_k >> 64), bc.bank, bc.entry, bc.rank, bc.seq};
    best_col = bc.col;
  }
  for (unsigned r = 0; r < ranks_.size(); ++r) {
    if (ranks_[r].ref_due != UINT64_MAX && (!best.valid || ranks_[r].ref_due <= best.t)) refresh_candidate(r, best);
  }
  decision_ = best;
  decision_best_col_ = best_col && best.cmd != DramCommand::kPreA && best.cmd != DramCommand::kRef;
  dirty_ = false;
}

const DramChannel::Decision& DramChannel::decision() const {
  if (dirty_) compute_decision();
  return decision_;
}

std::uint64_t DramChannel::next_event_ps() const {
  const auto& d = decision();
  const std::uint64_t tc = d.valid ? d.t : UINT64_MAX;
  const std::uint64_t td = done_.empty() ? UINT64_MAX : done_.front().done_ps;
  return std::min(tc, td);
}

void DramChannel::record(std::uint64_t t, DramCommand c, const Bank* b, unsigned rank, std::uint32_t row) {
  if (trace_) trace_->push_back(DramCommandRecord{t, c, rank, b ? b->bg : 0, b ? b->bank : 0, row});
}

void DramChannel::close_bank(Bank& b, Rank& rk, std::uint64_t pre_t) {
  b.open = false;
  b.owner = kNoEntry;
  b.next_act = std::max(b.next_act, pre_t + tRP_);
  --rk.open_banks;
}

void DramChannel::invalidate_rank(unsigned r) {
  for (unsigned i = 0; i < banks_per_rank_; ++i) invalidate_bank(banks_[std::size_t{r} * banks_per_rank_ + i]);
}

void DramChannel::remove_from_queue(Bank& b, int dir, std::uint32_t ei) {
  auto& q = b.q[dir];
  q.erase(std::find(q.begin(), q.end(), ei));
  (dir ? wq_count_ : rq_count_) -= 1;
  free_.push_back(ei);
  if (b.q[0].empty() && b.q[1].empty()) {
    const auto pos = static_cast<std::size_t>(b.active_pos);
    const auto moved = active_.back();
    active_[pos] = moved;
    cands_[pos] = cands_.back();
    banks_[moved].active_pos = b.active_pos;
    active_.pop_back();
    cands_.pop_back();
    b.active_pos = -1;
  }
}

void DramChannel::issue_column(Bank& b, Rank& rk, std::uint32_t ei, std::uint64_t t, bool is_write) {
  const Entry e = entries_[ei];
  std::uint64_t data_end;
  if (is_write) {
    data_end = t + tWL_ + tBURST_;
    rk.wr_ready = t + tCCD_S_;
    rk.wr_bg_ready[b.bg] = t + tCCD_L_;
    rk.wtr_ready = data_end + tWTR_S_;
    rk.wtr_bg_ready[b.bg] = data_end + tWTR_L_;
    b.next_pre = std::max(b.next_pre, data_end + tWR_);
  } else {
    data_end = t + tRL_ + tBURST_;
    rk.rd_ready = t + tCCD_S_;
    rk.rd_bg_ready[b.bg] = t + tCCD_L_;
    if (data_end + tRTW_gap_ > tWL_) wr_after_rd_ = std::max(wr_after_rd_, data_end + tRTW_gap_ - tWL_);
    b.next_pre = std::max(b.next_pre, t + tRTP_);
  }
  bus_free_ = data_end;
  stats_.data_bus_busy_ps += tBURST_;
  const bool hit = e.kind == Kind::kNone;
  if (hit) {
    ++stats_.row_hits;
  } else if (e.kind == Kind::kMiss) {
    ++stats_.row_misses;
  } else {
    ++stats_.row_conflicts;
  }
  (is_write ? stats_.write_latency_ps : stats_.read_latency_ps).record(data_end - e.arrival_ps);
  // Occupancy integral: each request contributes its residency in the queue.
  stats_.queue_occupancy_area += static_cast<double>(t - e.arrival_ps);
  ++b.hit_streak;
  if (b.owner == ei) b.owner = kNoEntry;
  remove_from_queue(b, is_write ? 1 : 0, ei);
  done_.push_back(Done{e.id, data_end, is_write, hit});

  if (cfg_.page_policy == config::PagePolicy::kClosed) {
    bool more_hits = false;
    for (int d = 0; d < 2 && !more_hits; ++d) {
      for (const auto qi : b.q[d]) more_hits = more_hits || entries_[qi].row == b.row;
    }
    // Auto-precharge: the bank closes at its earliest legal PRE time, no command slot.
    if (!more_hits) close_bank(b, rk, b.next_pre);
  }
}

void DramChannel::issue(const Decision& d) {
  const std::uint64_t t = d.t;
  cmd_free_ = t + tck_;
  Rank& rk = ranks_[d.rank];
  switch (d.cmd) {
    case DramCommand::kAct: {
      Bank& b = banks_[d.bank];
      Entry& e = entries_[d.entry];
      b.open = true;
      b.row = e.row;
      b.owner = d.entry;
      b.hit_streak = 0;
      b.next_col = t + tRCD_;
      b.next_pre = std::max(b.next_pre, t + tRAS_);
      rk.act_ready = t + tRRD_S_;
      rk.act_bg_ready[b.bg] = t + tRRD_L_;
      if (rk.faw_count < 4) {
        rk.faw[(rk.faw_head + rk.faw_count++) % 4] = t;
      } else {
        rk.faw[rk.faw_head] = t;
        rk.faw_head = (rk.faw_head + 1) % 4;
      }
      ++rk.open_banks;
      if (e.kind == Kind::kNone) e.kind = Kind::kMiss;
      ++stats_.activates;
      record(t, d.cmd, &b, d.rank, e.row);
      invalidate_bank(b);
      // ACT timing constraints (tRRD, tFAW) affect the other banks of the rank only through
      // global_ready, which is re-evaluated at every decision; their candidates stay valid.
      break;
    }
    case DramCommand::kPre: {
      Bank& b = banks_[d.bank];
      record(t, d.cmd, &b, d.rank, b.row);
      close_bank(b, rk, t);
      entries_[d.entry].kind = Kind::kConflict;
      ++stats_.precharges;
      invalidate_bank(b);
      break;
    }
    case DramCommand::kRd:
    case DramCommand::kWr: {
      Bank& b = banks_[d.bank];
      record(t, d.cmd, &b, d.rank, b.row);
      issue_column(b, rk, d.entry, t, d.cmd == DramCommand::kWr);
      invalidate_bank(b);
      break;
    }
    case DramCommand::kPreA: {
      record(t, d.cmd, nullptr, d.rank, 0);
      for (unsigned i = 0; i < banks_per_rank_; ++i) {
        Bank& b = banks_[std::size_t{d.rank} * banks_per_rank_ + i];
        if (b.open) close_bank(b, rk, t);
      }
      ++stats_.precharges;
      invalidate_rank(d.rank);
      break;
    }
    case DramCommand::kRef: {
      record(t, d.cmd, nullptr, d.rank, 0);
      for (unsigned i = 0; i < banks_per_rank_; ++i) {
        Bank& b = banks_[std::size_t{d.rank} * banks_per_rank_ + i];
        b.next_act = std::max(b.next_act, t + tRFC_);
      }
      rk.ref_due += tREFI_;
      ++stats_.refreshes;
      invalidate_rank(d.rank);
      break;
    }
  }
  dirty_ = true;
}

std::uint64_t DramChannel::run_until_accept(bool is_write) {
  while (!can_accept(is_write)) {
    const Decision& d = decision();
    if (!d.valid) return UINT64_MAX;
    const Decision copy = d;
    issue(copy);
    if (can_accept(is_write)) return copy.t;
  }
  return last_advance_;
}

void DramChannel::advance_to(std::uint64_t t_ps, std::vector<DramCompletion>& out) {
  for (;;) {
    const Decision& d = decision();
    if (!d.valid || d.t > t_ps) break;
    const Decision copy = d;
    issue(copy);
  }
  while (!done_.empty() && done_.front().done_ps <= t_ps) {
    const auto& f = done_.front();
    out.push_back(DramCompletion{f.id, f.is_write, f.done_ps, f.hit});
    ++(f.is_write ? stats_.writes : stats_.reads);
    done_.pop_front();
  }
  last_advance_ = std::max(last_advance_, t_ps);
  floor_ = std::max(floor_, align(last_advance_));
  stats_.last_update_ps = last_advance_;
}

}  // namespace monde::mem
