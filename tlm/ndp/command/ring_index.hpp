// Index arithmetic of the submission and completion rings (docs/ndp_interface.md, "Rings").
// Producer index `tail`, consumer index `head`, both in [0, size). One slot always stays free:
// head == tail means empty and next(tail) == head means full, so a ring of `size` entries holds
// at most size - 1 (NVMe's convention; no shared count is needed). Sizes are powers of two so
// wrap-around is a mask.
#pragma once

#include <cstdint>

namespace monde::ndp {

class RingIndex {
 public:
  static constexpr std::uint32_t kMinSize = 2;
  static constexpr std::uint32_t kMaxSize = 4096;

  // A power of two in [kMinSize, kMaxSize].
  static bool valid_size(std::uint32_t size);

  // Throws std::invalid_argument unless valid_size(size).
  explicit RingIndex(std::uint32_t size);

  std::uint32_t size() const { return size_; }
  bool valid_index(std::uint32_t i) const { return i < size_; }
  std::uint32_t next(std::uint32_t i) const { return (i + 1) & (size_ - 1); }
  // True when advancing i wraps to 0: the completion producer flips its phase there.
  bool wraps(std::uint32_t i) const { return next(i) == 0; }

  bool empty(std::uint32_t head, std::uint32_t tail) const { return head == tail; }
  bool full(std::uint32_t head, std::uint32_t tail) const { return next(tail) == head; }
  // Entries between head (inclusive) and tail (exclusive).
  std::uint32_t count(std::uint32_t head, std::uint32_t tail) const {
    return (tail - head) & (size_ - 1);
  }
  std::uint32_t free_slots(std::uint32_t head, std::uint32_t tail) const {
    return size_ - 1 - count(head, tail);
  }

 private:
  std::uint32_t size_;
};

}  // namespace monde::ndp
