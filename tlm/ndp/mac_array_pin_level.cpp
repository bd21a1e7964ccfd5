#include "tlm/ndp/mac_array_pin_level.hpp"

#include <stdexcept>

#include "core/perf/mac_cycles.hpp"
#include "tlm/ndp/mac_rtl_engine.hpp"

namespace monde::ndp {

namespace {

// Copies between an sc_bv and a Verilated port (scalar or VlWide), 32 bits at a time.
template <int W, typename Port>
void bv_to_port(const sc_dt::sc_bv<W>& bv, Port& port) {
  if constexpr (std::is_integral_v<Port>) {
    port = static_cast<Port>(bv.to_uint64());
  } else {
    for (int w = 0; w * 32 < W; ++w) port[w] = bv.range(std::min(W - 1, w * 32 + 31), w * 32).to_uint();
  }
}
template <int W, typename Port>
sc_dt::sc_bv<W> port_to_bv(const Port& port) {
  sc_dt::sc_bv<W> bv;
  if constexpr (std::is_integral_v<Port>) {
    bv = static_cast<std::uint64_t>(port);
  } else {
    for (int w = 0; w * 32 < W; ++w) bv.range(std::min(W - 1, w * 32 + 31), w * 32) = port[w];
  }
  return bv;
}

}  // namespace

MacArrayPinLevel::MacArrayPinLevel(sc_core::sc_module_name name, const config::MacArrayConfig& config,
                                   const std::string& vcd_path)
    : sc_module(name),
      clk("clk", sc_core::sc_time(config.clock_period_ps(), sc_core::SC_PS)),
      shape_(config.shape),
      period_ps_(config.clock_period_ps()) {
  const auto built = rtl_built_shape();
  if (shape_.rows != built.rows || shape_.cols != built.cols) {
    throw std::invalid_argument("rtl_drive pins: the RTL is a " + std::to_string(built.rows) + " x " +
                                std::to_string(built.cols) + " array; the configuration asks for " +
                                std::to_string(shape_.rows) + " x " + std::to_string(shape_.cols));
  }
  context_ = std::make_unique<VerilatedContext>();
  if (!vcd_path.empty()) context_->traceEverOn(true);
  top_ = std::make_unique<Vmac_array>(context_.get(), "mac_array");
  if (!vcd_path.empty()) {
    vcd_ = std::make_unique<VerilatedVcdC>();
    top_->trace(vcd_.get(), 99);
    vcd_->open(vcd_path.c_str());
    if (!vcd_->isOpen()) throw std::runtime_error(vcd_path + ": cannot open VCD file for writing");
  }
  top_->rst_n = 0;
  top_->clk = 0;
  top_->eval();
  SC_METHOD(on_rising_edge);
  sensitive << clk.posedge_event();
  dont_initialize();
}

MacArrayPinLevel::~MacArrayPinLevel() {
  if (vcd_) vcd_->close();
  top_->final();
}

void MacArrayPinLevel::on_rising_edge() {
  // The first two edges hold the RTL in reset, like the batched engine.
  top_->rst_n = reset_cycles_left_ > 0 ? 0 : 1;
  if (reset_cycles_left_ > 0) --reset_cycles_left_;
  rst_n.write(top_->rst_n);
  top_->rows_valid = static_cast<std::uint32_t>(rows_valid.read());
  top_->cols_valid = static_cast<std::uint32_t>(cols_valid.read());
  top_->in_valid = in_valid.read();
  top_->in_first = in_first.read();
  top_->in_last = in_last.read();
  top_->out_ready = out_ready.read();
  bv_to_port(in_a.read(), top_->in_a);
  top_->in_fmt = static_cast<std::uint32_t>(in_fmt.read());
  bv_to_port(in_b.read(), top_->in_b);
  bv_to_port(in_scale.read(), top_->in_scale);

  const auto now_ps = static_cast<std::uint64_t>(sc_core::sc_time_stamp().to_seconds() * 1e12 + 0.5);
  top_->clk = 0;
  top_->eval();  // inputs changed since the last edge
  const auto half_ps = static_cast<std::uint64_t>(period_ps_ / 2);
  if (vcd_ && now_ps >= half_ps) vcd_->dump(now_ps - half_ps);
  top_->clk = 1;
  top_->eval();
  if (vcd_) vcd_->dump(now_ps);

  in_ready.write(top_->in_ready);
  out_valid.write(top_->out_valid);
  out_last.write(top_->out_last);
  out_row.write(top_->out_row);
  out_fp32.write(port_to_bv<kCols * 32>(top_->out_fp32));
  out_bf16.write(port_to_bv<kCols * 16>(top_->out_bf16));
}

void MacArrayPinLevel::wait_cycle() {
  sc_core::wait(clk.posedge_event());
  sc_core::wait(sc_core::SC_ZERO_TIME);  // the model's outputs of this edge are now visible
}

MacTileResult MacArrayPinLevel::run_tile(const MacTile& tile) {
  if (auto err = check_tile(shape_, tile); !err.empty()) throw std::invalid_argument(err);
  // Align to the clock and let reset finish.
  do {
    wait_cycle();
  } while (reset_cycles_left_ > 0);

  MacTileResult r;
  r.rows = tile.rows;
  r.cols = tile.cols;
  r.c_fp32.assign(std::size_t(tile.rows) * tile.cols, 0);
  r.c_bf16.assign(r.c_fp32.size(), 0);
  const std::uint64_t watchdog = 16 * perf::mac_tile_cycles(tile.k, tile.rows) + 1024;
  unsigned beats = 0;
  unsigned rows_out = 0;
  for (std::uint64_t edge = 0;; ++edge) {
    if (beats == tile.k && rows_out == tile.rows && in_ready.read()) {
      in_valid.write(false);
      r.cycles = edge;
      return r;
    }
    if (edge > watchdog) throw std::runtime_error("pin-level RTL MAC array did not finish a tile");
    const bool send = beats < tile.k;
    rows_valid.write(tile.rows);
    cols_valid.write(tile.cols);
    in_valid.write(send);
    in_first.write(send && beats == 0 && tile.first);
    in_last.write(send && beats + 1 == tile.k);
    out_ready.write(true);
    in_fmt.write(static_cast<unsigned>(tile.b_format));
    if (send) {
      sc_dt::sc_bv<kRows * 16> a;
      sc_dt::sc_bv<kCols * 16> b;
      sc_dt::sc_bv<kCols * 16> scale;
      for (unsigned i = 0; i < tile.rows; ++i) a.range(i * 16 + 15, i * 16) = tile.a[std::size_t(i) * tile.k + beats];
      const std::size_t row = std::size_t(beats) * tile.cols;
      if (tile.b_format == config::WeightFormat::kBf16) {
        for (unsigned j = 0; j < tile.cols; ++j) b.range(j * 16 + 15, j * 16) = tile.b[row + j];
      } else {
        const int w = static_cast<int>(config::weight_bits(tile.b_format));  // 8 or 4 bits per code
        for (unsigned j = 0; j < tile.cols; ++j) {
          b.range(int(j) * w + w - 1, int(j) * w) = tile.b_codes[row + j];
          scale.range(j * 16 + 15, j * 16) = tile.b_scales[row + j];
        }
      }
      in_a.write(a);
      in_b.write(b);
      in_scale.write(scale);
    }
    // Handshakes complete at the coming edge with the values visible now.
    const bool in_fire = send && in_ready.read();
    const bool out_fire = out_valid.read();
    if (out_fire) {
      if (out_row.read() != rows_out || rows_out >= tile.rows) {
        throw std::runtime_error("pin-level RTL drained row " + std::to_string(out_row.read().to_uint()) +
                                 ", expected row " + std::to_string(rows_out));
      }
      const auto fp = out_fp32.read();
      const auto bf = out_bf16.read();
      for (unsigned j = 0; j < tile.cols; ++j) {
        r.c_fp32[std::size_t(rows_out) * tile.cols + j] = fp.range(j * 32 + 31, j * 32).to_uint();
        r.c_bf16[std::size_t(rows_out) * tile.cols + j] =
            static_cast<num::bf16_t>(bf.range(j * 16 + 15, j * 16).to_uint());
      }
      ++rows_out;
    }
    if (in_fire) ++beats;
    wait_cycle();
  }
}

}  // namespace monde::ndp
