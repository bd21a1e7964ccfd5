// Quantised weights (quant.hpp): the dequantiser rule, the device layout and the driver's
// quantiser, with integers only.
#include "tlm/ndp/numerics/quant.hpp"

#include <stdexcept>
#include <string>

namespace monde::num {

namespace {

constexpr bf16_t kBf16ExpMask = 0x7F80u;
constexpr bf16_t kBf16FracMask = 0x007Fu;

int bf16_biased_exp(bf16_t x) { return (x & kBf16ExpMask) >> 7; }
// Significand with the hidden bit (8 bits) of a normal bf16.
std::uint64_t bf16_sig(bf16_t x) { return 0x80u | (x & kBf16FracMask); }

// round(n / d) to nearest, ties to even (d > 0).
std::uint64_t div_rne(std::uint64_t n, std::uint64_t d) {
  std::uint64_t q = n / d;
  const std::uint64_t r = n - q * d;
  if (2 * r > d || (2 * r == d && (q & 1u) != 0)) ++q;
  return q;
}

// amax / qmax rounded to a bf16 (RNE on the exact quotient), +0 when below 2^-126.
// amax is a normal bf16 magnitude (sign 0).
bf16_t scale_of(bf16_t amax, unsigned qmax) {
  const int ea = bf16_biased_exp(amax);
  // amax = ma x 2^(ea - 134); the quotient's integer part q0 = (ma << 16) / qmax has 17..22 bits.
  const std::uint64_t n = bf16_sig(amax) << 16;
  const std::uint64_t q0 = n / qmax;
  const bool rem = n % qmax != 0;
  int p = 63;
  while (((q0 >> p) & 1u) == 0) --p;  // top bit of q0 (>= 16)
  const int drop = p - 7;             // keep 8 significant bits
  std::uint64_t m = q0 >> drop;
  const std::uint64_t dropped = q0 & ((std::uint64_t{1} << drop) - 1);
  const std::uint64_t half = std::uint64_t{1} << (drop - 1);
  if (dropped > half || (dropped == half && (rem || (m & 1u) != 0))) ++m;
  if (m == 0x100u) {  // rounded up to the next power of two
    m = 0x80u;
    ++p;
  }
  // value = m x 2^(drop + ea - 150) with m in [2^7, 2^8): biased exponent p + ea - 23.
  const int biased = p + ea - 23;
  if (biased <= 0) return 0;  // below 2^-126: flushed, as the datapath would flush it
  return static_cast<bf16_t>((biased << 7) | (m & kBf16FracMask));
}

// round(|w| / s) to nearest, ties to even, capped at cap (w, s normal; s > 0).
std::uint64_t quotient_rne(bf16_t w, bf16_t s, std::uint64_t cap) {
  const int d = bf16_biased_exp(w) - bf16_biased_exp(s);  // |w| / s = (mw / ms) x 2^d
  const std::uint64_t mw = bf16_sig(w), ms = bf16_sig(s);
  if (d > 16) return cap;   // >= 2^16 x 128 / 255: far above any cap
  if (d < -20) return 0;    // < 2^-20 x 255 / 128: far below one half
  const std::uint64_t q = d >= 0 ? div_rne(mw << d, ms) : div_rne(mw, ms << -d);
  return q > cap ? cap : q;
}

bool is_zero_or_subnormal(bf16_t x) { return (x & kBf16ExpMask) == 0; }

}  // namespace

int decode_code(WeightFormat f, std::uint8_t code) {
  switch (f) {
    case WeightFormat::kInt8: return static_cast<int>(code) - ((code & 0x80u) != 0 ? 256 : 0);
    case WeightFormat::kInt4: return static_cast<int>(code & 0x0Fu) - ((code & 0x08u) != 0 ? 16 : 0);
    case WeightFormat::kBf16: break;
  }
  return 0;
}

bf16_t int_to_bf16(int q) {
  if (q < -128 || q > 128) throw std::invalid_argument("int_to_bf16: " + std::to_string(q) + " is outside -128 .. 128");
  if (q == 0) return 0;
  const unsigned sign = q < 0 ? 0x8000u : 0u;
  unsigned mag = static_cast<unsigned>(q < 0 ? -q : q);
  int top = 7;
  while (((mag >> top) & 1u) == 0) --top;
  // mag = 1.f x 2^top, exactly: the bits below the leading one, left-aligned in 7 bits.
  const unsigned frac = (mag << (7 - top)) & kBf16FracMask;
  return static_cast<bf16_t>(sign | (static_cast<unsigned>(127 + top) << 7) | frac);
}

bf16_t dequantise(int q, bf16_t scale) { return to_bf16(mul(int_to_bf16(q), scale)); }

bf16_t weight_operand(WeightFormat f, std::uint16_t bits, bf16_t scale) {
  if (f == WeightFormat::kBf16) return bits;
  return dequantise(decode_code(f, static_cast<std::uint8_t>(bits & 0xFFu)), scale);
}

std::uint8_t row_code(WeightFormat f, const std::uint8_t* row_codes, std::size_t k) {
  if (f == WeightFormat::kInt4) {
    const std::uint8_t b = row_codes[k / 2];
    return static_cast<std::uint8_t>((k % 2 == 0) ? (b & 0x0Fu) : (b >> 4));
  }
  return row_codes[k];
}

std::uint8_t QuantisedMatrix::code(std::size_t row, std::size_t k) const {
  const std::size_t row_bytes = cols * config::weight_bits(encoding.format) / 8;
  return row_code(encoding.format, codes.data() + row * row_bytes, k);
}

void QuantisedMatrix::set_code(std::size_t row, std::size_t k, std::uint8_t raw) {
  const std::size_t row_bytes = cols * config::weight_bits(encoding.format) / 8;
  std::uint8_t& byte = codes[row * row_bytes + (encoding.format == WeightFormat::kInt4 ? k / 2 : k)];
  if (encoding.format != WeightFormat::kInt4) {
    byte = raw;
  } else if (k % 2 == 0) {
    byte = static_cast<std::uint8_t>((byte & 0xF0u) | (raw & 0x0Fu));
  } else {
    byte = static_cast<std::uint8_t>((byte & 0x0Fu) | ((raw & 0x0Fu) << 4));
  }
}

QuantisedMatrix zero_quantised_matrix(const WeightEncoding& e, std::size_t rows, std::size_t cols) {
  QuantisedMatrix m;
  m.encoding = e;
  m.rows = rows;
  m.cols = cols;
  m.codes.assign(config::weight_matrix_bytes(e.format, rows, cols), 0);
  m.scales.assign(rows * (cols / e.group_size), 0);
  return m;
}

bf16_t QuantisedMatrix::scale(std::size_t row, std::size_t k) const {
  return scales[row * (cols / encoding.group_size) + k / encoding.group_size];
}

bf16_t quantise_group(const bf16_t* w, std::size_t n, WeightFormat f, int* codes) {
  const unsigned qmax = static_cast<unsigned>(config::quant_max(f));
  bf16_t amax = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const bf16_t mag = is_zero_or_subnormal(w[i]) ? 0 : static_cast<bf16_t>(w[i] & 0x7FFFu);
    if (mag > amax) amax = mag;  // bf16 magnitudes order like their encodings
  }
  const bf16_t s = amax == 0 ? 0 : scale_of(amax, qmax);
  for (std::size_t i = 0; i < n; ++i) {
    if (s == 0 || is_zero_or_subnormal(w[i])) {
      codes[i] = 0;
      continue;
    }
    const auto q = static_cast<int>(quotient_rne(static_cast<bf16_t>(w[i] & 0x7FFFu), s, qmax));
    codes[i] = (w[i] & 0x8000u) != 0 ? -q : q;
  }
  return s;
}

QuantisedMatrix quantise(const bf16_t* w, std::size_t rows, std::size_t cols, const WeightEncoding& e) {
  if (!e.quantised()) throw std::invalid_argument("quantise: the encoding is bf16 (nothing to quantise)");
  if (!config::valid_group_size(e.group_size)) {
    throw std::invalid_argument("quantise: group size " + std::to_string(e.group_size) + " is not 32, 64 or 128");
  }
  if (cols % e.group_size != 0) {
    throw std::invalid_argument("quantise: " + std::to_string(cols) + " columns are not a multiple of the group size " +
                                std::to_string(e.group_size));
  }
  QuantisedMatrix m = zero_quantised_matrix(e, rows, cols);
  std::vector<int> q(e.group_size);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const bf16_t v = w[r * cols + c];
      if ((v & kBf16ExpMask) == kBf16ExpMask) {
        throw std::invalid_argument("quantise: weight [" + std::to_string(r) + "][" + std::to_string(c) +
                                    "] is " + ((v & kBf16FracMask) != 0 ? "NaN" : "infinite") +
                                    "; only finite weights have a scaled integer grid");
      }
    }
    for (std::size_t g = 0; g < cols / e.group_size; ++g) {
      const std::size_t k0 = g * e.group_size;
      m.scales[r * (cols / e.group_size) + g] = quantise_group(w + r * cols + k0, e.group_size, e.format, q.data());
      for (std::size_t i = 0; i < e.group_size; ++i) m.set_code(r, k0 + i, static_cast<std::uint8_t>(q[i] & 0xFF));
    }
  }
  return m;
}

std::vector<bf16_t> dequantise(const QuantisedMatrix& m) {
  std::vector<bf16_t> out(m.rows * m.cols);
  for (std::size_t r = 0; r < m.rows; ++r) {
    for (std::size_t k = 0; k < m.cols; ++k) {
      out[r * m.cols + k] = dequantise(decode_code(m.encoding.format, m.code(r, k)), m.scale(r, k));
    }
  }
  return out;
}

}  // namespace monde::num
