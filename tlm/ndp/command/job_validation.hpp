// Descriptor validation: a bad descriptor completes with an error code and the job never
// starts, so it can neither hang the device nor write outside its own output regions.
#pragma once

#include <cstdint>
#include <vector>

#include "tlm/ndp/command/address_range.hpp"
#include "tlm/ndp/command/job_descriptor.hpp"
#include "tlm/ndp/command/ndp_error.hpp"
#include "core/config/ndp_limits.hpp"

namespace monde::ndp {

// Checks in this order; the first failure is returned (kOk when all pass):
//   1 opcode          kBadOpcode           opcode != kOpcodeExpertFfn
//   2 dtype           kBadDtype            dtype not bf16 (1), int8 (2) or int4 (3)
//   3 activation      kBadActivation       not relu (1) / silu_gated (2)
//   4 reserved        kReservedNonzero     reserved_22, reserved_96, undefined flag bits,
//                                          w_gate or s_gate != 0 for a relu job, or a scale
//                                          address != 0 for a bf16 job
//  12 group size      kBadGroupSize        int8 / int4 with group_size not 32, 64, 128;
//                                          bf16 with group_size != 0
//   5 zero dims       kZeroDim             d_model, d_ff or tokens == 0
//   6 dim limits      kDimTooLarge         d_model > max_d_model, d_ff > max_d_ff,
//                                          tokens > max_tokens
//   7 dim alignment   kDimMisaligned       d_model or d_ff % dim_align != 0
//  13 group align     kGroupMisaligned     int8 / int4 with d_model or d_ff % group_size != 0
//   8 buffer          kTokensOverBuffer    tokens * max(d_model, d_ff) * 2 > act_buffer_bytes
//   9 addr alignment  kMisalignedAddress   a used address % addr_align != 0
//  10 bounds          kAddressOutOfRange   a tensor not inside [0, device_bytes)
//  11 overlap         kOverlap             y or h overlaps x, a weight, a scale tensor, each
//                                          other, or one of `protected_ranges` (the SQ and CQ rings)
// (12 and 13 were appended to the codes later; they are checked where they belong.)
NdpErrorCode validate(const JobDescriptor& d, const config::NdpLimits& limits, std::uint64_t device_bytes,
                      const std::vector<AddressRange>& protected_ranges = {});

}  // namespace monde::ndp
