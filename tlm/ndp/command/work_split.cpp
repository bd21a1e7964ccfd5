// Column-parallel work split (work_split.hpp).
#include "tlm/ndp/command/work_split.hpp"

#include <algorithm>
#include <stdexcept>

namespace monde::ndp {

IndexRange unit_slice(std::uint32_t n, std::uint32_t units, std::uint32_t unit,
                      std::uint32_t granule) {
  if (units == 0 || granule == 0 || unit >= units) {
    throw std::invalid_argument("unit_slice: need units > 0, granule > 0, unit < units");
  }
  // 64-bit so that n close to 2^32 cannot overflow the tile arithmetic.
  const std::uint64_t tiles = (std::uint64_t{n} + granule - 1) / granule;
  const std::uint64_t base = tiles / units, extra = tiles % units;
  const std::uint64_t first_tile = unit * base + std::min<std::uint64_t>(unit, extra);
  const std::uint64_t n_tiles = base + (unit < extra ? 1 : 0);
  const std::uint64_t begin = std::min<std::uint64_t>(first_tile * granule, n);
  const std::uint64_t end = std::min<std::uint64_t>((first_tile + n_tiles) * granule, n);
  return {static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(end)};
}

}  // namespace monde::ndp
