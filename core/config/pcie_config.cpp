#include "core/config/pcie_config.hpp"

#include <stdexcept>

#include "core/config/link_phy.hpp"

namespace monde::config {

double PcieLinkConfig::encoding_efficiency() const { return line_encoding_efficiency(encoding); }

double PcieLinkConfig::raw_bytes_per_s() const { return phy_raw_bytes_per_s(lanes, rate_gtps, encoding); }

double PcieLinkConfig::data_efficiency() const {
  return static_cast<double>(max_payload_bytes) / static_cast<double>(max_payload_bytes + tlp_overhead_bytes);
}

namespace {

// Blocks of `block` bytes (aligned to `block`) touched by [address, address + bytes).
std::uint64_t aligned_blocks(std::uint64_t address, std::uint64_t bytes, std::uint64_t block) {
  if (bytes == 0) return 0;
  return (address + bytes - 1) / block - address / block + 1;
}

}  // namespace

std::uint64_t PcieLinkConfig::read_requests(std::uint64_t address, std::uint64_t bytes) const {
  return aligned_blocks(address, bytes, read_request_bytes);
}

std::uint64_t PcieLinkConfig::payload_tlps(std::uint64_t address, std::uint64_t bytes) const {
  return aligned_blocks(address, bytes, max_payload_bytes);
}

double PcieLinkConfig::request_wire_bytes(std::uint64_t address, std::uint64_t bytes) const {
  return static_cast<double>(read_requests(address, bytes)) * tlp_overhead_bytes;
}

double PcieLinkConfig::payload_wire_bytes(std::uint64_t address, std::uint64_t bytes) const {
  return static_cast<double>(bytes) + static_cast<double>(payload_tlps(address, bytes)) * tlp_overhead_bytes;
}

namespace {

bool is_pow2(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

const Schema<PcieLinkConfig>& pcie_schema() {
  using P = PcieLinkConfig;
  static const auto s = [] {
    Schema<P> p("The GPU's PCIe link (GPU endpoint <-> host root port); bandwidth and TLP formulas in "
                "core/config/pcie_config.hpp.");
    add_phy_keys(p, "GT/s per lane: 2.5 (Gen1) .. 32 (Gen5), 64 (Gen6)");
    // MPS and MRRS are 3-bit encodings of 128 .. 4096 bytes (Device Control register).
    p.integer("max_payload_bytes", &P::max_payload_bytes, 128, 4096, "MPS, bytes: largest data payload of one TLP")
        .integer("read_request_bytes", &P::read_request_bytes, 128, 4096, "MRRS, bytes: largest read one request asks for")
        // 0 models a link without overhead; 64 is a sanity bound (the largest header + framing +
        // ECRC + TLP prefixes stay well below it).
        .integer("tlp_overhead_bytes", &P::tlp_overhead_bytes, 0, 64, "framing + header + LCRC per TLP, bytes")
        .number("latency_ns", &P::latency_ns, 0.0, 1e6, "one-way TLP latency through both ports and the link, ns "
                                                        "(a modelling assumption)")
        .check([](const ConfigNode& n, P& c) {
          check_phy_lanes(n, c.lanes);
          for (const char* key : {"max_payload_bytes", "read_request_bytes"}) {
            const unsigned v = std::string(key) == "max_payload_bytes" ? c.max_payload_bytes : c.read_request_bytes;
            if (!is_pow2(v)) n.fail(key, "not a PCIe size encoding; allowed 128, 256, 512, 1024, 2048, 4096");
          }
        });
    return p;
  }();
  return s;
}

}  // namespace monde::config
