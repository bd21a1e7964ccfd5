// Descriptor validation (job_validation.hpp). Cheap field checks come first, then arithmetic
// on the dimensions, then the address checks that rely on sane sizes.
#include "tlm/ndp/command/job_validation.hpp"

#include <algorithm>
#include <array>

namespace monde::ndp {
namespace {

bool reserved_clear(const JobDescriptor& d) {
  if (d.reserved_22 != 0 || (d.flags & ~kJobFlagsDefined) != 0) return false;
  // Unused addresses must be 0: the gate of a relu job, every scale of a bf16 job.
  if (d.activation == kActivationRelu && (d.w_gate != 0 || d.s_gate != 0)) return false;
  if (d.dtype == kDtypeBf16 && (d.s_up != 0 || d.s_gate != 0 || d.s_down != 0)) return false;
  return std::all_of(d.reserved_96.begin(), d.reserved_96.end(),
                     [](std::uint8_t b) { return b == 0; });
}

}  // namespace

NdpErrorCode validate(const JobDescriptor& d, const config::NdpLimits& limits, std::uint64_t device_bytes,
                      const std::vector<AddressRange>& protected_ranges) {
  if (d.opcode != kOpcodeExpertFfn) return NdpErrorCode::kBadOpcode;
  if (!weight_format_of_dtype(d.dtype)) return NdpErrorCode::kBadDtype;
  if (d.activation != kActivationRelu && d.activation != kActivationSiluGated) {
    return NdpErrorCode::kBadActivation;
  }
  if (!reserved_clear(d)) return NdpErrorCode::kReservedNonzero;
  const config::WeightEncoding enc = weight_encoding(d);
  if (enc.quantised() ? !config::valid_group_size(d.group_size) : d.group_size != 0) {
    return NdpErrorCode::kBadGroupSize;
  }
  if (d.d_model == 0 || d.d_ff == 0 || d.tokens == 0) return NdpErrorCode::kZeroDim;
  if (d.d_model > limits.max_d_model || d.d_ff > limits.max_d_ff ||
      d.tokens > limits.max_tokens) {
    return NdpErrorCode::kDimTooLarge;
  }
  // An alignment of 0 in a configuration means "none" (and must not divide by zero).
  const std::uint32_t dim_align = std::max(1u, limits.dim_align);
  const std::uint64_t addr_align = std::max(1u, limits.addr_align);
  if (d.d_model % dim_align != 0 || d.d_ff % dim_align != 0) {
    return NdpErrorCode::kDimMisaligned;
  }
  // Each matrix's K (d_model, then d_ff) must be whole groups: a group never spans two rows.
  if (enc.quantised() && (d.d_model % d.group_size != 0 || d.d_ff % d.group_size != 0)) {
    return NdpErrorCode::kGroupMisaligned;
  }
  // The activation buffer holds x (T x d_model) in the first phase and h (T x d_ff) in the second.
  if (d.tokens > limits.max_tokens_for(std::max(d.d_model, d.d_ff))) return NdpErrorCode::kTokensOverBuffer;

  const JobRegions r = job_regions(d);
  const bool gated = d.activation == kActivationSiluGated;
  // Reads and writes; w_gate (and s_gate) only when the job uses it, scales only when quantised.
  std::vector<AddressRange> reads{r.w_up, r.w_down, r.x};
  if (gated) reads.push_back(r.w_gate);
  if (enc.quantised()) {
    reads.push_back(r.s_up);
    reads.push_back(r.s_down);
    if (gated) reads.push_back(r.s_gate);
  }
  const std::size_t n_reads = reads.size();
  const std::array<AddressRange, 2> writes{r.y, r.h};

  for (std::size_t i = 0; i < n_reads; ++i) {
    if (reads[i].base % addr_align != 0) return NdpErrorCode::kMisalignedAddress;
  }
  for (const AddressRange& w : writes) {
    if (w.base % addr_align != 0) return NdpErrorCode::kMisalignedAddress;
  }
  for (std::size_t i = 0; i < n_reads; ++i) {
    if (!reads[i].within(device_bytes)) return NdpErrorCode::kAddressOutOfRange;
  }
  for (const AddressRange& w : writes) {
    if (!w.within(device_bytes)) return NdpErrorCode::kAddressOutOfRange;
  }
  // Outputs are written while inputs are still being read (by other units): any overlap would
  // make the result depend on timing. Inputs may overlap each other (read-only).
  if (r.y.overlaps(r.h)) return NdpErrorCode::kOverlap;
  for (const AddressRange& w : writes) {
    for (std::size_t i = 0; i < n_reads; ++i) {
      if (w.overlaps(reads[i])) return NdpErrorCode::kOverlap;
    }
    for (const AddressRange& p : protected_ranges) {
      if (w.overlaps(p)) return NdpErrorCode::kOverlap;
    }
  }
  return NdpErrorCode::kOk;
}

}  // namespace monde::ndp
