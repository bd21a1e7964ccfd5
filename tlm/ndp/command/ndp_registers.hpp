// The NDP register block: CXL.io BAR-relative offsets and bit fields (docs/ndp_interface.md,
// "Register map"). All registers are 32 bits wide and accessed as aligned 32-bit words.
#pragma once

#include <cstdint>

namespace monde::ndp {

namespace reg {
inline constexpr std::uint32_t kId = 0x00;         // RO  kIdValue: lets a driver probe the BAR
inline constexpr std::uint32_t kCap = 0x04;        // RO  version, units, rows, cols
inline constexpr std::uint32_t kStatus = 0x08;     // RO  READY, BUSY, ERROR
inline constexpr std::uint32_t kControl = 0x0C;    // RW  ENABLE, RESET (self-clearing), IRQ_EN, ABORT (self-clearing)
inline constexpr std::uint32_t kSqBaseLo = 0x10;   // RW* SQ base bits 31:0 (* only while disabled)
inline constexpr std::uint32_t kSqBaseHi = 0x14;   // RW* SQ base bits 63:32
inline constexpr std::uint32_t kSqSize = 0x18;     // RW* SQ entries, power of two 2..4096
inline constexpr std::uint32_t kSqTail = 0x1C;     // RW  SQ doorbell: host producer index
inline constexpr std::uint32_t kSqHead = 0x20;     // RO  device consumer index
inline constexpr std::uint32_t kCqBaseLo = 0x24;   // RW* CQ base bits 31:0
inline constexpr std::uint32_t kCqBaseHi = 0x28;   // RW* CQ base bits 63:32
inline constexpr std::uint32_t kCqSize = 0x2C;     // RW* CQ entries, power of two 2..4096
inline constexpr std::uint32_t kCqHead = 0x30;     // RW  CQ doorbell: host consumer index
inline constexpr std::uint32_t kCqTail = 0x34;     // RO  device producer index
inline constexpr std::uint32_t kError = 0x38;      // RO + W1C: last error code, VALID
inline constexpr std::uint32_t kIrqStatus = 0x3C;  // W1C CQ, ERROR
inline constexpr std::uint32_t kBlockBytes = 0x40; // size of the register block
}  // namespace reg

inline constexpr std::uint32_t kIdValue = 0x45444E4Du;  // "MNDE" in little-endian bytes
// The command interface's version (CAP[7:0]; docs/ndp_interface.md, "Interface versions"):
// 1 = bf16 weights only; 2 = the quantised weight formats (descriptor dtype 2 / 3, group_size
// and the scale addresses, error codes 12 and 13). A driver speaks exactly one version.
inline constexpr std::uint32_t kInterfaceVersion = 2;

// CAP fields.
inline constexpr std::uint32_t kCapVersionShift = 0;  // [7:0]
inline constexpr std::uint32_t kCapUnitsShift = 8;    // [15:8]
inline constexpr std::uint32_t kCapRowsShift = 16;    // [23:16]
inline constexpr std::uint32_t kCapColsShift = 24;    // [31:24]

// STATUS bits.
inline constexpr std::uint32_t kStatusReady = 1u << 0;  // enabled with a valid ring config
inline constexpr std::uint32_t kStatusBusy = 1u << 1;   // a job is in progress (device-set)
inline constexpr std::uint32_t kStatusError = 1u << 2;  // ERROR.VALID

// CONTROL bits.
inline constexpr std::uint32_t kControlEnable = 1u << 0;
inline constexpr std::uint32_t kControlReset = 1u << 1;  // write 1: reset; always reads 0
inline constexpr std::uint32_t kControlIrqEnable = 1u << 2;
inline constexpr std::uint32_t kControlAbort = 1u << 3;  // write 1: abort the job in progress; always reads 0
inline constexpr std::uint32_t kControlWritable = kControlEnable | kControlReset | kControlIrqEnable | kControlAbort;

// ERROR fields.
inline constexpr std::uint32_t kErrorCodeMask = 0xFFFFu;  // [15:0] NdpErrorCode
inline constexpr std::uint32_t kErrorValid = 1u << 31;    // write 1 clears the register

// IRQ_STATUS bits (write 1 to clear).
inline constexpr std::uint32_t kIrqCq = 1u << 0;     // a completion entry was posted
inline constexpr std::uint32_t kIrqError = 1u << 1;  // an error was latched in ERROR
inline constexpr std::uint32_t kIrqAll = kIrqCq | kIrqError;

}  // namespace monde::ndp
