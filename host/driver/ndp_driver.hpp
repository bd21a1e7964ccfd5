// Host-side NDP driver (docs/driver.md): places expert weights in device memory, writes
// activations, programs the NDP rings, waits for completions and reads results, over a
// DeviceBus (TlmDeviceBus for the TLM device).
//
// A plain class, not a module: every call that touches the device must run inside one
// SC_THREAD (timed accesses and waits block it). One driver owns one device's register block
// and rings; it is not meant to be shared between threads.
//
//   NdpDriver drv(bus, device_bytes, options);
//   drv.init();                                      // probe, rings, enable
//   ExpertHandle e = drv.place_expert(shape, w_up, w_gate, w_down);
//   JobTicket a = drv.submit(e, 3, x3), b = drv.submit(e, 5, x5);   // both in flight
//   JobResult ra = drv.wait(a), rb = drv.wait(b);    // y bits, completion, times
//
// Memory layout: the rings are allocated first (at the bottom of the HDM range, so no tensor
// ever sits at address 0, which a descriptor uses for "unused"), then weights in placement
// order; each job gets its own x, y and h buffers at submit(), released when wait() returns or
// throws for it. Per-job buffers (rather than one set per expert) let several jobs of the same
// expert be in flight without one overwriting another's y.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <map>
#include <memory>
#include <vector>

#include <systemc>

#include "tlm/ndp/command/completion_entry.hpp"
#include "tlm/ndp/command/job_descriptor.hpp"
#include "host/driver/device_allocator.hpp"
#include "host/driver/device_bus.hpp"
#include "host/driver/device_caps.hpp"
#include "host/driver/driver_options.hpp"
#include "host/driver/driver_stats.hpp"
#include "host/driver/host_rings.hpp"
#include "host/driver/job_types.hpp"
#include "tlm/ndp/numerics/bf16.hpp"
#include "tlm/ndp/numerics/quant.hpp"

namespace monde::driver {

class NdpDriver {
 public:
  // device_bytes: the size of the device memory the HDM range maps (HPA = DPA from 0).
  // Throws std::invalid_argument for invalid options (ring sizes, chunk size).
  NdpDriver(DeviceBus& bus, std::uint64_t device_bytes, const DriverOptions& options = {});

  // Probes ID (DriverError unless kIdValue) and CAP (DriverError unless interface version 1),
  // resets the block, allocates and zeroes the rings, programs them and enables the device,
  // with IRQ_EN in interrupt mode. DriverError when the device refuses the configuration.
  void init();
  bool initialised() const { return sq_ != nullptr; }
  const DeviceCaps& caps() const { return caps_; }

  // Allocates the expert's matrices (4 KiB aligned) and writes them through CXL.mem in
  // write_chunk_bytes pieces, or with debug writes when options.debug_preload (timing_only:
  // allocated, not written). w_gate is read only for a gated shape. Layout [out x in] bf16 as
  // in golden_expert.hpp. With shape.ndp_weights int8 / int4 the driver also quantises each
  // matrix (num::quantise: symmetric, RNE to the integer grid, bf16 scale per output channel and
  // group) and places the codes and scales the same way, after the bf16 matrices: the NDP jobs
  // run on that copy, the GPU and CPU paths keep reading the bf16 range. Throws
  // std::invalid_argument for zero dimensions, a missing tensor, a quantised format whose group
  // size is not 32 / 64 / 128 or does not divide d_model and d_ff, or a non-finite weight;
  // OutOfDeviceMemory when it does not fit (nothing stays allocated then). `name` is how the
  // driver's messages call the expert (allocations, failed jobs), e.g. "layer 3 expert 5";
  // empty: "expert <id>", its placement number.
  ExpertHandle place_expert(const ExpertShape& shape, const num::bf16_t* w_up, const num::bf16_t* w_gate,
                            const num::bf16_t* w_down, const std::string& name = "");

  // A testbench's expert (monde-sim ndp): its NDP copy given already quantised (codes and scales
  // in device layout, num::QuantisedMatrix, e.g. extreme scales or the -128 / -8 codes the
  // quantiser never makes), placed like place_expert's quantised copy. No bf16 copy is placed
  // (w_up, w_gate, w_down stay 0): only NDP jobs can use the expert. std::invalid_argument for a
  // bf16 shape, timing_only, or a matrix whose encoding or size does not match the shape.
  ExpertHandle place_quantised_expert(const ExpertShape& shape, const num::QuantisedMatrix& up,
                                      const num::QuantisedMatrix* gate, const num::QuantisedMatrix& down,
                                      const std::string& name = "");

  // Allocates this job's x, y and h, writes x ([tokens x d_model] bf16; may be null in
  // timing_only) through CXL.mem, writes the descriptor into the SQ and rings the doorbell.
  // When the SQ is full it first waits for completions (consuming them for their own tickets).
  // The device validates the descriptor: a bad one (e.g. too many tokens) is submitted as is and
  // its error surfaces at wait().
  // `edit` (testbenches: invalid-descriptor checks) changes the descriptor after the driver filled
  // it in and before it is written to the SQ; the driver's buffers and the y / h reads in wait()
  // keep following the unedited fields.
  using DescriptorEdit = std::function<void(ndp::JobDescriptor&)>;
  JobTicket submit(const ExpertHandle& expert, std::uint32_t tokens, const num::bf16_t* x,
                   const DescriptorEdit& edit = {});

  // Waits until the ticket's job completed (consuming, in ring order, any completions of other
  // tickets on the way and keeping them), then reads y back (timed but not kept in timing_only), releases the
  // job's buffers and returns. A job that completed with an error throws NdpJobError naming it
  // (a poisoned y read throws PoisonedRead). The watchdog (DriverOptions::job_timeout) runs while it waits.
  // std::invalid_argument for a ticket that is not outstanding.
  // read_h: also read back the job's h scratch ([tokens x d_ff] bf16, JobResult::h), the hidden
  // activations the units exchanged (testbenches check it; not in timing_only).
  JobResult wait(JobTicket ticket, bool read_h = false);

  // Jobs submitted whose completion has not been consumed yet.
  std::uint32_t in_flight() const;
  const DriverStats& stats() const { return stats_; }
  const DeviceAllocator& allocator() const { return allocator_; }
  const DriverOptions& options() const { return options_; }
  // Ring placement (valid after init()).
  std::uint64_t sq_base() const;
  std::uint64_t cq_base() const;

 private:
  struct Job {
    std::uint32_t expert_id = 0;
    ndp::JobDescriptor desc;  // as the driver filled it in (its buffers)
    ndp::JobDescriptor sent;  // as written to the SQ (desc after a testbench's edit)
    sc_core::sc_time submitted, rang;
    bool done = false;
    ndp::CompletionEntry completion;
    sc_core::sc_time observed;
  };

  void require_initialised(const char* what) const;
  // std::invalid_argument for a zero dimension or a quantised format whose group size is not
  // 32 / 64 / 128 or does not divide d_model and d_ff.
  void check_shape(const ExpertShape& shape, const std::string& name, const char* what) const;
  // Allocates and writes the bf16 matrices (with_bf16; bf16: w_up, w_gate, w_down, null in
  // timing_only) and the quantised copy (`quantised`: up, gate if gated, down; empty in timing_only).
  ExpertHandle place(const ExpertShape& shape, const std::array<const num::bf16_t*, 3>& bf16,
                     const std::vector<num::QuantisedMatrix>& quantised, bool with_bf16, const std::string& name);
  void write_tensor(std::uint64_t address, const void* data, std::uint64_t bytes, bool debug);
  void read_tensor(std::uint64_t address, num::bf16_t* data, std::uint64_t bytes);
  num::bf16_t* scratch(std::uint64_t bytes);  // timing_only payload buffer (contents meaningless)
  void ring_write(std::uint64_t address, const void* data, std::uint64_t bytes);
  void ring_read(std::uint64_t address, void* data, std::uint64_t bytes);
  std::uint32_t reg_read(std::uint32_t offset);
  void reg_write(std::uint32_t offset, std::uint32_t value);
  // Blocks until at least one new completion was consumed (interrupt or polling), running the
  // watchdog on the way.
  void wait_for_completions();
  // The watchdog fired: abort the job the device is on, or, if that already failed, reset (then
  // true: the stuck job completed, as lost).
  bool on_timeout();
  void recover_by_reset(std::uint32_t stuck_tag);
  // Zeroes the CQ, programs both rings and enables the device (init and ring recovery).
  void program_rings(std::uint64_t sq_base, std::uint64_t cq_base);
  // Consumes every new completion entry; true when there was at least one.
  bool drain_completions();
  void release_job_buffers(const ndp::JobDescriptor& d);

  DeviceBus& bus_;
  DriverOptions options_;
  DeviceAllocator allocator_;
  DeviceCaps caps_;
  std::unique_ptr<SubmissionRing> sq_;
  std::unique_ptr<CompletionRing> cq_;
  std::vector<ExpertHandle> experts_;
  std::vector<std::string> names_;  // experts_[i]'s name in messages (place_expert)
  std::string expert_name(const std::string& given) const;  // given, or "expert <next id>"
  std::map<std::uint32_t, Job> jobs_;  // by tag, from submit() until wait() returns or throws
  std::deque<std::uint32_t> ring_order_;  // tags of the jobs in the SQ, oldest (the device's) first
  sc_core::sc_time progress_;             // last completion consumed, or the ring became busy
  std::uint32_t aborted_tag_ = 0;         // ABORT was written for this job and it has not completed
  std::uint32_t next_tag_ = 1;
  DriverStats stats_;
  std::vector<num::bf16_t> scratch_;
};

}  // namespace monde::driver
