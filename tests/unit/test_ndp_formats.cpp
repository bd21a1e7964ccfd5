// Unit tests of the NDP in-memory formats (tlm/ndp/command/): job descriptor and completion
// entry byte layouts (expected bytes written out by hand from the tables in
// docs/ndp_interface.md), round trips, and the error code values and names.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>
#include <string>

#include "tlm/ndp/command/completion_entry.hpp"
#include "tlm/ndp/command/job_descriptor.hpp"
#include "tlm/ndp/command/ndp_error.hpp"

namespace ndp = monde::ndp;
using ndp::NdpErrorCode;

namespace {

// Every field holds distinct bytes, so a field at the wrong offset or in the wrong byte order
// shows up as a mismatch at a specific position.
ndp::JobDescriptor sample_descriptor() {
  ndp::JobDescriptor d;
  d.opcode = 1;
  d.dtype = 1;
  d.activation = 2;
  d.flags = 0x01;
  d.job_tag = 0xA1B2C3D4u;
  d.d_model = 4096;    // 0x00001000
  d.d_ff = 14336;      // 0x00003800
  d.tokens = 37;       // 0x00000025
  d.w_up = 0x1817161514131211ull;
  d.w_gate = 0x2827262524232221ull;
  d.w_down = 0x3837363534333231ull;
  d.x_addr = 0x4847464544434241ull;
  d.y_addr = 0x5857565554535251ull;
  d.h_scratch_addr = 0x6867666564636261ull;
  return d;
}

TEST(JobDescriptor, EncodesEveryFieldAtItsOffset) {
  std::array<std::uint8_t, 128> want{};
  const std::uint8_t head[72] = {
      0x01, 0x01, 0x02, 0x01,                          //  0 opcode, dtype, activation, flags
      0xD4, 0xC3, 0xB2, 0xA1,                          //  4 job_tag (LE)
      0x00, 0x10, 0x00, 0x00,                          //  8 d_model = 0x1000
      0x00, 0x38, 0x00, 0x00,                          // 12 d_ff = 0x3800
      0x25, 0x00, 0x00, 0x00,                          // 16 tokens = 37
      0x00, 0x00, 0x00, 0x00,                          // 20 group_size 0 (bf16), reserved
      0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,  // 24 w_up
      0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,  // 32 w_gate
      0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38,  // 40 w_down
      0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,  // 48 x
      0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58,  // 56 y
      0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,  // 64 h scratch
  };                                                   // 72..127: no scales (bf16), reserved zero
  for (std::size_t i = 0; i < 72; ++i) want[i] = head[i];
  const auto got = ndp::encode(sample_descriptor());
  EXPECT_EQ(got, want);
  EXPECT_EQ(ndp::decode_job_descriptor(want), sample_descriptor());
}

// An int4 job: dtype 3, group_size 128 at byte 20, the three scale addresses at 72, 80 and 88.
TEST(JobDescriptor, EncodesTheQuantisedFields) {
  ndp::JobDescriptor d = sample_descriptor();
  d.dtype = ndp::kDtypeInt4;
  d.group_size = 128;  // 0x0080
  d.s_up = 0x7877767574737271ull;
  d.s_gate = 0x8887868584838281ull;
  d.s_down = 0x9897969594939291ull;
  const auto b = ndp::encode(d);
  EXPECT_EQ(b[1], 0x03);
  EXPECT_EQ(b[20], 0x80);
  EXPECT_EQ(b[21], 0x00);
  EXPECT_EQ(b[22], 0x00);
  EXPECT_EQ(b[23], 0x00);
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(b[72 + i], 0x71 + i);
    EXPECT_EQ(b[80 + i], 0x81 + i);
    EXPECT_EQ(b[88 + i], 0x91 + i);
  }
  for (std::size_t i = 96; i < 128; ++i) EXPECT_EQ(b[i], 0x00) << i;
  EXPECT_EQ(ndp::decode_job_descriptor(b), d);
  EXPECT_EQ(ndp::weight_encoding(d), (monde::config::WeightEncoding{monde::config::WeightFormat::kInt4, 128}));
  EXPECT_EQ(ndp::weight_format_of_dtype(2), monde::config::WeightFormat::kInt8);
  EXPECT_FALSE(ndp::weight_format_of_dtype(4).has_value());
  EXPECT_EQ(ndp::dtype_of(monde::config::WeightFormat::kInt8), ndp::kDtypeInt8);
}

TEST(JobDescriptor, ReservedBytesSurviveTheRoundTrip) {
  // decode keeps reserved contents so that validate() can reject them.
  std::array<std::uint8_t, 128> bytes{};
  bytes[22] = 0x01;   // reserved_22 bit 0
  bytes[23] = 0x80;   // reserved_22 bit 15
  bytes[96] = 0x5A;   // first tail byte
  bytes[127] = 0xA5;  // last byte
  const ndp::JobDescriptor d = ndp::decode_job_descriptor(bytes);
  EXPECT_EQ(d.reserved_22, 0x8001u);
  EXPECT_EQ(d.reserved_96[0], 0x5A);
  EXPECT_EQ(d.reserved_96[31], 0xA5);
  EXPECT_EQ(ndp::encode(d), bytes);
}

TEST(JobDescriptor, DefaultIsAllZeroBytes) {
  EXPECT_EQ(ndp::encode(ndp::JobDescriptor{}), (std::array<std::uint8_t, 128>{}));
}

ndp::CompletionEntry sample_completion() {
  ndp::CompletionEntry e;
  e.job_tag = 0x0BADF00Du;
  e.sq_head = 0x0123;
  e.status = ndp::CompletionStatus::kError;
  e.error_code = NdpErrorCode::kOverlap;  // 11
  e.phase = true;
  e.dma_bytes_read = 0x0102030405060708ull;
  e.total_cycles = 0x11223344u;
  e.mac_busy_cycles = 0x55667788u;
  e.dma_bytes_written = 0x99AABBCCu;
  return e;
}

TEST(CompletionEntry, EncodesEveryFieldAtItsOffset) {
  const std::array<std::uint8_t, 32> want = {
      0x0D, 0xF0, 0xAD, 0x0B,                          //  0 job_tag
      0x23, 0x01,                                      //  4 sq_head
      0x00, 0x00,                                      //  6 reserved
      0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,  //  8 dma_bytes_read
      0x44, 0x33, 0x22, 0x11,                          // 16 total_cycles
      0x88, 0x77, 0x66, 0x55,                          // 20 mac_busy_cycles
      0xCC, 0xBB, 0xAA, 0x99,                          // 24 dma_bytes_written
      0x0B, 0x00,                                      // 28 error_code = 11
      0x01,                                            // 30 status = error
      0x01,                                            // 31 phase
  };
  EXPECT_EQ(ndp::encode(sample_completion()), want);
  EXPECT_EQ(ndp::decode_completion(want), sample_completion());
}

TEST(CompletionEntry, ThirtyTwoBitCountersSaturate) {
  ndp::CompletionEntry e;
  e.total_cycles = 0x100000000ull;         // 2^32: does not fit, saturates
  e.mac_busy_cycles = 0xFFFFFFFFull;       // fits exactly
  e.dma_bytes_written = 0x123456789ull;    // saturates
  e.dma_bytes_read = 0xFFFFFFFFFFFFFFFFull;  // 64-bit field: kept
  const ndp::CompletionEntry d = ndp::decode_completion(ndp::encode(e));
  EXPECT_EQ(d.total_cycles, 0xFFFFFFFFu);
  EXPECT_EQ(d.mac_busy_cycles, 0xFFFFFFFFu);
  EXPECT_EQ(d.dma_bytes_written, 0xFFFFFFFFu);
  EXPECT_EQ(d.dma_bytes_read, 0xFFFFFFFFFFFFFFFFull);
}

TEST(CompletionEntry, PhaseIsBitZeroOfTheLastByte) {
  std::array<std::uint8_t, 32> bytes{};
  bytes[31] = 0xFE;  // reserved bits set, phase clear: reserved bits are ignored
  EXPECT_FALSE(ndp::decode_completion(bytes).phase);
  bytes[31] = 0x01;
  EXPECT_TRUE(ndp::decode_completion(bytes).phase);
  ndp::CompletionEntry e;
  e.phase = false;
  EXPECT_EQ(ndp::encode(e)[31], 0x00);
}

TEST(CompletionEntry, ErrorCompletionHelper) {
  const ndp::CompletionEntry e = ndp::make_error_completion(7, 3, NdpErrorCode::kZeroDim, true);
  EXPECT_EQ(e.job_tag, 7u);
  EXPECT_EQ(e.sq_head, 3u);
  EXPECT_EQ(e.status, ndp::CompletionStatus::kError);
  EXPECT_EQ(e.error_code, NdpErrorCode::kZeroDim);
  EXPECT_TRUE(e.phase);
  EXPECT_EQ(e.total_cycles, 0u);
}

TEST(NdpErrorCode, StableValuesAndUniqueNames) {
  // The numbers are part of the driver interface (docs/ndp_interface.md, "Error codes").
  struct Row {
    NdpErrorCode code;
    unsigned value;
    const char* name;
  };
  const Row rows[] = {
      {NdpErrorCode::kOk, 0, "ok"},
      {NdpErrorCode::kBadOpcode, 1, "bad_opcode"},
      {NdpErrorCode::kBadDtype, 2, "bad_dtype"},
      {NdpErrorCode::kBadActivation, 3, "bad_activation"},
      {NdpErrorCode::kReservedNonzero, 4, "reserved_nonzero"},
      {NdpErrorCode::kZeroDim, 5, "zero_dim"},
      {NdpErrorCode::kDimTooLarge, 6, "dim_too_large"},
      {NdpErrorCode::kDimMisaligned, 7, "dim_misaligned"},
      {NdpErrorCode::kTokensOverBuffer, 8, "tokens_over_buffer"},
      {NdpErrorCode::kMisalignedAddress, 9, "misaligned_address"},
      {NdpErrorCode::kAddressOutOfRange, 10, "address_out_of_range"},
      {NdpErrorCode::kOverlap, 11, "overlap"},
      {NdpErrorCode::kBadGroupSize, 12, "bad_group_size"},
      {NdpErrorCode::kGroupMisaligned, 13, "group_misaligned"},
      {NdpErrorCode::kBadQueueConfig, 16, "bad_queue_config"},
      {NdpErrorCode::kBadDoorbell, 17, "bad_doorbell"},
      {NdpErrorCode::kDmaPoison, 32, "dma_poison"},
      {NdpErrorCode::kDmaError, 33, "dma_error"},
  };
  std::set<std::string> names;
  for (const Row& r : rows) {
    EXPECT_EQ(static_cast<unsigned>(r.code), r.value) << r.name;
    EXPECT_STREQ(ndp::to_string(r.code), r.name);
    names.insert(ndp::to_string(r.code));
  }
  EXPECT_EQ(names.size(), sizeof rows / sizeof rows[0]);
  EXPECT_STREQ(ndp::to_string(static_cast<NdpErrorCode>(14)), "unknown");
  EXPECT_STREQ(ndp::to_string(static_cast<NdpErrorCode>(0xFFFF)), "unknown");
}

}  // namespace
