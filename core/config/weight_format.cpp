#include "core/config/weight_format.hpp"

#include <limits>
#include <string>

namespace monde::config {

namespace {
constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

// a * b saturating at 2^64-1: dimensions may come straight from untrusted descriptor bytes.
std::uint64_t sat_mul(std::uint64_t a, std::uint64_t b) { return (a != 0 && b > kMax / a) ? kMax : a * b; }
}  // namespace

const std::vector<EnumName<WeightFormat>>& names_of(WeightFormat) {
  static const std::vector<EnumName<WeightFormat>> n = {
      {WeightFormat::kBf16, "bf16"}, {WeightFormat::kInt8, "int8"}, {WeightFormat::kInt4, "int4"}};
  return n;
}

std::uint64_t weight_matrix_bytes(WeightFormat f, std::uint64_t rows, std::uint64_t cols) {
  const std::uint64_t bits = sat_mul(sat_mul(rows, cols), weight_bits(f));
  return bits == kMax ? kMax : bits / 8;
}

std::uint64_t scale_matrix_bytes(const WeightEncoding& e, std::uint64_t rows, std::uint64_t cols) {
  if (!e.quantised() || e.group_size == 0) return 0;
  return sat_mul(sat_mul(rows, cols / e.group_size), 2);
}

std::string describe(const WeightEncoding& e) {
  if (!e.quantised()) return "bf16";
  return std::string(to_string(e.format)) + "/g" + std::to_string(e.group_size);
}

}  // namespace monde::config
