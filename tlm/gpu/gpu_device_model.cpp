#include "tlm/gpu/gpu_device_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

// sc_spawn (the DMA workers are spawned in a loop): the dynamic-process part of <systemc> is
// outside its include guard, so including it again with the macro set adds it.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <systemc>

#include "core/perf/gpu_dequant.hpp"
#include "tlm/common/sim_time.hpp"

namespace monde::gpu {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

struct GpuDeviceModel::Run {
  std::vector<HotExpertJob> jobs;
  std::vector<HotExpertTiming> timing;
  std::vector<std::uint64_t> chunks_left;  // per expert: chunks not yet completed
  std::vector<bool> fetched;               // per expert: every chunk completed (or nothing to fetch)
  sc_core::sc_event fetched_event;         // some expert's fetch just finished
};

GpuDeviceModel::GpuDeviceModel(sc_core::sc_module_name name, const config::GpuConfig& config,
                               std::shared_ptr<const perf::GpuTimeModel> compute, bool timing_only)
    : sc_module(name), dma("dma"), config_(config), compute_(std::move(compute)), timing_only_(timing_only) {
  if (!compute_) throw std::invalid_argument("GpuDeviceModel: the compute model must not be null");
  if (config_.dma_chunk_bytes == 0 || config_.dma_chunk_bytes > std::numeric_limits<unsigned int>::max() ||
      config_.dma_outstanding == 0) {
    throw std::invalid_argument("GpuDeviceModel: dma_chunk_bytes must be in 1 .. 2^32-1 (one generic payload) "
                                "and dma_outstanding >= 1");
  }
  // Not value-initialised: the pages are never written in a timing-only system, so they are
  // never committed either.
  if (timing_only_) scratch_.reset(new unsigned char[config_.dma_chunk_bytes]);
  for (unsigned i = 0; i < config_.dma_outstanding; ++i) {
    workers_.push_back(std::make_unique<Worker>());
    Worker& w = *workers_.back();
    if (!timing_only_) w.buffer.reset(new unsigned char[config_.dma_chunk_bytes]);
    w.poison = new PoisonReport();
    w.gp.set_extension(w.poison);
    sc_core::sc_spawn([this, &w] { dma_worker(w); }, sc_core::sc_gen_unique_name("dma_worker"));
  }
}

std::uint64_t GpuDeviceModel::now_ps() { return sim_now_ps(); }

HotExpertRunResult GpuDeviceModel::run_hot_experts(const std::vector<HotExpertJob>& jobs) {
  auto run = std::make_shared<Run>();
  const std::size_t n = jobs.size();
  run->jobs = jobs;
  run->timing.resize(n);
  run->chunks_left.assign(n, 0);
  run->fetched.assign(n, false);
  HotExpertRunResult result;
  result.start_ps = now_ps();
  ++stats_.runs;
  stats_.experts += n;

  for (std::size_t i = 0; i < n; ++i) {
    const HotExpertJob& j = jobs[i];
    HotExpertTiming& t = run->timing[i];
    t.fetch_start_ps = t.fetch_end_ps = result.start_ps;
    std::string bad;
    if (j.tokens > 0 && (j.d_model == 0 || j.d_ff == 0)) {
      bad = "invalid shape: d_model and d_ff must be > 0 for an expert with tokens";
    } else if (j.weights_hpa > std::numeric_limits<std::uint64_t>::max() - j.weight_bytes) {
      bad = "weight range wraps around the 64-bit address space";
    }
    if (!bad.empty()) {
      t.ok = false;
      t.error = bad;
      run->fetched[i] = true;
      continue;
    }
    if (j.weight_bytes == 0) {  // already resident: nothing to fetch
      run->fetched[i] = true;
      continue;
    }
    for (std::uint64_t off = 0; off < j.weight_bytes; off += config_.dma_chunk_bytes) {
      queue_.push_back(Chunk{run, i, off, std::min(config_.dma_chunk_bytes, j.weight_bytes - off)});
      ++run->chunks_left[i];
    }
  }
  work_.notify(SC_ZERO_TIME);

  // Compute in job order, each expert as soon as its weights are in.
  for (std::size_t i = 0; i < n; ++i) {
    while (!run->fetched[i]) sc_core::wait(run->fetched_event);
    compute(*run, i, jobs[i]);
  }

  result.end_ps = now_ps();
  result.experts = run->timing;
  for (std::size_t i = 0; i < n; ++i) {
    const HotExpertTiming& t = result.experts[i];
    result.bytes_fetched += t.bytes_fetched;
    if (!t.ok) {
      ++stats_.experts_failed;
      if (result.ok) result.error = "expert " + std::to_string(i) + ": " + t.error;
      result.ok = false;
    }
  }
  return result;
}

void GpuDeviceModel::compute(Run& run, std::size_t i, const HotExpertJob& j) {
  HotExpertTiming& t = run.timing[i];
  if (!t.ok) {  // failed fetch or shape: nothing to run
    t.compute_start_ps = t.compute_end_ps = t.fetch_end_ps;
    return;
  }
  perf::ExpertShape shape{j.d_model, j.d_ff, j.gated};
  shape.ndp_weights = j.dequantise;
  shape.gpu_fetches_ndp_copy = j.dequantise.quantised();
  const double s = perf::gpu_dequant_time_s(*compute_, shape) + compute_->expert_time_s(j.tokens, shape);
  if (!(s >= 0) || !std::isfinite(s)) {
    t.ok = false;
    std::ostringstream msg;
    msg << "compute model " << compute_->describe() << " returned " << s << " s";
    t.error = msg.str();
    t.compute_start_ps = t.compute_end_ps = t.fetch_end_ps;
    return;
  }
  const auto dur = static_cast<std::uint64_t>(std::llround(s * 1e12));
  // The compute units run one expert at a time (a concurrent run's expert may hold them).
  while (compute_busy_) sc_core::wait(compute_free_);
  compute_busy_ = true;
  t.compute_start_ps = now_ps();
  if (dur > 0) sc_core::wait(ps_time(dur));
  t.compute_end_ps = now_ps();
  compute_busy_ = false;
  compute_free_.notify(SC_ZERO_TIME);
  stats_.compute_busy_ps += dur;
  stats_.tokens += j.tokens;
}

std::pair<std::uint64_t, std::uint64_t> GpuDeviceModel::run_dense(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) {
    throw std::invalid_argument("GpuDeviceModel::run_dense: " + std::to_string(seconds) + " s of dense work");
  }
  const auto dur = static_cast<std::uint64_t>(std::llround(seconds * 1e12));
  while (compute_busy_) sc_core::wait(compute_free_);
  compute_busy_ = true;
  const std::uint64_t start = now_ps();
  if (dur > 0) sc_core::wait(ps_time(dur));
  compute_busy_ = false;
  compute_free_.notify(SC_ZERO_TIME);
  ++stats_.dense_runs;
  stats_.dense_busy_ps += dur;
  return {start, now_ps()};
}

void GpuDeviceModel::dma_worker(Worker& w) {
  tlm::tlm_generic_payload& gp = w.gp;
  unsigned char* data = timing_only_ ? scratch_.get() : w.buffer.get();
  for (;;) {
    while (queue_.empty()) sc_core::wait(work_);
    w.poison->clear();
    const Chunk c = std::move(queue_.front());  // (no reference-count traffic on the run)
    queue_.pop_front();
    HotExpertTiming& t = c.run->timing[c.expert];
    if (t.chunks == 0) t.fetch_start_ps = now_ps();
    ++t.chunks;
    ++stats_.dma_reads;
    if (in_flight_++ == 0) busy_since_ps_ = now_ps();
    stats_.max_dma_in_flight = std::max(stats_.max_dma_in_flight, in_flight_);

    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_address(c.run->jobs[c.expert].weights_hpa + c.offset);
    gp.set_data_ptr(data);
    gp.set_data_length(static_cast<unsigned int>(c.bytes));
    gp.set_streaming_width(static_cast<unsigned int>(c.bytes));
    gp.set_byte_enable_ptr(nullptr);
    gp.set_byte_enable_length(0);
    gp.set_dmi_allowed(false);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_time delay = SC_ZERO_TIME;
    dma->b_transport(gp, delay);
    if (delay > SC_ZERO_TIME) sc_core::wait(delay);

    if (--in_flight_ == 0) stats_.dma_busy_ps += now_ps() - busy_since_ps_;
    finish_chunk(c, gp, data, *w.poison);
  }
}

void GpuDeviceModel::finish_chunk(const Chunk& c, const tlm::tlm_generic_payload& gp, const unsigned char* data,
                                  const PoisonReport& poison) {
  Run& run = *c.run;
  HotExpertTiming& t = run.timing[c.expert];
  if (gp.is_response_ok()) {
    t.bytes_fetched += c.bytes;
    stats_.bytes_fetched += c.bytes;
    if (!timing_only_ && sink_) sink_(c.expert, c.offset, data, c.bytes);
  } else {
    ++stats_.dma_errors;
    const std::uint64_t hpa = run.jobs[c.expert].weights_hpa + c.offset;
    if (poison.poisoned()) {
      if (t.poisoned_lines == 0) t.poison_hpa = hpa + poison.first_offset;
      t.poisoned_lines += poison.lines;
    }
    if (t.ok) {
      std::ostringstream msg;
      msg << gp.get_response_string() << " reading " << std::dec << c.bytes << " B at HPA 0x" << std::hex << hpa;
      if (poison.poisoned()) msg << ": poisoned data, first poisoned line at HPA 0x" << hpa + poison.first_offset;
      t.ok = false;
      t.error = msg.str();
    }
  }
  if (--run.chunks_left[c.expert] == 0) {
    t.fetch_end_ps = now_ps();
    run.fetched[c.expert] = true;
    run.fetched_event.notify(SC_ZERO_TIME);
  }
}

nlohmann::json GpuDeviceModel::stats_json(double elapsed_ps) const {
  auto j = to_json(stats_, elapsed_ps);
  j["compute_model"] = compute_->describe();
  j["dma_chunk_bytes"] = config_.dma_chunk_bytes;
  j["dma_outstanding"] = config_.dma_outstanding;
  return j;
}

}  // namespace monde::gpu
