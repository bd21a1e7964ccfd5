#include "tlm/memory/traffic_config.hpp"

namespace monde::mem {

TrafficConfig parse_traffic_config(const config::ConfigNode& t) {
  t.reject_unknown_keys({"pattern", "requests", "size_bytes", "read_fraction", "outstanding", "region_bytes", "seed"});
  TrafficConfig c;
  c.random = t.get_choice("pattern", {"sequential", "random"}, "sequential") == "random";
  c.requests = t.get_uint("requests", 1, 1ull << 32, c.requests);
  c.size_bytes = static_cast<std::uint32_t>(t.get_uint("size_bytes", 1, 1u << 20, c.size_bytes));
  c.read_fraction = t.get_double("read_fraction", 0.0, 1.0, c.read_fraction);
  c.outstanding = static_cast<std::uint32_t>(t.get_uint("outstanding", 1, 4096, c.outstanding));
  c.region_bytes = t.get_uint("region_bytes", c.size_bytes, 1ull << 50, c.region_bytes);
  c.seed = t.get_uint("seed", 0, UINT64_MAX, c.seed);
  return c;
}

}  // namespace monde::mem
