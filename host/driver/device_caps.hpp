// The NDP's capabilities as the CAP register reports them (docs/ndp_interface.md, "Register
// map"): interface version, units, MAC array shape.
#pragma once

#include <cstdint>

#include "tlm/ndp/command/ndp_registers.hpp"

namespace monde::driver {

struct DeviceCaps {
  std::uint32_t version = 0;
  std::uint32_t units = 0;
  std::uint32_t mac_rows = 0;
  std::uint32_t mac_cols = 0;
};

inline DeviceCaps decode_caps(std::uint32_t cap) {
  DeviceCaps c;
  c.version = (cap >> ndp::kCapVersionShift) & 0xFFu;
  c.units = (cap >> ndp::kCapUnitsShift) & 0xFFu;
  c.mac_rows = (cap >> ndp::kCapRowsShift) & 0xFFu;
  c.mac_cols = (cap >> ndp::kCapColsShift) & 0xFFu;
  return c;
}

}  // namespace monde::driver
