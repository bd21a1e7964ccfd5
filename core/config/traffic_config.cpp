#include "core/config/traffic_config.hpp"

namespace monde::config {

const std::vector<EnumName<TrafficPattern>>& names_of(TrafficPattern) {
  static const std::vector<EnumName<TrafficPattern>> n = {{TrafficPattern::kSequential, "sequential"},
                                                          {TrafficPattern::kRandom, "random"}};
  return n;
}

const Schema<TrafficConfig>& traffic_schema() {
  using T = TrafficConfig;
  static const auto s = [] {
    Schema<T> t("A standalone memory traffic run against the device (monde-sim traffic).");
    t.choice("pattern", &T::pattern, "sequential addresses, or uniformly random ones")
        .integer("requests", &T::requests, 1, 1ull << 32, "transactions")
        .integer("size_bytes", &T::size_bytes, 1, 1u << 20, "bytes per transaction (a multiple of 64 keeps bursts whole)")
        .number("read_fraction", &T::read_fraction, 0.0, 1.0, "share of reads (the rest are writes)")
        .integer("outstanding", &T::outstanding, 1, 4096, "transactions in flight at most (AT; 1 = blocking)")
        .custom(KeyDoc{"region_bytes", "integer", "1073741824", "size_bytes .. 2^50 (and the device capacity)",
                       "addresses fall in [0, region_bytes)"},
                [](const ConfigNode& n, T& c) {
                  c.region_bytes = n.get_uint("region_bytes", c.size_bytes, 1ull << 50, c.region_bytes);
                },
                [](const T& c, nlohmann::json& j) { j["region_bytes"] = c.region_bytes; })
        .integer("seed", &T::seed, 0, ~std::uint64_t{0}, "random seed");
    return t;
  }();
  return s;
}

}  // namespace monde::config
