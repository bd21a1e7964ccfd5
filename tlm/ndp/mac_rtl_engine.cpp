// Verilator's headers must come before anything that might pull in SystemC.
#include <verilated.h>
#include <verilated_vcd_c.h>
#if VM_COVERAGE
#include <verilated_cov.h>

#include <atomic>
#include <filesystem>
#include <unistd.h>
#endif

#include "Vmac_array.h"

#include "tlm/ndp/mac_rtl_engine.hpp"

#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "core/perf/mac_cycles.hpp"
#include "tlm/ndp/verilated_lanes.hpp"

namespace monde::ndp {


config::MacArrayShape rtl_built_shape() { return config::MacArrayShape{MONDE_RTL_ROWS, MONDE_RTL_COLS}; }

struct RtlMacEngine::Impl {
  config::MacArrayShape shape;
  RtlEngineOptions options;
  std::unique_ptr<VerilatedContext> context;
  std::unique_ptr<Vmac_array> top;
  std::unique_ptr<VerilatedVcdC> vcd;
  std::uint64_t cycle = 0;
  double in_bubble_p = 0.0;
  double out_stall_p = 0.0;
  std::mt19937_64 rng;
  std::uint64_t stalls = 0;

  void dump(std::uint64_t half_periods) {
    if (vcd) vcd->dump(static_cast<std::uint64_t>(half_periods * options.clock_period_ps / 2.0));
  }
  // Clock low with the inputs already set: settle the combinational outputs. Inputs may be
  // set again within the same cycle, so the low phase is dumped at the edge, not here.
  void settle() {
    top->clk = 0;
    top->eval();
  }
  void rising_edge() {
    dump(2 * cycle);
    top->clk = 1;
    top->eval();
    dump(2 * cycle + 1);
    ++cycle;
    // The RTL's assertions are sampled at the clock edge (Verilator prints the failing one's
    // name and file:line); a violation is an RTL or driver bug, so the tile fails here.
    if (context->gotError()) {
      throw std::runtime_error("RTL MAC array: assertion failed at cycle " + std::to_string(cycle) +
                               " (the %Error line above names it)");
    }
  }
  bool chance(double p) {
    return p > 0.0 && std::uniform_real_distribution<double>(0.0, 1.0)(rng) < p;
  }
};

RtlMacEngine::RtlMacEngine(const config::MacArrayShape& shape, const RtlEngineOptions& options)
    : impl_(std::make_unique<Impl>()) {
  const auto built = rtl_built_shape();
  if (shape.rows != built.rows || shape.cols != built.cols) {
    throw std::invalid_argument(
        "pe_model rtl: the RTL was verilated as a " + std::to_string(built.rows) + " x " +
        std::to_string(built.cols) + " array (CMake MONDE_RTL_ROWS/MONDE_RTL_COLS); the configuration asks for " +
        std::to_string(shape.rows) + " x " + std::to_string(shape.cols));
  }
  auto& m = *impl_;
  m.shape = shape;
  m.options = options;
  m.context = std::make_unique<VerilatedContext>();
  // A failed assertion must not abort the process: rising_edge() turns it into an exception.
  m.context->fatalOnError(false);
  if (!options.vcd_path.empty()) m.context->traceEverOn(true);
  m.top = std::make_unique<Vmac_array>(m.context.get(), "mac_array");
  // Synchronous reset: two cycles with rst_n low leave every accumulator at +0, state ACCEPT.
  m.top->rst_n = 0;
  m.top->in_valid = 0;
  m.top->out_ready = 0;
  for (int i = 0; i < 2; ++i) {
    m.settle();
    m.rising_edge();
  }
  m.top->rst_n = 1;
  // Cycle 0 (and VCD time 0) is the first cycle after reset, so that the VCD lines up with
  // SystemC time; the trace opens here and starts with the reset values.
  m.cycle = 0;
  if (!options.vcd_path.empty()) {
    m.vcd = std::make_unique<VerilatedVcdC>();
    m.top->trace(m.vcd.get(), 99);
    m.vcd->open(options.vcd_path.c_str());
    if (!m.vcd->isOpen()) throw std::runtime_error(options.vcd_path + ": cannot open VCD file for writing");
  }
  m.settle();
}

RtlMacEngine::~RtlMacEngine() {
  if (impl_->vcd) {
    impl_->dump(2 * impl_->cycle);  // the final low phase
    impl_->vcd->close();
  }
  impl_->top->final();
#if VM_COVERAGE
  // Sign-off coverage build: one file per engine (process id + sequence number), merged by
  // scripts/signoff with verilator_coverage.
  static std::atomic<unsigned> sequence{0};
  const std::filesystem::path dir = MONDE_RTL_COVERAGE_DIR;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const auto file = dir / ("engine_" + std::to_string(::getpid()) + "_" + std::to_string(sequence++) + ".dat");
  impl_->context->coveragep()->write(file.c_str());
#endif
}

config::MacArrayShape RtlMacEngine::shape() const { return impl_->shape; }
std::uint64_t RtlMacEngine::stall_cycles() const { return impl_->stalls; }
std::uint64_t RtlMacEngine::cycle() const { return impl_->cycle; }

void RtlMacEngine::skip_idle_to_cycle(std::uint64_t cycle) {
  if (cycle > impl_->cycle) impl_->cycle = cycle;
}

void RtlMacEngine::set_random_stalls(double in_bubble_probability, double out_stall_probability,
                                     std::uint64_t seed) {
  impl_->in_bubble_p = in_bubble_probability;
  impl_->out_stall_p = out_stall_probability;
  impl_->rng.seed(seed);
}

MacTileResult RtlMacEngine::run_tile(const MacTile& tile) {
  auto& m = *impl_;
  if (auto err = check_tile(m.shape, tile); !err.empty()) throw std::invalid_argument(err);
  auto& top = *m.top;

  MacTileResult r;
  r.rows = tile.rows;
  r.cols = tile.cols;
  r.c_fp32.assign(std::size_t(tile.rows) * tile.cols, 0);
  r.c_bf16.assign(r.c_fp32.size(), 0);
  m.stalls = 0;

  // Generous bound: a broken RTL must fail the tile, never hang the simulation.
  const std::uint64_t watchdog = 16 * perf::mac_tile_cycles(tile.k, tile.rows) + 1024;
  unsigned beats = 0;
  unsigned rows_out = 0;
  for (std::uint64_t edge = 0;; ++edge) {
    const bool bubble = beats < tile.k && m.chance(m.in_bubble_p);
    const bool send = beats < tile.k && !bubble;
    top.rows_valid = tile.rows;
    top.cols_valid = tile.cols;
    top.in_valid = send;
    top.in_first = send && beats == 0 && tile.first;
    top.in_last = send && beats + 1 == tile.k;
    top.in_fmt = static_cast<std::uint8_t>(tile.b_format);  // 0 bf16, 1 int8, 2 int4 (as in_fmt)
    if (send) {
      for (unsigned i = 0; i < tile.rows; ++i) put_lane(top.in_a, i, 16, tile.a[std::size_t(i) * tile.k + beats]);
      const std::size_t row = std::size_t(beats) * tile.cols;
      if (tile.b_format == config::WeightFormat::kBf16) {
        for (unsigned j = 0; j < tile.cols; ++j) put_lane(top.in_b, j, 16, tile.b[row + j]);
      } else {
        // Codes packed at the format's width (16 int4 codes are 8 bytes of in_b), scales per column.
        const unsigned width = config::weight_bits(tile.b_format);
        for (unsigned j = 0; j < tile.cols; ++j) {
          put_lane(top.in_b, j, width, tile.b_codes[row + j]);
          put_lane(top.in_scale, j, 16, tile.b_scales[row + j]);
        }
      }
    }
    const bool hold_out = m.chance(m.out_stall_p);
    top.out_ready = !hold_out;
    m.settle();

    // The tile is over once everything is through and the array accepts input again.
    if (beats == tile.k && rows_out == tile.rows && top.in_ready) {
      r.cycles = edge;
      return r;
    }
    if (edge > watchdog) {
      throw std::runtime_error("RTL MAC array did not finish a tile (k=" + std::to_string(tile.k) + ", rows=" +
                               std::to_string(tile.rows) + ") within " + std::to_string(watchdog) + " cycles");
    }
    if (bubble && top.in_ready) ++m.stalls;
    if (hold_out && top.out_valid) ++m.stalls;
    if (top.in_valid && top.in_ready) ++beats;
    if (top.out_valid && top.out_ready) {
      if (top.out_row != rows_out || rows_out >= tile.rows) {
        throw std::runtime_error("RTL MAC array drained row " + std::to_string(top.out_row) + ", expected row " +
                                 std::to_string(rows_out));
      }
      for (unsigned j = 0; j < tile.cols; ++j) {
        r.c_fp32[std::size_t(rows_out) * tile.cols + j] = get_lane(top.out_fp32, j, 32);
        r.c_bf16[std::size_t(rows_out) * tile.cols + j] = static_cast<num::bf16_t>(get_lane(top.out_bf16, j, 16));
      }
      ++rows_out;
    }
    m.rising_edge();
  }
}

}  // namespace monde::ndp
