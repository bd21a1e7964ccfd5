#include "tlm/pcie/pcie_link_config.hpp"

#include <stdexcept>

namespace monde::pcie {

double PcieLinkConfig::encoding_efficiency() const {
  if (encoding == "128b/130b") return 128.0 / 130.0;
  if (encoding == "8b/10b") return 8.0 / 10.0;
  if (encoding == "none") return 1.0;
  throw std::invalid_argument("PcieLinkConfig: unknown encoding '" + encoding + "'");
}

double PcieLinkConfig::raw_bytes_per_s() const { return lanes * rate_gtps * 1e9 * encoding_efficiency() / 8.0; }

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

unsigned power_of_two_key(const config::ConfigNode& n, const char* key, unsigned fallback) {
  const auto v = n.get_uint(key, 128, 4096, fallback);
  if ((v & (v - 1)) != 0) {
    throw config::ConfigError(n.source() + ": key '" + n.key_path(key) + "' = " + std::to_string(v) +
                      " is not one of: 128, 256, 512, 1024, 2048, 4096");
  }
  return static_cast<unsigned>(v);
}

}  // namespace

PcieLinkConfig parse_pcie_link_config(const config::ConfigNode& pcie) {
  PcieLinkConfig c;
  pcie.reject_unknown_keys({"lanes", "rate_gtps", "encoding", "max_payload_bytes", "read_request_bytes",
                            "tlp_overhead_bytes", "latency_ns", "_comment", "_source"});
  // Widths a PCIe port trains to (x1..x16; x32 was dropped from the spec and no GPU uses it).
  c.lanes = static_cast<unsigned>(pcie.get_uint("lanes", 1, 16, c.lanes));
  if (c.lanes != 1 && c.lanes != 2 && c.lanes != 4 && c.lanes != 8 && c.lanes != 16) {
    throw config::ConfigError(pcie.source() + ": key '" + pcie.key_path("lanes") + "' = " + std::to_string(c.lanes) +
                      " is not one of: 1, 2, 4, 8, 16");
  }
  // 2.5 (Gen1) .. 64 (Gen6) GT/s.
  c.rate_gtps = pcie.get_double("rate_gtps", 2.5, 64.0, c.rate_gtps);
  c.encoding = pcie.get_choice("encoding", {"128b/130b", "8b/10b", "none"}, c.encoding);
  // MPS and MRRS are 3-bit encodings of 128 .. 4096 bytes (Device Control register).
  c.max_payload_bytes = power_of_two_key(pcie, "max_payload_bytes", c.max_payload_bytes);
  c.read_request_bytes = power_of_two_key(pcie, "read_request_bytes", c.read_request_bytes);
  // 0 models a link without overhead; 64 is a sanity bound (the largest header + framing + ECRC
  // + TLP prefixes stay well below it).
  c.tlp_overhead_bytes = static_cast<unsigned>(pcie.get_uint("tlp_overhead_bytes", 0, 64, c.tlp_overhead_bytes));
  c.latency_ns = pcie.get_double("latency_ns", 0.0, 1e6, c.latency_ns);
  return c;
}

}  // namespace monde::pcie
