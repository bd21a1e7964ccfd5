#include "tlm/ndp/mac_cycle_engine.hpp"

#include <stdexcept>

#include "core/perf/mac_cycles.hpp"
#include "tlm/ndp/numerics/golden_gemm.hpp"

namespace monde::ndp {

CycleMacEngine::CycleMacEngine(const config::MacArrayShape& shape)
    : shape_(shape), acc_(std::size_t(shape.rows) * shape.cols, num::kFp32PosZero) {}

MacTileResult CycleMacEngine::run_tile(const MacTile& tile) {
  if (auto err = check_tile(shape_, tile); !err.empty()) throw std::invalid_argument(err);

  MacTileResult r;
  r.rows = tile.rows;
  r.cols = tile.cols;
  r.c_fp32.resize(std::size_t(tile.rows) * tile.cols);
  // The valid sub-block of the accumulators is the golden model's C (in/out).
  for (unsigned i = 0; i < tile.rows; ++i) {
    for (unsigned j = 0; j < tile.cols; ++j) r.c_fp32[i * tile.cols + j] = acc_[i * shape_.cols + j];
  }
  // A quantised B enters the PEs as its dequantised bf16 operands (docs/mac_array.md).
  const std::vector<num::bf16_t> dequantised =
      tile.b_format == config::WeightFormat::kBf16 ? std::vector<num::bf16_t>{} : b_operands(tile);
  const num::bf16_t* b = tile.b_format == config::WeightFormat::kBf16 ? tile.b.data() : dequantised.data();
  num::golden_tile_gemm(tile.a.data(), b, r.c_fp32.data(), tile.rows, tile.cols, tile.k, tile.first);
  r.c_bf16.resize(r.c_fp32.size());
  for (std::size_t i = 0; i < r.c_fp32.size(); ++i) r.c_bf16[i] = num::to_bf16(r.c_fp32[i]);
  for (unsigned i = 0; i < tile.rows; ++i) {
    for (unsigned j = 0; j < tile.cols; ++j) acc_[i * shape_.cols + j] = r.c_fp32[i * tile.cols + j];
  }
  r.cycles = perf::mac_tile_cycles(tile.k, tile.rows);
  return r;
}

}  // namespace monde::ndp
