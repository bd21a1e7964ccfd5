// Error codes of the NDP command interface: the value a completion entry carries in its
// error_code field and the ERROR register latches. The numeric values are part of the
// interface (the driver decodes them): never renumber, only append.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace monde::ndp {

enum class NdpErrorCode : std::uint16_t {
  kOk = 0,
  // Descriptor validation (validate(), checked in this order; the first failure wins).
  kBadOpcode = 1,          // opcode is not a known operation
  kBadDtype = 2,           // dtype is not bf16, int8 or int4
  kBadActivation = 3,      // activation is not relu / silu_gated
  kReservedNonzero = 4,    // a reserved byte, an undefined flag bit or an unused address (w_gate of a
                           // relu job, a scale address of a bf16 job, s_gate of a relu job) is nonzero
  kZeroDim = 5,            // d_model, d_ff or tokens is zero
  kDimTooLarge = 6,        // d_model, d_ff or tokens above config::NdpLimits
  kDimMisaligned = 7,      // d_model or d_ff not a multiple of config::NdpLimits::dim_align
  kTokensOverBuffer = 8,   // tokens * max(d_model, d_ff) * 2 bytes exceed the activation buffer
  kMisalignedAddress = 9,  // a tensor address not a multiple of config::NdpLimits::addr_align
  kAddressOutOfRange = 10, // a tensor extends past the end of device memory
  kOverlap = 11,           // y or h overlaps a tensor the job reads, each other, or a ring
  kBadGroupSize = 12,      // int8 / int4 with group_size not 32, 64 or 128, or bf16 with group_size != 0
  kGroupMisaligned = 13,   // int8 / int4 with d_model or d_ff not a multiple of group_size
  // Queue and register errors (latched in ERROR; no completion entry is written).
  kBadQueueConfig = 16,    // CONTROL.ENABLE with an invalid ring base/size
  kBadDoorbell = 17,       // SQ_TAIL or CQ_HEAD written with an index >= the ring size
  // Errors while a valid job runs (reported in its completion entry).
  kDmaPoison = 32,         // a DMA read returned poisoned data
  kDmaError = 33,          // a DMA access got an error response
  kAborted = 34,           // the host aborted the job (CONTROL.ABORT: the driver's watchdog)
  // Written by the driver, never by the device: the job was in flight when the driver reset the
  // device to recover a command processor that no longer answered (docs/driver.md, "Timeouts").
  kLostInReset = 35,
};

// A stable, lower-case identifier for logs and stats, e.g. "bad_opcode"; "unknown" for a value
// outside the enum.
const char* to_string(NdpErrorCode code);

// The code a name of to_string() stands for (nullopt for any other text).
std::optional<NdpErrorCode> error_code_from_string(const std::string& name);
// Every code's name, in numeric order, comma-separated (for "allowed ..." messages).
std::string error_code_names();

}  // namespace monde::ndp
