#include "tlm/ndp/mac_tile.hpp"

#include "tlm/ndp/numerics/quant.hpp"

namespace monde::ndp {

namespace {
std::string range(const char* field, unsigned v, unsigned lo, unsigned hi) {
  return std::string(field) + " = " + std::to_string(v) + " is out of range (allowed " +
         std::to_string(lo) + ".." + std::to_string(hi) + ")";
}
}  // namespace

std::string check_tile(const config::MacArrayShape& shape, const MacTile& tile) {
  if (tile.rows < 1 || tile.rows > shape.rows) return range("rows", tile.rows, 1, shape.rows);
  if (tile.cols < 1 || tile.cols > shape.cols) return range("cols", tile.cols, 1, shape.cols);
  if (tile.k < 1 || tile.k > kMaxTileK) return range("k", tile.k, 1, kMaxTileK);
  const std::size_t want_a = std::size_t(tile.rows) * tile.k;
  const std::size_t want_b = std::size_t(tile.k) * tile.cols;
  if (tile.a.size() != want_a) {
    return "A has " + std::to_string(tile.a.size()) + " elements, rows x k needs " + std::to_string(want_a);
  }
  if (tile.b_format == config::WeightFormat::kBf16) {
    if (tile.b.size() != want_b) {
      return "B has " + std::to_string(tile.b.size()) + " elements, k x cols needs " + std::to_string(want_b);
    }
    return {};
  }
  const char* fmt = config::to_string(tile.b_format);
  if (tile.b_codes.size() != want_b || tile.b_scales.size() != want_b) {
    return std::string(fmt) + " B has " + std::to_string(tile.b_codes.size()) + " codes and " +
           std::to_string(tile.b_scales.size()) + " scales, k x cols needs " + std::to_string(want_b) + " of each";
  }
  if (tile.b_format == config::WeightFormat::kInt4) {
    for (std::size_t i = 0; i < tile.b_codes.size(); ++i) {
      if (tile.b_codes[i] > 0x0F) {
        return "int4 B code " + std::to_string(i) + " is " + std::to_string(tile.b_codes[i]) + " (allowed 0..15)";
      }
    }
  }
  return {};
}

std::vector<num::bf16_t> b_operands(const MacTile& tile) {
  if (tile.b_format == config::WeightFormat::kBf16) return tile.b;
  std::vector<num::bf16_t> out(tile.b_codes.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = num::weight_operand(tile.b_format, tile.b_codes[i], tile.b_scales[i]);
  }
  return out;
}

}  // namespace monde::ndp
