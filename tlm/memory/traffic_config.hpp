// The `traffic` section of a standalone memory traffic run (monde-traffic):
//   "traffic": { "pattern": "sequential" | "random", "requests": 100000, "size_bytes": 64,
//                "read_fraction": 1.0, "outstanding": 32, "region_bytes": 1073741824,
//                "seed": 1 }
#pragma once

#include <cstdint>

#include "core/config/config_node.hpp"

namespace monde::mem {

struct TrafficConfig {
  bool random = false;             // pattern: sequential (addresses ascend) or uniform random
  std::uint64_t requests = 100000;
  std::uint32_t size_bytes = 64;   // bytes per transaction (a multiple of 64 keeps bursts whole)
  double read_fraction = 1.0;      // the rest are writes
  std::uint32_t outstanding = 32;  // transactions in flight at most (AT); 1 = blocking
  std::uint64_t region_bytes = 1ull << 30;  // addresses fall in [0, region_bytes)
  std::uint64_t seed = 1;
};

TrafficConfig parse_traffic_config(const config::ConfigNode& traffic);

}  // namespace monde::mem
