// Unit tests of the golden expert FFN (tlm/ndp/numerics/golden_expert.hpp): hand-derived small
// experts, the accumulation order, and bit equality with the NDP hardware's tiling (16x16
// golden_tile_gemm tiles, K split into chunks continued with first = false, outputs split
// column-parallel across units by unit_slice).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "tlm/ndp/command/work_split.hpp"
#include "tlm/ndp/numerics/bf16.hpp"
#include "tlm/ndp/numerics/golden_expert.hpp"
#include "tlm/ndp/numerics/golden_gemm.hpp"

namespace num = monde::num;
using num::bf16_t;
using num::ExpertActivation;
using num::fp32_t;

namespace {

// bf16 constants: the top 16 bits of the fp32 encoding.
constexpr bf16_t k0 = 0x0000, kNeg0 = 0x8000, kHalf = 0x3F00, k1 = 0x3F80, k2 = 0x4000,
                 kNeg1 = 0xBF80, kNeg2 = 0xC000, k32 = 0x4200, k2p24 = 0x4B80;

TEST(GoldenExpert, ReluByHand) {
  // T = 1, d_model = 2, d_ff = 2. x = [1 2].
  // w_up = [[1 1], [-1 -1]]: u = [1+2, -1-2] = [3, -3]; relu -> h = [3, +0] (bf16 0x4040, 0).
  // w_down = [[1 2], [0.5 -1]] (rows = outputs): y0 = 3*1 + 0*2 = 3 (0x4040);
  // y1 = add(add(+0, 3*0.5), 0*-1 = -0) = 1.5 (0x3FC0).
  const bf16_t x[2] = {k1, k2};
  const bf16_t w_up[4] = {k1, k1, kNeg1, kNeg1};
  const bf16_t w_down[4] = {k1, k2, kHalf, kNeg1};
  const num::ExpertResult r =
      num::golden_expert({x, w_up, nullptr, w_down}, {1, 2, 2}, ExpertActivation::kRelu);
  ASSERT_EQ(r.up.size(), 2u);
  EXPECT_EQ(r.up[0], 0x40400000u);
  EXPECT_EQ(r.up[1], 0xC0400000u);
  EXPECT_TRUE(r.gate.empty());
  EXPECT_EQ(r.h, (std::vector<bf16_t>{0x4040, 0x0000}));
  EXPECT_EQ(r.y_fp32, (std::vector<fp32_t>{0x40400000u, 0x3FC00000u}));
  EXPECT_EQ(r.y, (std::vector<bf16_t>{0x4040, 0x3FC0}));
}

TEST(GoldenExpert, SiluGatedByHand) {
  // T = 1, d_model = 2, d_ff = 3. x = [1 1].
  // w_gate rows [32 32], [0 0], [0.5 0.5] -> g = [64, +0, 1]
  // w_up   rows [1 2], [-1 -2], [1 0]     -> u = [3, -3, 1]
  // h0 = silu(64) * 3: 64 > 30 so silu(64) = 64 exactly; 192 = 1.5 * 2^7 -> bf16 0x4340.
  // h1 = silu(+0) * -3 = +0 * -3 = -0 -> 0x8000.
  // h2 = silu(1) * 1 = 0.7310585786... -> bf16: 0.7310586 * 256 = 187.15 -> 187/256 =
  //      1.4609375 * 2^-1: E 126, frac 0.4609375 * 128 = 59 -> 0x3F3B (0.15 from the rounding
  //      boundary, so silu's last-bit error cannot change it).
  // w_down (d_model x d_ff) rows [1 1 0], [0.5 2 0]:
  //   y0 = add(add(add(+0, 192), -0), 0.7310.. * 0 = +0) = 192 -> 0x4340
  //   y1 = 96 + (-0 * 2 = -0) + (0.73.. * 0 = +0) = 96 = 1.5 * 2^6 -> 0x42C0
  const bf16_t x[2] = {k1, k1};
  const bf16_t w_gate[6] = {k32, k32, k0, k0, kHalf, kHalf};
  const bf16_t w_up[6] = {k1, k2, kNeg1, kNeg2, k1, k0};
  const bf16_t w_down[6] = {k1, k1, k0, kHalf, k2, k0};
  const num::ExpertResult r =
      num::golden_expert({x, w_up, w_gate, w_down}, {1, 2, 3}, ExpertActivation::kSiluGated);
  EXPECT_EQ(r.gate, (std::vector<fp32_t>{0x42800000u, 0x00000000u, 0x3F800000u}));
  EXPECT_EQ(r.up, (std::vector<fp32_t>{0x40400000u, 0xC0400000u, 0x3F800000u}));
  EXPECT_EQ(r.h, (std::vector<bf16_t>{0x4340, 0x8000, 0x3F3B}));
  EXPECT_EQ(r.y, (std::vector<bf16_t>{0x4340, 0x42C0}));
}

TEST(GoldenExpert, AccumulatesInAscendingK) {
  // One output over k = 0..2 with x = [2^24, 1, 1] and weights 1:
  //   ascending: 2^24 + 1 is a tie between 2^24 (even) and 2^24 + 2 -> 2^24; + 1 again -> 2^24.
  //   (1 + 1 first would give 2^24 + 2.) So the sum is 2^24 = 0x4B800000.
  const bf16_t x[3] = {k2p24, k1, k1};
  const bf16_t w[3] = {k1, k1, k1};
  fp32_t out = 0xDEADBEEFu;
  num::golden_linear(x, w, &out, 1, 3, 1);
  EXPECT_EQ(out, 0x4B800000u);
}

TEST(GoldenExpert, FirstProductNegativeZeroGivesPositiveZero) {
  // add(+0, -0) = +0: a sum whose products are all -0 is +0, as in golden_tile_gemm.
  const bf16_t x[2] = {kNeg0, kNeg0};
  const bf16_t w[2] = {k1, k1};
  fp32_t out = 0xDEADBEEFu;
  num::golden_linear(x, w, &out, 1, 2, 1);
  EXPECT_EQ(out, 0x00000000u);
}

TEST(GoldenExpert, MissingTensorThrows) {
  const bf16_t v[4] = {k1, k1, k1, k1};
  EXPECT_THROW(num::golden_expert({v, v, nullptr, v}, {1, 2, 2}, ExpertActivation::kSiluGated),
               std::invalid_argument);
  EXPECT_THROW(num::golden_expert({v, nullptr, nullptr, v}, {1, 2, 2}, ExpertActivation::kRelu),
               std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Equality with the NDP tiling
// ---------------------------------------------------------------------------------------------

struct Tensors {
  std::vector<bf16_t> x, w_up, w_gate, w_down;
};

// Values 2^-8 .. 2^8 of both signs (so sums round and cancel), with a sprinkle of -0 and
// subnormals, and (when `nonfinite`) +-inf and NaN, to exercise the special rules through the
// tiling. Weights get no inf/NaN: one would poison a whole column of h and then every y.
bf16_t random_bf16(std::mt19937_64& rng, bool nonfinite) {
  const std::uint32_t r = static_cast<std::uint32_t>(rng());
  switch (r % 2000) {
    case 0: return 0x8000;  // -0
    case 1: return 0x0012;  // subnormal
    case 2: return nonfinite ? 0x7F80 : 0x8000;  // +inf
    case 3: return nonfinite ? 0xFF80 : 0x0000;  // -inf
    case 4: return nonfinite ? 0x7FC1 : 0x8012;  // NaN
    default: break;
  }
  const std::uint32_t exp = 127 - 8 + (r >> 11) % 17;
  return static_cast<bf16_t>(((r >> 8) & 1u) << 15 | exp << 7 | ((r >> 16) & 0x7Fu));
}

Tensors random_tensors(const num::ExpertDims& d, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Tensors t;
  auto fill = [&](std::vector<bf16_t>& v, std::size_t n, bool nonfinite) {
    v.resize(n);
    for (bf16_t& e : v) e = random_bf16(rng, nonfinite);
  };
  fill(t.x, d.tokens * d.d_model, true);
  fill(t.w_up, d.d_ff * d.d_model, false);
  fill(t.w_gate, d.d_ff * d.d_model, false);
  fill(t.w_down, d.d_model * d.d_ff, false);
  return t;
}

struct Schedule {
  unsigned units, rows, cols, k_chunk;
  unsigned granule;  // unit_slice granule: 16 (one tile) or 32 (one 64-byte line of bf16)
};

// out[rows x out_n] (fp32) = a[rows x in] . w[out_n x in]^T as the NDP units compute it:
// outputs split column-parallel over units (unit_slice in `granule` columns, then `cols`-wide
// tiles inside each slice), tokens in blocks of
// `rows`, K streamed in chunks of `k_chunk`, the first chunk with first = true and the rest
// continuing the accumulators with first = false.
std::vector<fp32_t> tiled_linear(const std::vector<bf16_t>& a, const std::vector<bf16_t>& w,
                                 std::size_t n_rows, std::size_t in, std::size_t out_n,
                                 const Schedule& s) {
  std::vector<fp32_t> out(n_rows * out_n, 0xDEADBEEFu);
  for (unsigned u = 0; u < s.units; ++u) {
    const monde::ndp::IndexRange cols =
        monde::ndp::unit_slice(static_cast<std::uint32_t>(out_n), s.units, u, s.granule);
    for (std::size_t c0 = cols.begin; c0 < cols.end; c0 += s.cols) {
      const std::size_t nc = std::min<std::size_t>(s.cols, cols.end - c0);
      for (std::size_t t0 = 0; t0 < n_rows; t0 += s.rows) {
        const std::size_t nr = std::min<std::size_t>(s.rows, n_rows - t0);
        std::vector<fp32_t> c(nr * nc, 0xDEADBEEFu);  // garbage: first = true must ignore it
        for (std::size_t kb = 0; kb < in; kb += s.k_chunk) {
          const std::size_t nk = std::min<std::size_t>(s.k_chunk, in - kb);
          std::vector<bf16_t> ta(nr * nk), tb(nk * nc);
          for (std::size_t r = 0; r < nr; ++r)
            for (std::size_t k = 0; k < nk; ++k) ta[r * nk + k] = a[(t0 + r) * in + kb + k];
          for (std::size_t k = 0; k < nk; ++k)
            for (std::size_t j = 0; j < nc; ++j) tb[k * nc + j] = w[(c0 + j) * in + kb + k];
          num::golden_tile_gemm(ta.data(), tb.data(), c.data(), static_cast<unsigned>(nr),
                                static_cast<unsigned>(nc), static_cast<unsigned>(nk), kb == 0);
        }
        for (std::size_t r = 0; r < nr; ++r)
          for (std::size_t j = 0; j < nc; ++j) out[(t0 + r) * out_n + c0 + j] = c[r * nc + j];
      }
    }
  }
  return out;
}

// The whole expert in the hardware's dataflow: up/gate, activation into h (bf16), barrier,
// down projection from h.
num::ExpertResult tiled_expert(const Tensors& t, const num::ExpertDims& d, ExpertActivation act,
                               const Schedule& s) {
  num::ExpertResult r;
  r.up = tiled_linear(t.x, t.w_up, d.tokens, d.d_model, d.d_ff, s);
  if (act == ExpertActivation::kSiluGated) {
    r.gate = tiled_linear(t.x, t.w_gate, d.tokens, d.d_model, d.d_ff, s);
  }
  r.h.resize(r.up.size());
  for (std::size_t i = 0; i < r.h.size(); ++i) {
    r.h[i] = num::expert_hidden(act, r.up[i], r.gate.empty() ? 0u : r.gate[i]);
  }
  r.y_fp32 = tiled_linear(r.h, t.w_down, d.tokens, d.d_ff, d.d_model, s);
  r.y.resize(r.y_fp32.size());
  for (std::size_t i = 0; i < r.y.size(); ++i) r.y[i] = num::to_bf16(r.y_fp32[i]);
  return r;
}

void expect_tiling_matches(ExpertActivation act, const Schedule& s, std::uint64_t seed) {
  // Dimensions that are not multiples of the tile or the chunk: partial row blocks (37 = 2*16+5),
  // d_ff = 80 = 5 tiles over 3 units (2,2,1), d_model = 96 = 6 tiles.
  const num::ExpertDims d{37, 96, 80};
  const Tensors t = random_tensors(d, seed);
  const num::ExpertResult want = num::golden_expert(
      {t.x.data(), t.w_up.data(), t.w_gate.data(), t.w_down.data()}, d, act);
  const num::ExpertResult got = tiled_expert(t, d, act, s);
  EXPECT_EQ(got.up, want.up);
  EXPECT_EQ(got.gate, want.gate);
  EXPECT_EQ(got.h, want.h);
  EXPECT_EQ(got.y_fp32, want.y_fp32);
  EXPECT_EQ(got.y, want.y);
}

TEST(GoldenExpertTiling, ReluMatchesAcrossSchedules) {
  expect_tiling_matches(ExpertActivation::kRelu, {3, 16, 16, 20, 16}, 1);
  expect_tiling_matches(ExpertActivation::kRelu, {4, 16, 16, 16, 32}, 2);
  expect_tiling_matches(ExpertActivation::kRelu, {1, 16, 16, 1, 16}, 3);
}

TEST(GoldenExpertTiling, SiluGatedMatchesAcrossSchedules) {
  expect_tiling_matches(ExpertActivation::kSiluGated, {3, 16, 16, 20, 32}, 4);
  expect_tiling_matches(ExpertActivation::kSiluGated, {2, 16, 16, 96, 16}, 5);
  expect_tiling_matches(ExpertActivation::kSiluGated, {5, 16, 16, 7, 32}, 6);
}

TEST(GoldenExpertTiling, DataDistinguishesAccumulationOrders) {
  // The equality above is meaningful only if the data make fp32 rounding order-dependent:
  // summing each output in descending k must change some bits.
  const num::ExpertDims d{37, 96, 80};
  const Tensors t = random_tensors(d, 1);
  std::vector<fp32_t> fwd(d.tokens * d.d_ff), rev(d.tokens * d.d_ff);
  num::golden_linear(t.x.data(), t.w_up.data(), fwd.data(), d.tokens, d.d_model, d.d_ff);
  std::vector<bf16_t> x_rev(t.x), w_rev(t.w_up);
  for (std::size_t r = 0; r < d.tokens; ++r)
    std::reverse(x_rev.begin() + r * d.d_model, x_rev.begin() + (r + 1) * d.d_model);
  for (std::size_t f = 0; f < d.d_ff; ++f)
    std::reverse(w_rev.begin() + f * d.d_model, w_rev.begin() + (f + 1) * d.d_model);
  num::golden_linear(x_rev.data(), w_rev.data(), rev.data(), d.tokens, d.d_model, d.d_ff);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < fwd.size(); ++i) differ += fwd[i] != rev[i] ? 1 : 0;
  EXPECT_GT(differ, fwd.size() / 10);
}

}  // namespace
