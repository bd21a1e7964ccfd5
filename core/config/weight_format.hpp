// Formats of expert weights resident in the device (docs/ndp_interface.md, "Quantised weights"):
// bf16, or weight-only symmetric int8 / int4 with one bf16 scale per output channel and per group
// of G weights along K. The layout arithmetic (bytes of a matrix and of its scales) lives here,
// once: the descriptor validation, the NDP units' DMA, the driver's placement and the NDP job-time
// formula all use it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/enum_names.hpp"

namespace monde::config {

enum class WeightFormat : std::uint8_t { kBf16, kInt8, kInt4 };
const std::vector<EnumName<WeightFormat>>& names_of(WeightFormat);

// Bits of one weight in device memory.
constexpr unsigned weight_bits(WeightFormat f) {
  return f == WeightFormat::kBf16 ? 16u : f == WeightFormat::kInt8 ? 8u : 4u;
}
constexpr bool is_quantised(WeightFormat f) { return f != WeightFormat::kBf16; }

// The largest code magnitude the quantiser produces (symmetric grid -qmax .. qmax; the hardware
// also accepts the one extra negative code, -128 / -8).
constexpr int quant_max(WeightFormat f) { return f == WeightFormat::kInt8 ? 127 : f == WeightFormat::kInt4 ? 7 : 0; }

// Group sizes G (weights along K sharing one scale) the NDP units take.
inline constexpr std::uint32_t kQuantGroupSizes[] = {32, 64, 128};
constexpr bool valid_group_size(std::uint32_t g) { return g == 32 || g == 64 || g == 128; }

// A weight format with its group size; group_size is 0 for bf16 (no scales).
struct WeightEncoding {
  WeightFormat format = WeightFormat::kBf16;
  std::uint32_t group_size = 0;

  bool quantised() const { return is_quantised(format); }
  bool operator==(const WeightEncoding& o) const { return format == o.format && group_size == o.group_size; }
  bool operator!=(const WeightEncoding& o) const { return !(*this == o); }
};

// Bytes of a [rows x cols] weight matrix (row-major, PyTorch [out x in]): rows x cols x bits / 8.
// cols is a multiple of 32 for every NDP tensor, so an int4 row is whole bytes. Saturates at 2^64-1.
std::uint64_t weight_matrix_bytes(WeightFormat f, std::uint64_t rows, std::uint64_t cols);
// Bytes of its scales: rows x (cols / G) bf16 (0 for bf16). Saturates at 2^64-1.
std::uint64_t scale_matrix_bytes(const WeightEncoding& e, std::uint64_t rows, std::uint64_t cols);

// "bf16", "int8/g128", ... for messages and stats.
std::string describe(const WeightEncoding& e);

}  // namespace monde::config
