// Unit tests of the column-parallel work split (tlm/ndp/command/work_split.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "tlm/ndp/command/work_split.hpp"

namespace ndp = monde::ndp;

namespace {

void expect_slice(std::uint32_t n, std::uint32_t units, std::uint32_t unit, std::uint32_t begin,
                  std::uint32_t end) {
  const ndp::IndexRange r = ndp::unit_slice(n, units, unit, 16);
  EXPECT_EQ(r.begin, begin) << "n " << n << " units " << units << " unit " << unit;
  EXPECT_EQ(r.end, end) << "n " << n << " units " << units << " unit " << unit;
}

TEST(WorkSplit, HandExamples) {
  // n = 80: 5 tiles over 3 units -> 2, 2, 1 tiles.
  expect_slice(80, 3, 0, 0, 32);
  expect_slice(80, 3, 1, 32, 64);
  expect_slice(80, 3, 2, 64, 80);
  // n = 40: tiles [0,16) [16,32) [32,40) (the last partial) over 4 units: 1, 1, 1, 0.
  expect_slice(40, 4, 0, 0, 16);
  expect_slice(40, 4, 1, 16, 32);
  expect_slice(40, 4, 2, 32, 40);
  expect_slice(40, 4, 3, 40, 40);
  EXPECT_TRUE(ndp::unit_slice(40, 4, 3, 16).empty());
  // n = 14336 (Mixtral d_ff) over 4 units: 896 tiles, 224 each = 3584 columns.
  expect_slice(14336, 4, 3, 3 * 3584, 14336);
  // Nothing to do.
  expect_slice(0, 2, 1, 0, 0);
}

TEST(WorkSplit, SlicesTileTheRangeInOrder) {
  for (std::uint32_t n : {1u, 15u, 16u, 17u, 100u, 1408u, 2880u}) {
    for (std::uint32_t units = 1; units <= 9; ++units) {
      std::uint32_t next = 0, min_tiles = ~0u, max_tiles = 0;
      for (std::uint32_t u = 0; u < units; ++u) {
        const ndp::IndexRange r = ndp::unit_slice(n, units, u, 16);
        EXPECT_EQ(r.begin, next);
        EXPECT_LE(r.begin, r.end);
        // Every non-empty slice starts on a tile boundary: units work on whole 16-column tiles.
        if (!r.empty()) {
          EXPECT_EQ(r.begin % 16, 0u);
        }
        const std::uint32_t tiles = (r.size() + 15) / 16;
        min_tiles = std::min(min_tiles, tiles);
        max_tiles = std::max(max_tiles, tiles);
        next = r.end;
      }
      EXPECT_EQ(next, n) << "n " << n << " units " << units;
      EXPECT_LE(max_tiles - min_tiles, 1u) << "n " << n << " units " << units;
    }
  }
}

TEST(WorkSplit, RejectsBadArguments) {
  EXPECT_THROW(ndp::unit_slice(16, 0, 0, 16), std::invalid_argument);
  EXPECT_THROW(ndp::unit_slice(16, 2, 2, 16), std::invalid_argument);
  EXPECT_THROW(ndp::unit_slice(16, 2, 0, 0), std::invalid_argument);
}

}  // namespace
