// Completion entry encoding (completion_entry.hpp).
#include "tlm/ndp/command/completion_entry.hpp"

#include <algorithm>

#include "tlm/ndp/command/byte_order.hpp"

namespace monde::ndp {
namespace {

std::uint32_t saturate32(std::uint64_t v) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(v, 0xFFFFFFFFu));
}

}  // namespace

bool CompletionEntry::operator==(const CompletionEntry& o) const {
  return job_tag == o.job_tag && sq_head == o.sq_head && status == o.status &&
         error_code == o.error_code && phase == o.phase && total_cycles == o.total_cycles &&
         mac_busy_cycles == o.mac_busy_cycles && dma_bytes_read == o.dma_bytes_read &&
         dma_bytes_written == o.dma_bytes_written;
}

CompletionEntry make_error_completion(std::uint32_t job_tag, std::uint16_t sq_head,
                                      NdpErrorCode code, bool phase) {
  CompletionEntry e;
  e.job_tag = job_tag;
  e.sq_head = sq_head;
  e.status = CompletionStatus::kError;
  e.error_code = code;
  e.phase = phase;
  return e;
}

std::array<std::uint8_t, kCompletionEntryBytes> encode(const CompletionEntry& e) {
  std::array<std::uint8_t, kCompletionEntryBytes> b{};
  std::uint8_t* p = b.data();
  store_le(p + cqe_off::kJobTag, e.job_tag);
  store_le(p + cqe_off::kSqHead, e.sq_head);
  store_le(p + cqe_off::kDmaBytesRead, e.dma_bytes_read);
  store_le(p + cqe_off::kTotalCycles, saturate32(e.total_cycles));
  store_le(p + cqe_off::kMacBusyCycles, saturate32(e.mac_busy_cycles));
  store_le(p + cqe_off::kDmaBytesWritten, saturate32(e.dma_bytes_written));
  store_le(p + cqe_off::kErrorCode, static_cast<std::uint16_t>(e.error_code));
  p[cqe_off::kStatus] = static_cast<std::uint8_t>(e.status);
  p[cqe_off::kPhase] = e.phase ? 1u : 0u;
  return b;
}

CompletionEntry decode_completion(const std::uint8_t* p) {
  CompletionEntry e;
  e.job_tag = load_le<std::uint32_t>(p + cqe_off::kJobTag);
  e.sq_head = load_le<std::uint16_t>(p + cqe_off::kSqHead);
  e.dma_bytes_read = load_le<std::uint64_t>(p + cqe_off::kDmaBytesRead);
  e.total_cycles = load_le<std::uint32_t>(p + cqe_off::kTotalCycles);
  e.mac_busy_cycles = load_le<std::uint32_t>(p + cqe_off::kMacBusyCycles);
  e.dma_bytes_written = load_le<std::uint32_t>(p + cqe_off::kDmaBytesWritten);
  // Both enums have a fixed underlying type, so any raw value is representable.
  e.error_code = static_cast<NdpErrorCode>(load_le<std::uint16_t>(p + cqe_off::kErrorCode));
  e.status = static_cast<CompletionStatus>(p[cqe_off::kStatus]);
  e.phase = (p[cqe_off::kPhase] & 1u) != 0;
  return e;
}

}  // namespace monde::ndp
