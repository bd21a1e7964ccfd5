// The NDP units' configuration: the `ndp` object of a device preset (an experiment may override
// it). Keys, ranges and meanings: ndp_schema() and the README's reference.
//   "ndp": { "pe_model": "cycle", "rtl_drive": "batched", "clock_mhz": 1000,
//            "mac_array": {"rows": 16, "cols": 16}, "units": 8, "weight_sram_bytes": 2097152,
//            "act_buffer_bytes": 4194304, "out_buffer_bytes": 16384, "mmio_latency_ns": 100 }
//
// Default unit count: one unit streams a COLS-wide weight row per cycle, i.e. COLS x 2 B x clock
// = 16 x 2 x 1 GHz = 32 GB/s of weights; 8 units consume 256 GB/s, matching the LPDDR5X
// device's 253.9 GB/s (peak 273.5 x refresh factor 0.928), so neither the DRAM nor the arrays
// idle when streaming one expert's weights for a few tokens.
#pragma once

#include <cstdint>
#include <vector>

#include "core/config/enum_names.hpp"
#include "core/config/ndp_limits.hpp"
#include "core/config/schema.hpp"
#include "core/config/weight_format.hpp"

namespace monde::config {

// Output columns per weight fetch: two 16-column tiles = 32 bf16 = one 64-byte line per row of
// h / y, so result rows are written as whole lines (and matches NdpLimits::dim_align).
inline constexpr std::uint32_t kColumnsPerFetch = 32;

// How MAC-array tiles are computed: the Verilated RTL or the C++ cycle model (same bits, same cycles).
enum class PeModel { kRtl, kCycle };
const std::vector<EnumName<PeModel>>& names_of(PeModel);

// Physical size of the array (the RTL parameters ROWS x COLS).
struct MacArrayShape {
  unsigned rows = 16;
  unsigned cols = 16;
};

struct MacArrayConfig {
  PeModel pe_model = PeModel::kRtl;
  // rtl only: "batched" runs a tile's cycles in one SystemC activation (fast);
  // "pins" clocks the RTL pin by pin from an sc_clock (slow, for waveform debugging).
  bool pin_level = false;
  double clock_mhz = 1000.0;
  MacArrayShape shape;

  double clock_period_ps() const { return 1.0e6 / clock_mhz; }
};

struct NdpConfig {
  MacArrayConfig mac;
  unsigned units = 8;
  // Per unit. Weight SRAM: two halves (double buffering); one half holds one fetch: the 32
  // weight rows (x2 for gate + up) of a column pair over the whole K.
  std::uint64_t weight_sram_bytes = 2u << 20;
  std::uint64_t act_buffer_bytes = 4u << 20;  // all of x, then all of h
  std::uint64_t out_buffer_bytes = 16u << 10;  // results waiting to be written back
  double mmio_latency_ns = 100.0;              // one CXL.io register access, host to device and back
  // How the driver stores the experts the NDP units run (docs/ndp_interface.md, "Quantised
  // weights"): bf16, or int8 / int4 with bf16 scales per output channel and group of
  // expert_weight_group weights along K (the group is read only for int8 / int4).
  WeightFormat expert_weight_format = WeightFormat::kBf16;
  std::uint32_t expert_weight_group = 128;
  // Mixed precision per expert (README "Mixed precision per expert"): 0 = off (every expert in
  // expert_weight_format). > 0: the largest relative RMS error of a cold expert's output against
  // bf16 that the driver may trade for bytes; it then stores each expert in its own format, chosen
  // once at placement (system/mixed_precision.hpp): hot experts bf16, each cold expert the
  // lowest-bit format from expert_weight_format (int8 or int4, the lowest allowed) up to int8
  // whose measured error is within the budget.
  double expert_weight_error_budget = 0.0;
  // Energy (core/perf/energy.hpp ndp_energy_j), both ASSUMPTIONS (no MoNDE silicon is measured):
  // one bf16 x bf16 multiply with an fp32 accumulate, 2.0 pJ = a 16-bit FP multiply (1.1 pJ) plus
  // a 32-bit FP add (0.9 pJ) in 45 nm (M. Horowitz, "Computing's energy problem", ISSCC 2014);
  // one SRAM byte read or written, 2.5 pJ = a 64-bit access of a 32 KB SRAM (20 pJ, same source)
  // over 8 bytes (the units' buffers are taken as banks of that size). Both are 45 nm figures,
  // so they overstate a newer process.
  double pj_per_mac = 2.0;
  double sram_pj_per_byte = 2.5;

  // The one format of every NDP expert; with mixed_expert_weights() the lowest-bit format a cold
  // expert may get (the per-expert formats are system::ExpertFormats, chosen at placement).
  WeightEncoding expert_weights() const {
    return WeightEncoding{expert_weight_format, is_quantised(expert_weight_format) ? expert_weight_group : 0u};
  }
  bool mixed_expert_weights() const { return expert_weight_error_budget > 0.0; }
  // The quantised formats a cold expert may get with mixed_expert_weights(), lowest bits first:
  // int4 then int8 (expert_weight_format int4), or int8 alone; every one with expert_weight_group.
  // Empty without mixed precision.
  std::vector<WeightEncoding> mixed_candidates() const;

  // The descriptor limits these buffers imply: d_model <= half / (2 x 32 x 2 B) (gate + up in
  // one half), d_ff <= half / (32 x 2 B) (down), tokens <= act buffer / (2 x max(d_model, d_ff)).
  NdpLimits limits() const;
};

const Schema<NdpConfig>& ndp_schema();

}  // namespace monde::config
