// Device-memory byte ranges and the regions a job touches, for validation (overlap, bounds)
// and for the DMA engines (how many bytes each tensor has).
#pragma once

#include <cstdint>

#include "tlm/ndp/command/job_descriptor.hpp"

namespace monde::ndp {

// [base, base + bytes). Empty ranges (bytes == 0) overlap nothing. No arithmetic here can
// overflow, even for ranges near 2^64.
struct AddressRange {
  std::uint64_t base = 0;
  std::uint64_t bytes = 0;

  bool overlaps(const AddressRange& o) const {
    if (bytes == 0 || o.bytes == 0) return false;
    return base <= o.base ? o.base - base < bytes : base - o.base < o.bytes;
  }
  // Entirely inside [0, limit).
  bool within(std::uint64_t limit) const { return bytes <= limit && base <= limit - bytes; }
};

// The tensors of an expert job with their byte sizes from the dimensions: weights in the dtype's
// format (config::weight_matrix_bytes), x, y and h bf16, scales [out x in / G] bf16
// (config::scale_matrix_bytes). Sizes saturate at 2^64-1 for absurd dimensions, which then fail
// the bounds check. w_gate and s_gate are empty unless the activation is silu_gated; the scales
// are empty for bf16 (and for an invalid group size: validate() refuses those first).
struct JobRegions {
  AddressRange w_up, w_gate, w_down, x, y, h;
  AddressRange s_up, s_gate, s_down;
};
JobRegions job_regions(const JobDescriptor& d);

}  // namespace monde::ndp
