#include "tlm/cxl/cxl_mem_message.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace monde::cxl {

namespace {

struct OpcodeInfo {
  CxlMsgClass cls;
  std::uint8_t encoding;
  const char* name;  // spec spelling
  const char* key;   // JSON key
};

// Indexed by CxlMemOpcode; encodings from the spec opcode tables (see the header).
constexpr std::array<OpcodeInfo, kNumCxlMemOpcodes> kOpcodes{{
    {CxlMsgClass::kM2SReq, 0x0, "MemInv", "mem_inv"},
    {CxlMsgClass::kM2SReq, 0x1, "MemRd", "mem_rd"},
    {CxlMsgClass::kM2SReq, 0x2, "MemRdData", "mem_rd_data"},
    {CxlMsgClass::kM2SReq, 0x3, "MemRdFwd", "mem_rd_fwd"},
    {CxlMsgClass::kM2SReq, 0x4, "MemWrFwd", "mem_wr_fwd"},
    {CxlMsgClass::kM2SReq, 0x8, "MemSpecRd", "mem_spec_rd"},
    {CxlMsgClass::kM2SReq, 0x9, "MemInvNT", "mem_inv_nt"},
    {CxlMsgClass::kM2SReq, 0xA, "MemClnEvct", "mem_cln_evct"},
    {CxlMsgClass::kM2SRwD, 0x1, "MemWr", "mem_wr"},
    {CxlMsgClass::kM2SRwD, 0x2, "MemWrPtl", "mem_wr_ptl"},
    {CxlMsgClass::kM2SRwD, 0x4, "BIConflict", "bi_conflict"},
    {CxlMsgClass::kS2MNdr, 0x0, "Cmp", "cmp"},
    {CxlMsgClass::kS2MNdr, 0x1, "Cmp-S", "cmp_s"},
    {CxlMsgClass::kS2MNdr, 0x2, "Cmp-E", "cmp_e"},
    {CxlMsgClass::kS2MNdr, 0x4, "BI-ConflictAck", "bi_conflict_ack"},
    {CxlMsgClass::kS2MDrs, 0x0, "MemData", "mem_data"},
    {CxlMsgClass::kS2MDrs, 0x1, "MemData-NXM", "mem_data_nxm"},
}};

const OpcodeInfo& info(CxlMemOpcode op) { return kOpcodes.at(static_cast<std::size_t>(op)); }

bool is_m2s(CxlMsgClass c) { return c == CxlMsgClass::kM2SReq || c == CxlMsgClass::kM2SRwD; }

}  // namespace

CxlMsgClass msg_class_of(CxlMemOpcode op) { return info(op).cls; }
std::uint8_t spec_encoding(CxlMemOpcode op) { return info(op).encoding; }
const char* to_string(CxlMemOpcode op) { return info(op).name; }
const char* json_key(CxlMemOpcode op) { return info(op).key; }

const char* to_string(CxlMsgClass c) {
  switch (c) {
    case CxlMsgClass::kM2SReq: return "M2S Req";
    case CxlMsgClass::kM2SRwD: return "M2S RwD";
    case CxlMsgClass::kS2MNdr: return "S2M NDR";
    case CxlMsgClass::kS2MDrs: return "S2M DRS";
  }
  return "?";
}

const char* json_key(CxlMsgClass c) {
  switch (c) {
    case CxlMsgClass::kM2SReq: return "m2s_req";
    case CxlMsgClass::kM2SRwD: return "m2s_rwd";
    case CxlMsgClass::kS2MNdr: return "s2m_ndr";
    case CxlMsgClass::kS2MDrs: return "s2m_drs";
  }
  return "?";
}

std::string CxlMemMessage::check() const {
  const std::string what = std::string(to_string(opcode)) + " (" + to_string(msg_class) + "): ";
  if (msg_class_of(opcode) != msg_class) {
    return what + "opcode belongs to class " + to_string(msg_class_of(opcode));
  }
  if (ld_id > 15) return what + "LD-ID " + std::to_string(ld_id) + " does not fit in 4 bits";
  if (is_m2s(msg_class) && address % kCxlLineBytes != 0) {
    return what + "address is not 64-byte aligned (Address[51:6])";
  }
  if (is_m2s(msg_class) && address >> 52 != 0) return what + "address exceeds 52 bits";
  if (opcode == CxlMemOpcode::kMemWrPtl && byte_enable == 0) return what + "empty byte enable";
  if (opcode != CxlMemOpcode::kMemWrPtl && byte_enable != ~std::uint64_t{0}) {
    return what + "only MemWrPtl carries byte enables";
  }
  return {};
}

CxlMemMessage make_message(CxlMemOpcode op, std::uint16_t tag, std::uint64_t address) {
  CxlMemMessage m;
  m.msg_class = msg_class_of(op);
  m.opcode = op;
  m.tag = tag;
  m.address = address;
  return m;
}

void CxlMessageCounters::count(CxlMemOpcode op, std::uint64_t n) {
  by_opcode_[static_cast<std::size_t>(op)] += n;
  by_class_[static_cast<std::size_t>(msg_class_of(op))] += n;
}

std::uint64_t CxlMessageCounters::total() const {
  std::uint64_t t = 0;
  for (auto n : by_class_) t += n;
  return t;
}

CxlMessageCounters& CxlMessageCounters::operator+=(const CxlMessageCounters& other) {
  for (std::size_t i = 0; i < by_class_.size(); ++i) by_class_[i] += other.by_class_[i];
  for (std::size_t i = 0; i < by_opcode_.size(); ++i) by_opcode_[i] += other.by_opcode_[i];
  return *this;
}

nlohmann::json CxlMessageCounters::to_json() const {
  nlohmann::json j;
  j["total_messages"] = total();
  for (std::size_t c = 0; c < kNumCxlMsgClasses; ++c) {
    const auto cls = static_cast<CxlMsgClass>(c);
    nlohmann::json ops = nlohmann::json::object();
    for (std::size_t o = 0; o < kNumCxlMemOpcodes; ++o) {
      const auto op = static_cast<CxlMemOpcode>(o);
      if (msg_class_of(op) == cls) ops[json_key(op)] = by_opcode_[o];
    }
    j[json_key(cls)] = {{"messages", by_class_[c]}, {"by_opcode", ops}};
  }
  return j;
}

std::vector<CxlLineAccess> split_host_access(std::uint64_t addr, std::uint64_t len, bool is_write) {
  std::vector<CxlLineAccess> out;
  split_host_access(addr, len, is_write, out);
  return out;
}

void split_host_access(std::uint64_t addr, std::uint64_t len, bool is_write, std::vector<CxlLineAccess>& out) {
  if (len == 0) return;
  if (addr + len < addr) throw std::invalid_argument("split_host_access: addr + len overflows 64 bits");
  const std::uint64_t end = addr + len;  // exclusive
  for (std::uint64_t line = addr & ~(kCxlLineBytes - 1); line < end; line += kCxlLineBytes) {
    // Covered bytes of this line: [lo, hi) relative to the line start.
    const std::uint64_t lo = line < addr ? addr - line : 0;
    const std::uint64_t hi = end - line >= kCxlLineBytes ? kCxlLineBytes : end - line;
    const std::uint64_t n = hi - lo;
    // n == 64 would shift by 64 (undefined), hence the explicit full mask.
    const std::uint64_t mask = n == kCxlLineBytes ? ~std::uint64_t{0} : ((std::uint64_t{1} << n) - 1) << lo;
    CxlLineAccess a;
    a.line_address = line;
    a.byte_mask = mask;
    a.host_offset = line + lo - addr;
    a.bytes = static_cast<std::uint32_t>(n);
    a.opcode = !is_write ? CxlMemOpcode::kMemRd
                         : (n == kCxlLineBytes ? CxlMemOpcode::kMemWr : CxlMemOpcode::kMemWrPtl);
    out.push_back(a);
    if (line > ~std::uint64_t{0} - kCxlLineBytes) break;  // last line of the address space
  }
}

}  // namespace monde::cxl
