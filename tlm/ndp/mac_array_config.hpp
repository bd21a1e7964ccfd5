// The `ndp` section of a configuration as far as the MAC array is concerned:
//   "ndp": { "pe_model": "rtl" | "cycle", "rtl_drive": "batched" | "pins",
//            "clock_mhz": 1000, "mac_array": { "rows": 16, "cols": 16 } }
#pragma once

#include "core/config/config_node.hpp"
#include "tlm/ndp/mac_engine.hpp"

namespace monde::ndp {

struct MacArrayConfig {
  PeModel pe_model = PeModel::kRtl;
  // rtl only: "batched" runs a tile's cycles in one SystemC activation (fast);
  // "pins" clocks the RTL pin by pin from an sc_clock (slow, for waveform debugging).
  bool pin_level = false;
  double clock_mhz = 1000.0;
  MacArrayShape shape;

  double clock_period_ps() const { return 1.0e6 / clock_mhz; }
};

// Reads `ndp` from the top-level node; throws config::ConfigError naming file and key.
MacArrayConfig parse_mac_array_config(const config::ConfigNode& top);

}  // namespace monde::ndp
