// Unit tests of descriptor validation (tlm/ndp/command/job_validation.hpp): every error code
// from a minimal change to a valid descriptor, the boundaries, and the documented check order.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tlm/ndp/command/address_range.hpp"
#include "tlm/ndp/command/job_validation.hpp"
#include "core/config/ndp_limits.hpp"

namespace ndp = monde::ndp;
using ndp::NdpErrorCode;

namespace {

constexpr std::uint64_t kDevice = 0x100000;  // 1 MiB of device memory

// A valid silu_gated job, d_model 64, d_ff 128, 16 tokens. Sizes (bf16):
//   w_up, w_gate, w_down: 128*64*2 = 0x4000;  x, y: 16*64*2 = 0x800;  h: 16*128*2 = 0x1000.
// Layout: w_up 0x10000, w_gate 0x14000, w_down 0x18000, x 0x1C000, y 0x1D000, h 0x1E000
// (h ends at 0x1F000). Rings (protected): SQ 0x0 + 16*128 = 0x800, CQ 0x800 + 16*32 = 0x200.
ndp::JobDescriptor valid_job() {
  ndp::JobDescriptor d;
  d.opcode = ndp::kOpcodeExpertFfn;
  d.dtype = ndp::kDtypeBf16;
  d.activation = ndp::kActivationSiluGated;
  d.job_tag = 42;
  d.d_model = 64;
  d.d_ff = 128;
  d.tokens = 16;
  d.w_up = 0x10000;
  d.w_gate = 0x14000;
  d.w_down = 0x18000;
  d.x_addr = 0x1C000;
  d.y_addr = 0x1D000;
  d.h_scratch_addr = 0x1E000;
  return d;
}

const std::vector<ndp::AddressRange> kRings = {{0x0, 0x800}, {0x800, 0x200}};

NdpErrorCode check(const ndp::JobDescriptor& d, const monde::config::NdpLimits& lim = {}) {
  return ndp::validate(d, lim, kDevice, kRings);
}

TEST(Validation, BaseDescriptorIsValid) {
  EXPECT_EQ(check(valid_job()), NdpErrorCode::kOk);
  ndp::JobDescriptor relu = valid_job();
  relu.activation = ndp::kActivationRelu;
  relu.w_gate = 0;
  EXPECT_EQ(check(relu), NdpErrorCode::kOk);
}

struct Mutation {
  const char* what;
  std::function<void(ndp::JobDescriptor&)> apply;
  NdpErrorCode want;
};

TEST(Validation, EachErrorFromOneChange) {
  using J = ndp::JobDescriptor;
  const Mutation table[] = {
      {"opcode 0", [](J& d) { d.opcode = 0; }, NdpErrorCode::kBadOpcode},
      {"opcode 2", [](J& d) { d.opcode = 2; }, NdpErrorCode::kBadOpcode},
      {"dtype 0", [](J& d) { d.dtype = 0; }, NdpErrorCode::kBadDtype},
      {"dtype 4", [](J& d) { d.dtype = 4; }, NdpErrorCode::kBadDtype},
      {"activation 0", [](J& d) { d.activation = 0; }, NdpErrorCode::kBadActivation},
      {"activation 3", [](J& d) { d.activation = 3; }, NdpErrorCode::kBadActivation},
      {"reserved_22", [](J& d) { d.reserved_22 = 1; }, NdpErrorCode::kReservedNonzero},
      {"reserved_96 first", [](J& d) { d.reserved_96[0] = 1; }, NdpErrorCode::kReservedNonzero},
      {"reserved_96 last", [](J& d) { d.reserved_96[31] = 0x80; }, NdpErrorCode::kReservedNonzero},
      {"bf16 with a scale address", [](J& d) { d.s_down = 0x40000; }, NdpErrorCode::kReservedNonzero},
      {"bf16 with a group size", [](J& d) { d.group_size = 32; }, NdpErrorCode::kBadGroupSize},
      {"undefined flag", [](J& d) { d.flags = 0x02; }, NdpErrorCode::kReservedNonzero},
      {"relu with w_gate",
       [](J& d) { d.activation = ndp::kActivationRelu; },  // w_gate stays 0x14000
       NdpErrorCode::kReservedNonzero},
      {"d_model 0", [](J& d) { d.d_model = 0; }, NdpErrorCode::kZeroDim},
      {"d_ff 0", [](J& d) { d.d_ff = 0; }, NdpErrorCode::kZeroDim},
      {"tokens 0", [](J& d) { d.tokens = 0; }, NdpErrorCode::kZeroDim},
      {"d_model > max", [](J& d) { d.d_model = 16384 + 32; }, NdpErrorCode::kDimTooLarge},
      {"d_ff > max", [](J& d) { d.d_ff = 65536 + 32; }, NdpErrorCode::kDimTooLarge},
      {"tokens > max", [](J& d) { d.tokens = 4097; }, NdpErrorCode::kDimTooLarge},
      {"d_model 48", [](J& d) { d.d_model = 48; }, NdpErrorCode::kDimMisaligned},
      {"d_ff 144", [](J& d) { d.d_ff = 144; }, NdpErrorCode::kDimMisaligned},
      // 2 MiB / (16384 * 2) = 64 tokens fit at d_model 16384.
      {"tokens over buffer",
       [](J& d) {
         d.d_model = 16384;
         d.tokens = 65;
       },
       NdpErrorCode::kTokensOverBuffer},
      {"w_up 32-aligned", [](J& d) { d.w_up += 32; }, NdpErrorCode::kMisalignedAddress},
      {"w_gate +1", [](J& d) { d.w_gate += 1; }, NdpErrorCode::kMisalignedAddress},
      {"w_down +8", [](J& d) { d.w_down += 8; }, NdpErrorCode::kMisalignedAddress},
      {"x +2", [](J& d) { d.x_addr += 2; }, NdpErrorCode::kMisalignedAddress},
      {"y +16", [](J& d) { d.y_addr += 16; }, NdpErrorCode::kMisalignedAddress},
      {"h +4", [](J& d) { d.h_scratch_addr += 4; }, NdpErrorCode::kMisalignedAddress},
      {"h past the end",
       [](J& d) { d.h_scratch_addr = kDevice - 0x1000 + 64; },
       NdpErrorCode::kAddressOutOfRange},
      {"w_up beyond device", [](J& d) { d.w_up = kDevice; }, NdpErrorCode::kAddressOutOfRange},
      {"w_gate near 2^64 (no wrap)",
       [](J& d) { d.w_gate = 0xFFFFFFFFFFFFFFC0ull; },
       NdpErrorCode::kAddressOutOfRange},
      {"x straddles end", [](J& d) { d.x_addr = kDevice - 0x400; }, NdpErrorCode::kAddressOutOfRange},
      {"y on x", [](J& d) { d.y_addr = d.x_addr; }, NdpErrorCode::kOverlap},
      {"y on h", [](J& d) { d.y_addr = d.h_scratch_addr + 0x800; }, NdpErrorCode::kOverlap},
      {"h on last line of w_down",
       [](J& d) { d.h_scratch_addr = 0x18000 + 0x4000 - 64; },
       NdpErrorCode::kOverlap},
      {"y on w_up", [](J& d) { d.y_addr = 0x10000 + 0x3000; }, NdpErrorCode::kOverlap},
      {"h on w_gate", [](J& d) { d.h_scratch_addr = 0x14000; }, NdpErrorCode::kOverlap},
      {"y on SQ ring", [](J& d) { d.y_addr = 0x400; }, NdpErrorCode::kOverlap},
      {"h on CQ ring", [](J& d) { d.h_scratch_addr = 0x800; }, NdpErrorCode::kOverlap},
  };
  for (const Mutation& m : table) {
    ndp::JobDescriptor d = valid_job();
    m.apply(d);
    EXPECT_EQ(check(d), m.want) << m.what << ": got " << ndp::to_string(check(d));
  }
}

TEST(Validation, BoundariesThatAreValid) {
  using J = ndp::JobDescriptor;
  const Mutation table[] = {
      {"h ends exactly at device end",
       [](J& d) { d.h_scratch_addr = kDevice - 0x1000; }, NdpErrorCode::kOk},
      {"y adjacent after x", [](J& d) { d.y_addr = 0x1C800; }, NdpErrorCode::kOk},
      {"y adjacent after the CQ ring (ends at 0xA00)",
       [](J& d) { d.y_addr = 0xA00; }, NdpErrorCode::kOk},
      {"inputs overlap each other (read-only)",
       [](J& d) { d.x_addr = d.w_up; }, NdpErrorCode::kOk},
      {"w_gate aliases w_up", [](J& d) { d.w_gate = d.w_up; }, NdpErrorCode::kOk},
      {"d_model, d_ff at max and aligned",
       [](J& d) {
         d.d_model = 16384;
         d.d_ff = 65536;
         d.tokens = 1;
       },
       // Validation reaches the address checks: w_up is 2 GiB, far beyond 1 MiB.
       NdpErrorCode::kAddressOutOfRange},
      {"flag NO_IRQ", [](J& d) { d.flags = ndp::kJobFlagNoIrq; }, NdpErrorCode::kOk},
  };
  for (const Mutation& m : table) {
    ndp::JobDescriptor d = valid_job();
    m.apply(d);
    EXPECT_EQ(check(d), m.want) << m.what << ": got " << ndp::to_string(check(d));
  }
}

TEST(Validation, TokensFillTheBufferExactly) {
  // The buffer holds x (T x 64) first and h (T x d_ff = T x 128) second, so h decides:
  // 16 tokens x 128 x 2 bytes = 4096 bytes fit exactly, 17 do not.
  monde::config::NdpLimits lim;
  lim.act_buffer_bytes = 4096;
  EXPECT_EQ(lim.max_tokens_for(128), 16u);
  ndp::JobDescriptor d = valid_job();
  EXPECT_EQ(check(d, lim), NdpErrorCode::kOk);
  d.tokens = 17;
  EXPECT_EQ(check(d, lim), NdpErrorCode::kTokensOverBuffer);
  // With d_ff below d_model, x decides: 4096 / (128 x 2) = 16 tokens (same tensor sizes as above).
  d.d_model = 128;
  d.d_ff = 64;
  d.tokens = 16;
  EXPECT_EQ(check(d, lim), NdpErrorCode::kOk);
  d.tokens = 17;
  EXPECT_EQ(check(d, lim), NdpErrorCode::kTokensOverBuffer);
}

TEST(Validation, RingsOnlyProtectedWhenGiven) {
  ndp::JobDescriptor d = valid_job();
  d.y_addr = 0x400;  // inside the SQ ring of kRings
  EXPECT_EQ(ndp::validate(d, {}, kDevice), NdpErrorCode::kOk);
  EXPECT_EQ(ndp::validate(d, {}, kDevice, kRings), NdpErrorCode::kOverlap);
}

TEST(Validation, FirstFailureInDocumentedOrderWins) {
  using J = ndp::JobDescriptor;
  // Each case breaks two checks; the earlier one in the documented order must be reported.
  const Mutation table[] = {
      {"opcode before dtype",
       [](J& d) { d.opcode = 9; d.dtype = 9; }, NdpErrorCode::kBadOpcode},
      {"dtype before activation",
       [](J& d) { d.dtype = 9; d.activation = 9; }, NdpErrorCode::kBadDtype},
      {"activation before reserved",
       [](J& d) { d.activation = 9; d.reserved_22 = 1; }, NdpErrorCode::kBadActivation},
      {"reserved before group size",
       [](J& d) { d.reserved_96[3] = 1; d.group_size = 7; }, NdpErrorCode::kReservedNonzero},
      {"group size before zero dim",
       [](J& d) { d.group_size = 7; d.tokens = 0; }, NdpErrorCode::kBadGroupSize},
      {"reserved before zero dim",
       [](J& d) { d.reserved_96[3] = 1; d.tokens = 0; }, NdpErrorCode::kReservedNonzero},
      {"zero dim before too large",
       [](J& d) { d.d_model = 0; d.d_ff = 1u << 30; }, NdpErrorCode::kZeroDim},
      {"too large before misaligned",
       [](J& d) { d.d_model = 16400; }, NdpErrorCode::kDimTooLarge},  // > 16384 and 16400 % 32 = 16
      {"misaligned dim before buffer",
       [](J& d) { d.d_ff = 100; d.d_model = 16384; d.tokens = 4000; }, NdpErrorCode::kDimMisaligned},
      {"buffer before address alignment",
       [](J& d) { d.d_model = 16384; d.tokens = 100; d.x_addr += 1; }, NdpErrorCode::kTokensOverBuffer},
      {"alignment before bounds",
       [](J& d) { d.y_addr = kDevice * 4 + 8; }, NdpErrorCode::kMisalignedAddress},
      {"write alignment before read bounds",
       [](J& d) { d.w_up = kDevice; d.h_scratch_addr += 64 + 4; }, NdpErrorCode::kMisalignedAddress},
      {"bounds before overlap",
       [](J& d) { d.y_addr = d.x_addr; d.h_scratch_addr = kDevice; }, NdpErrorCode::kAddressOutOfRange},
  };
  for (const Mutation& m : table) {
    ndp::JobDescriptor d = valid_job();
    m.apply(d);
    EXPECT_EQ(check(d), m.want) << m.what << ": got " << ndp::to_string(check(d));
  }
}

// The same job with int4 weights, G = 32. Sizes: w_up, w_gate, w_down 128 x 64 / 2 = 0x1000 B;
// scales: s_up, s_gate [128 x 64/32] and s_down [64 x 128/32] bf16 = 0x200 B each. The weights
// keep their addresses (now 0x1000 of each 0x4000 slot is used); the scales go at 0x20000,
// 0x20200 and 0x20400 (past h, which ends at 0x1F000).
ndp::JobDescriptor valid_int4_job() {
  ndp::JobDescriptor d = valid_job();
  d.dtype = ndp::kDtypeInt4;
  d.group_size = 32;
  d.s_up = 0x20000;
  d.s_gate = 0x20200;
  d.s_down = 0x20400;
  return d;
}

TEST(Validation, QuantisedDescriptorsAreValid) {
  EXPECT_EQ(check(valid_int4_job()), NdpErrorCode::kOk);
  ndp::JobDescriptor d = valid_int4_job();
  d.dtype = ndp::kDtypeInt8;
  EXPECT_EQ(check(d), NdpErrorCode::kOk);
  d.group_size = 64;
  EXPECT_EQ(check(d), NdpErrorCode::kOk);  // d_model 64 and d_ff 128 are whole groups of 64
  ndp::JobDescriptor relu = valid_int4_job();
  relu.activation = ndp::kActivationRelu;
  relu.w_gate = 0;
  relu.s_gate = 0;
  EXPECT_EQ(check(relu), NdpErrorCode::kOk);
  // The scale tensors are adjacent, each exactly 0x200 long: s_gate may start where s_up ends.
  const ndp::JobRegions r = ndp::job_regions(valid_int4_job());
  EXPECT_EQ(r.w_up.bytes, 0x1000u);   // 128 x 64 x 4 bits
  EXPECT_EQ(r.w_down.bytes, 0x1000u);
  EXPECT_EQ(r.s_up.bytes, 0x200u);    // 128 x (64 / 32) x 2
  EXPECT_EQ(r.s_gate.bytes, 0x200u);
  EXPECT_EQ(r.s_down.bytes, 0x200u);  // 64 x (128 / 32) x 2
  ndp::JobDescriptor i8 = valid_int4_job();
  i8.dtype = ndp::kDtypeInt8;
  i8.group_size = 128;
  EXPECT_EQ(ndp::job_regions(i8).w_up.bytes, 0x2000u);  // one byte per weight
  EXPECT_EQ(ndp::job_regions(i8).s_up.bytes, 0x0u);     // 64 / 128 groups: none whole (validate refuses)
}

TEST(Validation, QuantisedErrorsFromOneChange) {
  using J = ndp::JobDescriptor;
  const Mutation table[] = {
      {"int4 group 0", [](J& d) { d.group_size = 0; }, NdpErrorCode::kBadGroupSize},
      {"int4 group 16", [](J& d) { d.group_size = 16; }, NdpErrorCode::kBadGroupSize},
      {"int8 group 256", [](J& d) { d.dtype = ndp::kDtypeInt8; d.group_size = 256; }, NdpErrorCode::kBadGroupSize},
      {"int4 group 48", [](J& d) { d.group_size = 48; }, NdpErrorCode::kBadGroupSize},
      // d_model 64 is not a multiple of 128: a group would span two rows.
      {"group 128 over d_model 64", [](J& d) { d.group_size = 128; }, NdpErrorCode::kGroupMisaligned},
      {"group 64 over d_ff 160",
       [](J& d) {
         d.group_size = 64;
         d.d_ff = 160;
       },
       NdpErrorCode::kGroupMisaligned},
      {"relu with s_gate",
       [](J& d) {
         d.activation = ndp::kActivationRelu;
         d.w_gate = 0;
       },
       NdpErrorCode::kReservedNonzero},
      {"s_up +2", [](J& d) { d.s_up += 2; }, NdpErrorCode::kMisalignedAddress},
      {"s_down beyond device", [](J& d) { d.s_down = kDevice - 0x100; }, NdpErrorCode::kAddressOutOfRange},
      {"y on s_up", [](J& d) { d.y_addr = d.s_up; }, NdpErrorCode::kOverlap},
      {"h on the last line of s_gate", [](J& d) { d.h_scratch_addr = d.s_gate + 0x200 - 64; }, NdpErrorCode::kOverlap},
  };
  for (const Mutation& m : table) {
    ndp::JobDescriptor d = valid_int4_job();
    m.apply(d);
    EXPECT_EQ(check(d), m.want) << m.what << ": got " << ndp::to_string(check(d));
  }
  // Quantised weights shrink the regions: y may sit in the unused tail of w_up's old bf16 slot.
  ndp::JobDescriptor d = valid_int4_job();
  d.y_addr = d.w_up + 0x1000;
  EXPECT_EQ(check(d), NdpErrorCode::kOk);
  d.y_addr = d.w_up + 0x1000 - 64;
  EXPECT_EQ(check(d), NdpErrorCode::kOverlap);
}

TEST(AddressRange, OverlapAndBounds) {
  const ndp::AddressRange a{0x100, 0x100};  // [0x100, 0x200)
  EXPECT_TRUE(a.overlaps({0x1FF, 1}));
  EXPECT_FALSE(a.overlaps({0x200, 1}));  // adjacent after
  EXPECT_FALSE(a.overlaps({0x0, 0x100}));  // adjacent before
  EXPECT_TRUE(a.overlaps({0x0, 0x101}));
  EXPECT_TRUE(a.overlaps({0x140, 0x10}));  // inside
  EXPECT_TRUE(ndp::AddressRange({0x0, 0x1000}).overlaps(a));  // contains
  EXPECT_FALSE(a.overlaps({0x180, 0}));  // empty overlaps nothing
  EXPECT_TRUE(a.within(0x200));
  EXPECT_FALSE(a.within(0x1FF));
  // Near 2^64: base + bytes would wrap; within() must still say no.
  EXPECT_FALSE(ndp::AddressRange({0xFFFFFFFFFFFFFF00ull, 0x200}).within(0xFFFFFFFFFFFFFFFFull));
  EXPECT_TRUE(ndp::AddressRange({0xFFFFFFFFFFFFFF00ull, 0x200})
                  .overlaps({0xFFFFFFFFFFFFFFF0ull, 0x10}));
}

TEST(JobRegions, SizesFromDimensions) {
  const ndp::JobRegions r = ndp::job_regions(valid_job());
  EXPECT_EQ(r.w_up.bytes, 0x4000u);  // 128 * 64 * 2
  EXPECT_EQ(r.w_gate.bytes, 0x4000u);
  EXPECT_EQ(r.w_down.bytes, 0x4000u);
  EXPECT_EQ(r.x.bytes, 0x800u);      // 16 * 64 * 2
  EXPECT_EQ(r.y.bytes, 0x800u);
  EXPECT_EQ(r.h.bytes, 0x1000u);     // 16 * 128 * 2
  EXPECT_EQ(r.h.base, 0x1E000u);
  ndp::JobDescriptor relu = valid_job();
  relu.activation = ndp::kActivationRelu;
  EXPECT_EQ(ndp::job_regions(relu).w_gate.bytes, 0u);  // unused: empty
  ndp::JobDescriptor huge = valid_job();
  huge.d_model = 0xFFFFFFFFu;
  huge.d_ff = 0xFFFFFFFFu;
  EXPECT_EQ(ndp::job_regions(huge).w_up.bytes, 0xFFFFFFFFFFFFFFFFull);  // saturated, not wrapped
}

}  // namespace
