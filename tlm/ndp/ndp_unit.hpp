// One NDP unit: a DMA engine on the device's internal memory port (it never crosses the CXL
// link), a double-buffered weight SRAM, an activation buffer, an output buffer and a MacArray
// (rtl or cycle). The NdpEngine gives each unit one phase of a job at a time
// (docs/ndp_interface.md, "Expert dataflow"):
//   phase 1: A = x [T x d_model], W = w_up (and w_gate) rows of this unit's d_ff slice,
//            out = h scratch [T x d_ff] = activation(A . W^T) in bf16;
//   phase 2: A = h [T x d_ff], W = w_down rows of this unit's d_model slice, out = y [T x d_model].
// Schedule inside a phase:
//   load all of A into the activation buffer (one DMA read);
//   for each fetch of 32 output columns (weight rows c0..c0+31 of each matrix: one contiguous
//   block of 32 x K weights per matrix in the job's format, 32 x K x 2 B for bf16, 32 x K or
//   32 x K / 2 B for int8 / int4 followed by one read of their 32 x K / G bf16 scales, read into
//   one SRAM half while the other half computes):
//     for each block of ROWS tokens: for each COLS-wide tile of the 32 columns: one MAC tile
//     per matrix over the whole K (first = true, ascending k), then the epilogue (phase 1:
//     activation in fp32, then RNE to bf16; phase 2: RNE to bf16), and the block's rows go to
//     the output buffer as whole 64-byte lines, written back as one strided DMA per block (the
//     lines are a row of the output apart).
// Memory accesses: with a memory that takes scheduled accesses (the bandwidth DRAM model;
// tlm/common/scheduled_access.hpp) every access is handed over as one, naming this unit (index)
// and its stream, so the DRAM serves the units' accesses of one picosecond in a fixed order, not in
// the order the kernel runs their processes. Reads wait for their completion. The write-back is
// posted: a block's write starts at the block's end and the unit goes on, with any number of
// writes outstanding, as many as the output buffer holds, each freeing its space at its
// completion (a block that finds the buffer full waits for the oldest write). With data:
// timing_only the unit therefore runs a fetch's blocks in runs, one wait per run, posting each
// block's write ahead at its end time: as long as the run's writes fit the buffer beside every
// write not yet known done, no block of the run could have waited, so this is exactly block by
// block (tests/integration/test_ndp_device.cpp holds the two to identical picoseconds and counts
// over many shapes, and data: full, which keeps one wait per tile, to the same). With the timed
// DRAM model a third process writes the blocks back one blocking write at a time, as the timed
// model needs its engine to run the bursts.
// Every output is one MAC tile's ascending-k sum, so the bits equal the golden expert (on the
// dequantised weights for int8 / int4: the array's weight_dequant lanes take the codes and, at
// beat k, each column's scale of group k / G; docs/mac_array.md, "Quantised weights").
// data: timing_only moves no bytes and does no arithmetic: tiles take their contract cycles,
// a block's tiles in one wait (they run back to back on this unit's own array and nothing
// observes the array between them, so the block ends at the same picosecond as tile by tile),
// and with scheduled accesses a run of blocks in one wait (above); data: full and rtl keep one
// wait per tile, and tests/integration/test_ndp_device.cpp holds the two to identical
// picoseconds and statistics over many shapes.
// A DMA error response is the phase's error: kDmaPoison when the read came back poisoned (the
// DRAM's PoisonReport; the first poisoned device address is kept), kDmaError otherwise; the
// phase still runs its schedule to the end (the completion says the results are not valid).
// Fault injection: hang_next_phase() makes the unit stop at the start of its next phase, before
// any access, as a sequencer that no longer advances; abort() (the engine, on CONTROL.ABORT or a
// reset) ends it with kAborted.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "tlm/common/scheduled_access.hpp"
#include "tlm/ndp/command/ndp_error.hpp"
#include "tlm/ndp/command/work_split.hpp"
#include "tlm/ndp/mac_array_module.hpp"
#include "core/config/ndp_config.hpp"
#include "core/config/weight_format.hpp"
#include "tlm/ndp/numerics/golden_expert.hpp"

namespace monde::ndp {

struct NdpPhaseWork {
  bool second_phase = false;  // false: x -> h; true: h -> y
  num::ExpertActivation activation = num::ExpertActivation::kRelu;
  bool gated = false;          // phase 1 of a silu_gated job: gate and up
  std::uint32_t tokens = 0;    // T
  std::uint32_t k = 0;         // reduction length (d_model, then d_ff)
  std::uint32_t n = 0;         // output features of the whole layer (row stride of out)
  IndexRange cols;             // this unit's output features, a multiple of 32 wide
  std::uint64_t a_addr = 0;    // x or h
  std::uint64_t w_addr = 0;    // w_up or w_down
  std::uint64_t w2_addr = 0;   // w_gate (gated phase 1)
  std::uint64_t out_addr = 0;  // h scratch or y
  config::WeightEncoding weights;  // format of w / w2 (bf16, or int8 / int4 with scales)
  std::uint64_t s_addr = 0;    // scales of w (s_up or s_down), int8 / int4 only
  std::uint64_t s2_addr = 0;   // scales of w2 (s_gate)
};

// How the units run (the same for every unit of a device).
struct NdpUnitOptions {
  bool timing_only = false;  // data: timing_only (no bytes, no arithmetic)
  bool scheduled = false;    // the memory takes scheduled accesses (the bandwidth DRAM model)
  // timing_only and scheduled: a fetch's blocks in runs, one wait per run (exact); false: one
  // wait per block, the reference the runs are checked against (run.ndp_block_runs).
  bool block_runs = true;
};

struct NdpUnitStats {
  std::uint64_t dma_bytes_read = 0;
  std::uint64_t dma_bytes_written = 0;
  std::uint64_t mac_busy_cycles = 0;
  std::uint64_t tiles = 0;
  NdpErrorCode error = NdpErrorCode::kOk;
  std::uint64_t poison_address = 0;  // first poisoned device address read (error == kDmaPoison)
};

class NdpUnit : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<NdpUnit, 64> memory_socket;

  SC_HAS_PROCESS(NdpUnit);
  // index: the unit's number (its accesses' source).
  NdpUnit(sc_core::sc_module_name name, const config::NdpConfig& config, unsigned index, const NdpUnitOptions& options);

  // Starts a phase; done_event() fires when its last result is written back.
  void start(const NdpPhaseWork& work);
  bool busy() const { return busy_; }
  // Fault injection: the next phase hangs at its start until abort().
  void hang_next_phase() { hang_next_ = true; }
  bool hung() const { return hung_; }
  // Ends a hung phase with kAborted (nothing happens to a unit that is not hung: its phase is
  // bounded and ends by itself).
  void abort();
  const sc_core::sc_event& done_event() const { return done_; }
  const NdpUnitStats& stats() const { return stats_; }  // of the last phase
  const MacArray& mac_array() const { return mac_; }

 private:
  struct Slot {
    bool ready = false;  // weights loaded, not yet consumed
    std::array<std::vector<num::bf16_t>, 2> w;          // bf16: [matrix][32 x K], row-major (PyTorch layout)
    std::array<std::vector<std::uint8_t>, 2> codes;     // int8 / int4: [matrix] 32 rows of K codes (device layout)
    std::array<std::vector<num::bf16_t>, 2> scales;     // int8 / int4: [matrix][32 x K / G]
  };
  // One block's result rows: `lines` 64-byte lines, `stride` bytes apart in memory (a row of
  // the output matrix), written back as one strided DMA (tlm/common/strided_access.hpp).
  struct Write {
    std::uint64_t addr = 0;
    std::uint64_t lines = 0;
    std::uint64_t stride = 0;
    std::vector<unsigned char> bytes;  // packed lines (empty in timing_only)
  };

  void compute();   // SC_THREAD: the phase schedule
  void fetcher();   // SC_THREAD: weight fetches into the SRAM halves
  void writer();    // SC_THREAD: write-back of finished lines
  // The three processes' DMA streams: each has its own payload, reused for all its accesses.
  enum Stream { kActivations = 0, kWeights = 1, kResults = 2 };
  // stride > 0: `bytes` is lines of 64 bytes, `stride` apart (one strided transaction).
  // scheduled: hand the access over as a scheduled one (its start_ps set by the caller); the call
  // then does not wait.
  bool dma(Stream stream, tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data, std::uint64_t bytes,
           std::uint64_t stride = 0, ScheduledAccess* scheduled = nullptr);
  bool read(Stream stream, std::uint64_t addr, unsigned char* data, std::uint64_t bytes);  // waits until done
  struct PostedWrite {
    ScheduledAccess access;
    std::uint64_t bytes = 0;
    bool known = false;  // done_ps known (time is past the write's start)
    std::uint64_t done_ps = 0;
  };
  void post_write(Write& w, std::uint64_t start_ps);
  void release_posted_writes();  // frees the output buffer space of the writes done by now
  void wait_for_oldest_write();
  Write block_write(std::uint32_t fetch, std::uint32_t r0, std::uint32_t rows) const;  // without its bytes
  void run_blocks_ahead(std::uint32_t fetch);  // timing_only, scheduled: runs of blocks, one wait each
  void run_block(std::uint32_t fetch, const Slot& slot, std::uint32_t r0, std::uint32_t rows);
  void queue_write(Write w);
  std::uint32_t fetches() const { return work_.cols.size() / config::kColumnsPerFetch; }
  unsigned matrices() const { return work_.gated ? 2u : 1u; }

  config::NdpConfig config_;
  unsigned index_;
  bool timing_only_;
  bool scheduled_;
  bool block_runs_;
  std::array<std::uint64_t, 3> seq_{};  // accesses issued per stream
  MacArray mac_;
  NdpPhaseWork work_;
  NdpUnitStats stats_;
  bool busy_ = false;
  bool hang_next_ = false, hung_ = false;
  sc_core::sc_event abort_;
  sc_core::sc_event start_, done_, fetch_start_, slot_changed_, write_queued_, write_done_;
  std::vector<num::bf16_t> act_;  // the activation buffer: A, T x K
  std::array<Slot, 2> slots_;     // the two weight SRAM halves
  std::deque<Write> writes_;
  std::deque<PostedWrite> posted_;  // posted writes not yet freed, oldest first
  std::uint64_t out_buffer_used_ = 0;
  std::array<tlm::tlm_generic_payload, 3> payloads_;  // by Stream
  std::unique_ptr<unsigned char[]> scratch_;  // timing_only DMA data array (never read by the memory)
  std::uint64_t scratch_bytes_ = 0;
};

}  // namespace monde::ndp
