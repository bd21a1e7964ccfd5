#include "tlm/ndp/mac_array_pin_level.hpp"  // Verilator headers first (see that file)

#include "tlm/ndp/mac_array_module.hpp"

#include "core/perf/mac_cycles.hpp"
#include "tlm/ndp/mac_engine.hpp"
#include "tlm/ndp/mac_rtl_engine.hpp"

namespace monde::ndp {

MacArray::MacArray(sc_core::sc_module_name name, const config::MacArrayConfig& config, const std::string& vcd_path)
    : sc_module(name), config_(config), period_(config.clock_period_ps(), sc_core::SC_PS) {
  if (!vcd_path.empty() && config.pe_model != config::PeModel::kRtl) {
    throw std::invalid_argument("--vcd needs pe_model rtl: the cycle model has no signals to dump");
  }
  if (config.pin_level) {
    pins_ = new MacArrayPinLevel("pins", config, vcd_path);  // owned by the SystemC hierarchy
  } else {
    RtlEngineOptions rtl;
    rtl.vcd_path = vcd_path;
    rtl.clock_period_ps = config.clock_period_ps();
    engine_ = make_mac_engine(config.pe_model, config.shape, rtl);
  }
}

MacArray::~MacArray() = default;

MacTileResult MacArray::run_tile(const MacTile& tile) {
  busy_.lock();
  MacTileResult r;
  try {
    if (pins_) {
      r = pins_->run_tile(tile);
    } else {
      if (auto* rtl = dynamic_cast<RtlMacEngine*>(engine_.get())) {
        // Keep the VCD's time axis on SystemC's: the idle gap passes unclocked (exact,
        // since the array's state cannot change without input beats).
        rtl->skip_idle_to_cycle(static_cast<std::uint64_t>(sc_core::sc_time_stamp() / period_));
      }
      r = engine_->run_tile(tile);
      sc_core::wait(period_ * static_cast<double>(r.cycles));
    }
  } catch (...) {
    busy_.unlock();
    throw;
  }
  ++tiles_;
  busy_cycles_ += r.cycles;
  busy_.unlock();
  return r;
}

std::uint64_t MacArray::run_tile_timing(unsigned rows, unsigned k) { return run_tiles_timing(1, rows, k); }

std::uint64_t MacArray::run_tiles_timing(unsigned tiles, unsigned rows, unsigned k) {
  busy_.lock();
  const std::uint64_t cycles = std::uint64_t{tiles} * perf::mac_tile_cycles(k, rows);
  sc_core::wait(period_ * static_cast<double>(cycles));
  tiles_ += tiles;
  busy_cycles_ += cycles;
  busy_.unlock();
  return cycles;
}

std::uint64_t MacArray::account_tiles_timing(unsigned tiles, unsigned rows, unsigned k) {
  const std::uint64_t cycles = std::uint64_t{tiles} * perf::mac_tile_cycles(k, rows);
  tiles_ += tiles;
  busy_cycles_ += cycles;
  return cycles;
}

}  // namespace monde::ndp
