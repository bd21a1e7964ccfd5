#include "tlm/memory/poison_model.hpp"

#include <algorithm>

namespace monde::mem {

namespace {
constexpr std::uint64_t kPoisonStream = 1;  // this model's stream of the fault seed
}

PoisonModel::PoisonModel(const config::DramPoisonConfig& config, std::uint64_t seed)
    : ranges_(config.ranges), random_(config.read_line_rate, seed, kPoisonStream) {}

PoisonedLines PoisonModel::read(std::uint64_t address, std::uint64_t line_bytes, std::uint64_t lines,
                                std::uint64_t stride) {
  PoisonedLines out;
  if (!enabled() || line_bytes == 0) return out;
  const auto add = [&out](std::uint64_t n, std::uint64_t offset) {
    if (n == 0) return;
    if (out.lines == 0 || offset < out.first_offset) out.first_offset = offset;
    out.lines += n;
  };
  for (std::uint64_t i = 0; i < lines; ++i) {
    const std::uint64_t start = address + i * stride, end = start + line_bytes;
    const std::uint64_t data0 = i * line_bytes;  // where this piece's bytes sit in the payload
    const std::uint64_t first_line = start / kLineBytes, last_line = (end - 1) / kLineBytes;
    const std::uint64_t n = last_line - first_line + 1;
    // Offset in the payload of the k-th 64 B line this piece touches.
    const auto offset_of = [&](std::uint64_t line) {
      const std::uint64_t a = line * kLineBytes;
      return data0 + (a > start ? a - start : 0);
    };
    for (const auto& r : ranges_) {
      // Poison is per 64 B line: a range poisons every line it touches.
      const std::uint64_t l0 = std::max(first_line, r.base / kLineBytes);
      const std::uint64_t l1 = std::min(last_line, (r.base + r.size - 1) / kLineBytes);
      if (l0 <= l1) add(l1 - l0 + 1, offset_of(l0));
    }
    const RareEvents::Hits h = random_.take(n);
    if (h.count > 0) add(h.count, offset_of(first_line + h.first));
  }
  if (out.lines > 0) {
    ++poisoned_reads_;
    poisoned_lines_ += out.lines;
  }
  return out;
}

}  // namespace monde::mem
