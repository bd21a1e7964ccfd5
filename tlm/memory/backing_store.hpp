// Sparse byte store behind the device memory: 4 KiB pages allocated on first write, reads of
// never-written memory return zeros. A 64 GiB device costs memory only for what a run
// writes. With `data: timing_only` the models do not touch it at all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>

namespace monde::mem {

class BackingStore {
 public:
  static constexpr std::uint64_t kPageBytes = 4096;

  explicit BackingStore(std::uint64_t capacity_bytes);

  std::uint64_t capacity() const { return capacity_; }
  // Both throw std::out_of_range when [addr, addr + len) leaves the capacity.
  void read(std::uint64_t addr, unsigned char* dst, std::size_t len) const;
  // byte_enable (optional, TLM semantics): byte i is written when
  // byte_enable[i % be_len] == 0xFF.
  void write(std::uint64_t addr, const unsigned char* src, std::size_t len,
             const unsigned char* byte_enable = nullptr, std::size_t be_len = 0);
  // The page holding `addr`, allocated if needed (for DMI, which is granted a page at a time).
  unsigned char* page(std::uint64_t addr, std::uint64_t& page_base);

  std::size_t allocated_pages() const { return pages_.size(); }

 private:
  void check(std::uint64_t addr, std::size_t len) const;
  std::uint64_t capacity_;
  std::unordered_map<std::uint64_t, std::unique_ptr<unsigned char[]>> pages_;
};

}  // namespace monde::mem
