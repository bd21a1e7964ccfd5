// A 2-D (strided) memory access as one TLM transaction: `lines` lines of `line_bytes` each, line
// i at address + i x stride_bytes; the payload's data holds the lines packed back to back
// (data_length = lines x line_bytes). What a DMA engine with 2-D descriptors posts in one go:
// the NDP units write a block of result rows (one 64-byte line per token, a row of the output
// matrix apart) this way, as a real write-back engine posts them without waiting for each.
//
// Only the device's DRAM target understands it (tlm/memory/memory_target.hpp); an interconnect
// passes it through untouched. A target that does not know the extension would treat the
// payload as one contiguous access, so only initiators bound to the device memory port use it.
#pragma once

#include <cstdint>

#include <tlm>

namespace monde {

class StridedAccess : public tlm::tlm_extension<StridedAccess> {
 public:
  std::uint64_t line_bytes = 0;
  std::uint64_t lines = 0;
  std::uint64_t stride_bytes = 0;

  tlm::tlm_extension_base* clone() const override { return new StridedAccess(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const StridedAccess&>(other);
  }
  // Address one past the last byte touched, for an access starting at `addr`.
  std::uint64_t end(std::uint64_t addr) const { return addr + (lines - 1) * stride_bytes + line_bytes; }
};

}  // namespace monde
