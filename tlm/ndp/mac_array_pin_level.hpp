// Pin-level, clocked co-simulation of the MAC array RTL: an sc_clock, one sc_signal per
// port, and the Verilated model evaluated at every rising edge. A driver in the calling
// thread works the valid/ready handshakes cycle by cycle. Orders of magnitude slower than
// the batched engine; it exists so that the handshakes can be watched and poked in SystemC.
#pragma once

// Verilator's headers must precede SystemC's.
#include <verilated.h>
#include <verilated_vcd_c.h>

#include "Vmac_array.h"

#include <memory>
#include <string>

#include <systemc>

#include "core/config/ndp_config.hpp"
#include "tlm/ndp/mac_tile.hpp"

namespace monde::ndp {

class MacArrayPinLevel : public sc_core::sc_module {
 public:
  static constexpr int kRows = MONDE_RTL_ROWS;
  static constexpr int kCols = MONDE_RTL_COLS;

  SC_HAS_PROCESS(MacArrayPinLevel);
  MacArrayPinLevel(sc_core::sc_module_name name, const config::MacArrayConfig& config, const std::string& vcd_path);
  ~MacArrayPinLevel() override;

  // Drives one tile through the pins; call from an SC_THREAD.
  MacTileResult run_tile(const MacTile& tile);

  sc_core::sc_clock clk;
  sc_core::sc_signal<bool> rst_n{"rst_n", false};
  sc_core::sc_signal<sc_dt::sc_uint<16>> rows_valid{"rows_valid"};
  sc_core::sc_signal<sc_dt::sc_uint<16>> cols_valid{"cols_valid"};
  sc_core::sc_signal<bool> in_valid{"in_valid"}, in_ready{"in_ready"}, in_first{"in_first"}, in_last{"in_last"};
  sc_core::sc_signal<sc_dt::sc_bv<kRows * 16>> in_a{"in_a"};
  sc_core::sc_signal<sc_dt::sc_uint<2>> in_fmt{"in_fmt"};
  sc_core::sc_signal<sc_dt::sc_bv<kCols * 16>> in_b{"in_b"};
  sc_core::sc_signal<sc_dt::sc_bv<kCols * 16>> in_scale{"in_scale"};
  sc_core::sc_signal<bool> out_valid{"out_valid"}, out_ready{"out_ready"}, out_last{"out_last"};
  sc_core::sc_signal<sc_dt::sc_uint<16>> out_row{"out_row"};
  sc_core::sc_signal<sc_dt::sc_bv<kCols * 32>> out_fp32{"out_fp32"};
  sc_core::sc_signal<sc_dt::sc_bv<kCols * 16>> out_bf16{"out_bf16"};

 private:
  void on_rising_edge();  // SC_METHOD: sample inputs, clock the model, publish outputs
  void wait_cycle();      // from the driver: one rising edge, then let outputs settle

  config::MacArrayShape shape_;
  double period_ps_;
  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<Vmac_array> top_;
  std::unique_ptr<VerilatedVcdC> vcd_;
  int reset_cycles_left_ = 2;
};

}  // namespace monde::ndp
