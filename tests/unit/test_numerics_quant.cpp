// Unit tests of the quantised-weight numerics (tlm/ndp/numerics/quant.hpp) against the rule in
// docs/mac_array.md ("Quantised weights") and the layout and quantiser of docs/ndp_interface.md.
// Every check compares exact bit patterns; host doubles appear only to state expected values.
//
// bf16 fields: [sign | biased exp (8) | frac (7)], value 1.f x 2^(E-127).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "tlm/ndp/numerics/quant.hpp"

namespace num = monde::num;
using monde::config::WeightEncoding;
using monde::config::WeightFormat;
using num::bf16_t;

namespace {

double bf16_value(bf16_t b) {
  const std::uint32_t bits = static_cast<std::uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

TEST(QuantCodes, DecodeTwosComplement) {
  EXPECT_EQ(num::decode_code(WeightFormat::kInt8, 0x00), 0);
  EXPECT_EQ(num::decode_code(WeightFormat::kInt8, 0x7F), 127);
  EXPECT_EQ(num::decode_code(WeightFormat::kInt8, 0x80), -128);
  EXPECT_EQ(num::decode_code(WeightFormat::kInt8, 0xFF), -1);
  EXPECT_EQ(num::decode_code(WeightFormat::kInt4, 0x07), 7);
  EXPECT_EQ(num::decode_code(WeightFormat::kInt4, 0x08), -8);
  EXPECT_EQ(num::decode_code(WeightFormat::kInt4, 0x0F), -1);
  EXPECT_EQ(num::decode_code(WeightFormat::kInt4, 0xF7), 7);  // the upper nibble is not part of the code
  EXPECT_EQ(num::decode_code(WeightFormat::kBf16, 0x12), 0);
}

// Every integer of both code ranges is exact in bf16, and the hand-checked encodings.
TEST(QuantCodes, IntToBf16IsExact) {
  EXPECT_EQ(num::int_to_bf16(0), 0x0000);
  EXPECT_EQ(num::int_to_bf16(1), 0x3F80);     // 1.0: E 127
  EXPECT_EQ(num::int_to_bf16(-1), 0xBF80);
  EXPECT_EQ(num::int_to_bf16(7), 0x40E0);     // 1.11b x 2^2: E 129, frac 1100000
  EXPECT_EQ(num::int_to_bf16(-8), 0xC100);    // -2^3: E 130
  EXPECT_EQ(num::int_to_bf16(127), 0x42FE);   // 1.111111b x 2^6: E 133, frac 1111110
  EXPECT_EQ(num::int_to_bf16(-128), 0xC300);  // -2^7: E 134
  for (int q = -128; q <= 128; ++q) EXPECT_EQ(bf16_value(num::int_to_bf16(q)), double(q)) << q;
  EXPECT_THROW(num::int_to_bf16(129), std::invalid_argument);
  EXPECT_THROW(num::int_to_bf16(-129), std::invalid_argument);
}

// dequantise(q, s) = to_bf16(mul(int_to_bf16(q), s)): normal values, the rounding of the exact
// product, and every special scale.
TEST(QuantDequantise, RoundingAndSpecialScales) {
  EXPECT_EQ(num::dequantise(3, 0x3F80), 0x4040);  // 3 x 1.0 = 3.0 exactly
  // 127 x 1.0078125 (0x3F81) = 127.9921875: bf16 spacing in [64, 128) is 0.5, so RNE gives 128.0
  // (the rounding carries into the exponent: 0x4300).
  EXPECT_EQ(num::dequantise(127, 0x3F81), 0x4300);
  // 3 x 1.0234375 (0x3F83, frac 0000011) = 3.0703125 = 1.10001001b x 2^1: the dropped bit is
  // exactly one half with nothing below, kept LSB 0 -> ties to even keep 1.1000100b x 2 = 3.0625.
  EXPECT_EQ(num::dequantise(3, 0x3F83), 0x4044);
  EXPECT_EQ(num::dequantise(-3, 0x3F83), 0xC044);
  // Scale NaN -> canonical NaN; inf x nonzero -> inf with the product's sign; inf x 0 -> NaN.
  EXPECT_EQ(num::dequantise(5, 0x7FC1), 0x7FC0);
  EXPECT_EQ(num::dequantise(0, 0xFFC0), 0x7FC0);
  EXPECT_EQ(num::dequantise(-2, 0x7F80), 0xFF80);
  EXPECT_EQ(num::dequantise(2, 0xFF80), 0xFF80);
  EXPECT_EQ(num::dequantise(0, 0x7F80), 0x7FC0);
  // Subnormal scale: flushed to a zero of its sign, so the weight is a zero of sign(q) ^ sign(s).
  EXPECT_EQ(num::dequantise(5, 0x0001), 0x0000);
  EXPECT_EQ(num::dequantise(-5, 0x007F), 0x8000);
  EXPECT_EQ(num::dequantise(-5, 0x8001), 0x0000);
  // Zero scale and zero code: signs multiply (int_to_bf16(0) is +0).
  EXPECT_EQ(num::dequantise(0, 0x8000), 0x8000);
  EXPECT_EQ(num::dequantise(4, 0x0000), 0x0000);
  // Extremes: the largest finite scale times 127 or -128 overflows to inf (in mul); times 1 is exact.
  EXPECT_EQ(num::dequantise(127, 0x7F7F), 0x7F80);
  EXPECT_EQ(num::dequantise(-128, 0x7F7F), 0xFF80);
  EXPECT_EQ(num::dequantise(-8, 0x7F7F), 0xFF80);
  EXPECT_EQ(num::dequantise(1, 0x7F7F), 0x7F7F);
  // 1.1111111b x 2^126 (0x7EFF) x 3 = 1.0111111 01b x 2^128 before rounding: >= 2^128 -> inf in mul.
  EXPECT_EQ(num::dequantise(3, 0x7EFF), 0x7F80);
  // 1.1111111b x 2^125 (0x7E7F) x 3: significands 255 x 192 = 0xBF40 = 1.0111111 0100 0000b x 2^127:
  // the dropped bits are below one half, so it rounds down to 1.0111111b x 2^127.
  EXPECT_EQ(num::dequantise(3, 0x7E7F), 0x7F3F);
  // Rounding up to inf: 7 (1.11b x 2^2) x 1.0010010b x 2^125 (0x7E12): 224 x 146 = 0x7FC0, i.e.
  // 1.1111111 1b x 2^127 exactly (finite in fp32); the tie rounds to even, which carries to 2^128 = inf.
  EXPECT_EQ(num::dequantise(7, 0x7E12), 0x7F80);
  EXPECT_EQ(num::dequantise(7, 0x7D92), 0x7F00);  // the same significands one binade lower: 2^127
  // 1.1111111b x 2^126 (0x7EFF) x 1 stays; the smallest normal scale keeps |q| x 2^-126 normal.
  EXPECT_EQ(num::dequantise(-1, 0x0080), 0x8080);
  EXPECT_EQ(num::dequantise(-8, 0x0080), 0x8200);  // -2^3 x 2^-126 = -2^-123: E 4
}

TEST(QuantDequantise, WeightOperandPassesBf16AndDecodesCodes) {
  EXPECT_EQ(num::weight_operand(WeightFormat::kBf16, 0x7F81, 0x1234), 0x7F81);  // bits untouched, scale unused
  EXPECT_EQ(num::weight_operand(WeightFormat::kInt8, 0x0080, 0x3F80), 0xC300);  // code 0x80 = -128
  EXPECT_EQ(num::weight_operand(WeightFormat::kInt8, 0xFF05, 0x3F80), 0x40A0);  // only the low byte: 5
  EXPECT_EQ(num::weight_operand(WeightFormat::kInt4, 0x0008, 0x4000), 0xC180);  // -8 x 2 = -16
  EXPECT_EQ(num::weight_operand(WeightFormat::kInt4, 0x00F7, 0x4000), 0x4160);  // low nibble 7: 14
}

// The quantiser on hand-worked groups (n = 4, so that every number can be checked by hand).
//   w = [1.0, -0.5, 0.25, 2.0], amax = 2.
//   int8: 2 / 127 = 2^-6 x 1.0000001 0000001...b -> bf16 RNE 2^-6 x 1.0000001b = 0.0157470703125
//         (E 121 = 0x79: 0x3C81). q = RNE(w / s): 1 / s = 63.504 -> 64, -0.5 / s = -31.752 -> -32,
//         0.25 / s = 15.876 -> 16, 2 / s = 127.007 -> 127.
//   int4: 2 / 7 = 2^-2 x 1.0010010 0100...b -> bf16 2^-2 x 1.0010010b = 0.28515625 (E 125: 0x3E92).
//         q: 3.507 -> 4, -1.753 -> -2, 0.877 -> 1, 7.014 -> 7.
TEST(Quantise, HandWorkedGroups) {
  const bf16_t w[4] = {0x3F80, 0xBF00, 0x3E80, 0x4000};
  int q[4];
  EXPECT_EQ(num::quantise_group(w, 4, WeightFormat::kInt8, q), 0x3C81);
  EXPECT_EQ(std::vector<int>(q, q + 4), (std::vector<int>{64, -32, 16, 127}));
  EXPECT_EQ(num::quantise_group(w, 4, WeightFormat::kInt4, q), 0x3E92);
  EXPECT_EQ(std::vector<int>(q, q + 4), (std::vector<int>{4, -2, 1, 7}));
}

// Ties go to the even integer: amax 7 makes the int4 scale exactly 1.0, so w / s = w.
//   7 -> 7, 2.5 -> 2, 3.5 -> 4, -2.5 -> -2, 0.5 -> 0, 1.5 -> 2, -0.5 -> -0 (code 0), -3.5 -> -4.
TEST(Quantise, TiesToEven) {
  const bf16_t w[8] = {0x40E0, 0x4020, 0x4060, 0xC020, 0x3F00, 0x3FC0, 0xBF00, 0xC060};
  int q[8];
  EXPECT_EQ(num::quantise_group(w, 8, WeightFormat::kInt4, q), 0x3F80);
  EXPECT_EQ(std::vector<int>(q, q + 8), (std::vector<int>{7, 2, 4, -2, 0, 2, 0, -4}));
}

// Zeros, subnormals and a group whose scale would be subnormal: codes 0, scale +0.
TEST(Quantise, ZeroAndTinyGroups) {
  int q[4];
  const bf16_t zeros[4] = {0x0000, 0x8000, 0x0001, 0x807F};  // subnormals count as zeros
  EXPECT_EQ(num::quantise_group(zeros, 4, WeightFormat::kInt8, q), 0x0000);
  EXPECT_EQ(std::vector<int>(q, q + 4), (std::vector<int>{0, 0, 0, 0}));
  // amax 2^-126 (0x0080): 2^-126 / 127 is below 2^-126, so the scale flushes to +0.
  const bf16_t tiny[4] = {0x0080, 0x8080, 0x0000, 0x0080};
  EXPECT_EQ(num::quantise_group(tiny, 4, WeightFormat::kInt8, q), 0x0000);
  EXPECT_EQ(std::vector<int>(q, q + 4), (std::vector<int>{0, 0, 0, 0}));
  // amax 2^-120 (0x0380) with int4: 2^-120 / 7 = 2^-123 x 1.0010010...b is normal (E 4).
  const bf16_t small[2] = {0x0380, 0x8300};  // 2^-120, -2^-121
  EXPECT_EQ(num::quantise_group(small, 2, WeightFormat::kInt4, q), 0x0212);
  EXPECT_EQ(q[0], 7);
  EXPECT_EQ(q[1], -4);  // -2^-121 / (2^-123 x 1.140625) = -3.507 -> -4
}

// Layout: int8 one byte per weight; int4 two per byte, even k in the low nibble; scales per
// (row, group). 2 rows x 64 columns, G = 32: row r, column k holds ((k % 16) - 8) x 2^r, so every
// group's amax is 8 x 2^r and the int4 scale 8 x 2^r / 7 rounds to 2^r x 1.0010010b... with codes
// RNE(((k % 16) - 8) x 7 / 8 x ...). Checked against the element accessors and dequantise().
TEST(Quantise, MatrixLayoutAndRoundTrip) {
  const std::size_t rows = 2, cols = 64;
  std::vector<bf16_t> w(rows * cols);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t k = 0; k < cols; ++k) {
      const int v = static_cast<int>(k % 16) - 8;
      w[r * cols + k] = num::to_bf16(num::mul(num::int_to_bf16(v), static_cast<bf16_t>(0x3F80 + (r << 7))));
    }
  }
  for (auto fmt : {WeightFormat::kInt8, WeightFormat::kInt4}) {
    SCOPED_TRACE(monde::config::to_string(fmt));
    const auto m = num::quantise(w.data(), rows, cols, WeightEncoding{fmt, 32});
    ASSERT_EQ(m.codes.size(), fmt == WeightFormat::kInt8 ? 128u : 64u);
    ASSERT_EQ(m.scales.size(), 4u);  // 2 rows x 64 / 32 groups
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t k = 0; k < cols; ++k) {
        int q[32];
        const std::size_t g = k / 32;
        const bf16_t s = num::quantise_group(w.data() + r * cols + g * 32, 32, fmt, q);
        EXPECT_EQ(m.scale(r, k), s);
        EXPECT_EQ(num::decode_code(fmt, m.code(r, k)), q[k % 32]);
      }
    }
    // Byte-level packing of row 0: k = 0 (w = -8) and k = 1 (w = -7).
    if (fmt == WeightFormat::kInt4) {
      // scale 8 / 7 -> 1.0010010b = 1.140625 (0x3F92); -8 / 1.140625 = -7.01 -> -7 (0x9),
      // -7 / 1.140625 = -6.14 -> -6 (0xA): byte 0 = 0xA9.
      EXPECT_EQ(m.scales[0], 0x3F92);
      EXPECT_EQ(m.codes[0], 0xA9);
    } else {
      // scale 8 / 127 = 2^-4 x 1.0000001 0000001...b -> 0x3D81; -8 / 0.0630... = -127.0 -> 0x81.
      EXPECT_EQ(m.scales[0], 0x3D81);
      EXPECT_EQ(m.codes[0], 0x81);
    }
    const auto d = num::dequantise(m);
    for (std::size_t i = 0; i < d.size(); ++i) {
      EXPECT_EQ(d[i], num::dequantise(num::decode_code(fmt, m.code(i / cols, i % cols)), m.scale(i / cols, i % cols)));
    }
  }
}

// On random weights: every code is within -qmax .. qmax, the exact quantisation error is at most
// half a step (|w - q s| <= s / 2), and the dequantised operand is q s rounded once to bf16.
TEST(Quantise, ErrorIsAtMostHalfAStep) {
  std::mt19937_64 rng(0x9A17);
  const std::size_t rows = 8, cols = 256;
  std::vector<bf16_t> w(rows * cols);
  for (auto& v : w) {
    const auto bits = rng();
    v = static_cast<bf16_t>(((bits & 1) << 15) | ((120 + (bits >> 8) % 12) << 7) | ((bits >> 20) & 0x7F));
  }
  for (auto fmt : {WeightFormat::kInt8, WeightFormat::kInt4}) {
    for (std::uint32_t g : monde::config::kQuantGroupSizes) {
      const auto m = num::quantise(w.data(), rows, cols, WeightEncoding{fmt, g});
      const int qmax = monde::config::quant_max(fmt);
      for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t k = 0; k < cols; ++k) {
          const int q = num::decode_code(fmt, m.code(r, k));
          const double s = bf16_value(m.scale(r, k));
          ASSERT_LE(std::abs(q), qmax);
          ASSERT_LE(std::abs(bf16_value(w[r * cols + k]) - q * s), s / 2 * (1 + 1e-12)) << r << "," << k;
        }
      }
    }
  }
}

TEST(Quantise, RefusesWhatHasNoGrid) {
  std::vector<bf16_t> w(64, 0x3F80);
  w[37] = 0x7FC0;
  try {
    num::quantise(w.data(), 2, 32, WeightEncoding{WeightFormat::kInt8, 32});
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("weight [1][5] is NaN"), std::string::npos) << e.what();
  }
  w[37] = 0xFF80;
  EXPECT_THROW(num::quantise(w.data(), 2, 32, WeightEncoding{WeightFormat::kInt4, 32}), std::invalid_argument);
  w[37] = 0x3F80;
  EXPECT_THROW(num::quantise(w.data(), 1, 64, WeightEncoding{WeightFormat::kInt4, 48}), std::invalid_argument);
  EXPECT_THROW(num::quantise(w.data(), 1, 64, WeightEncoding{WeightFormat::kInt4, 128}), std::invalid_argument);
  EXPECT_THROW(num::quantise(w.data(), 1, 64, WeightEncoding{WeightFormat::kBf16, 0}), std::invalid_argument);
}

}  // namespace
