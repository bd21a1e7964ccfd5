// Hardware limits a job descriptor is validated against (docs/ndp_interface.md, "Limits").
// The SystemC device fills this from its configuration; the defaults describe the reference
// device (4 units of 16x16 MAC arrays).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace monde::config {

// Queue entry sizes (docs/ndp_interface.md): one job descriptor in the submission queue, one
// completion entry in the completion queue. The device, the driver and the job-time formula use these.
inline constexpr std::size_t kJobDescriptorBytes = 128;
inline constexpr std::size_t kCompletionEntryBytes = 32;

struct NdpLimits {
  std::uint32_t units = 4;   // NDP units that share one job
  std::uint32_t rows = 16;   // MAC array rows (tokens per block)
  std::uint32_t cols = 16;   // MAC array columns (output features per tile)
  // d_model and d_ff must be multiples of this (elements). 32 bf16 = 64 bytes: every row of
  // every tensor is a whole number of 64-byte CXL lines, so with 64-byte aligned bases the DMA
  // never issues partial-line writes (and splitting outputs across units in granules of 32
  // columns keeps any two units off each other's lines). It is also a multiple of rows and
  // cols. Every model preset (768 ... 16384, 1408, 2880) satisfies it.
  std::uint32_t dim_align = 32;
  std::uint32_t addr_align = 64;  // bytes: one CXL.mem line
  std::uint32_t max_d_model = 16384;
  std::uint32_t max_d_ff = 65536;
  std::uint32_t max_tokens = 4096;
  // Per-unit activation SRAM: each unit keeps the job's whole x (T x d_model bf16) resident, so
  // x is read from DRAM once per unit however many column tiles the unit computes.
  std::uint64_t act_buffer_bytes = 2u << 20;

  // The largest token count whose x fits the activation buffer (and max_tokens).
  std::uint32_t max_tokens_for(std::uint32_t d_model) const {
    if (d_model == 0) return max_tokens;
    const std::uint64_t fit = act_buffer_bytes / (std::uint64_t{d_model} * 2u);
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(fit, max_tokens));
  }
};

}  // namespace monde::config
