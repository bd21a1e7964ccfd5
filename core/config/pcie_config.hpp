// Timing parameters of the GPU's PCIe link (GPU endpoint <-> host root port). No SystemC.
//
// Directions use PCIe's own names: *upstream* is GPU -> root complex (memory read request
// TLPs, posted write TLPs), *downstream* is root complex -> GPU (completions with data).
//
// Bandwidth model (every input is a config key, defaults = PCIe Gen5 x16):
//
//   raw_bytes_per_s       = lanes * rate_gtps * 1e9 * encoding_efficiency / 8      (per direction; link_phy.hpp)
//       128b/130b (Gen3..Gen5) = 128/130, 8b/10b (Gen1/2) = 0.8, "none" = 1.
//       Gen5 x16: 16 * 32e9 * 128/130 / 8 = 63.0154 GB/s = 8192/130 B/ns.
//   tlp_wire_bytes(p)     = p + tlp_overhead_bytes       (p = payload bytes of the TLP)
//   data_bytes_per_s      = raw_bytes_per_s * max_payload_bytes / (max_payload_bytes + tlp_overhead_bytes)
//       Gen5 x16, MPS 256, overhead 24: 63.0154 * 256/280 = 57.613 GB/s.
//
// tlp_overhead_bytes (default 24) is charged to every TLP. For Gen3+ framing it is the 4 B STP
// token (which carries the TLP length and the 12-bit sequence number) + a 16 B 4DW header (64-bit
// address) + the 4 B LCRC = 24 B; in Gen1/2 terms STP/END 2 B + sequence 2 B + header 16 B +
// LCRC 4 B, also 24 B. A completion's header is only 3DW (12 B, i.e. 20 B in all): the 4 B the
// default charges on top stand for the DLLPs (Ack, UpdateFC) and SKP ordered sets that the model
// does not put on the wire separately (~1.5 % of the link). Calibrate against measurements: a
// lent H100 measured 53.8 GB/s host->GPU pinned (docs/gpu_model.md).
//
// A DMA read of N bytes at address A costs, per direction:
//   upstream:   read_requests(A, N) header-only TLPs, tlp_overhead_bytes each, one per
//               read_request_bytes (MRRS) aligned block;
//   downstream: completions(A, N) TLPs, one per max_payload_bytes aligned block, carrying N bytes.
// A posted write of N bytes costs completions-like TLPs upstream (one per MPS block) and nothing
// downstream. Not modelled: flow-control credit stalls, replay, 4 KiB boundary splits of a request
// (MRRS <= 4096 keeps aligned requests inside a 4 KiB page), Read Completion Boundary splits
// smaller than MPS.
#pragma once

#include <cstdint>
#include <string>

#include "core/config/link_phy.hpp"
#include "core/config/schema.hpp"

namespace monde::config {

struct PcieLinkConfig {
  unsigned lanes = 16;
  double rate_gtps = 32.0;             // GT/s per lane (PCIe Gen5)
  std::string encoding = "128b/130b";  // "128b/130b", "8b/10b", "none"
  unsigned max_payload_bytes = 256;    // MPS: largest data payload of one TLP
  unsigned read_request_bytes = 512;   // MRRS: largest read one request TLP asks for
  unsigned tlp_overhead_bytes = 24;    // framing + header + LCRC per TLP (see above)
  // One-way latency, ns, of a TLP through the GPU's PCIe controller, the link (and any switch or
  // retimer) and the root port, after its last wire byte. 200 ns is a modelling assumption, not
  // a measured or specified value; calibrate it (it matters only for small transfers).
  double latency_ns = 200.0;
  // Energy per payload bit, both ends' PHYs: an assumption (link_phy.hpp kAssumedPhyPjPerBit).
  double pj_per_bit = kAssumedPhyPjPerBit;

  double encoding_efficiency() const;  // 128/130, 0.8 or 1
  double raw_bytes_per_s() const;      // per direction, after line encoding
  double data_efficiency() const;      // MPS / (MPS + overhead)
  double data_bytes_per_s() const { return raw_bytes_per_s() * data_efficiency(); }
  // Aligned block counts for an access [address, address + bytes), bytes > 0.
  std::uint64_t read_requests(std::uint64_t address, std::uint64_t bytes) const;
  std::uint64_t payload_tlps(std::uint64_t address, std::uint64_t bytes) const;
  // Wire time in ps of `wire_bytes` on one direction (fractional: serialisers keep exact time).
  double wire_ps(double wire_bytes) const { return wire_ps_at(wire_bytes, raw_bytes_per_s()); }
  // The same at a raw_bytes_per_s() the caller read once (the link model, per transfer).
  static double wire_ps_at(double wire_bytes, double raw_bytes_per_s) { return wire_bytes / raw_bytes_per_s * 1e12; }
  // Upstream wire bytes of the read requests for a read, downstream wire bytes of its
  // completions (also the upstream wire bytes of a posted write of the same range).
  double request_wire_bytes(std::uint64_t address, std::uint64_t bytes) const;
  double payload_wire_bytes(std::uint64_t address, std::uint64_t bytes) const;
};

// The "gpu.pcie" keys: lanes must be 1, 2, 4, 8 or 16; max_payload_bytes and read_request_bytes
// powers of two in 128..4096 (the PCIe encodings).
const Schema<PcieLinkConfig>& pcie_schema();

}  // namespace monde::config
