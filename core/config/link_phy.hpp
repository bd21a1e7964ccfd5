// The PCIe physical layer that both the CXL link (CXL 2.0 runs on the PCIe Gen3..Gen5 PHY) and the
// GPU's PCIe link use: its keys (lanes, rate_gtps, encoding), their checks and the one formula of
// its raw rate. No SystemC.
//
//   raw_bytes_per_s = lanes * rate_gtps * 1e9 * encoding_efficiency / 8      (per direction)
//       128b/130b (Gen3..Gen5) = 128/130, 8b/10b (Gen1/2) = 0.8, "none" = 1.
#pragma once

#include <string>

#include "core/config/config_node.hpp"
#include "core/config/schema.hpp"

namespace monde::config {

// 128/130, 0.8 or 1; std::invalid_argument for any other encoding (the schema admits only these).
double line_encoding_efficiency(const std::string& encoding);

// Per direction, after line encoding, bytes/s.
double phy_raw_bytes_per_s(unsigned lanes, double rate_gtps, const std::string& encoding);

// The link widths a port trains to (x32 was dropped from the spec and no device uses it).
void check_phy_lanes(const ConfigNode& node, unsigned lanes);

// The PHY's energy per payload bit, both ends together (core/perf/energy.hpp link_energy_j): an
// ASSUMPTION, not a datasheet value. A measured PCIe Gen4 PHY transmitter draws 1.93 pJ/bit (W.
// Bae et al., "A 1.93-pJ/Bit PCI Express Gen4 PHY Transmitter ...", Electronics 10(1) 68, 2021,
// 28 nm); a receiver of about the same cost doubles it: 4 pJ/bit. Flit/TLP overhead bits are not
// charged (docs/energy.md).
inline constexpr double kAssumedPhyPjPerBit = 4.0;

// Adds the keys "lanes", "rate_gtps", "encoding" and "pj_per_bit" bound to T's fields of those names.
template <class T>
void add_phy_keys(Schema<T>& s, const std::string& rate_doc) {
  s.integer("lanes", &T::lanes, 1, 16, "link width: 1, 2, 4, 8 or 16 lanes")
      .number("rate_gtps", &T::rate_gtps, 2.5, 64.0, rate_doc)
      .text_choice("encoding", &T::encoding, {"128b/130b", "8b/10b", "none"}, "line encoding")
      .number("pj_per_bit", &T::pj_per_bit, 0.0, 1000.0,
              "energy per payload bit crossing the link, both ends' PHYs, pJ/bit (4: ASSUMED, twice a measured "
              "1.93 pJ/bit PCIe Gen4 transmitter; docs/energy.md)");
}

}  // namespace monde::config
