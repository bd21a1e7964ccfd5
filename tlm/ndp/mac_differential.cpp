#include "tlm/ndp/mac_differential.hpp"

#include <random>

#include "core/perf/mac_cycles.hpp"
#include "tlm/ndp/mac_cycle_engine.hpp"
#include "tlm/ndp/mac_random_tiles.hpp"
#include "tlm/ndp/mac_result_check.hpp"
#include "tlm/ndp/mac_rtl_engine.hpp"
#include "tlm/ndp/numerics/golden_gemm.hpp"

namespace monde::ndp {

DifferentialResult run_random_differential(std::uint64_t seed, const DifferentialOptions& options) {
  const auto shape = rtl_built_shape();
  std::mt19937_64 rng(seed);
  RtlMacEngine rtl(shape, {});
  if (options.in_bubble_probability > 0.0 || options.out_stall_probability > 0.0) {
    rtl.set_random_stalls(options.in_bubble_probability, options.out_stall_probability, seed);
  }
  CycleMacEngine cyc(shape);
  DifferentialResult res;
  auto fail = [&](const std::string& where, const std::string& what) {
    if (res.failures.size() < options.max_failures) res.failures.push_back(where + ": " + what);
  };
  for (unsigned i = 0; i < options.min_tiles || res.macs < options.min_macs; ++i) {
    const unsigned rows = random_between(rng, 1, shape.rows);
    const unsigned cols = random_between(rng, 1, shape.cols);
    const unsigned k = i < 8 ? 1 : random_between(rng, 1, options.max_k);
    const double special = (i % 3 == 0) ? 0.0 : (i % 3 == 1) ? 0.005 : 0.05;
    const bool quantised = i % 4 == 3;
    const auto format = (i / 4) % 2 == 0 ? config::WeightFormat::kInt8 : config::WeightFormat::kInt4;
    const auto tile = quantised ? random_quantised_tile(rng, rows, cols, k, true, format, special)
                                : random_tile(rng, rows, cols, k, true, special);
    const std::string where = "seed " + std::to_string(seed) + " tile " + std::to_string(i) + " (" +
                              std::to_string(rows) + "x" + std::to_string(cols) + "x" + std::to_string(k) +
                              (quantised ? std::string(" ") + config::to_string(format) : std::string()) + ")";
    const auto r = rtl.run_tile(tile);
    const auto c = cyc.run_tile(tile);
    std::vector<num::fp32_t> golden(std::size_t(rows) * cols, num::kFp32PosZero);
    const std::vector<num::bf16_t> b = b_operands(tile);  // quantised B: num::weight_operand of each code
    num::golden_tile_gemm(tile.a.data(), b.data(), golden.data(), rows, cols, k, true);
    if (r.c_fp32 != golden) fail(where, "RTL fp32 results differ from the golden GEMM");
    // The cycle model has no stalls: compare its bits, and its cycles only without stalls.
    auto cyc_view = c;
    cyc_view.cycles = r.cycles;
    for (const auto& m : compare_results("tile" + std::to_string(i), tile, r, cyc_view)) fail(where, describe(m));
    const std::uint64_t want_cycles = perf::mac_tile_cycles(k, rows) + rtl.stall_cycles();
    if (r.cycles != want_cycles) {
      fail(where, "RTL took " + std::to_string(r.cycles) + " cycles, formula + stalls = " + std::to_string(want_cycles));
    }
    if (rtl.stall_cycles() == 0 && c.cycles != r.cycles) {
      fail(where, "cycle model took " + std::to_string(c.cycles) + " cycles, RTL " + std::to_string(r.cycles));
    }
    res.stall_cycles += rtl.stall_cycles();
    res.macs += std::uint64_t(rows) * cols * k;
    res.tiles = i + 1;
  }
  return res;
}

}  // namespace monde::ndp
