// Timing parameters of the CXL link (CXL.mem over a PCIe Gen5 PHY, 68-byte flits). No SystemC.
//
// Bandwidth model (every input is a config key, defaults = CXL 2.0 x16 at 32 GT/s):
//
//   raw_bytes_per_s  = lanes * rate_gtps * 1e9 * encoding_efficiency / 8      (per direction; link_phy.hpp)
//       encoding "128b/130b" (PCIe Gen3..Gen5 PHY, which CXL 2.0 uses at 8/16/32 GT/s) = 128/130;
//       "8b/10b" = 0.8; "none" = 1.
//   wire_bytes_per_slot = flit_bytes / slots_per_flit
//       CXL 2.0 §4.2 / §6.2 (68B flit): 2 B Flex Bus protocol ID + 4 x 16 B slots + 2 B CRC = 68 B.
//       Charging the ID and CRC to the slots gives 68 / 4 = 17 wire bytes per slot. Slot 0 of a
//       protocol flit is the header slot (it loses 4 B to the flit header and never carries data,
//       §4.2.5); slots 1..3 and all 4 slots of an all-data flit carry 16 B data chunks.
//   data_slots_per_line = 64 / slot_bytes = 4   (a 64 B line travels as four G0 data chunks)
//   wire_bytes_per_line(dir) = (data_slots_per_line + header_slots_per_line(dir)) * wire_bytes_per_slot
//   data_efficiency(dir) = 64 / wire_bytes_per_line(dir)
//   data_bytes_per_s(dir) = raw_bytes_per_s * data_efficiency(dir)
//
// header_slots_per_line comes from the 68B flit packing rules (§4.2.5) in steady streaming:
//   * M2S (writes, RwD): at most 1 RwD header per flit and no multi-data-header slot exists for
//     M2S (H4 / G5 hold one RwD header), so every line costs one header slot: 1.0.
//     Stream: [H4 d d d] [H4 d d d]... with one all-data flit per 4 lines: 4 lines = 20 slots.
//   * S2M (reads, DRS): the H5 header slot packs 2 DRS headers ("MDH" slot), so with MDH enabled
//     two lines share one header slot: 0.5. Stream: [H5 d d d][d d d d][H5 d d d]... = 9 slots per
//     2 lines. With MDH disabled (the Link Layer defeature) it is 1.0 as for writes.
//   * MemWrPtl adds one byte-enable slot ("G0 - M2S Byte Enable", §4.2.3): 1 extra slot.
// Header-only messages (M2S Req, S2M NDR) take at most one slot each; they are charged one slot
// when serialized alone (several can share a slot, which the per-message time ignores).
// Not modelled: CXL.io traffic sharing the link, LLCRD/RETRY control flits, credit stalls.
#pragma once

#include <cstdint>
#include <string>

#include <optional>
#include <vector>

#include "core/config/config_node.hpp"
#include "core/config/link_phy.hpp"
#include "core/config/schema.hpp"

namespace monde::config {

struct CxlLinkConfig {
  // ---- physical layer
  unsigned lanes = 16;
  double rate_gtps = 32.0;             // GT/s per lane (PCIe Gen5)
  std::string encoding = "128b/130b";  // "128b/130b", "8b/10b", "none"
  // ---- link layer (68B flit)
  unsigned flit_bytes = 68;
  unsigned slots_per_flit = 4;
  unsigned slot_bytes = 16;
  double m2s_header_slots_per_line = 1.0;  // RwD headers
  double s2m_header_slots_per_line = 0.5;  // DRS headers (MDH on)
  double partial_write_extra_slots = 1.0;  // MemWrPtl byte-enable slot
  // ---- latency, ns, one way per crossing. Defaults are modelling assumptions (not spec values):
  // 2 * (15 + 5 + 15) + 10 = 80 ns added round trip; calibrate against measurements.
  double host_port_ns = 15.0;    // root port: flit pack/unpack, ARB/MUX, PHY
  double link_ns = 5.0;          // wire/retimer flight time
  double device_port_ns = 15.0;  // device port: PHY, ARB/MUX, link layer
  double controller_ns = 10.0;   // device CXL.mem controller: HDM decode, queueing to DRAM
  // ---- credits (receiver queue depths) per channel, CXL 2.0 §4.2.2 credit return fields
  unsigned credits_m2s_req = 64;
  unsigned credits_m2s_rwd = 64;
  unsigned credits_s2m_ndr = 64;
  unsigned credits_s2m_drs = 64;
  // ---- bounded queues, in 64 B line messages. Credits bound what is in flight on the wire and
  // in the receivers' buffers; these bound what waits to be sent:
  unsigned host_tx_queue_lines = 64;    // root port: M2S messages waiting for the serialiser
  unsigned device_tx_queue_lines = 64;  // device port: S2M messages waiting for the serialiser
  unsigned controller_queue_lines = 64; // controller: requests between the port and the DRAM queues
  // ---- energy per payload bit, both directions: an assumption (link_phy.hpp kAssumedPhyPjPerBit).
  double pj_per_bit = kAssumedPhyPjPerBit;

  double encoding_efficiency() const;  // 128/130, 0.8 or 1
  double raw_bytes_per_s() const;      // per direction, after line encoding
  double wire_bytes_per_slot() const { return double(flit_bytes) / slots_per_flit; }
  double data_slots_per_line() const { return 64.0 / slot_bytes; }
  // Fraction of the raw bandwidth that is 64 B line payload when streaming full lines.
  double read_data_efficiency() const;   // S2M DRS direction
  double write_data_efficiency() const;  // M2S RwD direction
  double read_bytes_per_s() const { return raw_bytes_per_s() * read_data_efficiency(); }
  double write_bytes_per_s() const { return raw_bytes_per_s() * write_data_efficiency(); }
  // Time one message occupies the link (ns): header-only = 1 slot; with data = 4 data slots +
  // the direction's header share (+ the BE slot when partial).
  double header_message_ns() const;
  double read_data_message_ns() const;                        // S2M DRS MemData with 64 B
  double write_data_message_ns(bool partial = false) const;   // M2S RwD MemWr / MemWrPtl
  // host_port + link + device_port: one traversal of the link, either direction.
  double one_way_ns() const { return host_port_ns + link_ns + device_port_ns; }
};

// Reads a link section, e.g. `top.child("cxl").child("link")`; every key is optional:
//   { "lanes": 16, "rate_gtps": 32, "encoding": "128b/130b", "flit_bytes": 68,
//     "slots_per_flit": 4, "slot_bytes": 16, "m2s_header_slots_per_line": 1,
//     "s2m_header_slots_per_line": 0.5, "partial_write_extra_slots": 1,
//     "latency_ns": { "host_port": 15, "link": 5, "device_port": 15, "controller": 10 },
//     "credits": { "m2s_req": 64, "m2s_rwd": 64, "s2m_ndr": 64, "s2m_drs": 64 },
//     "queues": { "host_tx_lines": 64, "device_tx_lines": 64, "controller_lines": 64 } }
// Errors name the file, the key and the allowed range.
const Schema<CxlLinkConfig>& cxl_link_schema();

// ---- HDM decoders (CXL 2.0 §8.2.5.12): the rules a programmed decoder set must follow. The
// decoding itself is tlm/cxl/hdm_decoder.hpp.
inline constexpr std::uint64_t kHdmUnitBytes = 256ull << 20;  // 256 MiB register granularity
inline constexpr std::uint64_t kHpaLimit = 1ull << 52;        // HPA/DPA are 52-bit ([51:0])
inline constexpr unsigned kMaxHdmDecoders = 10;  // largest Decoder Count a device may report

struct HdmRange {
  std::uint64_t base = 0;             // HPA, multiple of 256 MiB
  std::uint64_t size = 0;             // bytes, multiple of 256 MiB (x3 for 3/6/12 ways); 0 = unused
  unsigned ways = 1;                  // 1, 2, 4, 8, 16, 3, 6, 12
  std::uint64_t granularity = 256;    // 256 .. 16384, power of two
  unsigned position = 0;              // this device's position in the interleave set, < ways
  std::uint64_t dpa_skip = 0;         // DPA left unmapped before this decoder, 256 MiB units
};

struct HdmDecoderConfig {
  std::vector<HdmRange> decoders;  // in increasing HPA order; empty: one decoder over the DRAM
};

std::optional<unsigned> encode_ways(unsigned ways);                // IW
std::optional<unsigned> encode_granularity(std::uint64_t bytes);   // IG

struct HdmConfigProblem {
  std::size_t decoder = 0;
  std::string field;    // "base", "size", "ways", "granularity", "position", "dpa_skip", "decoders"
  std::string message;  // the problem, e.g. "not an interleave way count; allowed 1, 2, 3, ..."
};
std::optional<HdmConfigProblem> find_hdm_problem(const HdmDecoderConfig& cfg);
// One past the highest device physical address the set maps (DPABase accumulation): the DRAM
// capacity it needs. The set must be free of problems.
std::uint64_t hdm_dpa_end(const HdmDecoderConfig& cfg);

const Schema<HdmDecoderConfig>& hdm_schema();

// The device's `cxl` object.
struct CxlConfig {
  CxlLinkConfig link;
  HdmDecoderConfig hdm;
};
const Schema<CxlConfig>& cxl_schema();

}  // namespace monde::config
