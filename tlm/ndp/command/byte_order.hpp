// Little-endian field access for the NDP in-memory formats (descriptor, completion entry).
// The formats are defined byte by byte, so encoding never depends on the host's endianness or
// on struct padding.
#pragma once

#include <cstddef>
#include <cstdint>

namespace monde::ndp {

template <typename T>
void store_le(std::uint8_t* p, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    p[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(v) >> (8 * i));
  }
}

template <typename T>
T load_le(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return static_cast<T>(v);
}

}  // namespace monde::ndp
