#include "tlm/ndp/mac_array_config.hpp"

namespace monde::ndp {

// Array sizes beyond this are not a MAC array any more; 1 x 1 is allowed for tests.
static constexpr unsigned kMaxArrayDim = 256;

MacArrayConfig parse_mac_array_config(const config::ConfigNode& top) {
  MacArrayConfig c;
  const auto ndp = top.child("ndp");
  // The NDP unit keys (ndp_config.hpp) live in the same object.
  ndp.reject_unknown_keys({"pe_model", "rtl_drive", "clock_mhz", "mac_array", "units", "weight_sram_bytes",
                           "act_buffer_bytes", "out_buffer_bytes", "mmio_latency_ns"});
  c.pe_model = pe_model_from_string(ndp.get_choice("pe_model", {"rtl", "cycle"}, "rtl"));
  c.pin_level = ndp.get_choice("rtl_drive", {"batched", "pins"}, "batched") == "pins";
  c.clock_mhz = ndp.get_double("clock_mhz", 1.0, 10000.0, 1000.0);
  if (ndp.has("mac_array")) {
    const auto mac = ndp.child("mac_array");
    mac.reject_unknown_keys({"rows", "cols"});
    c.shape.rows = static_cast<unsigned>(mac.get_uint("rows", 1, kMaxArrayDim, 16));
    c.shape.cols = static_cast<unsigned>(mac.get_uint("cols", 1, kMaxArrayDim, 16));
  }
  if (c.pin_level && c.pe_model != PeModel::kRtl) {
    throw config::ConfigError(ndp.source() + ": key '" + ndp.key_path("rtl_drive") +
                      "' = \"pins\" needs pe_model \"rtl\" (the cycle model has no pins)");
  }
  return c;
}

}  // namespace monde::ndp
