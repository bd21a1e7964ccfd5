// CXL.mem messages: opcode tables, message checks, counters as JSON, and the split of host
// accesses into 64-byte CXL.mem transactions.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tlm/cxl/cxl_mem_message.hpp"

namespace monde::cxl {
namespace {

TEST(CxlMessage, OpcodeTables) {
  EXPECT_EQ(msg_class_of(CxlMemOpcode::kMemRd), CxlMsgClass::kM2SReq);
  EXPECT_EQ(msg_class_of(CxlMemOpcode::kMemWrPtl), CxlMsgClass::kM2SRwD);
  EXPECT_EQ(msg_class_of(CxlMemOpcode::kCmpE), CxlMsgClass::kS2MNdr);
  EXPECT_EQ(msg_class_of(CxlMemOpcode::kMemDataNxm), CxlMsgClass::kS2MDrs);
  // Spec encodings: M2S Req MemRd 0001b, MemSpecRd 1000b, MemClnEvct 1010b; RwD MemWr 0001b,
  // MemWrPtl 0010b, BIConflict 0100b; NDR Cmp-E 010b, BI-ConflictAck 100b; DRS MemData-NXM 001b.
  EXPECT_EQ(spec_encoding(CxlMemOpcode::kMemRd), 0x1);
  EXPECT_EQ(spec_encoding(CxlMemOpcode::kMemSpecRd), 0x8);
  EXPECT_EQ(spec_encoding(CxlMemOpcode::kMemClnEvct), 0xA);
  EXPECT_EQ(spec_encoding(CxlMemOpcode::kMemWr), 0x1);
  EXPECT_EQ(spec_encoding(CxlMemOpcode::kMemWrPtl), 0x2);
  EXPECT_EQ(spec_encoding(CxlMemOpcode::kBIConflict), 0x4);
  EXPECT_EQ(spec_encoding(CxlMemOpcode::kCmpE), 0x2);
  EXPECT_EQ(spec_encoding(CxlMemOpcode::kBIConflictAck), 0x4);
  EXPECT_EQ(spec_encoding(CxlMemOpcode::kMemDataNxm), 0x1);
  EXPECT_STREQ(to_string(CxlMemOpcode::kCmpS), "Cmp-S");
  EXPECT_STREQ(to_string(CxlMemOpcode::kMemDataNxm), "MemData-NXM");
  EXPECT_STREQ(to_string(CxlMemOpcode::kBIConflictAck), "BI-ConflictAck");
  EXPECT_STREQ(to_string(CxlMsgClass::kM2SRwD), "M2S RwD");
  EXPECT_STREQ(json_key(CxlMemOpcode::kMemInvNT), "mem_inv_nt");
  EXPECT_STREQ(json_key(CxlMsgClass::kS2MDrs), "s2m_drs");
}

TEST(CxlMessage, CheckFindsInconsistentFields) {
  auto m = make_message(CxlMemOpcode::kMemRd, 7, 0x1000);
  EXPECT_EQ(m.msg_class, CxlMsgClass::kM2SReq);
  EXPECT_EQ(m.check(), "");
  m.address = 0x1008;
  EXPECT_EQ(m.check(), "MemRd (M2S Req): address is not 64-byte aligned (Address[51:6])");
  m.address = 1ull << 52;
  EXPECT_EQ(m.check(), "MemRd (M2S Req): address exceeds 52 bits");
  m.address = 0x1000;
  m.ld_id = 16;
  EXPECT_EQ(m.check(), "MemRd (M2S Req): LD-ID 16 does not fit in 4 bits");
  m.ld_id = 0;
  m.msg_class = CxlMsgClass::kM2SRwD;
  EXPECT_EQ(m.check(), "MemRd (M2S RwD): opcode belongs to class M2S Req");
  auto w = make_message(CxlMemOpcode::kMemWr, 1, 0x40);
  w.byte_enable = 0xFF;
  EXPECT_EQ(w.check(), "MemWr (M2S RwD): only MemWrPtl carries byte enables");
  auto p = make_message(CxlMemOpcode::kMemWrPtl, 1, 0x40);
  p.byte_enable = 0xFF;
  EXPECT_EQ(p.check(), "");
  p.byte_enable = 0;
  EXPECT_EQ(p.check(), "MemWrPtl (M2S RwD): empty byte enable");
}

TEST(CxlMessage, CountersByClassAndOpcode) {
  CxlMessageCounters c;
  c.count(CxlMemOpcode::kMemRd);
  c.count(CxlMemOpcode::kMemRd);
  c.count(make_message(CxlMemOpcode::kMemData, 0));
  c.count(CxlMemOpcode::kMemWrPtl);
  c.count(CxlMemOpcode::kCmp);
  EXPECT_EQ(c.by_class(CxlMsgClass::kM2SReq), 2u);
  EXPECT_EQ(c.by_class(CxlMsgClass::kM2SRwD), 1u);
  EXPECT_EQ(c.by_class(CxlMsgClass::kS2MNdr), 1u);
  EXPECT_EQ(c.by_class(CxlMsgClass::kS2MDrs), 1u);
  EXPECT_EQ(c.by_opcode(CxlMemOpcode::kMemRd), 2u);
  EXPECT_EQ(c.total(), 5u);
  CxlMessageCounters d;
  d.count(CxlMemOpcode::kMemRd);
  d += c;
  EXPECT_EQ(d.by_opcode(CxlMemOpcode::kMemRd), 3u);
  EXPECT_EQ(d.total(), 6u);

  const auto j = c.to_json();
  EXPECT_EQ(j["total_messages"], 5);
  EXPECT_EQ(j["m2s_req"]["messages"], 2);
  EXPECT_EQ(j["m2s_req"]["by_opcode"]["mem_rd"], 2);
  EXPECT_EQ(j["m2s_req"]["by_opcode"]["mem_spec_rd"], 0);  // zeros are present
  EXPECT_EQ(j["m2s_req"]["by_opcode"].size(), 8u);
  EXPECT_EQ(j["m2s_rwd"]["by_opcode"]["mem_wr_ptl"], 1);
  EXPECT_EQ(j["m2s_rwd"]["by_opcode"].size(), 3u);
  EXPECT_EQ(j["s2m_ndr"]["by_opcode"]["cmp"], 1);
  EXPECT_EQ(j["s2m_ndr"]["by_opcode"].size(), 4u);
  EXPECT_EQ(j["s2m_drs"]["by_opcode"]["mem_data"], 1);
  EXPECT_EQ(j["s2m_drs"]["by_opcode"].size(), 2u);
  EXPECT_FALSE(j["m2s_req"]["by_opcode"].contains("mem_wr"));  // opcodes sit under their class
}

constexpr std::uint64_t kAll = ~std::uint64_t{0};

TEST(CxlSplit, AlignedReadOfTwoLines) {
  // [0x1000, 0x1080): two full lines -> MemRd 0x1000, MemRd 0x1040.
  const auto v = split_host_access(0x1000, 128, false);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].opcode, CxlMemOpcode::kMemRd);
  EXPECT_EQ(v[0].line_address, 0x1000u);
  EXPECT_EQ(v[0].byte_mask, kAll);
  EXPECT_EQ(v[0].host_offset, 0u);
  EXPECT_EQ(v[0].bytes, 64u);
  EXPECT_EQ(v[1].opcode, CxlMemOpcode::kMemRd);
  EXPECT_EQ(v[1].line_address, 0x1040u);
  EXPECT_EQ(v[1].host_offset, 64u);
}

TEST(CxlSplit, UnalignedWriteBecomesTwoPartialWrites) {
  // [0x1010, 0x1074), 100 bytes: line 0x1000 bytes 16..63 (48 bytes) -> mask bits 16..63 =
  // 0xFFFF_FFFF_FFFF_0000; line 0x1040 bytes 0..51 (52 bytes) -> mask (1 << 52) - 1 =
  // 0x000F_FFFF_FFFF_FFFF. Neither line is whole, so both are MemWrPtl.
  const auto v = split_host_access(0x1010, 100, true);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].opcode, CxlMemOpcode::kMemWrPtl);
  EXPECT_EQ(v[0].line_address, 0x1000u);
  EXPECT_EQ(v[0].byte_mask, 0xFFFF'FFFF'FFFF'0000u);
  EXPECT_EQ(v[0].bytes, 48u);
  EXPECT_EQ(v[0].host_offset, 0u);
  EXPECT_EQ(v[1].opcode, CxlMemOpcode::kMemWrPtl);
  EXPECT_EQ(v[1].line_address, 0x1040u);
  EXPECT_EQ(v[1].byte_mask, 0x000F'FFFF'FFFF'FFFFu);
  EXPECT_EQ(v[1].bytes, 52u);
  EXPECT_EQ(v[1].host_offset, 48u);
}

TEST(CxlSplit, UnalignedReadStillReadsFullLines) {
  const auto v = split_host_access(0x1010, 100, false);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].opcode, CxlMemOpcode::kMemRd);
  EXPECT_EQ(v[1].opcode, CxlMemOpcode::kMemRd);
  EXPECT_EQ(v[0].byte_mask, 0xFFFF'FFFF'FFFF'0000u);  // the bytes the host keeps
  EXPECT_EQ(v[1].byte_mask, 0x000F'FFFF'FFFF'FFFFu);
}

TEST(CxlSplit, WriteWithFullMiddleLine) {
  // [0x1020, 0x10A0): half line, whole line, half line -> MemWrPtl, MemWr, MemWrPtl.
  const auto v = split_host_access(0x1020, 128, true);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].opcode, CxlMemOpcode::kMemWrPtl);
  EXPECT_EQ(v[0].byte_mask, 0xFFFF'FFFF'0000'0000u);
  EXPECT_EQ(v[1].opcode, CxlMemOpcode::kMemWr);
  EXPECT_EQ(v[1].byte_mask, kAll);
  EXPECT_EQ(v[1].host_offset, 32u);
  EXPECT_EQ(v[2].opcode, CxlMemOpcode::kMemWrPtl);
  EXPECT_EQ(v[2].byte_mask, 0x0000'0000'FFFF'FFFFu);
  EXPECT_EQ(v[2].host_offset, 96u);
}

TEST(CxlSplit, EdgeCases) {
  EXPECT_TRUE(split_host_access(0x1000, 0, true).empty());
  const auto one = split_host_access(0x103F, 1, true);  // last byte of a line
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].line_address, 0x1000u);
  EXPECT_EQ(one[0].byte_mask, 1ull << 63);
  EXPECT_EQ(one[0].opcode, CxlMemOpcode::kMemWrPtl);
  // The last line of the address space terminates (no wrap to line 0).
  const auto top = split_host_access(~std::uint64_t{0} - 63, 63, true);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].byte_mask, (1ull << 63) - 1);
  EXPECT_THROW(split_host_access(~std::uint64_t{0} - 63, 64, false), std::invalid_argument);
}

TEST(CxlSplit, AppendingFormKeepsWhatIsThere) {
  // The link reuses one vector per pooled host job: the appending form leaves earlier entries
  // alone and appends exactly what the returning form gives ([0x1020, 0x10A0): three lines).
  std::vector<CxlLineAccess> out = split_host_access(0x2000, 64, false);  // one MemRd at 0x2000
  split_host_access(0x1020, 128, true, out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].line_address, 0x2000u);
  EXPECT_EQ(out[0].opcode, CxlMemOpcode::kMemRd);
  const auto fresh = split_host_access(0x1020, 128, true);
  for (std::size_t i = 0; i < fresh.size(); ++i) {
    EXPECT_EQ(out[i + 1].line_address, fresh[i].line_address);
    EXPECT_EQ(out[i + 1].byte_mask, fresh[i].byte_mask);
    EXPECT_EQ(out[i + 1].host_offset, fresh[i].host_offset);
    EXPECT_EQ(out[i + 1].opcode, fresh[i].opcode);
  }
  split_host_access(0x3000, 0, true, out);  // nothing to append
  EXPECT_EQ(out.size(), 4u);
}

}  // namespace
}  // namespace monde::cxl
