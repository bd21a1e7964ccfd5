// The NDP units' configuration: the `ndp` section of an experiment config, beyond the MAC
// array keys (mac_array_config.hpp reads those):
//   "ndp": { "pe_model": "cycle", "clock_mhz": 1000, "mac_array": {"rows": 16, "cols": 16},
//            "units": 8, "weight_sram_bytes": 2097152, "act_buffer_bytes": 4194304,
//            "out_buffer_bytes": 16384, "mmio_latency_ns": 100 }
//
// Default unit count: one unit streams a COLS-wide weight row per cycle, i.e. COLS x 2 B x clock
// = 16 x 2 x 1 GHz = 32 GB/s of weights; 8 units consume 256 GB/s, matching the LPDDR5X
// device's 253.9 GB/s (peak 273.5 x refresh factor 0.928), so neither the DRAM nor the arrays
// idle when streaming one expert's weights for a few tokens.
// No SystemC.
#pragma once

#include <cstdint>

#include "tlm/ndp/command/ndp_limits.hpp"
#include "core/config/config_node.hpp"
#include "tlm/ndp/mac_array_config.hpp"

namespace monde::ndp {

// Output columns per weight fetch: two 16-column tiles = 32 bf16 = one 64-byte line per row of
// h / y, so result rows are written as whole lines (and matches NdpLimits::dim_align).
inline constexpr std::uint32_t kColumnsPerFetch = 32;

struct NdpConfig {
  MacArrayConfig mac;
  unsigned units = 8;
  // Per unit. Weight SRAM: two halves (double buffering); one half holds one fetch: the 32
  // weight rows (x2 for gate + up) of a column pair over the whole K.
  std::uint64_t weight_sram_bytes = 2u << 20;
  std::uint64_t act_buffer_bytes = 4u << 20;  // all of x, then all of h
  std::uint64_t out_buffer_bytes = 16u << 10;  // results waiting to be written back
  double mmio_latency_ns = 100.0;              // one CXL.io register access, host to device and back

  // The descriptor limits these buffers imply: d_model <= half / (2 x 32 x 2 B) (gate + up in
  // one half), d_ff <= half / (32 x 2 B) (down), tokens <= act buffer / (2 x max(d_model, d_ff)).
  NdpLimits limits() const;
};

// Reads the `ndp` object of `top`; throws config::ConfigError naming the file, key and allowed range.
NdpConfig parse_ndp_config(const config::ConfigNode& top);

}  // namespace monde::ndp
