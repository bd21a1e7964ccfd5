// Differential verification of the MAC array RTL (Verilated) against the golden model and
// the C++ cycle model: every output bit and every cycle count. No SystemC here, so one
// process runs every case. Seeds are fixed and printed on failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "tlm/ndp/mac_cycle_engine.hpp"
#include "tlm/ndp/mac_differential.hpp"
#include "core/perf/mac_cycles.hpp"
#include "tlm/ndp/mac_random_tiles.hpp"
#include "tlm/ndp/mac_result_check.hpp"
#include "tlm/ndp/mac_rtl_engine.hpp"
#include "tlm/ndp/numerics/golden_gemm.hpp"
#include "tlm/ndp/numerics/quant.hpp"

namespace monde::ndp {
namespace {

const config::MacArrayShape kShape = rtl_built_shape();

// Golden result of a cleared tile straight from golden_tile_gemm (independent of the
// cycle model's accumulator bookkeeping).
// A quantised B enters as its dequantised operands (num::weight_operand).
std::vector<num::fp32_t> golden(const MacTile& t) {
  std::vector<num::fp32_t> c(std::size_t(t.rows) * t.cols, num::kFp32PosZero);
  const std::vector<num::bf16_t> b = b_operands(t);
  num::golden_tile_gemm(t.a.data(), b.data(), c.data(), t.rows, t.cols, t.k, true);
  return c;
}

void expect_same(const std::string& name, const MacTile& t, const MacTileResult& got, const MacTileResult& want) {
  const auto mm = compare_results(name, t, got, want);
  for (std::size_t i = 0; i < mm.size() && i < 5; ++i) ADD_FAILURE() << describe(mm[i]);
  EXPECT_TRUE(mm.empty()) << mm.size() << " mismatches in " << name;
}

// Random shapes (rows, cols, k all random, including k = 1 and partial tiles) until at least
// 240 tiles and 1,000,000 MACs have run, whatever the verilated shape (the sign-off coverage
// build is 4 x 4): RTL bits against golden, bits and cycles against the cycle model, cycles
// against the formula (tlm/ndp/mac_differential.hpp; `make regress` runs the same on many seeds).
TEST(MacRtlVsGolden, RandomShapesBitsAndCycles) {
  constexpr std::uint64_t kSeed = 0x5EED0001;
  DifferentialOptions opt;
  opt.min_tiles = 240;
  opt.min_macs = 1000000;
  const auto res = run_random_differential(kSeed, opt);
  for (const auto& f : res.failures) ADD_FAILURE() << f;
  EXPECT_TRUE(res.failures.empty());
  EXPECT_GE(res.tiles, 240u);
  EXPECT_GE(res.macs, 1000000u);
  RecordProperty("macs", static_cast<int>(res.macs));
  RecordProperty("tiles", static_cast<int>(res.tiles));
}

// Every special value against every other, in a single-k tile: the whole special-value
// table of the multiplier and the adder's handling of its results.
TEST(MacRtlVsGolden, SpecialValueCrossProduct) {
  const std::vector<num::bf16_t> specials = {0x0000, 0x8000, 0x7F80, 0xFF80, 0x7FC0, 0xFFC1, 0x7F81, 0x0001,
                                             0x807F, 0x0080, 0x8080, 0x7F7F, 0xFF7F, 0x3F80, 0xBF80, 0x4000};
  RtlMacEngine rtl(kShape, {});
  CycleMacEngine cyc(kShape);
  MacTile t;
  t.rows = kShape.rows;
  t.cols = kShape.cols;
  t.k = 2;  // second beat adds a fixed product so that NaN/inf accumulate too
  t.a.resize(std::size_t(t.rows) * t.k);
  t.b.resize(std::size_t(t.k) * t.cols);
  for (unsigned r = 0; r < t.rows; ++r) {
    t.a[r * t.k] = specials[r % specials.size()];
    t.a[r * t.k + 1] = specials[(r + 3) % specials.size()];
  }
  for (unsigned c = 0; c < t.cols; ++c) {
    t.b[c] = specials[c % specials.size()];
    t.b[t.cols + c] = specials[(c + 7) % specials.size()];
  }
  const auto r = rtl.run_tile(t);
  EXPECT_EQ(r.c_fp32, golden(t));
  expect_same("specials", t, r, cyc.run_tile(t));
}

// The dequantiser's whole special-case table (docs/mac_array.md, "Quantised weights"): every
// extreme code against every special scale, in single-beat tiles whose A is 1.0, so that each
// output is exactly add(+0, mul(1.0, operand)): the RTL's operand is visible bit for bit (-0
// becomes +0 through the +0 start). Both formats; RTL against golden and the cycle model.
TEST(MacRtlVsGolden, QuantisedSpecialScalesAndExtremeCodes) {
  const std::vector<num::bf16_t> scales = {
      0x7FC0, 0xFFC1, 0x7F81,  // NaNs
      0x7F80, 0xFF80,          // +-inf
      0x0000, 0x8000,          // +-0
      0x0001, 0x807F,          // subnormals (flushed)
      0x0080, 0x7F7F, 0xFF7F,  // smallest normal, +-largest finite
      0x3F80, 0x3F83, 0x3F81,  // 1.0; a tie (3 x 0x3F83); a carry (127 x 0x3F81)
      0x7E12, 0x7E7F, 0x7EFF,  // rounds up to inf (7 x 0x7E12); rounds down; overflows in mul
  };
  struct Fmt { config::WeightFormat format; std::vector<std::uint8_t> codes; };
  const Fmt fmts[] = {{config::WeightFormat::kInt8, {0x80, 0x7F, 0x00, 0x01, 0xFF, 0x03, 0x07, 0x81}},
                      {config::WeightFormat::kInt4, {0x8, 0x7, 0x0, 0x1, 0xF, 0x3, 0x9, 0x4}}};
  RtlMacEngine rtl(kShape, {});
  CycleMacEngine cyc(kShape);
  unsigned pairs = 0;
  for (const auto& f : fmts) {
    std::vector<std::pair<std::uint8_t, num::bf16_t>> all;
    for (auto s : scales) {
      for (auto q : f.codes) all.emplace_back(q, s);
    }
    for (std::size_t p0 = 0; p0 < all.size(); p0 += kShape.cols) {
      MacTile t;
      t.rows = kShape.rows;
      t.cols = static_cast<unsigned>(std::min<std::size_t>(kShape.cols, all.size() - p0));
      t.k = 1;
      t.b_format = f.format;
      t.a.assign(t.rows, 0x3F80);
      for (unsigned c = 0; c < t.cols; ++c) {
        t.b_codes.push_back(all[p0 + c].first);
        t.b_scales.push_back(all[p0 + c].second);
      }
      const auto r = rtl.run_tile(t);
      EXPECT_EQ(r.c_fp32, golden(t));
      expect_same(std::string("quantised specials ") + config::to_string(f.format), t, r, cyc.run_tile(t));
      for (unsigned c = 0; c < t.cols; ++c) {
        const num::bf16_t op = num::weight_operand(f.format, t.b_codes[c], t.b_scales[c]);
        const num::bf16_t want = op == 0x8000 ? 0x0000 : op;  // add(+0, -0) = +0
        EXPECT_EQ(r.c_bf16[c], want) << "code " << unsigned(t.b_codes[c]) << " scale " << t.b_scales[c];
        ++pairs;
      }
    }
  }
  EXPECT_EQ(pairs, 2u * 8u * 18u);
  // Hand-checked operands among them (tests/unit/test_numerics_quant.cpp derives each).
  EXPECT_EQ(num::weight_operand(config::WeightFormat::kInt4, 0x7, 0x7E12), 0x7F80);  // rounds up to inf
  EXPECT_EQ(num::weight_operand(config::WeightFormat::kInt8, 0x80, 0x7F7F), 0xFF80);  // -128 x max: -inf
  EXPECT_EQ(num::weight_operand(config::WeightFormat::kInt4, 0x8, 0x0001), 0x8000);   // -8 x subnormal: -0
  EXPECT_EQ(num::weight_operand(config::WeightFormat::kInt8, 0x00, 0x7F80), 0x7FC0);  // 0 x inf: NaN
}

// A quantised B over many beats with per-group scales, as the NDP units drive it (a scale per
// column, constant for G = 32 beats): random A, random codes, RTL against golden and the cycle
// model, bits and cycles (the tile takes k + 2 + rows cycles in every format).
TEST(MacRtlVsGolden, QuantisedGroupedTilesBitsAndCycles) {
  std::mt19937_64 rng(0x5EED0004);
  RtlMacEngine rtl(kShape, {});
  CycleMacEngine cyc(kShape);
  for (auto format : {config::WeightFormat::kInt8, config::WeightFormat::kInt4}) {
    for (unsigned i = 0; i < 6; ++i) {
      auto t = random_quantised_tile(rng, random_between(rng, 1, kShape.rows), kShape.cols, 96, true, format, 0.0, 0.0);
      for (unsigned kk = 0; kk < t.k; ++kk) {
        for (unsigned c = 0; c < t.cols; ++c) t.b_scales[kk * t.cols + c] = t.b_scales[(kk / 32 * 32) * t.cols + c];
      }
      const auto r = rtl.run_tile(t);
      EXPECT_EQ(r.c_fp32, golden(t));
      EXPECT_EQ(r.cycles, perf::mac_tile_cycles(96, t.rows));
      expect_same(std::string("grouped ") + config::to_string(format), t, r, cyc.run_tile(t));
    }
  }
}

// first = false continues the sums across tiles, and masked PEs keep their values: a full
// tile, then a partial one, then a full continuation must match the cycle model exactly.
TEST(MacRtlVsGolden, ContinuationAndMaskedPesHoldValues) {
  constexpr std::uint64_t kSeed = 0x5EED0002;
  std::mt19937_64 rng(kSeed);
  RtlMacEngine rtl(kShape, {});
  CycleMacEngine cyc(kShape);
  for (unsigned i = 0; i < 60; ++i) {
    SCOPED_TRACE("seed " + std::to_string(kSeed) + ", step " + std::to_string(i));
    const bool first = i % 4 == 0;
    const unsigned rows = (i % 3 == 1) ? random_between(rng, 1, kShape.rows) : kShape.rows;
    const unsigned cols = (i % 3 == 1) ? random_between(rng, 1, kShape.cols) : kShape.cols;
    const auto t = random_tile(rng, rows, cols, random_between(rng, 1, 12), first, 0.02);
    expect_same("step" + std::to_string(i), t, rtl.run_tile(t), cyc.run_tile(t));
  }
}

// Random input bubbles and output back-pressure: same bits, and the cycle count grows by
// exactly the stall cycles that took effect.
TEST(MacRtlVsGolden, HandshakeStallsAddExactlyTheirCycles) {
  constexpr std::uint64_t kSeed = 0x5EED0003;
  std::mt19937_64 rng(kSeed);
  RtlMacEngine rtl(kShape, {});
  rtl.set_random_stalls(0.3, 0.4, kSeed);
  std::uint64_t total_stalls = 0;
  for (unsigned i = 0; i < 80; ++i) {
    SCOPED_TRACE("seed " + std::to_string(kSeed) + ", tile " + std::to_string(i));
    const auto t = random_tile(rng, random_between(rng, 1, kShape.rows), random_between(rng, 1, kShape.cols),
                               random_between(rng, 1, 24), true, 0.03);
    const auto r = rtl.run_tile(t);
    ASSERT_EQ(r.c_fp32, golden(t));
    ASSERT_EQ(r.cycles, perf::mac_tile_cycles(t.k, t.rows) + rtl.stall_cycles());
    total_stalls += rtl.stall_cycles();
  }
  EXPECT_GT(total_stalls, 100u);  // the stalls really happened
}

// Hand-derived cycle counts: first beat at edge 0, K beats, results final at edge K+1,
// rows drained at edges K+2 .. K+1+R, next tile accepted at edge K+R+2.
TEST(MacRtlVsGolden, CycleCountsOfFixedShapes) {
  RtlMacEngine rtl(kShape, {});
  std::mt19937_64 rng(7);
  struct Case { unsigned rows, cols, k; std::uint64_t cycles; };
  const Case cases[] = {{1, 1, 1, 4},      {16, 16, 1, 19}, {16, 16, 64, 82}, {3, 7, 10, 15},
                        {16, 1, 256, 274}, {4, 4, 5, 11},   {2, 3, 100, 104}, {2, 2, 1, 5}};
  unsigned ran = 0;
  for (const auto& c : cases) {
    if (c.rows > kShape.rows || c.cols > kShape.cols) continue;  // smaller verilated shapes
    const auto r = rtl.run_tile(random_tile(rng, c.rows, c.cols, c.k, true, 0.0));
    EXPECT_EQ(r.cycles, c.cycles) << c.rows << "x" << c.cols << "x" << c.k;
    ++ran;
  }
  EXPECT_GE(ran, 4u);
}

TEST(MacRtlVsGolden, BadTilesAreRejectedWithTheField) {
  RtlMacEngine rtl(kShape, {});
  std::mt19937_64 rng(1);
  auto t = random_tile(rng, 4, 4, 4, true, 0.0);
  t.rows = kShape.rows + 1;
  const std::string want = "rows = " + std::to_string(kShape.rows + 1) + " is out of range (allowed 1.." +
                           std::to_string(kShape.rows) + ")";
  try {
    rtl.run_tile(t);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
  }
  EXPECT_THROW(RtlMacEngine(config::MacArrayShape{kShape.rows + 1, kShape.cols}, {}), std::invalid_argument);
}

}  // namespace
}  // namespace monde::ndp
