// Ring index arithmetic (ring_index.hpp).
#include "tlm/ndp/command/ring_index.hpp"

#include <stdexcept>
#include <string>

namespace monde::ndp {

bool RingIndex::valid_size(std::uint32_t size) {
  return size >= kMinSize && size <= kMaxSize && (size & (size - 1)) == 0;
}

RingIndex::RingIndex(std::uint32_t size) : size_(size) {
  if (!valid_size(size)) {
    throw std::invalid_argument("RingIndex: size " + std::to_string(size) +
                                " is not a power of two in [2, 4096]");
  }
}

}  // namespace monde::ndp
