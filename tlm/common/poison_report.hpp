// Which bytes of a read came back poisoned: an ignorable TLM extension that an initiator attaches
// to a read and a target (the device DRAM, the CXL link for a host transaction) fills in when
// part of the data is poisoned. The response status says that the read failed
// (TLM_GENERIC_ERROR_RESPONSE for poison, TLM_ADDRESS_ERROR_RESPONSE for an address nobody
// serves); this says where, so that the host can name the expert or the job whose data it was.
// Offsets are relative to the transaction's own address (they survive address translation, e.g.
// the HDM decoder's HPA -> DPA), in the order the data is laid out in the payload.
#pragma once

#include <cstdint>

#include <tlm>

namespace monde {

class PoisonReport : public tlm::tlm_extension<PoisonReport> {
 public:
  std::uint64_t lines = 0;         // poisoned 64 B lines in the access
  std::uint64_t first_offset = 0;  // byte offset of the first poisoned line's first byte in the payload's data

  bool poisoned() const { return lines > 0; }
  void clear() { lines = first_offset = 0; }
  // Adds `n` poisoned lines, the first at `offset` (keeps the lowest first offset).
  void add(std::uint64_t n, std::uint64_t offset) {
    if (n == 0) return;
    if (lines == 0 || offset < first_offset) first_offset = offset;
    lines += n;
  }

  tlm::tlm_extension_base* clone() const override { return new PoisonReport(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override { *this = static_cast<const PoisonReport&>(other); }
};

}  // namespace monde
