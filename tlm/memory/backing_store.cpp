#include "tlm/memory/backing_store.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace monde::mem {

BackingStore::BackingStore(std::uint64_t capacity_bytes) : capacity_(capacity_bytes) {}

void BackingStore::check(std::uint64_t addr, std::size_t len) const {
  if (addr > capacity_ || len > capacity_ - addr) {
    throw std::out_of_range("device memory access [0x" + std::to_string(addr) + ", +" + std::to_string(len) +
                            ") is outside the capacity of " + std::to_string(capacity_) + " bytes");
  }
}

void BackingStore::read(std::uint64_t addr, unsigned char* dst, std::size_t len) const {
  check(addr, len);
  while (len > 0) {
    const std::uint64_t base = addr & ~(kPageBytes - 1);
    const std::size_t off = static_cast<std::size_t>(addr - base);
    const std::size_t n = std::min<std::size_t>(len, kPageBytes - off);
    auto it = pages_.find(base);
    if (it == pages_.end()) {
      std::memset(dst, 0, n);
    } else {
      std::memcpy(dst, it->second.get() + off, n);
    }
    addr += n;
    dst += n;
    len -= n;
  }
}

unsigned char* BackingStore::page(std::uint64_t addr, std::uint64_t& page_base) {
  check(addr, 1);
  page_base = addr & ~(kPageBytes - 1);
  auto& p = pages_[page_base];
  if (!p) {
    p = std::make_unique<unsigned char[]>(kPageBytes);
    std::memset(p.get(), 0, kPageBytes);
  }
  return p.get();
}

void BackingStore::write(std::uint64_t addr, const unsigned char* src, std::size_t len,
                         const unsigned char* byte_enable, std::size_t be_len) {
  check(addr, len);
  std::size_t done = 0;
  while (done < len) {
    std::uint64_t base = 0;
    unsigned char* p = page(addr + done, base);
    const std::size_t off = static_cast<std::size_t>(addr + done - base);
    const std::size_t n = std::min<std::size_t>(len - done, kPageBytes - off);
    if (byte_enable == nullptr || be_len == 0) {
      std::memcpy(p + off, src + done, n);
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        if (byte_enable[(done + i) % be_len] == 0xFF) p[off + i] = src[done + i];
      }
    }
    done += n;
  }
}

}  // namespace monde::mem
