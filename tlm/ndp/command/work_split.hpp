// How an expert job's outputs are divided between the NDP units (docs/ndp_interface.md,
// "Expert dataflow"): column-parallel, each unit owning a contiguous slice of output features
// made of whole tiles, so no two units ever add into the same output and no cross-unit
// reduction (which would change the accumulation order) is needed.
#pragma once

#include <cstdint>

namespace monde::ndp {

// [begin, end) of output features.
struct IndexRange {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::uint32_t size() const { return end - begin; }
  bool empty() const { return begin == end; }
};

// The slice of `n` outputs that `unit` (0 .. units-1) computes. The n outputs form
// ceil(n / granule) tiles (the last possibly partial); the tiles are dealt out in order, the
// first (tiles % units) units getting one more than the others. Slices are contiguous, in unit
// order, cover [0, n) exactly, and differ by at most one tile; a unit may get an empty slice.
// The NDP splits with granule = config::NdpLimits::dim_align (32 columns = one 64-byte line of bf16),
// so no two units write into the same line of h or y; each slice is then cut into tiles of
// `cols` (16) columns. Any granule gives the same bits, since every output is computed whole.
// Throws std::invalid_argument when units or granule is 0 or unit >= units.
IndexRange unit_slice(std::uint32_t n, std::uint32_t units, std::uint32_t unit,
                      std::uint32_t granule);

}  // namespace monde::ndp
