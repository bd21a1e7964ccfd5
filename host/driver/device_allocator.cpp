#include "host/driver/device_allocator.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <sstream>

namespace monde::driver {

namespace {

bool is_power_of_two(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

std::string hex(std::uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

}  // namespace

DeviceAllocator::DeviceAllocator(std::uint64_t base, std::uint64_t bytes) : base_(base), bytes_(bytes) {
  if (bytes == 0 || base > std::numeric_limits<std::uint64_t>::max() - bytes) {
    throw std::invalid_argument("DeviceAllocator: empty or wrapping range at " + hex(base) + " of " +
                                std::to_string(bytes) + " bytes");
  }
  free_.emplace(base, bytes);
}

std::uint64_t DeviceAllocator::allocate(std::uint64_t bytes, const std::string& what, std::uint64_t alignment,
                                        std::uint64_t lowest) {
  if (!is_power_of_two(alignment)) {
    throw std::invalid_argument("DeviceAllocator: alignment " + std::to_string(alignment) + " of '" + what +
                                "' is not a power of two");
  }
  // Rounded up so that the next block starts aligned too; overflow-safe for absurd requests.
  const std::uint64_t want = std::max<std::uint64_t>(bytes, 1);
  const bool too_big = want > bytes_;
  const std::uint64_t size = too_big ? 0 : (want + alignment - 1) / alignment * alignment;
  if (!too_big) {
    for (auto it = free_.begin(); it != free_.end(); ++it) {
      const std::uint64_t start = it->first, len = it->second;
      if (len <= lowest - std::min(lowest, start)) continue;  // ends at or below `lowest`
      const std::uint64_t from = std::max(start, lowest);
      const std::uint64_t at = (from + alignment - 1) / alignment * alignment;
      if (at < start || at - start >= len || len - (at - start) < size) continue;
      // Split [start, start + len) into a free head (padding), the block and a free tail.
      const std::uint64_t tail_start = at + size, tail_len = len - (at - start) - size;
      free_.erase(it);
      if (at > start) free_.emplace(start, at - start);
      if (tail_len > 0) free_.emplace(tail_start, tail_len);
      used_.emplace(at, size);
      in_use_ += size;
      return at;
    }
  }
  throw OutOfDeviceMemory("device memory exhausted allocating '" + what + "': " + std::to_string(bytes) +
                          " bytes aligned to " + std::to_string(alignment) + "; " + std::to_string(bytes_free()) +
                          " bytes free, largest free block " + std::to_string(largest_free_block()) + " bytes, " +
                          std::to_string(used_.size()) + " blocks in use");
}

void DeviceAllocator::release(std::uint64_t address) {
  const auto u = used_.find(address);
  if (u == used_.end()) {
    throw std::invalid_argument("DeviceAllocator: release of " + hex(address) + ", which is not an allocated block");
  }
  std::uint64_t start = u->first, len = u->second;
  in_use_ -= len;
  used_.erase(u);
  // Coalesce with the free neighbours so that first fit sees the largest possible blocks.
  auto next = free_.lower_bound(start);
  if (next != free_.end() && next->first == start + len) {
    len += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == start) {
      start = prev->first;
      len += prev->second;
      free_.erase(prev);
    }
  }
  free_.emplace(start, len);
}

std::uint64_t DeviceAllocator::largest_free_block() const {
  std::uint64_t best = 0;
  for (const auto& block : free_) best = std::max(best, block.second);
  return best;
}

std::uint64_t DeviceAllocator::block_bytes(std::uint64_t address) const {
  const auto u = used_.find(address);
  return u == used_.end() ? 0 : u->second;
}

}  // namespace monde::driver
