// Unit tests of the NDP register block (tlm/ndp/command/ndp_register_file.hpp) and the ring
// index arithmetic (ring_index.hpp): reset values, RO / RW / W1C behaviour, bad offsets,
// enable checks, doorbells, and a submission/completion walk around size-4 rings.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "tlm/ndp/command/ndp_error.hpp"
#include "tlm/ndp/command/ndp_register_file.hpp"
#include "tlm/ndp/command/ndp_registers.hpp"
#include "tlm/ndp/command/ring_index.hpp"

namespace ndp = monde::ndp;
using ndp::RegAccess;
using ndp::RegEvent;
namespace reg = monde::ndp::reg;

namespace {

constexpr std::uint64_t kDevice = 0x200000000ull;  // 8 GiB
constexpr std::uint64_t kSqBase = 0x100001000ull;
constexpr std::uint64_t kCqBase = 0x100002000ull;

class Regs : public ::testing::Test {
 protected:
  Regs() : rf_({4, 16, 16, kDevice}) {
    rf_.set_listener([this](RegEvent e) { events_.push_back(e); });
  }

  std::uint32_t rd(std::uint32_t off) {
    std::uint32_t v = 0xDEADBEEFu;
    EXPECT_EQ(rf_.read32(off, v), RegAccess::kOk) << "offset " << off;
    return v;
  }
  RegAccess wr(std::uint32_t off, std::uint32_t v) { return rf_.write32(off, v); }

  // Rings of `size` entries at kSqBase / kCqBase.
  void program_rings(std::uint32_t sq_size, std::uint32_t cq_size) {
    EXPECT_EQ(wr(reg::kSqBaseLo, static_cast<std::uint32_t>(kSqBase)), RegAccess::kOk);
    EXPECT_EQ(wr(reg::kSqBaseHi, static_cast<std::uint32_t>(kSqBase >> 32)), RegAccess::kOk);
    EXPECT_EQ(wr(reg::kSqSize, sq_size), RegAccess::kOk);
    EXPECT_EQ(wr(reg::kCqBaseLo, static_cast<std::uint32_t>(kCqBase)), RegAccess::kOk);
    EXPECT_EQ(wr(reg::kCqBaseHi, static_cast<std::uint32_t>(kCqBase >> 32)), RegAccess::kOk);
    EXPECT_EQ(wr(reg::kCqSize, cq_size), RegAccess::kOk);
  }
  void enable(std::uint32_t extra = 0) {
    ASSERT_EQ(wr(reg::kControl, ndp::kControlEnable | extra), RegAccess::kOk);
    ASSERT_TRUE(rf_.enabled());
  }

  ndp::NdpRegisterFile rf_;
  std::vector<RegEvent> events_;
};

TEST_F(Regs, ResetValues) {
  EXPECT_EQ(rd(reg::kId), 0x45444E4Du);  // bytes 'M' 'N' 'D' 'E' in little-endian order
  // CAP: version 2 [7:0], units 4 [15:8], rows 16 [23:16], cols 16 [31:24] -> 0x10100402.
  EXPECT_EQ(rd(reg::kCap), 0x10100402u);
  for (std::uint32_t off = reg::kStatus; off < reg::kBlockBytes; off += 4) {
    EXPECT_EQ(rd(off), 0u) << "offset 0x" << std::hex << off;
  }
  EXPECT_FALSE(rf_.enabled());
  EXPECT_TRUE(rf_.cq_phase());  // the first pass writes phase 1 into zeroed memory
  EXPECT_FALSE(rf_.irq_pending());
}

TEST_F(Regs, CapFieldsMustFitEightBits) {
  EXPECT_THROW(ndp::NdpRegisterFile({256, 16, 16, kDevice}), std::invalid_argument);
  EXPECT_THROW(ndp::NdpRegisterFile({4, 0, 16, kDevice}), std::invalid_argument);
  ndp::NdpRegisterFile rf({255, 1, 255, kDevice});
  std::uint32_t v = 0;
  ASSERT_EQ(rf.read32(reg::kCap, v), RegAccess::kOk);
  EXPECT_EQ(v, 0xFF01FF02u);  // cols 255, rows 1, units 255, version 2
}

TEST_F(Regs, BadOffsetsAreAddressErrors) {
  for (std::uint32_t off : {0x40u, 0x44u, 0x1000u, 0xFFFFFFFCu, 0x01u, 0x02u, 0x0Fu, 0x3Fu}) {
    std::uint32_t v = 0x1234u;
    EXPECT_EQ(rf_.read32(off, v), RegAccess::kAddressError) << off;
    EXPECT_EQ(v, 0x1234u);  // untouched
    EXPECT_EQ(wr(off, 0xFFFFFFFFu), RegAccess::kAddressError) << off;
  }
  EXPECT_EQ(rf_.ignored_writes(), 0u);  // address errors are not "ignored writes"
  EXPECT_EQ(rd(reg::kControl), 0u);     // and changed nothing
}

TEST_F(Regs, ReadOnlyWritesAreIgnoredAndCounted) {
  for (std::uint32_t off : {reg::kId, reg::kCap, reg::kStatus, reg::kSqHead, reg::kCqTail}) {
    EXPECT_EQ(wr(off, 0xFFFFFFFFu), RegAccess::kIgnored) << off;
  }
  EXPECT_EQ(rf_.ignored_writes(), 5u);
  EXPECT_EQ(rd(reg::kId), 0x45444E4Du);
  EXPECT_EQ(rd(reg::kCap), 0x10100402u);
  EXPECT_EQ(rd(reg::kStatus), 0u);
  EXPECT_EQ(rd(reg::kSqHead), 0u);
  EXPECT_EQ(rd(reg::kCqTail), 0u);
  EXPECT_TRUE(events_.empty());
}

TEST_F(Regs, RingGeometryReadsBackAndFreezesWhileEnabled) {
  program_rings(4, 8);
  EXPECT_EQ(rd(reg::kSqBaseLo), 0x00001000u);
  EXPECT_EQ(rd(reg::kSqBaseHi), 0x00000001u);
  EXPECT_EQ(rd(reg::kCqSize), 8u);
  EXPECT_EQ(rf_.sq_base(), kSqBase);
  EXPECT_EQ(rf_.cq_base(), kCqBase);
  enable();
  EXPECT_EQ(events_, (std::vector<RegEvent>{RegEvent::kEnabled}));
  for (std::uint32_t off : {reg::kSqBaseLo, reg::kSqBaseHi, reg::kSqSize, reg::kCqBaseLo,
                            reg::kCqBaseHi, reg::kCqSize}) {
    EXPECT_EQ(wr(off, 0x40u), RegAccess::kIgnored) << off;
  }
  EXPECT_EQ(rf_.ignored_writes(), 6u);
  EXPECT_EQ(rf_.sq_base(), kSqBase);
  EXPECT_EQ(rf_.cq_size(), 8u);
  EXPECT_EQ(rf_.sq_range().bytes, 4u * 128u);
  EXPECT_EQ(rf_.cq_range().bytes, 8u * 32u);
}

TEST_F(Regs, ControlAndStatusBits) {
  program_rings(4, 4);
  enable(ndp::kControlIrqEnable);
  EXPECT_EQ(rd(reg::kControl), ndp::kControlEnable | ndp::kControlIrqEnable);
  EXPECT_EQ(rd(reg::kStatus), ndp::kStatusReady);
  rf_.set_busy(true);
  EXPECT_EQ(rd(reg::kStatus), ndp::kStatusReady | ndp::kStatusBusy);
  rf_.set_busy(false);
  // Undefined CONTROL bits are dropped.
  EXPECT_EQ(wr(reg::kControl, 0xFFFFFFF8u | ndp::kControlEnable), RegAccess::kOk);
  EXPECT_EQ(rd(reg::kControl), ndp::kControlEnable);  // IRQ_EN cleared, bits 31:3 read 0
}

TEST_F(Regs, EnableRejectsBadQueueConfig) {
  struct Case {
    const char* what;
    std::uint32_t sq_size, cq_size;
    std::uint64_t sq_base, cq_base;
  };
  const Case cases[] = {
      {"sq size 3", 3, 4, kSqBase, kCqBase},
      {"cq size 0", 4, 0, kSqBase, kCqBase},
      {"sq size 1", 1, 4, kSqBase, kCqBase},
      {"cq size 8192", 4, 8192, kSqBase, kCqBase},
      {"sq base 32-aligned", 4, 4, kSqBase + 32, kCqBase},
      {"cq beyond device", 4, 4, kSqBase, kDevice - 64},  // 4 * 32 = 128 bytes: one line over
      {"rings overlap", 4, 4, kSqBase, kSqBase + 3 * 128},
  };
  for (const Case& c : cases) {
    ndp::NdpRegisterFile rf({4, 16, 16, kDevice});
    rf.write32(reg::kSqBaseLo, static_cast<std::uint32_t>(c.sq_base));
    rf.write32(reg::kSqBaseHi, static_cast<std::uint32_t>(c.sq_base >> 32));
    rf.write32(reg::kSqSize, c.sq_size);
    rf.write32(reg::kCqBaseLo, static_cast<std::uint32_t>(c.cq_base));
    rf.write32(reg::kCqBaseHi, static_cast<std::uint32_t>(c.cq_base >> 32));
    rf.write32(reg::kCqSize, c.cq_size);
    EXPECT_EQ(rf.write32(reg::kControl, ndp::kControlEnable), RegAccess::kOk) << c.what;
    EXPECT_FALSE(rf.enabled()) << c.what;
    std::uint32_t v = 0;
    rf.read32(reg::kControl, v);
    EXPECT_EQ(v, 0u) << c.what;
    rf.read32(reg::kError, v);
    EXPECT_EQ(v, ndp::kErrorValid | 16u) << c.what;  // kBadQueueConfig
    rf.read32(reg::kStatus, v);
    EXPECT_EQ(v, ndp::kStatusError) << c.what;
  }
  // The largest valid ring ends exactly at the device end.
  ndp::NdpRegisterFile rf({4, 16, 16, kDevice});
  rf.write32(reg::kSqSize, 4096);  // SQ at 0: 4096 * 128 = 0x80000 bytes
  const std::uint64_t cq = kDevice - 4096 * 32;
  rf.write32(reg::kCqBaseLo, static_cast<std::uint32_t>(cq));
  rf.write32(reg::kCqBaseHi, static_cast<std::uint32_t>(cq >> 32));
  rf.write32(reg::kCqSize, 4096);
  rf.write32(reg::kControl, ndp::kControlEnable);
  EXPECT_TRUE(rf.enabled());
}

TEST_F(Regs, ErrorRegisterIsWriteOneToClear) {
  rf_.latch_error(ndp::NdpErrorCode::kOverlap);
  EXPECT_EQ(rd(reg::kError), ndp::kErrorValid | 11u);
  EXPECT_EQ(rd(reg::kIrqStatus), ndp::kIrqError);
  EXPECT_EQ(rd(reg::kStatus), ndp::kStatusError);
  rf_.latch_error(ndp::NdpErrorCode::kDmaPoison);  // the last error wins
  EXPECT_EQ(rd(reg::kError), ndp::kErrorValid | 32u);
  EXPECT_EQ(wr(reg::kError, 0x0000FFFFu), RegAccess::kOk);  // VALID bit not written: no effect
  EXPECT_EQ(rd(reg::kError), ndp::kErrorValid | 32u);
  EXPECT_EQ(wr(reg::kError, ndp::kErrorValid), RegAccess::kOk);
  EXPECT_EQ(rd(reg::kError), 0u);
  EXPECT_EQ(rd(reg::kStatus), 0u);
  EXPECT_EQ(rd(reg::kIrqStatus), ndp::kIrqError);  // IRQ_STATUS is cleared separately
}

TEST_F(Regs, IrqStatusIsWriteOneToClearAndGatedByIrqEnable) {
  program_rings(4, 4);
  enable();  // IRQ_EN off
  wr(reg::kSqTail, 1);
  ASSERT_TRUE(rf_.complete_job(true));
  rf_.latch_error(ndp::NdpErrorCode::kDmaError);
  EXPECT_EQ(rd(reg::kIrqStatus), ndp::kIrqCq | ndp::kIrqError);
  EXPECT_FALSE(rf_.irq_pending());  // IRQ_EN = 0 masks the line, not the status
  wr(reg::kControl, ndp::kControlEnable | ndp::kControlIrqEnable);
  EXPECT_TRUE(rf_.irq_pending());
  EXPECT_EQ(wr(reg::kIrqStatus, ndp::kIrqCq), RegAccess::kOk);
  EXPECT_EQ(rd(reg::kIrqStatus), ndp::kIrqError);
  EXPECT_TRUE(rf_.irq_pending());
  EXPECT_EQ(wr(reg::kIrqStatus, 0xFFFFFFFFu), RegAccess::kOk);
  EXPECT_EQ(rd(reg::kIrqStatus), 0u);
  EXPECT_FALSE(rf_.irq_pending());
}

TEST_F(Regs, DoorbellsNeedEnableAndAnIndexInsideTheRing) {
  program_rings(4, 4);
  EXPECT_EQ(wr(reg::kSqTail, 1), RegAccess::kIgnored);  // disabled
  EXPECT_EQ(wr(reg::kCqHead, 1), RegAccess::kIgnored);
  EXPECT_EQ(rd(reg::kSqTail), 0u);
  enable();
  events_.clear();
  EXPECT_EQ(wr(reg::kSqTail, 4), RegAccess::kIgnored);  // == size: outside [0, 4)
  EXPECT_EQ(rd(reg::kSqTail), 0u);
  EXPECT_EQ(rd(reg::kError), ndp::kErrorValid | 17u);  // kBadDoorbell
  EXPECT_EQ(wr(reg::kCqHead, 0xFFFFFFFFu), RegAccess::kIgnored);
  EXPECT_EQ(rf_.ignored_writes(), 4u);
  EXPECT_TRUE(events_.empty());
  EXPECT_EQ(wr(reg::kSqTail, 3), RegAccess::kOk);
  EXPECT_EQ(rd(reg::kSqTail), 3u);
  EXPECT_EQ(wr(reg::kCqHead, 0), RegAccess::kOk);
  EXPECT_EQ(events_, (std::vector<RegEvent>{RegEvent::kSqDoorbell, RegEvent::kCqHeadUpdated}));
}

TEST_F(Regs, SubmissionAndCompletionWrapAroundSizeFourRings) {
  program_rings(4, 4);
  enable(ndp::kControlIrqEnable);
  EXPECT_FALSE(rf_.sq_pending());
  EXPECT_FALSE(rf_.complete_job(true));  // nothing submitted: refused, nothing changes
  EXPECT_EQ(rd(reg::kCqTail), 0u);

  // Host submits 3 descriptors (slots 0, 1, 2): a ring of 4 holds at most 3.
  wr(reg::kSqTail, 3);
  // Device: job in slot 0 -> completion slot 0 with phase 1, sq_head 1.
  ASSERT_TRUE(rf_.sq_pending());
  EXPECT_EQ(rf_.sq_entry_addr(), kSqBase);
  EXPECT_EQ(rf_.cq_entry_addr(), kCqBase);
  EXPECT_EQ(rf_.next_sq_head(), 1u);
  EXPECT_TRUE(rf_.cq_phase());
  ASSERT_TRUE(rf_.complete_job(true));
  EXPECT_EQ(rd(reg::kSqHead), 1u);
  EXPECT_EQ(rd(reg::kCqTail), 1u);
  EXPECT_TRUE(rf_.irq_pending());
  wr(reg::kIrqStatus, ndp::kIrqCq);
  // Slot 1, without interrupt (descriptor flag NO_IRQ).
  EXPECT_EQ(rf_.sq_entry_addr(), kSqBase + 128);
  EXPECT_EQ(rf_.cq_entry_addr(), kCqBase + 32);
  ASSERT_TRUE(rf_.complete_job(false));
  EXPECT_FALSE(rf_.irq_pending());
  // Slot 2: now the CQ holds 3 unconsumed entries (head 0, tail 3): full.
  ASSERT_TRUE(rf_.complete_job(true));
  EXPECT_EQ(rd(reg::kSqHead), 3u);
  EXPECT_EQ(rd(reg::kCqTail), 3u);
  EXPECT_FALSE(rf_.sq_pending());
  EXPECT_TRUE(rf_.cq_full());

  // Host submits two more: slots 3 and 0 (SQ_TAIL wraps to 1).
  wr(reg::kSqTail, 1);
  ASSERT_TRUE(rf_.sq_pending());
  EXPECT_EQ(rf_.sq_entry_addr(), kSqBase + 3 * 128);
  EXPECT_FALSE(rf_.complete_job(true));  // CQ full: the device must wait
  EXPECT_EQ(rd(reg::kSqHead), 3u);

  // Host consumes the three completions.
  events_.clear();
  wr(reg::kCqHead, 3);
  EXPECT_EQ(events_, (std::vector<RegEvent>{RegEvent::kCqHeadUpdated}));
  EXPECT_FALSE(rf_.cq_full());
  // Slot 3 -> completion slot 3, still phase 1; CQ_TAIL then wraps to 0 and the phase flips.
  EXPECT_EQ(rf_.cq_entry_addr(), kCqBase + 3 * 32);
  EXPECT_TRUE(rf_.cq_phase());
  EXPECT_EQ(rf_.next_sq_head(), 0u);
  ASSERT_TRUE(rf_.complete_job(true));
  EXPECT_EQ(rd(reg::kSqHead), 0u);
  EXPECT_EQ(rd(reg::kCqTail), 0u);
  EXPECT_FALSE(rf_.cq_phase());
  // Slot 0 of the second pass: completion slot 0 with phase 0.
  EXPECT_EQ(rf_.sq_entry_addr(), kSqBase);
  EXPECT_EQ(rf_.cq_entry_addr(), kCqBase);
  ASSERT_TRUE(rf_.complete_job(true));
  EXPECT_EQ(rd(reg::kSqHead), 1u);
  EXPECT_EQ(rd(reg::kCqTail), 1u);
  EXPECT_FALSE(rf_.sq_pending());
}

TEST_F(Regs, DisableResetsIndicesAndAbandonsTheJob) {
  program_rings(4, 4);
  enable();
  wr(reg::kSqTail, 2);
  ASSERT_TRUE(rf_.complete_job(false));
  events_.clear();
  EXPECT_EQ(wr(reg::kControl, 0), RegAccess::kOk);
  EXPECT_EQ(events_, (std::vector<RegEvent>{RegEvent::kDisabled}));
  EXPECT_FALSE(rf_.complete_job(false));  // the job in flight gets no completion
  EXPECT_EQ(rd(reg::kSqHead), 0u);
  EXPECT_EQ(rd(reg::kSqTail), 0u);
  EXPECT_EQ(rd(reg::kCqTail), 0u);
  EXPECT_EQ(rd(reg::kSqSize), 4u);  // geometry kept, writable again
  EXPECT_EQ(wr(reg::kSqSize, 8), RegAccess::kOk);
}

TEST_F(Regs, ResetReturnsEverythingToResetValues) {
  program_rings(4, 4);
  enable(ndp::kControlIrqEnable);
  wr(reg::kSqTail, 2);
  ASSERT_TRUE(rf_.complete_job(true));
  rf_.latch_error(ndp::NdpErrorCode::kDmaError);
  rf_.set_busy(true);
  events_.clear();
  // RESET wins over ENABLE in the same write, and reads back 0.
  EXPECT_EQ(wr(reg::kControl, ndp::kControlReset | ndp::kControlEnable), RegAccess::kOk);
  EXPECT_EQ(events_, (std::vector<RegEvent>{RegEvent::kReset}));
  EXPECT_EQ(rd(reg::kId), 0x45444E4Du);
  EXPECT_EQ(rd(reg::kCap), 0x10100402u);
  for (std::uint32_t off = reg::kStatus; off < reg::kBlockBytes; off += 4) {
    EXPECT_EQ(rd(off), 0u) << "offset 0x" << std::hex << off;
  }
  EXPECT_TRUE(rf_.cq_phase());
  EXPECT_FALSE(rf_.irq_pending());
}

// ---------------------------------------------------------------------------------------------
// RingIndex
// ---------------------------------------------------------------------------------------------

TEST(RingIndex, ValidSizes) {
  for (std::uint32_t s : {2u, 4u, 64u, 4096u}) EXPECT_TRUE(ndp::RingIndex::valid_size(s)) << s;
  for (std::uint32_t s : {0u, 1u, 3u, 6u, 4095u, 8192u, 0x80000000u}) {
    EXPECT_FALSE(ndp::RingIndex::valid_size(s)) << s;
  }
  EXPECT_THROW(ndp::RingIndex(12), std::invalid_argument);
}

TEST(RingIndex, SizeFourWrapsAndKeepsOneSlotFree) {
  const ndp::RingIndex r(4);
  // 0 -> 1 -> 2 -> 3 -> 0 -> 1 ...
  std::uint32_t i = 0;
  const std::uint32_t want[] = {1, 2, 3, 0, 1};
  for (std::uint32_t w : want) {
    i = r.next(i);
    EXPECT_EQ(i, w);
  }
  EXPECT_TRUE(r.wraps(3));
  EXPECT_FALSE(r.wraps(2));
  EXPECT_TRUE(r.empty(2, 2));
  EXPECT_FALSE(r.full(2, 2));
  EXPECT_EQ(r.count(2, 2), 0u);
  EXPECT_EQ(r.free_slots(2, 2), 3u);
  // head 0, tail 3: three entries, full (a fourth would make head == tail, i.e. "empty").
  EXPECT_TRUE(r.full(0, 3));
  EXPECT_EQ(r.count(0, 3), 3u);
  EXPECT_EQ(r.free_slots(0, 3), 0u);
  // Wrapped: head 3, tail 1 holds slots 3 and 0.
  EXPECT_EQ(r.count(3, 1), 2u);
  EXPECT_FALSE(r.full(3, 1));
  EXPECT_TRUE(r.full(1, 0));  // head 1, tail 0: slots 1, 2, 3
  EXPECT_TRUE(r.valid_index(3));
  EXPECT_FALSE(r.valid_index(4));
}

}  // namespace
