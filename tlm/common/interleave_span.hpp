// The bytes one device owns of an access to an HDM range interleaved `ways` ways at `granularity`
// bytes (config devices.interleave_granularity, docs/interleave.md), as one TLM transaction.
//
// The host bridge's decoder sends granule k of the range to the device at interleave position
// k mod ways. An access that spans several granules reaches each device as the run of granules it
// owns: the root complex (tlm/root_complex/root_complex.hpp) gives each device one transaction
// whose address is the HPA of its first owned byte and whose data is its owned bytes packed back
// to back, with this extension. Byte i of such a transaction lives at hpa(address, i): the
// granules ways x granularity apart. The device's HDM decoder maps exactly those HPAs to
// consecutive DPAs (CXL 2.0 §8.2.5.12, "Device Decode Logic": DPAOffset = chunk / ways), so the
// device sees one contiguous DPA range. The CXL link splits it into 64 B messages at the right
// HPAs (flit mode) or forwards it whole (bulk mode); the controller decodes it.
// ways 0 or 1: no interleave (a plain contiguous access).
#pragma once

#include <cstdint>

#include <tlm>

namespace monde {

class InterleaveSpan : public tlm::tlm_extension<InterleaveSpan> {
 public:
  std::uint64_t ways = 0;
  std::uint64_t granularity = 0;  // bytes, a power of two (256 .. 16384); HPAs are granule aligned to it

  bool active() const { return ways > 1; }
  // HPA of byte `offset` of a transaction that starts at `address`. Granules are aligned to their
  // size in HPA (the range's base is 256 MiB aligned).
  std::uint64_t hpa(std::uint64_t address, std::uint64_t offset) const {
    if (!active()) return address + offset;
    const std::uint64_t in = address % granularity + offset;  // from the first granule's start
    return address - address % granularity + (in / granularity) * ways * granularity + in % granularity;
  }
  // Bytes from byte `offset` to the end of its granule, at most `left`.
  std::uint64_t piece(std::uint64_t address, std::uint64_t offset, std::uint64_t left) const {
    if (!active()) return left;
    const std::uint64_t room = granularity - hpa(address, offset) % granularity;
    return room < left ? room : left;
  }

  tlm::tlm_extension_base* clone() const override { return new InterleaveSpan(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override { *this = static_cast<const InterleaveSpan&>(other); }
};

}  // namespace monde
