// Compares tile results with expectations and describes each mismatch the way a
// verification engineer needs it: tile, index, the inputs that fed it, and both values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tlm/ndp/mac_tile.hpp"
#include "tlm/ndp/mac_vectors.hpp"

namespace monde::ndp {

struct Mismatch {
  std::string tile;
  std::string what;  // "fp32", "bf16" or "cycles"
  unsigned row = 0;
  unsigned col = 0;
  std::uint64_t got = 0;
  std::uint64_t expected = 0;
  std::string inputs;  // A row and B column feeding C[row][col] (first few values)
};

// Every difference between `result` and the expectations present in `vt`.
std::vector<Mismatch> check_result(const VectorTile& vt, const MacTileResult& result);
// Every difference between two results of the same tile (e.g. rtl against cycle).
std::vector<Mismatch> compare_results(const std::string& name, const MacTile& tile, const MacTileResult& got,
                                      const MacTileResult& expected);

std::string describe(const Mismatch& m);
// fp32/bf16 encodings as readable numbers (display only: never used for arithmetic).
std::string fp32_text(num::fp32_t x);
std::string bf16_text(num::bf16_t x);

}  // namespace monde::ndp
