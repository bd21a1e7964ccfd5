// CXL.mem protocol messages as the transaction layer sees them (no SystemC here).
//
// Four message classes cross a CXL.mem link (CXL 2.0 §3.3, "CXL.mem"):
//   host -> device (Master to Subordinate): M2S Req (no data), M2S RwD (request with data)
//   device -> host (Subordinate to Master): S2M NDR (no data response), S2M DRS (data response)
// The opcode values below are the spec encodings (CXL 3.0 Tables 3-29 M2S Req, 3-35 M2S RwD,
// 3-43 S2M NDR, 3-46 S2M DRS, which keep the CXL 2.0 values). MemClnEvct, BIConflict and
// BI-ConflictAck are CXL 3.0 additions (back-invalidate flows); they are here so that counters
// and traces can name them, but a CXL 2.0 Type-3 device never sends or expects them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace monde::cxl {

// A CXL.mem transaction always covers one 64-byte cache line: the request address field is
// Address[51:6] (§3.3) and "the transaction layer requires all messages that carry payload to
// send 64B" (§4.2.2, 68B flit link layer).
inline constexpr std::uint64_t kCxlLineBytes = 64;

enum class CxlMsgClass : std::uint8_t { kM2SReq, kM2SRwD, kS2MNdr, kS2MDrs };
inline constexpr std::size_t kNumCxlMsgClasses = 4;

// One enumerator per (class, opcode) pair so a value names the message unambiguously;
// msg_class_of() and spec_encoding() recover the class and the on-wire opcode.
enum class CxlMemOpcode : std::uint8_t {
  // M2S Req (4-bit MemOpcode)
  kMemInv,
  kMemRd,
  kMemRdData,
  kMemRdFwd,
  kMemWrFwd,
  kMemSpecRd,
  kMemInvNT,
  kMemClnEvct,
  // M2S RwD (4-bit MemOpcode)
  kMemWr,
  kMemWrPtl,
  kBIConflict,
  // S2M NDR (3-bit Opcode)
  kCmp,
  kCmpS,
  kCmpE,
  kBIConflictAck,
  // S2M DRS (3-bit Opcode)
  kMemData,
  kMemDataNxm,
};
inline constexpr std::size_t kNumCxlMemOpcodes = 17;

CxlMsgClass msg_class_of(CxlMemOpcode op);
std::uint8_t spec_encoding(CxlMemOpcode op);  // the opcode field value on the wire
const char* to_string(CxlMsgClass c);         // "M2S Req", "M2S RwD", "S2M NDR", "S2M DRS"
const char* to_string(CxlMemOpcode op);       // spec spelling: "MemRd", "Cmp-S", "MemData-NXM", ...
// Lower-case identifiers for JSON keys and config files: "m2s_req", ..., "mem_rd", "cmp_s", ...
const char* json_key(CxlMsgClass c);
const char* json_key(CxlMemOpcode op);

// MetaField / MetaValue (CXL 2.0 §3.3, M2S Req/RwD fields, 2 bits each): host-side coherence
// metadata stored by the device. A Type-3 HDM-H device without metadata storage is sent
// MetaField = No-Op.
enum class MetaField : std::uint8_t { kMeta0State = 0, kNoOp = 3 };
enum class MetaValue : std::uint8_t { kInvalid = 0, kAny = 2, kShared = 3 };
// SnpType (3 bits): device-side snoop attached to an M2S Req; HDM-H (Type-3) uses No-Op.
enum class SnpType : std::uint8_t { kNoOp = 0, kSnpData = 1, kSnpCur = 2, kSnpInv = 3 };

// One CXL.mem message. Field widths follow the spec headers: Tag 16 bits, LD-ID 4 bits
// (multi-logical-device id), Address[51:6] (so `address` is 64-byte aligned).
struct CxlMemMessage {
  CxlMsgClass msg_class = CxlMsgClass::kM2SReq;
  CxlMemOpcode opcode = CxlMemOpcode::kMemRd;
  std::uint16_t tag = 0;
  std::uint8_t ld_id = 0;  // 0..15
  MetaField meta_field = MetaField::kNoOp;
  MetaValue meta_value = MetaValue::kInvalid;
  SnpType snp_type = SnpType::kNoOp;
  bool poison = false;        // RwD: poisoned write data; DRS: poisoned read data
  std::uint64_t address = 0;  // M2S only (responses are matched by tag); 64-byte aligned
  // MemWrPtl only: bit i set = byte (address + i) is written (the BE slot, §4.2.3).
  std::uint64_t byte_enable = ~std::uint64_t{0};

  // Empty when the fields are consistent, otherwise what is wrong (class/opcode mismatch,
  // unaligned address, LD-ID out of 4 bits, byte mask on a non-partial message...).
  std::string check() const;
};

// Builds a message with msg_class derived from the opcode (the usual way to make one).
CxlMemMessage make_message(CxlMemOpcode op, std::uint16_t tag, std::uint64_t address = 0);

// Message counts for statistics (stats.json: "CXL message counts by class").
class CxlMessageCounters {
 public:
  void count(const CxlMemMessage& m) { count(m.opcode); }
  void count(CxlMemOpcode op, std::uint64_t n = 1);
  std::uint64_t by_class(CxlMsgClass c) const { return by_class_[static_cast<std::size_t>(c)]; }
  std::uint64_t by_opcode(CxlMemOpcode op) const { return by_opcode_[static_cast<std::size_t>(op)]; }
  std::uint64_t total() const;
  CxlMessageCounters& operator+=(const CxlMessageCounters& other);

  // {"total_messages": N, "m2s_req": {"messages": n, "by_opcode": {"mem_rd": n, ...}}, ...};
  // every class and opcode is present (zeros included) so the schema does not depend on traffic.
  nlohmann::json to_json() const;

 private:
  std::array<std::uint64_t, kNumCxlMsgClasses> by_class_{};
  std::array<std::uint64_t, kNumCxlMemOpcodes> by_opcode_{};
};

// One 64-byte CXL.mem transaction produced from a host access.
struct CxlLineAccess {
  std::uint64_t line_address = 0;  // 64-byte aligned
  CxlMemOpcode opcode = CxlMemOpcode::kMemRd;  // kMemRd, kMemWr or kMemWrPtl
  // Bytes of the line that belong to the host access: bit i = byte line_address + i. For MemRd
  // it says which bytes of the returned line the host keeps; for MemWrPtl it is the byte enable.
  std::uint64_t byte_mask = ~std::uint64_t{0};
  std::uint64_t host_offset = 0;  // offset of the first covered byte in the host buffer
  std::uint32_t bytes = 0;        // number of covered bytes (popcount of byte_mask)
};

// Splits the host access [addr, addr + len) into the CXL.mem transactions that carry it, one
// per 64-byte line touched, in ascending address order:
//  * reads: always MemRd of the full line (CXL.mem has no partial read; the host discards the
//    bytes outside the access), so an unaligned 8-byte read still costs a full 64-byte DRS;
//  * writes: MemWr when the access covers the whole line, otherwise MemWrPtl with the byte
//    enables of the covered bytes (which costs an extra BE slot on the link, §4.2.3 "G0 - M2S
//    Byte Enable").
// len = 0 gives no transactions. Throws std::invalid_argument when addr + len overflows 64 bits.
std::vector<CxlLineAccess> split_host_access(std::uint64_t addr, std::uint64_t len, bool is_write);
// The same, appended to `out` (whose capacity a caller that splits every request reuses).
void split_host_access(std::uint64_t addr, std::uint64_t len, bool is_write, std::vector<CxlLineAccess>& out);

}  // namespace monde::cxl
