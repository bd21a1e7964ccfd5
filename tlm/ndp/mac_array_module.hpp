// The NDP's MAC array as a SystemC module. One interface, three ways to compute a tile:
//   pe_model cycle             -> C++ cycle model, time = cycles x clock period
//   pe_model rtl, batched      -> Verilated RTL run for all of a tile's cycles in the calling
//                                 process, then one wait() for the cycles it consumed
//   pe_model rtl, pins         -> Verilated RTL clocked by an sc_clock through sc_signals,
//                                 one evaluation per edge (slow; for waveform debugging)
// All three return identical bits and cycle counts (tests/cosim).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <systemc>

#include "core/config/ndp_config.hpp"
#include "tlm/ndp/mac_tile.hpp"

namespace monde::ndp {

class MacArrayPinLevel;

class MacArray : public sc_core::sc_module {
 public:
  // vcd_path: when not empty, the RTL's signals are dumped there (pe_model rtl only).
  MacArray(sc_core::sc_module_name name, const config::MacArrayConfig& config, const std::string& vcd_path = "");
  ~MacArray() override;

  // Runs one tile; call from an SC_THREAD. Returns after the tile's simulated time has
  // passed. Tiles are serialised: a caller waits while another caller's tile runs.
  MacTileResult run_tile(const MacTile& tile);
  // data: timing_only: a tile of `rows` valid rows and k beats takes its cycles by the cycle
  // contract (k + 2 + rows, docs/mac_array.md), which the cosim tests hold both models to;
  // no arithmetic, the RTL is not driven. Returns the cycles.
  std::uint64_t run_tile_timing(unsigned rows, unsigned k);
  // `tiles` such tiles back to back in one wait: the same end time and counts as calling
  // run_tile_timing `tiles` times (each tile's time is a whole number of clock periods).
  std::uint64_t run_tiles_timing(unsigned tiles, unsigned rows, unsigned k);
  // The same tiles counted without a wait: for a caller that owns the array and lets their time
  // pass in a wait of its own (an NDP unit running several blocks in one wait). Returns the cycles.
  std::uint64_t account_tiles_timing(unsigned tiles, unsigned rows, unsigned k);

  const config::MacArrayConfig& config() const { return config_; }
  sc_core::sc_time clock_period() const { return period_; }
  std::uint64_t tiles_run() const { return tiles_; }
  std::uint64_t busy_cycles() const { return busy_cycles_; }

 private:
  config::MacArrayConfig config_;
  sc_core::sc_time period_;
  std::unique_ptr<class MacEngine> engine_;  // cycle model or batched RTL
  MacArrayPinLevel* pins_ = nullptr;         // pin-level RTL (a child module)
  sc_core::sc_mutex busy_;
  std::uint64_t tiles_ = 0;
  std::uint64_t busy_cycles_ = 0;
};

}  // namespace monde::ndp
