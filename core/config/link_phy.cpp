#include "core/config/link_phy.hpp"

#include <stdexcept>

namespace monde::config {

double line_encoding_efficiency(const std::string& encoding) {
  if (encoding == "128b/130b") return 128.0 / 130.0;
  if (encoding == "8b/10b") return 8.0 / 10.0;
  if (encoding == "none") return 1.0;
  throw std::invalid_argument("unknown line encoding '" + encoding + "'; allowed 128b/130b, 8b/10b, none");
}

double phy_raw_bytes_per_s(unsigned lanes, double rate_gtps, const std::string& encoding) {
  return lanes * rate_gtps * 1e9 * line_encoding_efficiency(encoding) / 8.0;
}

void check_phy_lanes(const ConfigNode& node, unsigned lanes) {
  if (lanes != 1 && lanes != 2 && lanes != 4 && lanes != 8 && lanes != 16) {
    node.fail("lanes", "not a link width; allowed 1, 2, 4, 8, 16");
  }
}

}  // namespace monde::config
