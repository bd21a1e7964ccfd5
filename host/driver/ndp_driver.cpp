#include "host/driver/ndp_driver.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include "tlm/ndp/command/ndp_error.hpp"
#include "tlm/ndp/command/ndp_registers.hpp"
#include "tlm/ndp/command/ring_index.hpp"
#include "host/driver/driver_error.hpp"
#include "host/driver/ndp_job_error.hpp"
#include "tlm/ndp/numerics/quant.hpp"

namespace monde::driver {

namespace {

using sc_core::sc_time;
using sc_core::sc_time_stamp;

std::string hex(std::uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

std::uint64_t bf16_bytes(std::uint64_t rows, std::uint64_t cols) { return rows * cols * sizeof(num::bf16_t); }

const DriverOptions& checked(const DriverOptions& o) {
  if (!ndp::RingIndex::valid_size(o.sq_entries) || !ndp::RingIndex::valid_size(o.cq_entries)) {
    throw std::invalid_argument("NdpDriver: sq_entries " + std::to_string(o.sq_entries) + " and cq_entries " +
                                std::to_string(o.cq_entries) + " must be powers of two in 2..4096");
  }
  if (o.write_chunk_bytes == 0 || o.write_chunk_bytes > std::numeric_limits<unsigned>::max()) {
    throw std::invalid_argument("NdpDriver: write_chunk_bytes must be 1 .. 2^32-1 (one TLM payload)");
  }
  if (o.wait == DriverOptions::Wait::kPolling && o.poll_interval == sc_core::SC_ZERO_TIME) {
    throw std::invalid_argument("NdpDriver: poll_interval must be > 0 (a zero interval never lets time advance)");
  }
  if (o.expert_alignment < kTensorAlignment || (o.expert_alignment & (o.expert_alignment - 1)) != 0) {
    throw std::invalid_argument("NdpDriver: expert_alignment " + std::to_string(o.expert_alignment) +
                                " must be a power of two of at least " + std::to_string(kTensorAlignment) + " bytes");
  }
  return o;
}

}  // namespace

NdpDriver::NdpDriver(DeviceBus& bus, std::uint64_t device_bytes, const DriverOptions& options)
    : bus_(bus), options_(checked(options)), allocator_(0, device_bytes) {
  if (options_.memory_only) allocator_.allocate(kTensorAlignment, "the unused first page (no tensor at address 0)");
}

// ---------------------------------------------------------------- access helpers

std::uint32_t NdpDriver::reg_read(std::uint32_t offset) {
  ++stats_.register_reads;
  return bus_.reg_read(offset);
}

void NdpDriver::reg_write(std::uint32_t offset, std::uint32_t value) {
  ++stats_.register_writes;
  bus_.reg_write(offset, value);
}

// The rings must hold real bytes even when the memory keeps none (timing_only): then they go
// through debug accesses, as the device's own ring accesses do.
void NdpDriver::ring_write(std::uint64_t address, const void* data, std::uint64_t bytes) {
  if (options_.timing_only) {
    bus_.debug_write(address, data, bytes);
  } else {
    bus_.mem_write(address, data, bytes);
  }
  stats_.ring_bytes_written += bytes;
}

void NdpDriver::ring_read(std::uint64_t address, void* data, std::uint64_t bytes) {
  if (options_.timing_only) {
    bus_.debug_read(address, data, bytes);
  } else {
    bus_.mem_read(address, data, bytes);
  }
  stats_.ring_bytes_read += bytes;
}

void NdpDriver::write_tensor(std::uint64_t address, const void* data, std::uint64_t bytes, bool debug) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::uint64_t off = 0; off < bytes; off += options_.write_chunk_bytes) {
    const std::uint64_t n = std::min<std::uint64_t>(options_.write_chunk_bytes, bytes - off);
    if (debug) {
      bus_.debug_write(address + off, p + off, n);
    } else {
      bus_.mem_write(address + off, p + off, n);
    }
  }
  (debug ? stats_.bytes_preloaded_debug : stats_.bytes_written_cxl) += bytes;
}

void NdpDriver::read_tensor(std::uint64_t address, num::bf16_t* data, std::uint64_t bytes) {
  auto* p = reinterpret_cast<unsigned char*>(data);
  for (std::uint64_t off = 0; off < bytes; off += options_.write_chunk_bytes) {
    const std::uint64_t n = std::min<std::uint64_t>(options_.write_chunk_bytes, bytes - off);
    bus_.mem_read(address + off, p + off, n);
  }
  stats_.bytes_read_cxl += bytes;
}

num::bf16_t* NdpDriver::scratch(std::uint64_t bytes) {
  if (scratch_.size() * 2 < bytes) scratch_.resize((bytes + 1) / 2);
  return scratch_.data();
}

void NdpDriver::require_initialised(const char* what) const {
  if (options_.memory_only && std::string(what).rfind("place", 0) == 0) return;  // weights need no rings
  if (options_.memory_only) {
    throw DriverError(std::string("NdpDriver::") + what + ": a weights-only driver (an HDM range interleaved across "
                      "devices) has no NDP rings");
  }
  if (!initialised()) throw std::logic_error(std::string("NdpDriver::") + what + " before init()");
}

std::uint64_t NdpDriver::sq_base() const {
  require_initialised("sq_base");
  return sq_->base();
}

std::uint64_t NdpDriver::cq_base() const {
  require_initialised("cq_base");
  return cq_->base();
}

std::uint32_t NdpDriver::in_flight() const { return sq_ ? sq_->in_flight() : 0; }

// ---------------------------------------------------------------- init

void NdpDriver::init() {
  if (options_.memory_only) {
    throw DriverError("init: a weights-only driver (an HDM range interleaved across devices) has no NDP register "
                      "block or rings");
  }
  if (initialised()) throw std::logic_error("NdpDriver::init called twice");
  const std::uint32_t id = reg_read(ndp::reg::kId);
  if (id != ndp::kIdValue) {
    throw DriverError("no NDP register block: ID reads " + hex(id) + ", expected " + hex(ndp::kIdValue) +
                      " (\"MNDE\")");
  }
  caps_ = decode_caps(reg_read(ndp::reg::kCap));
  if (caps_.version != ndp::kInterfaceVersion) {
    throw DriverError("NDP interface version " + std::to_string(caps_.version) + " is not supported (driver speaks " +
                      std::to_string(ndp::kInterfaceVersion) + ")");
  }
  if (options_.wait == DriverOptions::Wait::kInterrupt && bus_.irq_event() == nullptr) {
    throw DriverError("interrupt waiting was configured, but the bus has no interrupt line");
  }
  // Whatever a previous owner left (enabled rings, latched errors), start from reset values:
  // the ring registers are writable only while disabled.
  reg_write(ndp::reg::kControl, ndp::kControlReset);

  const std::uint64_t sq_bytes = std::uint64_t{options_.sq_entries} * ndp::kJobDescriptorBytes;
  const std::uint64_t cq_bytes = std::uint64_t{options_.cq_entries} * ndp::kCompletionEntryBytes;
  const std::uint64_t sq_base = allocator_.allocate(sq_bytes, "submission ring");
  const std::uint64_t cq_base = allocator_.allocate(cq_bytes, "completion ring");
  program_rings(sq_base, cq_base);
}

void NdpDriver::program_rings(std::uint64_t sq_base, std::uint64_t cq_base) {
  // The host zeroes the CQ before enabling: phase 0 everywhere, so the device's first pass
  // (phase 1) is recognisable whatever the memory held before.
  const std::uint64_t cq_bytes = std::uint64_t{options_.cq_entries} * ndp::kCompletionEntryBytes;
  const std::vector<unsigned char> zeros(cq_bytes, 0);
  ring_write(cq_base, zeros.data(), cq_bytes);

  reg_write(ndp::reg::kSqBaseLo, static_cast<std::uint32_t>(sq_base));
  reg_write(ndp::reg::kSqBaseHi, static_cast<std::uint32_t>(sq_base >> 32));
  reg_write(ndp::reg::kSqSize, options_.sq_entries);
  reg_write(ndp::reg::kCqBaseLo, static_cast<std::uint32_t>(cq_base));
  reg_write(ndp::reg::kCqBaseHi, static_cast<std::uint32_t>(cq_base >> 32));
  reg_write(ndp::reg::kCqSize, options_.cq_entries);
  const bool irq = options_.wait == DriverOptions::Wait::kInterrupt;
  reg_write(ndp::reg::kControl, ndp::kControlEnable | (irq ? ndp::kControlIrqEnable : 0u));
  if ((reg_read(ndp::reg::kStatus) & ndp::kStatusReady) == 0) {
    const auto code = static_cast<ndp::NdpErrorCode>(reg_read(ndp::reg::kError) & ndp::kErrorCodeMask);
    throw DriverError(std::string("the NDP did not enable: ") + ndp::to_string(code) + " (SQ " + hex(sq_base) + " x " +
                      std::to_string(options_.sq_entries) + ", CQ " + hex(cq_base) + " x " +
                      std::to_string(options_.cq_entries) + ")");
  }
  sq_ = std::make_unique<SubmissionRing>(sq_base, options_.sq_entries);
  cq_ = std::make_unique<CompletionRing>(cq_base, options_.cq_entries);
}

// ---------------------------------------------------------------- experts

std::string NdpDriver::expert_name(const std::string& given) const {
  return given.empty() ? "expert " + std::to_string(experts_.size()) : given;
}

ExpertHandle NdpDriver::place_expert(const ExpertShape& shape, const num::bf16_t* w_up, const num::bf16_t* w_gate,
                                     const num::bf16_t* w_down, const std::string& given_name) {
  require_initialised("place_expert");
  const std::string name = expert_name(given_name);
  check_shape(shape, name, "place_expert");
  if (!options_.timing_only && (w_up == nullptr || w_down == nullptr || (shape.gated && w_gate == nullptr))) {
    throw std::invalid_argument("place_expert: " + name + " is missing a weight tensor");
  }
  const config::WeightEncoding& q = shape.ndp_weights;
  // The quantised copy, quantised first so that a bad weight fails before anything is allocated.
  std::vector<num::QuantisedMatrix> quantised;
  if (q.quantised() && !options_.timing_only) {
    quantised.push_back(num::quantise(w_up, shape.d_ff, shape.d_model, q));
    if (shape.gated) quantised.push_back(num::quantise(w_gate, shape.d_ff, shape.d_model, q));
    quantised.push_back(num::quantise(w_down, shape.d_model, shape.d_ff, q));
  }
  return place(shape, {w_up, w_gate, w_down}, quantised, true, name);
}

ExpertHandle NdpDriver::place_quantised_expert(const ExpertShape& shape, const num::QuantisedMatrix& up,
                                               const num::QuantisedMatrix* gate, const num::QuantisedMatrix& down,
                                               const std::string& given_name) {
  require_initialised("place_quantised_expert");
  const std::string name = expert_name(given_name);
  check_shape(shape, name, "place_quantised_expert");
  const config::WeightEncoding& q = shape.ndp_weights;
  if (!q.quantised()) {
    throw std::invalid_argument("place_quantised_expert: " + name + " is bf16; use place_expert for bf16 weights");
  }
  if (shape.gated && gate == nullptr) throw std::invalid_argument("place_quantised_expert: " + name + " has no w_gate");
  if (options_.timing_only) throw std::invalid_argument("place_quantised_expert: needs data (not timing_only)");
  const auto check = [&](const num::QuantisedMatrix& m, std::size_t rows, std::size_t cols, const char* what) {
    if (m.encoding != q || m.rows != rows || m.cols != cols ||
        m.codes.size() != config::weight_matrix_bytes(q.format, rows, cols) ||
        m.scales.size() * sizeof(num::bf16_t) != config::scale_matrix_bytes(q, rows, cols)) {
      throw std::invalid_argument("place_quantised_expert: " + name + ": " + what + " is not an " + config::describe(q) +
                                  " [" + std::to_string(rows) + " x " + std::to_string(cols) + "] matrix");
    }
  };
  check(up, shape.d_ff, shape.d_model, "w_up");
  if (shape.gated) check(*gate, shape.d_ff, shape.d_model, "w_gate");
  check(down, shape.d_model, shape.d_ff, "w_down");
  std::vector<num::QuantisedMatrix> quantised{up};
  if (shape.gated) quantised.push_back(*gate);
  quantised.push_back(down);
  return place(shape, {nullptr, nullptr, nullptr}, quantised, false, name);
}

void NdpDriver::check_shape(const ExpertShape& shape, const std::string& name, const char* what) const {
  if (shape.d_model == 0 || shape.d_ff == 0) {
    throw std::invalid_argument(std::string(what) + ": " + name + " has a zero dimension (d_model " +
                                std::to_string(shape.d_model) + ", d_ff " + std::to_string(shape.d_ff) + ")");
  }
  const config::WeightEncoding& q = shape.ndp_weights;
  if (q.quantised() && (!config::valid_group_size(q.group_size) || shape.d_model % q.group_size != 0 ||
                        shape.d_ff % q.group_size != 0)) {
    throw std::invalid_argument(std::string(what) + ": " + name + ": " + config::describe(q) +
                                " needs a group size of 32, 64 or 128 dividing d_model " +
                                std::to_string(shape.d_model) + " and d_ff " + std::to_string(shape.d_ff));
  }
}

ExpertHandle NdpDriver::place(const ExpertShape& shape, const std::array<const num::bf16_t*, 3>& bf16,
                              const std::vector<num::QuantisedMatrix>& quantised, bool with_bf16,
                              const std::string& name) {
  const auto id = static_cast<std::uint32_t>(experts_.size());
  const config::WeightEncoding& q = shape.ndp_weights;
  const std::uint64_t bytes = bf16_bytes(shape.d_ff, shape.d_model);  // every matrix is d_ff x d_model
  const std::uint64_t code_bytes = config::weight_matrix_bytes(q.format, shape.d_ff, shape.d_model);
  const std::uint64_t scale_bytes = config::scale_matrix_bytes(q, shape.d_ff, shape.d_model);
  ExpertHandle h;
  h.id = id;
  h.shape = shape;
  // With an expert alignment above the tensor alignment the expert's tensors go back to back from
  // the first boundary of it with room for them all (found by a trial block, given back at once),
  // each taken at or above the one before.
  std::uint64_t lowest = 0;
  if (options_.expert_alignment > kTensorAlignment) {
    const auto page = [](std::uint64_t n) {
      return std::max<std::uint64_t>(1, (n + kTensorAlignment - 1) / kTensorAlignment) * kTensorAlignment;
    };
    const std::uint64_t matrices = shape.gated ? 3 : 2;
    const std::uint64_t all = matrices * ((with_bf16 ? page(bytes) : 0) +
                                          (q.quantised() ? page(code_bytes) + page(scale_bytes) : 0));
    lowest = allocator_.allocate(all, "the weights of " + name, options_.expert_alignment);
    allocator_.release(lowest);
  }
  std::vector<std::uint64_t> taken;
  const auto take = [&](std::uint64_t n, const std::string& what) {
    const std::uint64_t from = taken.empty() ? lowest : taken.back();
    taken.push_back(allocator_.allocate(n, what + " of " + name, kTensorAlignment, from));
    return taken.back();
  };
  try {
    if (with_bf16) {
      h.w_up = take(bytes, "w_up");
      if (shape.gated) h.w_gate = take(bytes, "w_gate");
      h.w_down = take(bytes, "w_down");
    }
    if (q.quantised()) {
      h.q_up = take(code_bytes, "quantised w_up");
      h.s_up = take(scale_bytes, "scales of w_up");
      if (shape.gated) {
        h.q_gate = take(code_bytes, "quantised w_gate");
        h.s_gate = take(scale_bytes, "scales of w_gate");
      }
      h.q_down = take(code_bytes, "quantised w_down");
      h.s_down = take(scale_bytes, "scales of w_down");
    }
  } catch (...) {
    for (const auto a : taken) allocator_.release(a);
    throw;
  }
  const sc_time t0 = sc_time_stamp();
  if (options_.timing_only) {
    stats_.which_path = "none";
  } else {
    const bool debug = options_.debug_preload;
    if (with_bf16) {
      write_tensor(h.w_up, bf16[0], bytes, debug);
      if (shape.gated) write_tensor(h.w_gate, bf16[1], bytes, debug);
      write_tensor(h.w_down, bf16[2], bytes, debug);
    }
    if (q.quantised()) {
      const std::uint64_t codes[] = {h.q_up, h.q_gate, h.q_down}, scales[] = {h.s_up, h.s_gate, h.s_down};
      std::size_t i = 0;
      for (int m = 0; m < 3; ++m) {
        if (m == 1 && !shape.gated) continue;
        write_tensor(codes[m], quantised[i].codes.data(), code_bytes, debug);
        write_tensor(scales[m], quantised[i].scales.data(), scale_bytes, debug);
        ++i;
      }
    }
    stats_.which_path = debug ? "debug_preload" : "cxl_mem";
  }
  stats_.placement_time += sc_time_stamp() - t0;
  ++stats_.experts_placed;
  experts_.push_back(h);
  names_.push_back(name);
  return h;
}

// ---------------------------------------------------------------- jobs

JobTicket NdpDriver::submit(const ExpertHandle& expert, std::uint32_t tokens, const num::bf16_t* x,
                            const DescriptorEdit& edit) {
  require_initialised("submit");
  if (expert.id >= experts_.size() || experts_[expert.id].w_up != expert.w_up ||
      experts_[expert.id].w_down != expert.w_down || experts_[expert.id].q_up != expert.q_up) {
    throw std::invalid_argument("submit: expert " + std::to_string(expert.id) + " was not placed by this driver");
  }
  if (!options_.timing_only && x == nullptr && tokens > 0) throw std::invalid_argument("submit: x is null");
  const sc_time t0 = sc_time_stamp();
  const ExpertHandle& e = experts_[expert.id];
  Job job;
  job.expert_id = e.id;
  job.submitted = t0;
  ndp::JobDescriptor& d = job.desc;
  d.opcode = ndp::kOpcodeExpertFfn;
  const config::WeightEncoding& q = e.shape.ndp_weights;
  d.dtype = ndp::dtype_of(q.format);
  d.group_size = static_cast<std::uint16_t>(q.group_size);
  d.activation = e.shape.gated ? ndp::kActivationSiluGated : ndp::kActivationRelu;
  d.job_tag = next_tag_;
  d.d_model = e.shape.d_model;
  d.d_ff = e.shape.d_ff;
  d.tokens = tokens;
  // The NDP runs on the quantised copy when there is one.
  d.w_up = q.quantised() ? e.q_up : e.w_up;
  d.w_gate = q.quantised() ? e.q_gate : e.w_gate;
  d.w_down = q.quantised() ? e.q_down : e.w_down;
  d.s_up = e.s_up;
  d.s_gate = e.s_gate;
  d.s_down = e.s_down;

  const std::string name = "job " + std::to_string(d.job_tag) + " (" + names_[e.id] + ", " +
                           std::to_string(tokens) + " tokens)";
  const std::uint64_t x_bytes = bf16_bytes(tokens, d.d_model);
  std::vector<std::uint64_t> taken;
  try {
    d.x_addr = allocator_.allocate(x_bytes, "x of " + name);
    taken.push_back(d.x_addr);
    d.y_addr = allocator_.allocate(x_bytes, "y of " + name);
    taken.push_back(d.y_addr);
    d.h_scratch_addr = allocator_.allocate(bf16_bytes(tokens, d.d_ff), "h of " + name);
    taken.push_back(d.h_scratch_addr);
    if (x_bytes > 0) {
      // timing_only: the memory keeps no bytes, but the activations still cross CXL.mem, so
      // the write is timed with a scratch payload.
      write_tensor(d.x_addr, options_.timing_only ? scratch(x_bytes) : x, x_bytes, false);
    }

    if (sq_->full()) {
      ++stats_.submit_stalls;
      const sc_time w0 = sc_time_stamp();
      while (sq_->full()) wait_for_completions();
      stats_.wait_time += sc_time_stamp() - w0;
    }
  } catch (...) {
    for (const auto a : taken) allocator_.release(a);
    throw;
  }
  ++next_tag_;
  // A testbench's edit changes only what the device reads: the driver keeps its own descriptor
  // for the job's buffers (wait() reads y and h and releases them as allocated here) and reports
  // the edited one in an NdpJobError.
  job.sent = d;
  if (edit) edit(job.sent);
  const auto raw = ndp::encode(job.sent);
  ring_write(sq_->slot_address(), raw.data(), raw.size());
  reg_write(ndp::reg::kSqTail, sq_->publish());
  job.rang = sc_time_stamp();
  if (ring_order_.empty()) progress_ = job.rang;  // the watchdog starts with the first job in flight
  ring_order_.push_back(d.job_tag);
  jobs_.emplace(d.job_tag, job);
  ++stats_.jobs_submitted;
  stats_.max_in_flight = std::max<std::uint64_t>(stats_.max_in_flight, sq_->in_flight());
  return JobTicket{d.job_tag};
}

JobResult NdpDriver::wait(JobTicket ticket, bool read_h) {
  const auto it = jobs_.find(ticket.tag);
  if (it == jobs_.end()) {
    throw std::invalid_argument("wait: job " + std::to_string(ticket.tag) +
                                " is not outstanding (never submitted, or already waited for)");
  }
  if (!it->second.done) {
    const sc_time t0 = sc_time_stamp();
    while (!it->second.done) wait_for_completions();
    stats_.wait_time += sc_time_stamp() - t0;
  }
  const Job job = it->second;
  jobs_.erase(it);
  if (job.completion.status != ndp::CompletionStatus::kOk || job.completion.error_code != ndp::NdpErrorCode::kOk) {
    release_job_buffers(job.desc);
    throw NdpJobError(job.expert_id, names_[job.expert_id], job.sent, job.completion);
  }
  JobResult r;
  r.completion = job.completion;
  r.submit_to_completion = job.observed - job.submitted;
  r.doorbell_to_completion = job.observed - job.rang;
  {
    // timing_only: the results' read is timed (into scratch) but returns no y.
    const std::uint64_t y_bytes = bf16_bytes(job.desc.tokens, job.desc.d_model);
    if (!options_.timing_only) r.y.resize(std::size_t{job.desc.tokens} * job.desc.d_model);
    try {
      read_tensor(job.desc.y_addr, options_.timing_only ? scratch(y_bytes) : r.y.data(), y_bytes);
      if (read_h && !options_.timing_only) {
        r.h.resize(std::size_t{job.desc.tokens} * job.desc.d_ff);
        read_tensor(job.desc.h_scratch_addr, r.h.data(), bf16_bytes(job.desc.tokens, job.desc.d_ff));
      }
    } catch (...) {
      release_job_buffers(job.desc);
      throw;
    }
  }
  release_job_buffers(job.desc);
  return r;
}

void NdpDriver::release_job_buffers(const ndp::JobDescriptor& d) {
  allocator_.release(d.x_addr);
  allocator_.release(d.y_addr);
  allocator_.release(d.h_scratch_addr);
}

// ---------------------------------------------------------------- completions

void NdpDriver::wait_for_completions() {
  if (sq_->in_flight() == 0) throw std::logic_error("NdpDriver: waiting for a completion with no job in flight");
  const bool watchdog = options_.job_timeout > sc_core::SC_ZERO_TIME;
  for (;;) {
    const sc_time deadline = progress_ + options_.job_timeout;
    if (watchdog && sc_time_stamp() >= deadline) {
      if (on_timeout()) return;  // a reset completed the stuck job (as lost)
      continue;
    }
    if (options_.wait == DriverOptions::Wait::kInterrupt) {
      // The line is a level: check it before sleeping on its rising edge, so an interrupt raised
      // while this thread was busy elsewhere is not lost.
      if (!bus_.irq_asserted()) {
        if (watchdog) {
          sc_core::wait(deadline - sc_time_stamp(), *bus_.irq_event());
          if (!bus_.irq_asserted()) continue;  // the watchdog's deadline, not an interrupt
        } else {
          sc_core::wait(*bus_.irq_event());
        }
      }
      ++stats_.interrupts;
      // Acknowledge before draining: a completion posted after this write raises the line again
      // (and is picked up by the next call), one posted before it is in the ring now.
      reg_write(ndp::reg::kIrqStatus, ndp::kIrqAll);
      if (drain_completions()) return;
    } else {
      if (drain_completions()) {
        reg_write(ndp::reg::kIrqStatus, ndp::kIrqAll);  // keep the status clean for a later owner
        return;
      }
      sc_core::wait(watchdog ? std::min(options_.poll_interval, deadline - sc_time_stamp()) : options_.poll_interval);
    }
  }
}

bool NdpDriver::on_timeout() {
  ++stats_.timeouts;
  const std::uint32_t stuck = ring_order_.front();
  if (aborted_tag_ != stuck) {
    // First the gentle way: the device ends the job with `aborted` and goes on with the next.
    aborted_tag_ = stuck;
    ++stats_.aborts;
    const bool irq = options_.wait == DriverOptions::Wait::kInterrupt;
    reg_write(ndp::reg::kControl, ndp::kControlEnable | (irq ? ndp::kControlIrqEnable : 0u) | ndp::kControlAbort);
    progress_ = sc_time_stamp();
    return false;
  }
  // The device did not answer the abort either: its command processor is stuck.
  recover_by_reset(stuck);
  return true;
}

void NdpDriver::recover_by_reset(std::uint32_t stuck_tag) {
  ++stats_.resets;
  aborted_tag_ = 0;
  reg_write(ndp::reg::kControl, ndp::kControlReset);  // the device forgets its rings and its job
  const std::uint64_t sq_base = sq_->base(), cq_base = cq_->base();
  program_rings(sq_base, cq_base);  // zeroed CQ, indices 0, phase 1, enabled
  // The stuck job is lost: it fails here, with a completion the driver makes up for it.
  Job& lost = jobs_.at(stuck_tag);
  lost.done = true;
  lost.completion = ndp::make_error_completion(stuck_tag, 0, ndp::NdpErrorCode::kLostInReset, false);
  lost.observed = sc_time_stamp();
  ++stats_.jobs_completed;
  ++stats_.jobs_failed;
  ++stats_.jobs_lost_in_reset;
  ring_order_.pop_front();
  // The jobs behind it are submitted again, in order, into the fresh rings (their x, y and h
  // buffers are still allocated and x still holds their input).
  for (const std::uint32_t tag : ring_order_) {
    const auto raw = ndp::encode(jobs_.at(tag).sent);
    ring_write(sq_->slot_address(), raw.data(), raw.size());
    sq_->publish();
    ++stats_.jobs_resubmitted;
  }
  if (!ring_order_.empty()) reg_write(ndp::reg::kSqTail, sq_->tail());
  progress_ = sc_time_stamp();
}

bool NdpDriver::drain_completions() {
  bool any = false, failed = false;
  for (;;) {
    std::array<std::uint8_t, ndp::kCompletionEntryBytes> raw{};
    ring_read(cq_->head_address(), raw.data(), raw.size());
    const ndp::CompletionEntry e = ndp::decode_completion(raw);
    if (!cq_->is_new(e)) break;
    const auto it = jobs_.find(e.job_tag);
    if (it == jobs_.end() || it->second.done) {
      throw DriverError("completion entry at CQ index " + std::to_string(cq_->head()) + " names job " +
                        std::to_string(e.job_tag) + ", which is not in flight");
    }
    sq_->consumed(e.sq_head, e.job_tag);
    cq_->consume();
    if (!ring_order_.empty() && ring_order_.front() == e.job_tag) ring_order_.pop_front();
    if (aborted_tag_ == e.job_tag) aborted_tag_ = 0;
    progress_ = sc_time_stamp();
    Job& job = it->second;
    job.done = true;
    job.completion = e;
    job.observed = sc_time_stamp();
    ++stats_.jobs_completed;
    if (e.error_code != ndp::NdpErrorCode::kOk || e.status != ndp::CompletionStatus::kOk) {
      ++stats_.jobs_failed;
      failed = true;
    }
    any = true;
  }
  if (!any) {
    ++stats_.empty_polls;
    return false;
  }
  // One CQ_HEAD write frees every consumed slot (a device waiting on a full CQ goes on).
  reg_write(ndp::reg::kCqHead, cq_->head());
  // Each failed job carries its own code in its entry; clearing the latched copy keeps
  // STATUS.ERROR meaning "an error not yet seen by the driver".
  if (failed) reg_write(ndp::reg::kError, ndp::kErrorValid);
  return true;
}

}  // namespace monde::driver
