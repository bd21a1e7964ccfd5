#include "tlm/ndp/ndp_unit.hpp"

#include <algorithm>
#include <cstring>

#include "core/perf/mac_cycles.hpp"
#include "tlm/common/blocking_access.hpp"
#include "tlm/common/poison_report.hpp"
#include "tlm/common/scheduled_access.hpp"
#include "tlm/common/sim_time.hpp"
#include "tlm/common/strided_access.hpp"
#include "tlm/ndp/numerics/bf16.hpp"
#include "tlm/ndp/numerics/quant.hpp"

// Tensors are little-endian bf16 in device memory; the buffers here are host uint16_t arrays
// filled by memcpy, which is only right on a little-endian host.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the NDP model copies little-endian bf16 with memcpy");

namespace monde::ndp {

namespace {
constexpr std::uint64_t kLineBytes = 64;  // config::kColumnsPerFetch bf16
}

NdpUnit::NdpUnit(sc_core::sc_module_name name, const config::NdpConfig& config, unsigned index,
                 const NdpUnitOptions& options)
    : sc_module(name), memory_socket("memory_socket"), config_(config), index_(index),
      timing_only_(options.timing_only), scheduled_(options.scheduled), block_runs_(options.block_runs),
      mac_("mac", config.mac) {
  SC_THREAD(compute);
  SC_THREAD(fetcher);
  SC_THREAD(writer);
}

void NdpUnit::start(const NdpPhaseWork& work) {
  if (busy_) SC_REPORT_FATAL("monde/ndp/unit", "start() while the unit is busy (the engine must wait for done)");
  work_ = work;
  busy_ = true;
  start_.notify(sc_core::SC_ZERO_TIME);
}

bool NdpUnit::dma(Stream stream, tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data, std::uint64_t bytes,
                  std::uint64_t stride, ScheduledAccess* scheduled) {
  if (timing_only_) {
    // A timing_only memory never touches the bytes, but the base protocol wants a data array of
    // the access's length (a protocol checker reads it). Not value-initialised: pages nobody
    // touches are never committed.
    if (scratch_bytes_ < bytes) {
      scratch_.reset(new unsigned char[bytes]);
      scratch_bytes_ = bytes;
    }
    data = scratch_.get();
  }
  tlm::tlm_generic_payload& t = payloads_[stream];  // prepare_access sets every attribute
  StridedAccess strided;
  PoisonReport poison;
  if (stride > 0) {
    strided.line_bytes = kLineBytes;
    strided.lines = bytes / kLineBytes;
    strided.stride_bytes = stride;
    t.set_extension(&strided);
  }
  if (cmd == tlm::TLM_READ_COMMAND) t.set_extension(&poison);
  if (scheduled != nullptr) {
    scheduled->source = index_;
    scheduled->stream = stream;
    scheduled->seq = seq_[stream]++;
    t.set_extension(scheduled);
  }
  prepare_access(t, cmd, addr, data, static_cast<unsigned>(bytes));
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  memory_socket->b_transport(t, delay);
  if (scheduled == nullptr || !scheduled->taken()) sc_core::wait(delay);  // as blocking_access
  // Stack objects: the payload must not delete them.
  if (stride > 0) t.clear_extension(&strided);
  if (cmd == tlm::TLM_READ_COMMAND) t.clear_extension(&poison);
  if (scheduled != nullptr) t.clear_extension(scheduled);
  (cmd == tlm::TLM_READ_COMMAND ? stats_.dma_bytes_read : stats_.dma_bytes_written) += bytes;
  if (t.is_response_error()) {
    if (stats_.error == NdpErrorCode::kOk) {
      stats_.error = poison.poisoned() ? NdpErrorCode::kDmaPoison : NdpErrorCode::kDmaError;
      if (poison.poisoned()) stats_.poison_address = addr + poison.first_offset;  // contiguous reads only
    }
    return false;
  }
  return true;
}

bool NdpUnit::read(Stream stream, std::uint64_t addr, unsigned char* data, std::uint64_t bytes) {
  if (!scheduled_) return dma(stream, tlm::TLM_READ_COMMAND, addr, data, bytes);
  ScheduledAccess a;
  a.start_ps = sim_now_ps();
  const bool ok = dma(stream, tlm::TLM_READ_COMMAND, addr, data, bytes, 0, &a);
  if (a.taken()) wait_until_done(a);
  return ok;
}

// ---------------------------------------------------------------- weight fetches

void NdpUnit::fetcher() {
  for (;;) {
    sc_core::wait(fetch_start_);
    for (std::uint32_t f = 0; f < fetches(); ++f) {
      Slot& slot = slots_[f % 2];
      while (slot.ready) sc_core::wait(slot_changed_);  // the half is still being computed on
      const std::uint64_t row0 = work_.cols.begin + std::uint64_t{f} * config::kColumnsPerFetch;
      const config::WeightEncoding& enc = work_.weights;
      // Weight rows c0..c0+31 of a [n x K] row-major matrix are one contiguous block, in every
      // format; so are the rows of its [n x K / G] scales.
      const std::uint64_t row_bytes = config::weight_matrix_bytes(enc.format, 1, work_.k);
      const std::uint64_t bytes = config::kColumnsPerFetch * row_bytes;
      const std::uint64_t scale_row_bytes = config::scale_matrix_bytes(enc, 1, work_.k);
      for (unsigned m = 0; m < matrices(); ++m) {
        const std::uint64_t base = (m == 0 ? work_.w_addr : work_.w2_addr) + row0 * row_bytes;
        if (!enc.quantised()) {
          auto& buf = slot.w[m];
          if (!timing_only_) buf.resize(bytes / 2);
          read(kWeights, base, reinterpret_cast<unsigned char*>(buf.data()), bytes);
          continue;
        }
        auto& codes = slot.codes[m];
        auto& scales = slot.scales[m];
        if (!timing_only_) {
          codes.resize(bytes);
          scales.resize(config::kColumnsPerFetch * scale_row_bytes / 2);
        }
        read(kWeights, base, codes.data(), bytes);
        const std::uint64_t s_base = (m == 0 ? work_.s_addr : work_.s2_addr) + row0 * scale_row_bytes;
        read(kWeights, s_base, reinterpret_cast<unsigned char*>(scales.data()), config::kColumnsPerFetch * scale_row_bytes);
      }
      slot.ready = true;
      slot_changed_.notify(sc_core::SC_ZERO_TIME);
    }
  }
}

// ---------------------------------------------------------------- write-back

// Frees the output-buffer space of the posted writes done by now, oldest first (one unit's writes
// complete in the order it posted them: they share the FIFO server in that order). A write's
// completion is known once time is past its start.
void NdpUnit::release_posted_writes() {
  const std::uint64_t now = sim_now_ps();
  while (!posted_.empty()) {
    PostedWrite& p = posted_.front();
    if (!p.known) {
      if (p.access.id != ScheduledAccess::kNoTransfer && p.access.start_ps >= now) break;
      p.done_ps = p.access.take_done_ps();
      p.known = true;
    }
    if (p.done_ps > now) break;
    out_buffer_used_ -= p.bytes;
    posted_.pop_front();
  }
}

// Waits until the oldest posted write is done, and frees what is done by then.
void NdpUnit::wait_for_oldest_write() {
  PostedWrite& p = posted_.front();
  if (!p.known) {
    p.done_ps = wait_until_done(p.access);
    p.known = true;
  } else if (p.done_ps > sim_now_ps()) {
    sc_core::wait(ps_time(p.done_ps - sim_now_ps()));
  }
  release_posted_writes();
}

// Posts a block's write starting at start_ps (now, or the known end of a block still to run);
// its lines hold their output-buffer space until it completes.
void NdpUnit::post_write(Write& w, std::uint64_t start_ps) {
  const std::uint64_t n = w.lines * kLineBytes;
  PostedWrite p;
  p.bytes = n;
  p.access.start_ps = start_ps;
  dma(kResults, tlm::TLM_WRITE_COMMAND, w.addr, w.bytes.data(), n, w.lines > 1 ? w.stride : 0, &p.access);
  out_buffer_used_ += n;
  posted_.push_back(p);
}

void NdpUnit::queue_write(Write w) {
  // The configuration guarantees out_buffer_bytes >= mac_array.rows x 64: a whole block fits.
  const std::uint64_t n = w.lines * kLineBytes;
  if (scheduled_) {
    release_posted_writes();
    while (out_buffer_used_ + n > config_.out_buffer_bytes) wait_for_oldest_write();
    post_write(w, sim_now_ps());
    return;
  }
  while (out_buffer_used_ + n > config_.out_buffer_bytes) sc_core::wait(write_done_);
  out_buffer_used_ += n;
  writes_.push_back(std::move(w));
  write_queued_.notify(sc_core::SC_ZERO_TIME);
}

void NdpUnit::writer() {
  for (;;) {
    while (writes_.empty()) sc_core::wait(write_queued_);
    Write w = std::move(writes_.front());
    writes_.pop_front();
    const std::uint64_t n = w.lines * kLineBytes;
    dma(kResults, tlm::TLM_WRITE_COMMAND, w.addr, w.bytes.data(), n, w.lines > 1 ? w.stride : 0);
    out_buffer_used_ -= n;
    write_done_.notify(sc_core::SC_ZERO_TIME);
  }
}

// ---------------------------------------------------------------- compute

void NdpUnit::abort() {
  if (hung_) abort_.notify(sc_core::SC_ZERO_TIME);
}

void NdpUnit::compute() {
  for (;;) {
    sc_core::wait(start_);
    stats_ = NdpUnitStats{};
    if (hang_next_) {
      // Injected hang: nothing happens until the engine aborts the job.
      hang_next_ = false;
      hung_ = true;
      sc_core::wait(abort_);
      hung_ = false;
      stats_.error = NdpErrorCode::kAborted;
      busy_ = false;
      done_.notify(sc_core::SC_ZERO_TIME);
      continue;
    }
    const std::uint64_t busy0 = mac_.busy_cycles(), tiles0 = mac_.tiles_run();
    if (fetches() > 0) {
      const std::uint64_t a_bytes = std::uint64_t{work_.tokens} * work_.k * 2;
      if (!timing_only_) act_.resize(a_bytes / 2);
      read(kActivations, work_.a_addr, reinterpret_cast<unsigned char*>(act_.data()), a_bytes);
      for (auto& s : slots_) s.ready = false;
      fetch_start_.notify(sc_core::SC_ZERO_TIME);
      for (std::uint32_t f = 0; f < fetches(); ++f) {
        Slot& slot = slots_[f % 2];
        while (!slot.ready) sc_core::wait(slot_changed_);
        if (timing_only_ && scheduled_ && block_runs_) {
          run_blocks_ahead(f);
        } else {
          for (std::uint32_t r0 = 0; r0 < work_.tokens; r0 += config_.mac.shape.rows) {
            run_block(f, slot, r0, std::min<std::uint32_t>(config_.mac.shape.rows, work_.tokens - r0));
          }
        }
        slot.ready = false;  // this half may be refilled
        slot_changed_.notify(sc_core::SC_ZERO_TIME);
      }
      // The phase ends when h / y is in memory: every posted write done, or the writer idle.
      while (!posted_.empty()) wait_for_oldest_write();
      while (out_buffer_used_ > 0) sc_core::wait(write_done_);
    }
    stats_.mac_busy_cycles = mac_.busy_cycles() - busy0;
    stats_.tiles = mac_.tiles_run() - tiles0;
    busy_ = false;
    done_.notify(sc_core::SC_ZERO_TIME);
  }
}

// One block of `rows` tokens against the 32 columns of fetch `f`: every COLS-wide tile, one MAC
// tile per matrix over the whole K, then the epilogue; the block's result rows (64 bytes each)
// go to the output buffer.
void NdpUnit::run_block(std::uint32_t f, const Slot& slot, std::uint32_t r0, std::uint32_t rows) {
  const unsigned cols = config_.mac.shape.cols;
  const std::uint32_t k = work_.k;
  std::vector<num::bf16_t> out(timing_only_ ? 0 : std::size_t{rows} * config::kColumnsPerFetch);
  MacTile tile;
  tile.rows = rows;
  tile.cols = cols;
  tile.k = k;
  tile.first = true;
  const config::WeightEncoding& enc = work_.weights;
  tile.b_format = enc.format;
  if (!timing_only_) {
    tile.a.assign(act_.begin() + std::ptrdiff_t{r0} * k, act_.begin() + std::ptrdiff_t{r0 + rows} * k);
    if (enc.quantised()) {
      tile.b_codes.resize(std::size_t{k} * cols);
      tile.b_scales.resize(std::size_t{k} * cols);
    } else {
      tile.b.resize(std::size_t{k} * cols);
    }
  }
  if (timing_only_) mac_.run_tiles_timing(config::kColumnsPerFetch / cols * matrices(), rows, k);
  for (unsigned c0 = 0; !timing_only_ && c0 < config::kColumnsPerFetch; c0 += cols) {
    std::array<MacTileResult, 2> res;
    for (unsigned m = 0; m < matrices(); ++m) {
      // B[kk][c] = W[col0 + c0 + c][kk]: the SRAM holds weight rows (PyTorch [out, in]).
      if (!enc.quantised()) {
        const auto& w = slot.w[m];
        for (unsigned c = 0; c < cols; ++c) {
          const num::bf16_t* row = w.data() + std::size_t{c0 + c} * k;
          for (std::uint32_t kk = 0; kk < k; ++kk) tile.b[std::size_t{kk} * cols + c] = row[kk];
        }
      } else {
        // The codes as stored, and at beat kk each column's scale of group kk / G.
        const std::size_t row_bytes = config::weight_matrix_bytes(enc.format, 1, k);
        const std::size_t groups = k / enc.group_size;
        for (unsigned c = 0; c < cols; ++c) {
          const std::uint8_t* row = slot.codes[m].data() + std::size_t{c0 + c} * row_bytes;
          const num::bf16_t* scale = slot.scales[m].data() + std::size_t{c0 + c} * groups;
          for (std::uint32_t kk = 0; kk < k; ++kk) {
            tile.b_codes[std::size_t{kk} * cols + c] = num::row_code(enc.format, row, kk);
            tile.b_scales[std::size_t{kk} * cols + c] = scale[kk / enc.group_size];
          }
        }
      }
      res[m] = mac_.run_tile(tile);
    }
    for (std::uint32_t r = 0; r < rows; ++r) {
      for (unsigned c = 0; c < cols; ++c) {
        const std::size_t i = std::size_t{r} * cols + c;
        num::bf16_t v;
        if (work_.second_phase) {
          v = res[0].c_bf16[i];
        } else {  // matrix 0 is up, matrix 1 is gate
          v = num::expert_hidden(work_.activation, res[0].c_fp32[i], work_.gated ? res[1].c_fp32[i] : num::kFp32PosZero);
        }
        out[std::size_t{r} * config::kColumnsPerFetch + c0 + c] = v;
      }
    }
  }
  // Row r's 32 results are bytes [r x 64, r x 64 + 64) of `out`: already the packed lines.
  Write w = block_write(f, r0, rows);
  if (!timing_only_) {
    w.bytes.resize(std::size_t{rows} * kLineBytes);
    std::memcpy(w.bytes.data(), out.data(), w.bytes.size());
  }
  queue_write(std::move(w));
}

NdpUnit::Write NdpUnit::block_write(std::uint32_t f, std::uint32_t r0, std::uint32_t rows) const {
  const std::uint64_t col0 = work_.cols.begin + std::uint64_t{f} * config::kColumnsPerFetch;
  Write w;
  w.addr = work_.out_addr + (std::uint64_t{r0} * work_.n + col0) * 2;
  w.lines = rows;
  w.stride = std::uint64_t{work_.n} * 2;
  return w;
}

// data: timing_only with scheduled accesses: fetch f's blocks in runs, one wait per run. A run
// takes blocks while their writes fit the output buffer beside every write not yet known done
// (counted as if none of them completed during the run), so that block by block none of them
// would have waited for the buffer: each ends when its tiles do, back to back, and posts its
// write at that end, which is what the run posts ahead. A block that cannot be shown to fit
// runs alone, as run_block does.
void NdpUnit::run_blocks_ahead(std::uint32_t f) {
  const std::uint32_t block_rows = config_.mac.shape.rows;
  const unsigned tiles = config::kColumnsPerFetch / config_.mac.shape.cols * matrices();
  // A block's time as run_tiles_timing waits it: the period (whole kernel ticks) times the cycles.
  const sc_core::sc_time::value_type period_ticks = mac_.clock_period().value();
  std::uint32_t r0 = 0;
  while (r0 < work_.tokens) {
    release_posted_writes();
    const sc_core::sc_time::value_type start = sc_core::sc_time_stamp().value();
    sc_core::sc_time::value_type end = start;
    std::uint32_t r = r0;
    while (r < work_.tokens) {
      const std::uint32_t rows = std::min(block_rows, work_.tokens - r);
      if (out_buffer_used_ + std::uint64_t{rows} * kLineBytes > config_.out_buffer_bytes) break;
      // A block ends on a whole picosecond (periods are whole ps at the default resolution);
      // where not, it runs alone below.
      const auto block_end = end + period_ticks * std::uint64_t{tiles} * perf::mac_tile_cycles(work_.k, rows);
      if (block_end % ticks_per_ps() != 0) break;
      mac_.account_tiles_timing(tiles, rows, work_.k);
      end = block_end;
      Write w = block_write(f, r, rows);
      post_write(w, end / ticks_per_ps());
      r += rows;
    }
    if (r == r0) {
      const std::uint32_t rows = std::min(block_rows, work_.tokens - r0);
      run_block(f, slots_[f % 2], r0, rows);
      r0 += rows;
      continue;
    }
    sc_core::wait(sc_core::sc_time::from_value(end - start));
    r0 = r;
  }
}

}  // namespace monde::ndp
