#include "tlm/ndp/ndp_config.hpp"

#include <algorithm>
#include <string>

namespace monde::ndp {

NdpLimits NdpConfig::limits() const {
  NdpLimits l;
  l.units = units;
  l.rows = mac.shape.rows;
  l.cols = mac.shape.cols;
  l.dim_align = kColumnsPerFetch;
  const std::uint64_t half = weight_sram_bytes / 2;
  const std::uint64_t d_model_fit = half / (2u * kColumnsPerFetch * 2u) / kColumnsPerFetch * kColumnsPerFetch;
  const std::uint64_t d_ff_fit = half / (kColumnsPerFetch * 2u) / kColumnsPerFetch * kColumnsPerFetch;
  l.max_d_model = static_cast<std::uint32_t>(std::min<std::uint64_t>(d_model_fit, l.max_d_model));
  l.max_d_ff = static_cast<std::uint32_t>(std::min<std::uint64_t>(d_ff_fit, l.max_d_ff));
  l.act_buffer_bytes = act_buffer_bytes;
  return l;
}

NdpConfig parse_ndp_config(const config::ConfigNode& top) {
  NdpConfig c;
  c.mac = parse_mac_array_config(top);
  const auto ndp = top.child("ndp");
  c.units = static_cast<unsigned>(ndp.get_uint("units", 1, 255, c.units));
  // At least one fetch of the smallest job (32 rows x 32 columns x gate + up, twice).
  c.weight_sram_bytes = ndp.get_uint("weight_sram_bytes", 2u * 2u * kColumnsPerFetch * kColumnsPerFetch * 2u,
                                     std::uint64_t{1} << 30, c.weight_sram_bytes);
  c.act_buffer_bytes = ndp.get_uint("act_buffer_bytes", kColumnsPerFetch * 2u, std::uint64_t{1} << 30, c.act_buffer_bytes);
  // At least one token block's row of results: ROWS x one 64-byte line.
  c.out_buffer_bytes = ndp.get_uint("out_buffer_bytes", std::uint64_t{c.mac.shape.rows} * 64u, std::uint64_t{1} << 30,
                                    c.out_buffer_bytes);
  c.mmio_latency_ns = ndp.get_double("mmio_latency_ns", 0.0, 1e6, c.mmio_latency_ns);
  if (c.mac.shape.cols > kColumnsPerFetch || kColumnsPerFetch % c.mac.shape.cols != 0) {
    throw config::ConfigError(ndp.source() + ": key '" + ndp.key_path("mac_array.cols") + "' = " +
                      std::to_string(c.mac.shape.cols) + " must divide " + std::to_string(kColumnsPerFetch) +
                      " (the NDP fetches 32 output columns at a time: 1, 2, 4, 8, 16 or 32)");
  }
  return c;
}

}  // namespace monde::ndp
