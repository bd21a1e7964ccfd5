// The GPU as a TLM-2.0 model: it DMA-reads hot experts' weights from the MoNDE device (through
// its PCIe link, the root complex and the CXL link) into HBM and runs each expert FFN as soon as
// its weights are in.
//
//   run_hot_experts(jobs)            (called from the caller's SC_THREAD, returns when all done)
//     fetch:   every expert's weight range is cut into chunks of dma_chunk_bytes, queued in job
//              order; dma_outstanding worker threads each take the next chunk and issue it as one
//              blocking read on `dma`, so up to dma_outstanding chunks are in flight and the links
//              stay busy across expert boundaries (expert i+1's first chunks go out while expert
//              i's last ones are still in flight);
//     compute: expert i starts when its last chunk completed and the compute units are free
//              (experts run one at a time, in job order), for perf::GpuTimeModel::expert_time_s
//              (after perf::gpu_dequant_time_s when the job fetched a quantised copy).
//   So compute of expert i overlaps the fetch of expert i+1 (double buffering in HBM; HBM capacity
//   is not limited: fetch may run any distance ahead of compute).
// Several SC_THREADs may call run_hot_experts at once (e.g. two layers' streams): their chunks
// share the DMA workers in FIFO order and their experts share the compute units.
//
// Data: with timing_only the chunks carry no bytes (a shared scratch buffer satisfies the base
// protocol's non-null data pointer; a timing-only device never touches it). Otherwise each worker
// reads into its own buffer and the data sink, if set, gets every chunk's bytes as they land
// (e.g. to assemble weights for the CUDA or CPU expert backend).
// A chunk answered with an error status fails its expert (HotExpertTiming::ok = false, error
// names the status and address); the expert is not computed and the run goes on. Every chunk
// carries a PoisonReport (tlm/common/poison_report.hpp): a chunk that read poisoned weights
// says so, with the first poisoned line's address (HotExpertTiming::poison_hpa).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "core/config/gpu_config.hpp"
#include "core/perf/gpu_time_model.hpp"
#include "tlm/common/poison_report.hpp"
#include "tlm/gpu/gpu_model_stats.hpp"
#include "tlm/gpu/hot_expert_job.hpp"

namespace monde::gpu {

class GpuDeviceModel : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<GpuDeviceModel, 64> dma;  // bind to pcie::PcieLink::gpu_socket

  // expert: index in the jobs vector; offset: of the chunk within the expert's weights.
  using DataSink = std::function<void(std::size_t expert, std::uint64_t offset, const unsigned char* data,
                                      std::uint64_t bytes)>;

  // compute must not be null (std::invalid_argument).
  GpuDeviceModel(sc_core::sc_module_name name, const config::GpuConfig& config,
                 std::shared_ptr<const perf::GpuTimeModel> compute, bool timing_only);

  // Full-data runs only (ignored with timing_only: there are no bytes).
  void set_data_sink(DataSink sink) { sink_ = std::move(sink); }

  // Blocks the calling SC_THREAD until every expert is fetched and computed (or failed).
  HotExpertRunResult run_hot_experts(const std::vector<HotExpertJob>& jobs);

  // Runs `seconds` of the transformer's dense kernels (attention, dense FFN, embedding, LM head:
  // core/perf/transformer_work.hpp times them with this model's compute_model()) on the compute
  // units, after whatever holds them. Blocks the calling SC_THREAD; returns the [start, end) ps.
  // std::invalid_argument for a negative or non-finite time.
  std::pair<std::uint64_t, std::uint64_t> run_dense(double seconds);

  const config::GpuConfig& config() const { return config_; }
  const perf::GpuTimeModel& compute_model() const { return *compute_; }
  const GpuModelStats& stats() const { return stats_; }
  // to_json(stats(), elapsed_ps) plus "compute_model" (perf::GpuTimeModel::describe()).
  nlohmann::json stats_json(double elapsed_ps) const;

 private:
  struct Run;
  struct Chunk {
    std::shared_ptr<Run> run;
    std::size_t expert = 0;
    std::uint64_t offset = 0;
    std::uint64_t bytes = 0;
  };

  // One per outstanding DMA read; owned here (not on the worker's stack) because SystemC never
  // unwinds the stacks of threads that are still waiting when the simulation ends.
  struct Worker {
    tlm::tlm_generic_payload gp;
    PoisonReport* poison = nullptr;  // owned by gp
    std::unique_ptr<unsigned char[]> buffer;  // full data: this worker's landing buffer
  };

  void dma_worker(Worker& w);
  void finish_chunk(const Chunk& c, const tlm::tlm_generic_payload& gp, const unsigned char* data,
                    const PoisonReport& poison);
  void compute(Run& run, std::size_t expert, const HotExpertJob& job);
  static std::uint64_t now_ps();

  config::GpuConfig config_;
  std::shared_ptr<const perf::GpuTimeModel> compute_;
  bool timing_only_;
  DataSink sink_;
  std::deque<Chunk> queue_;
  sc_core::sc_event work_;
  std::unique_ptr<unsigned char[]> scratch_;  // timing_only: the chunks' shared data pointer
  std::vector<std::unique_ptr<Worker>> workers_;
  bool compute_busy_ = false;
  sc_core::sc_event compute_free_;
  std::uint64_t in_flight_ = 0;
  std::uint64_t busy_since_ps_ = 0;
  GpuModelStats stats_;
};

}  // namespace monde::gpu
