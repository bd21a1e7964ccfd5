#include "tlm/ndp/mac_tile.hpp"

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
  if (tile.b.size() != want_b) {
    return "B has " + std::to_string(tile.b.size()) + " elements, k x cols needs " + std::to_string(want_b);
  }
  return {};
}

}  // namespace monde::ndp
