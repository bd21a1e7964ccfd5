// The NDP job descriptor: one 128-byte submission-queue entry describing one expert-FFN job
// (docs/ndp_interface.md, "Job descriptor"). Little-endian, fixed byte offsets; encode/decode
// never depend on host endianness or struct layout.
//
// decode() keeps every bit it read, including invalid opcodes and nonzero reserved bytes, so
// that validate() can report them; a descriptor is only meaningful after validate() == kOk.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/config/ndp_limits.hpp"
#include "core/config/weight_format.hpp"

namespace monde::ndp {

using config::kJobDescriptorBytes;

// Field values.
inline constexpr std::uint8_t kOpcodeExpertFfn = 1;
// dtype: the weights' format (docs/ndp_interface.md, "Quantised weights"). x, h and y are bf16
// whatever the dtype.
inline constexpr std::uint8_t kDtypeBf16 = 1;
inline constexpr std::uint8_t kDtypeInt8 = 2;  // int8 codes + bf16 scales per (output channel, group)
inline constexpr std::uint8_t kDtypeInt4 = 3;  // int4 codes (two per byte) + bf16 scales
inline constexpr std::uint8_t kActivationRelu = 1;
inline constexpr std::uint8_t kActivationSiluGated = 2;
// flags bit 0: do not set IRQ_STATUS.CQ for this job's completion (interrupt coalescing: a
// driver submitting a batch asks for one interrupt, on the last job). Other bits are reserved.
inline constexpr std::uint8_t kJobFlagNoIrq = 0x01;
inline constexpr std::uint8_t kJobFlagsDefined = kJobFlagNoIrq;

// Byte offsets (the table in docs/ndp_interface.md).
namespace desc_off {
inline constexpr std::size_t kOpcode = 0;        // u8
inline constexpr std::size_t kDtype = 1;         // u8
inline constexpr std::size_t kActivation = 2;    // u8
inline constexpr std::size_t kFlags = 3;         // u8
inline constexpr std::size_t kJobTag = 4;        // u32
inline constexpr std::size_t kDModel = 8;        // u32
inline constexpr std::size_t kDFf = 12;          // u32
inline constexpr std::size_t kTokens = 16;       // u32
inline constexpr std::size_t kGroupSize = 20;    // u16: G for int8 / int4 (32, 64, 128), 0 for bf16
inline constexpr std::size_t kReserved22 = 22;   // u16, must be 0 (keeps the addresses 8-aligned)
inline constexpr std::size_t kWUp = 24;          // u64
inline constexpr std::size_t kWGate = 32;        // u64
inline constexpr std::size_t kWDown = 40;        // u64
inline constexpr std::size_t kXAddr = 48;        // u64
inline constexpr std::size_t kYAddr = 56;        // u64
inline constexpr std::size_t kHScratch = 64;     // u64
inline constexpr std::size_t kSUp = 72;          // u64: scales of w_up (int8 / int4), 0 for bf16
inline constexpr std::size_t kSGate = 80;        // u64: scales of w_gate (gated int8 / int4), else 0
inline constexpr std::size_t kSDown = 88;        // u64: scales of w_down (int8 / int4), 0 for bf16
inline constexpr std::size_t kReserved96 = 96;   // 32 bytes to the end, must be 0
}  // namespace desc_off

inline constexpr std::size_t kDescriptorTailReservedBytes = kJobDescriptorBytes - desc_off::kReserved96;

struct JobDescriptor {
  std::uint8_t opcode = 0;      // kOpcodeExpertFfn
  std::uint8_t dtype = 0;       // kDtypeBf16
  std::uint8_t activation = 0;  // kActivationRelu / kActivationSiluGated
  std::uint8_t flags = 0;       // kJobFlag*
  std::uint32_t job_tag = 0;    // opaque to the device, echoed in the completion entry
  std::uint32_t d_model = 0;
  std::uint32_t d_ff = 0;
  std::uint32_t tokens = 0;     // T: rows of x, h and y
  std::uint16_t group_size = 0;  // G of an int8 / int4 job (32, 64, 128); 0 for bf16
  std::uint16_t reserved_22 = 0;
  // Device-physical byte addresses (HDM-relative device memory offsets).
  std::uint64_t w_up = 0;            // [d_ff x d_model] in the dtype's format
  std::uint64_t w_gate = 0;          // [d_ff x d_model], silu_gated only (0 for relu)
  std::uint64_t w_down = 0;          // [d_model x d_ff]
  std::uint64_t x_addr = 0;          // [T x d_model] bf16 input
  std::uint64_t y_addr = 0;          // [T x d_model] bf16 output
  std::uint64_t h_scratch_addr = 0;  // [T x d_ff] bf16 intermediate the units exchange
  // Scales of the quantised matrices, [out x in / G] bf16 each; all 0 for bf16 (s_gate 0 for relu).
  std::uint64_t s_up = 0;
  std::uint64_t s_gate = 0;
  std::uint64_t s_down = 0;
  std::array<std::uint8_t, kDescriptorTailReservedBytes> reserved_96{};

  bool operator==(const JobDescriptor& o) const;
  bool operator!=(const JobDescriptor& o) const { return !(*this == o); }
};

// The weight format a dtype names (nullopt for an unknown dtype), and the dtype of a format.
std::optional<config::WeightFormat> weight_format_of_dtype(std::uint8_t dtype);
std::uint8_t dtype_of(config::WeightFormat format);
// The job's weights: format from dtype (bf16 for an unknown one) and group_size. Meaningful once
// validate() passed.
config::WeightEncoding weight_encoding(const JobDescriptor& d);

std::array<std::uint8_t, kJobDescriptorBytes> encode(const JobDescriptor& d);
// Reads kJobDescriptorBytes bytes from `bytes`.
JobDescriptor decode_job_descriptor(const std::uint8_t* bytes);
inline JobDescriptor decode_job_descriptor(const std::array<std::uint8_t, kJobDescriptorBytes>& b) {
  return decode_job_descriptor(b.data());
}

}  // namespace monde::ndp
