// The NDP completion entry: one 32-byte completion-queue entry per job (docs/ndp_interface.md,
// "Completion entry"). Little-endian, fixed byte offsets. The phase bit sits in the last byte
// (like NVMe's in the last dword): the host polls it and knows the entry is new when it
// differs from the phase of the previous pass over the ring.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/config/ndp_limits.hpp"
#include "tlm/ndp/command/ndp_error.hpp"

namespace monde::ndp {

using config::kCompletionEntryBytes;

enum class CompletionStatus : std::uint8_t { kOk = 0, kError = 1 };

namespace cqe_off {
inline constexpr std::size_t kJobTag = 0;           // u32
inline constexpr std::size_t kSqHead = 4;           // u16
inline constexpr std::size_t kReserved6 = 6;        // u16, written 0
inline constexpr std::size_t kDmaBytesRead = 8;     // u64
inline constexpr std::size_t kTotalCycles = 16;     // u32, saturating
inline constexpr std::size_t kMacBusyCycles = 20;   // u32, saturating
inline constexpr std::size_t kDmaBytesWritten = 24; // u32, saturating
inline constexpr std::size_t kErrorCode = 28;       // u16 (NdpErrorCode)
inline constexpr std::size_t kStatus = 30;          // u8 (CompletionStatus)
inline constexpr std::size_t kPhase = 31;           // u8: bit 0 phase, bits 7:1 written 0
}  // namespace cqe_off

struct CompletionEntry {
  std::uint32_t job_tag = 0;  // the descriptor's job_tag
  std::uint16_t sq_head = 0;  // SQ consumer index after this job: its slot is free again
  CompletionStatus status = CompletionStatus::kOk;
  NdpErrorCode error_code = NdpErrorCode::kOk;  // kOk iff status == kOk
  bool phase = false;
  // Statistics of the job. The 32-bit fields saturate at 0xFFFFFFFF when encoded (a wrapped
  // counter would silently lie); dma_bytes_read has 64 bits because re-streamed weights can
  // exceed 4 GiB.
  std::uint64_t total_cycles = 0;       // NDP clock cycles from descriptor fetch to this write
  std::uint64_t mac_busy_cycles = 0;    // summed over units: cycles a MAC array held a beat
  std::uint64_t dma_bytes_read = 0;     // descriptor, weights, x, h reads
  std::uint64_t dma_bytes_written = 0;  // h and y writes (not this entry)

  bool operator==(const CompletionEntry& o) const;
  bool operator!=(const CompletionEntry& o) const { return !(*this == o); }
};

// A failed job's entry: status kError, the code, zero statistics.
CompletionEntry make_error_completion(std::uint32_t job_tag, std::uint16_t sq_head,
                                      NdpErrorCode code, bool phase);

std::array<std::uint8_t, kCompletionEntryBytes> encode(const CompletionEntry& e);
// Reads kCompletionEntryBytes bytes; reserved bits are ignored.
CompletionEntry decode_completion(const std::uint8_t* bytes);
inline CompletionEntry decode_completion(const std::array<std::uint8_t, kCompletionEntryBytes>& b) {
  return decode_completion(b.data());
}

}  // namespace monde::ndp
