// Names of the NDP error codes (ndp_error.hpp).
#include "tlm/ndp/command/ndp_error.hpp"

namespace monde::ndp {

const char* to_string(NdpErrorCode code) {
  switch (code) {
    case NdpErrorCode::kOk: return "ok";
    case NdpErrorCode::kBadOpcode: return "bad_opcode";
    case NdpErrorCode::kBadDtype: return "bad_dtype";
    case NdpErrorCode::kBadActivation: return "bad_activation";
    case NdpErrorCode::kReservedNonzero: return "reserved_nonzero";
    case NdpErrorCode::kZeroDim: return "zero_dim";
    case NdpErrorCode::kDimTooLarge: return "dim_too_large";
    case NdpErrorCode::kDimMisaligned: return "dim_misaligned";
    case NdpErrorCode::kTokensOverBuffer: return "tokens_over_buffer";
    case NdpErrorCode::kMisalignedAddress: return "misaligned_address";
    case NdpErrorCode::kAddressOutOfRange: return "address_out_of_range";
    case NdpErrorCode::kOverlap: return "overlap";
    case NdpErrorCode::kBadGroupSize: return "bad_group_size";
    case NdpErrorCode::kGroupMisaligned: return "group_misaligned";
    case NdpErrorCode::kBadQueueConfig: return "bad_queue_config";
    case NdpErrorCode::kBadDoorbell: return "bad_doorbell";
    case NdpErrorCode::kDmaPoison: return "dma_poison";
    case NdpErrorCode::kDmaError: return "dma_error";
    case NdpErrorCode::kAborted: return "aborted";
    case NdpErrorCode::kLostInReset: return "lost_in_reset";
  }
  return "unknown";  // a raw value read from memory need not be an enumerator
}

namespace {
// Every enumerator: the codes are below 64 (the interface appends, never renumbers).
constexpr unsigned kCodeSpan = 64;
}  // namespace

std::optional<NdpErrorCode> error_code_from_string(const std::string& name) {
  for (unsigned v = 0; v < kCodeSpan; ++v) {
    const auto code = static_cast<NdpErrorCode>(v);
    if (name == to_string(code)) return code;
  }
  return std::nullopt;
}

std::string error_code_names() {
  std::string out;
  for (unsigned v = 0; v < kCodeSpan; ++v) {
    const char* n = to_string(static_cast<NdpErrorCode>(v));
    if (std::string(n) == "unknown") continue;
    out += (out.empty() ? "" : ", ") + std::string(n);
  }
  return out;
}

}  // namespace monde::ndp
