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

// The tensors of an expert job with their byte sizes from the dimensions (bf16: 2 bytes per
// element). Sizes saturate at 2^64-1 for absurd dimensions, which then fail the bounds check.
// w_gate is empty unless the activation is silu_gated.
struct JobRegions {
  AddressRange w_up, w_gate, w_down, x, y, h;
};
JobRegions job_regions(const JobDescriptor& d);

}  // namespace monde::ndp
