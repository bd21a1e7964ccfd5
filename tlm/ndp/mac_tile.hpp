// One MAC-array tile job and its result, independent of how the array is modelled.
// Layouts follow the golden model: A is rows x k, B is k x cols, C is rows x cols, all
// row-major. Element types are raw bf16/fp32 encodings (see docs/mac_array.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/ndp_config.hpp"
#include "tlm/ndp/numerics/bf16.hpp"

namespace monde::ndp {


struct MacTile {
  unsigned rows = 0;  // valid rows, 1..shape.rows (rows of A and C)
  unsigned cols = 0;  // valid columns, 1..shape.cols (columns of B and C)
  unsigned k = 0;     // reduction length, >= 1 (one input beat per k)
  bool first = true;  // clear the accumulators at the first beat; false continues the sums
  std::vector<num::bf16_t> a;  // rows * k
  std::vector<num::bf16_t> b;  // k * cols
};

struct MacTileResult {
  unsigned rows = 0;
  unsigned cols = 0;
  std::vector<num::fp32_t> c_fp32;  // rows * cols
  std::vector<num::bf16_t> c_bf16;  // rows * cols, RNE of c_fp32
  std::uint64_t cycles = 0;         // array cycles the tile occupied (docs/mac_array.md)
};

// Largest k one tile accepts: the cycle counters and the vector files are sized for it.
inline constexpr unsigned kMaxTileK = 1u << 20;

// Empty string when the tile fits the shape, else a message naming the bad field and range.
std::string check_tile(const config::MacArrayShape& shape, const MacTile& tile);

}  // namespace monde::ndp
