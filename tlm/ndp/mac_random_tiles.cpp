#include "tlm/ndp/mac_random_tiles.hpp"

#include <array>

namespace monde::ndp {

unsigned random_between(std::mt19937_64& rng, unsigned lo, unsigned hi) {
  return lo + static_cast<unsigned>(rng() % (std::uint64_t(hi) - lo + 1));
}

namespace {
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

constexpr std::array<num::bf16_t, 16> kSpecials = {
    0x0000, 0x8000,          // +0, -0
    0x7F80, 0xFF80,          // +inf, -inf
    0x7FC0, 0xFFC1, 0x7F81,  // NaNs: canonical, negative with payload, signalling
    0x0001, 0x807F, 0x0040,  // subnormals (flushed to zero by the datapath)
    0x0080, 0x8080,          // +-smallest normal
    0x7F7F, 0xFF7F,          // +-largest finite
    0x3F80, 0xBF80,          // +-1
};
}  // namespace

num::bf16_t random_bf16(std::mt19937_64& rng, double special_fraction, double wide_fraction) {
  if (special_fraction > 0.0 && unit(rng) < special_fraction) return kSpecials[rng() % kSpecials.size()];
  const auto bits = rng();
  const unsigned sign = static_cast<unsigned>(bits & 1);
  const unsigned frac = static_cast<unsigned>((bits >> 1) & 0x7F);
  const bool wide = wide_fraction > 0.0 && unit(rng) < wide_fraction;
  unsigned exp;
  if (!wide) {
    exp = 127 - 8 + static_cast<unsigned>((bits >> 16) % 17);  // 2^-8 .. 2^8
  } else {
    exp = 1 + static_cast<unsigned>((bits >> 16) % 254);  // any normal exponent
  }
  return static_cast<num::bf16_t>((sign << 15) | (exp << 7) | frac);
}

namespace {
// A tile's shape with A sized (rows x k), its values not yet drawn.
MacTile tile_of_shape(unsigned rows, unsigned cols, unsigned k, bool first) {
  MacTile t;
  t.rows = rows;
  t.cols = cols;
  t.k = k;
  t.first = first;
  t.a.resize(std::size_t(rows) * k);
  return t;
}
}  // namespace

MacTile random_tile(std::mt19937_64& rng, unsigned rows, unsigned cols, unsigned k, bool first,
                    double special_fraction, double wide_fraction) {
  MacTile t = tile_of_shape(rows, cols, k, first);
  t.b.resize(std::size_t(k) * cols);
  for (auto& v : t.a) v = random_bf16(rng, special_fraction, wide_fraction);
  for (auto& v : t.b) v = random_bf16(rng, special_fraction, wide_fraction);
  return t;
}

MacTile random_quantised_tile(std::mt19937_64& rng, unsigned rows, unsigned cols, unsigned k, bool first,
                              config::WeightFormat format, double special_fraction, double wide_fraction) {
  MacTile t = tile_of_shape(rows, cols, k, first);
  t.b_format = format;
  t.b_codes.resize(std::size_t(k) * cols);
  t.b_scales.resize(std::size_t(k) * cols);
  const unsigned code_mask = format == config::WeightFormat::kInt4 ? 0x0Fu : 0xFFu;
  for (auto& v : t.a) v = random_bf16(rng, special_fraction, wide_fraction);
  for (auto& v : t.b_codes) v = static_cast<std::uint8_t>(rng() & code_mask);
  for (auto& v : t.b_scales) v = random_bf16(rng, special_fraction, wide_fraction);
  return t;
}

}  // namespace monde::ndp
