// Sparse backing store: zero-fill, page allocation on write only, byte enables, bounds.
#include <gtest/gtest.h>

#include <vector>

#include "tlm/memory/backing_store.hpp"

namespace monde::mem {
namespace {

TEST(BackingStore, UnwrittenMemoryReadsZeroAndAllocatesNothing) {
  BackingStore s(64ull << 30);  // 64 GiB costs nothing until written
  std::vector<unsigned char> buf(100, 0xAA);
  s.read(12345678, buf.data(), buf.size());
  EXPECT_EQ(buf, std::vector<unsigned char>(100, 0));
  EXPECT_EQ(s.allocated_pages(), 0u);
}

TEST(BackingStore, WriteAcrossPagesReadsBack) {
  BackingStore s(1 << 20);
  std::vector<unsigned char> data(6000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 7);
  s.write(4000, data.data(), data.size());  // bytes 4000..9999: pages 0, 1, 2
  EXPECT_EQ(s.allocated_pages(), 3u);
  std::vector<unsigned char> back(6000);
  s.read(4000, back.data(), back.size());
  EXPECT_EQ(back, data);
  unsigned char edge[2];
  s.read(3999, edge, 2);  // one unwritten byte, then the first written one
  EXPECT_EQ(edge[0], 0);
  EXPECT_EQ(edge[1], data[0]);
}

TEST(BackingStore, ByteEnablesFollowTlmSemantics) {
  BackingStore s(4096);
  const unsigned char ones[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  const unsigned char be[2] = {0xFF, 0x00};  // repeats: write even bytes only
  s.write(0, ones, 8, be, 2);
  unsigned char back[8];
  s.read(0, back, 8);
  const unsigned char want[8] = {1, 0, 3, 0, 5, 0, 7, 0};
  EXPECT_EQ(std::vector<unsigned char>(back, back + 8), std::vector<unsigned char>(want, want + 8));
}

TEST(BackingStore, OutOfRangeThrows) {
  BackingStore s(8192);
  unsigned char b[16] = {};
  EXPECT_THROW(s.read(8190, b, 4), std::out_of_range);
  EXPECT_THROW(s.write(8192, b, 1), std::out_of_range);
  EXPECT_NO_THROW(s.read(8176, b, 16));
}

}  // namespace
}  // namespace monde::mem
