// Device-memory allocator of the host driver: hands out byte ranges of the device's HDM range
// for rings, expert weights and per-job activation buffers. No SystemC.
//
// First fit over an address-ordered free list, with coalescing on release. The driver's
// allocations are few and large (whole tensors), so a first-fit list is simple and exact:
// no size classes, and freeing a job's buffers gives back precisely the bytes it took. Every
// block is rounded up to its alignment (default 4 KiB, a page: tensors never share a page, so
// a DMA overrun of one tensor is visible as an overlap error rather than silent corruption),
// and a zero-byte request still gets one aligned unit so that every tensor has its own address.
//
// With the default HDM decoder the host physical address equals the device physical address,
// so the addresses handed out here go into job descriptors unchanged.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

namespace monde::driver {

inline constexpr std::uint64_t kTensorAlignment = 4096;

// Thrown when no free block fits; what() names the request ("w_up of expert 3"), its size and
// alignment, and how much memory is free and in the largest block.
class OutOfDeviceMemory : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class DeviceAllocator {
 public:
  // Manages [base, base + bytes). Throws std::invalid_argument when the range is empty or wraps.
  DeviceAllocator(std::uint64_t base, std::uint64_t bytes);

  // First fit at or above `lowest` (0: anywhere). `alignment` must be a power of two. `what`
  // names the request in errors. Throws OutOfDeviceMemory when nothing fits.
  std::uint64_t allocate(std::uint64_t bytes, const std::string& what, std::uint64_t alignment = kTensorAlignment,
                         std::uint64_t lowest = 0);
  // Returns a block from allocate(). Throws std::invalid_argument for an address that is not the
  // start of a live block (a double free or a stray address is a driver bug, never ignored).
  void release(std::uint64_t address);

  std::uint64_t base() const { return base_; }
  std::uint64_t capacity() const { return bytes_; }
  std::uint64_t bytes_in_use() const { return in_use_; }
  std::uint64_t bytes_free() const { return bytes_ - in_use_; }
  std::uint64_t largest_free_block() const;
  std::size_t live_blocks() const { return used_.size(); }
  // Size of the live block at `address` (its rounded size); 0 when there is none.
  std::uint64_t block_bytes(std::uint64_t address) const;

 private:
  std::uint64_t base_, bytes_;
  std::uint64_t in_use_ = 0;
  std::map<std::uint64_t, std::uint64_t> free_;  // start -> length, address order, coalesced
  std::map<std::uint64_t, std::uint64_t> used_;  // start -> length (including alignment padding)
};

}  // namespace monde::driver
