// The values a driver user holds: an expert's shape, the handle of a placed expert, the ticket
// of a submitted job and the result of a finished one.
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>

#include "core/config/weight_format.hpp"
#include "tlm/ndp/command/completion_entry.hpp"
#include "tlm/ndp/numerics/bf16.hpp"

namespace monde::driver {

struct ExpertShape {
  std::uint32_t d_model = 0;
  std::uint32_t d_ff = 0;
  bool gated = false;  // SiLU-gated (w_gate used) or ReLU
  // The copy the NDP units run (docs/ndp_interface.md, "Quantised weights"): bf16 (the placed
  // weights themselves) or int8 / int4 with G-weight groups, quantised by the driver on placement.
  config::WeightEncoding ndp_weights{};
};

// A placed expert: where its weights live in device memory. Owned by the driver's bookkeeping;
// copies are just names for it.
struct ExpertHandle {
  std::uint32_t id = 0;  // 0, 1, ... in placement order
  ExpertShape shape;
  std::uint64_t w_up = 0;    // [d_ff x d_model] bf16
  std::uint64_t w_gate = 0;  // [d_ff x d_model] bf16, 0 unless gated
  std::uint64_t w_down = 0;  // [d_model x d_ff] bf16
  // The quantised copy the NDP jobs use when shape.ndp_weights is int8 / int4 (all 0 for bf16):
  // codes [out x in] and scales [out x in / G] of each matrix, each in its own 4 KiB aligned range.
  std::uint64_t q_up = 0, q_gate = 0, q_down = 0;
  std::uint64_t s_up = 0, s_gate = 0, s_down = 0;
};

// One tensor of a placed expert in device memory: [offset, offset + bytes).
struct DeviceRange {
  std::uint64_t offset = 0;
  std::uint64_t bytes = 0;
};
// The quantised copy of `h` as the tensors the driver placed (each in its own aligned range):
// codes then scales of w_up, w_gate (gated only), w_down; empty for bf16 NDP weights. Their bytes
// add up to perf::ExpertShape::ndp_weight_bytes of the same shape.
inline std::vector<DeviceRange> quantised_copy_ranges(const ExpertHandle& h) {
  const config::WeightEncoding& q = h.shape.ndp_weights;
  if (!q.quantised()) return {};
  // Every matrix holds d_model x d_ff weights in d_model x d_ff / G groups: the same code and
  // scale bytes each (as the driver allocates them, NdpDriver::place_expert).
  const std::uint64_t codes = config::weight_matrix_bytes(q.format, h.shape.d_ff, h.shape.d_model);
  const std::uint64_t scales = config::scale_matrix_bytes(q, h.shape.d_ff, h.shape.d_model);
  std::vector<DeviceRange> r{{h.q_up, codes}, {h.s_up, scales}};
  if (h.shape.gated) r.insert(r.end(), {{h.q_gate, codes}, {h.s_gate, scales}});
  r.insert(r.end(), {{h.q_down, codes}, {h.s_down, scales}});
  return r;
}

struct JobTicket {
  std::uint32_t tag = 0;  // the descriptor's job_tag, unique per driver (1, 2, ...)
};

struct JobResult {
  ndp::CompletionEntry completion;
  std::vector<num::bf16_t> y;  // [tokens x d_model], read back through CXL.mem; empty in timing_only
  std::vector<num::bf16_t> h;  // [tokens x d_ff], only when wait() was asked to read it back
  // From the start of submit() to the moment the driver read the completion entry (includes
  // the activation write, any wait for an SQ slot, and the wait mechanism's own latency).
  sc_core::sc_time submit_to_completion = sc_core::SC_ZERO_TIME;
  // From the doorbell write to the same moment: queueing behind earlier jobs plus the job.
  sc_core::sc_time doorbell_to_completion = sc_core::SC_ZERO_TIME;
};

}  // namespace monde::driver
