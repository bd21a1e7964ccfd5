// Lane access on a Verilated port: lane i of `width` bits at bit i x width, whether Verilator
// made the port a plain integer (<= 64 bits) or a VlWide word array (> 64 bits), so that any
// ROWS x COLS build works. Header only, no Verilator include: the RTL engine and the leaf
// regression share it.
#pragma once

#include <cstdint>
#include <type_traits>

namespace monde::ndp {

template <typename Port>
void put_lane(Port& port, unsigned lane, unsigned width, std::uint32_t value) {
  const unsigned lsb = lane * width;
  const std::uint64_t mask = (width == 32) ? 0xFFFFFFFFull : ((1ull << width) - 1);
  if constexpr (std::is_integral_v<Port>) {
    auto p = static_cast<std::uint64_t>(port);
    p = (p & ~(mask << lsb)) | ((std::uint64_t(value) & mask) << lsb);
    port = static_cast<Port>(p);
  } else {
    auto& word = port[lsb / 32];
    const unsigned sh = lsb % 32;
    word = static_cast<std::uint32_t>((word & ~(mask << sh)) | ((std::uint64_t(value) & mask) << sh));
  }
}

template <typename Port>
std::uint32_t get_lane(const Port& port, unsigned lane, unsigned width) {
  const unsigned lsb = lane * width;
  const std::uint64_t mask = (width == 32) ? 0xFFFFFFFFull : ((1ull << width) - 1);
  if constexpr (std::is_integral_v<Port>) {
    return static_cast<std::uint32_t>((static_cast<std::uint64_t>(port) >> lsb) & mask);
  } else {
    return static_cast<std::uint32_t>((port[lsb / 32] >> (lsb % 32)) & mask);
  }
}

}  // namespace monde::ndp
