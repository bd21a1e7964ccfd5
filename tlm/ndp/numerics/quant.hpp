// Weight-only quantisation of expert weights (docs/mac_array.md, "Quantised weights", and
// docs/ndp_interface.md, "Quantised weights"): the dequantiser rule the RTL's weight_dequant
// lane, the C++ cycle model and the golden model share, the device layout of int8/int4 codes and
// their bf16 scales, and the quantiser the driver applies on placement. Integer bit manipulation
// only, like bf16.hpp: no host floating point.
//
//   dequantise(q, s) = to_bf16(mul(int_to_bf16(q), s))
//
// int_to_bf16 is exact for every code (|q| <= 128 has at most 8 significant bits) and mul() is
// exact, so the only rounding is the final RNE to bf16; the result is the bf16 operand the MAC
// array multiplies, and every special case (scale NaN, inf, subnormal, zero; overflow to inf;
// results below 2^-126) is the one mul() and to_bf16() already define.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/config/weight_format.hpp"
#include "tlm/ndp/numerics/bf16.hpp"

namespace monde::num {

using config::WeightEncoding;
using config::WeightFormat;

// The integer of a raw weight code: int8 is a two's complement byte (-128 .. 127), int4 the low
// nibble in two's complement (-8 .. 7; the upper nibble is ignored). 0 for bf16.
int decode_code(WeightFormat f, std::uint8_t code);

// Exact bf16 of an integer with |q| <= 128 (+0 for 0). std::invalid_argument outside.
bf16_t int_to_bf16(int q);

// The MAC operand of code q with scale s: to_bf16(mul(int_to_bf16(q), s)).
bf16_t dequantise(int q, bf16_t scale);

// The B operand the MAC array multiplies for one weight: bf16 passes through (`bits`), int8 and
// int4 are dequantised from the raw code in the low bits of `bits` and the scale.
bf16_t weight_operand(WeightFormat f, std::uint16_t bits, bf16_t scale);

// A [rows x cols] weight matrix (PyTorch [out x in], row-major) in device layout:
//   codes   int8: one byte per weight, row-major; int4: two weights per byte, row-major, weight k
//           of a row in the low nibble of byte k / 2 when k is even, in the high nibble when odd
//           (config::weight_matrix_bytes bytes);
//   scales  [rows x cols / G] bf16, row-major: scale (o, g) covers weights (o, g G .. g G + G - 1)
//           (config::scale_matrix_bytes bytes).
struct QuantisedMatrix {
  WeightEncoding encoding;
  std::size_t rows = 0, cols = 0;
  std::vector<std::uint8_t> codes;
  std::vector<bf16_t> scales;

  std::uint8_t code(std::size_t row, std::size_t k) const;  // raw code (int4: the nibble, 0..15)
  bf16_t scale(std::size_t row, std::size_t k) const;       // the scale of weight (row, k)
  // Stores the raw code of weight (row, k) (int4: the low nibble of `raw`).
  void set_code(std::size_t row, std::size_t k, std::uint8_t raw);
};

// A quantised [rows x cols] matrix with every code and scale 0, sized for the encoding (which
// must be int8 / int4 with a group size dividing cols).
QuantisedMatrix zero_quantised_matrix(const WeightEncoding& e, std::size_t rows, std::size_t cols);

// Raw code of weight k of one row of codes (int8: the byte; int4: its nibble).
std::uint8_t row_code(WeightFormat f, const std::uint8_t* row_codes, std::size_t k);

// The quantiser the driver applies on placement, per row o and group g of G weights:
//   subnormal weights count as zeros (the datapath flushes them); amax = max |w| of the group;
//   s = amax / qmax rounded to bf16 (RNE, exact rational), flushed to +0 below 2^-126;
//   q = clamp(RNE(w / s), -qmax, qmax) (exact rational, ties to even), 0 when s is 0;
// with qmax = 127 (int8) or 7 (int4). std::invalid_argument for a NaN or infinite weight (naming
// its row and column), a bf16 encoding, an invalid group size or cols not a multiple of G.
QuantisedMatrix quantise(const bf16_t* w, std::size_t rows, std::size_t cols, const WeightEncoding& encoding);

// Every weight's MAC operand ([rows x cols] bf16): what the golden expert multiplies.
std::vector<bf16_t> dequantise(const QuantisedMatrix& m);

// Quantises one group (n weights) into `codes` (integers) and returns its scale; exposed for tests.
bf16_t quantise_group(const bf16_t* w, std::size_t n, WeightFormat f, int* codes);

}  // namespace monde::num
