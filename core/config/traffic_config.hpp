// The `traffic` section of an experiment: a standalone memory traffic run (monde-sim traffic).
//   "traffic": { "pattern": "sequential" | "random", "requests": 100000, "size_bytes": 64,
//                "read_fraction": 1.0, "outstanding": 32, "region_bytes": 1073741824, "seed": 1 }
#pragma once

#include <cstdint>

#include "core/config/schema.hpp"

namespace monde::config {

enum class TrafficPattern { kSequential, kRandom };
const std::vector<EnumName<TrafficPattern>>& names_of(TrafficPattern);

struct TrafficConfig {
  TrafficPattern pattern = TrafficPattern::kSequential;  // addresses ascend, or uniform random
  std::uint64_t requests = 100000;
  std::uint32_t size_bytes = 64;   // bytes per transaction (a multiple of 64 keeps bursts whole)
  double read_fraction = 1.0;      // the rest are writes
  std::uint32_t outstanding = 32;  // transactions in flight at most (AT); 1 = blocking
  std::uint64_t region_bytes = 1ull << 30;  // addresses fall in [0, region_bytes)
  std::uint64_t seed = 1;

  bool random() const { return pattern == TrafficPattern::kRandom; }
};

const Schema<TrafficConfig>& traffic_schema();

}  // namespace monde::config
