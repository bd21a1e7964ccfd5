// One MAC-array tile job and its result, independent of how the array is modelled.
// Layouts follow the golden model: A is rows x k, B is k x cols, C is rows x cols, all
// row-major. Element types are raw bf16/fp32 encodings (see docs/mac_array.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/ndp_config.hpp"
#include "core/config/weight_format.hpp"
#include "tlm/ndp/numerics/bf16.hpp"

namespace monde::ndp {


struct MacTile {
  unsigned rows = 0;  // valid rows, 1..shape.rows (rows of A and C)
  unsigned cols = 0;  // valid columns, 1..shape.cols (columns of B and C)
  unsigned k = 0;     // reduction length, >= 1 (one input beat per k)
  bool first = true;  // clear the accumulators at the first beat; false continues the sums
  std::vector<num::bf16_t> a;  // rows * k
  std::vector<num::bf16_t> b;  // k * cols (bf16 B; empty when B is quantised)
  // Quantised B (docs/mac_array.md, "Quantised weights"): int8 / int4 codes and their scales as
  // the array's pins see them, beat by beat. b_codes: k * cols raw codes (int8: the byte; int4:
  // the low nibble, 0..15); b_scales: k * cols bf16, the scale column c carries at beat kk (the
  // scale of that weight's group). The operand the PEs multiply is num::weight_operand().
  config::WeightFormat b_format = config::WeightFormat::kBf16;
  std::vector<std::uint8_t> b_codes;
  std::vector<num::bf16_t> b_scales;
};

// The bf16 B operands of a tile (k * cols): `b` itself, or every code dequantised with its scale.
std::vector<num::bf16_t> b_operands(const MacTile& tile);

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
